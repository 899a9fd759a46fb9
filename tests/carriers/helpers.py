"""Set-up for carriers tests: an own-label carrier with a method and a default rule, and a shipped fulfillment."""

from decimal import Decimal

from orderly.carriers.services import carrier_create, rule_create
from orderly.core.actors import Actor
from orderly.orders.models import Order
from orderly.shipping.services import fulfillment_create
from tests.factories import VariantFactory, address, make_order

SYSTEM = Actor.system()
WEBHOOK_SECRET = "own-courier-webhook-secret-0123"
SENDER = address(name="Roastery Orderly", line1="Havenstraat 1", postal_code="3011 AA", city="Rotterdam",
                 email="ship@roastery.example")  # fmt: skip


def own_carrier(name="Own courier", *, max_weight="10", countries=("NL", "BE"), rule=True, **kwargs):
    account = carrier_create(
        name=name, kind="own", actor=SYSTEM, sender_address=SENDER, credentials={"webhook_secret": WEBHOOK_SECRET},
        settings={"tracking_url": "https://track.example/{tracking_number}"},
        methods=[{"code": "standard", "name": "Standard", "countries": list(countries), "max_weight_kg": max_weight},
                 {"code": "express", "name": "Express", "countries": [], "max_weight_kg": None}],
        **kwargs,
    )  # fmt: skip
    if rule:
        rule_create(data={"country": "NL", "carrier": account.name, "method": "standard"}, actor=SYSTEM)
    return account


def shipped(units=2, *, weight="0.270", country="NL", delivery_method="", carrier="", sku=None, **place):
    """An open order of `units` of one variant (no stock kept) fulfilled in full, without a carrier."""
    variant = VariantFactory(weight=Decimal(weight), **({"sku": sku} if sku else {}))
    order = make_order(
        items=[{"sku": variant.sku, "quantity": units, "unit_price": "8.50", "tax_rate": "9",
                "options": {"allocate": False}}],
        shipping_address=address(**{"country": country, "postal_code": "1015 CJ" if country == "NL" else "1000",
                                    **place}),
    )  # fmt: skip
    if delivery_method:  # as the shop's import keeps it: orders take it from channels, not from a person
        Order.objects.filter(pk=order.pk).update(delivery_method=delivery_method)
        order.refresh_from_db()
    return order, fulfillment_create(order=order, actor=SYSTEM, carrier=carrier)
