from decimal import Decimal

import pytest

from orderly.catalog.exceptions import InactiveVariant, UnknownSku
from orderly.channels.selectors import manual_channel
from orderly.core.actors import Actor
from orderly.core.exceptions import ValidationError
from orderly.orders.models import Address, Order, OrderEvent, OrderItem
from orderly.orders.services import order_create
from tests.factories import ProductFactory, VariantFactory, address, make_order


def _nothing_written():
    assert Order.all_objects.count() == 0
    assert OrderItem.objects.count() == 0
    assert Address.objects.count() == 0
    assert OrderEvent.objects.count() == 0


def test_numbers_count_up_from_one(db):
    first, second = make_order(), make_order()
    assert (first.number, second.number) == ("OR-000001", "OR-000002")


def test_totals_are_computed_from_items(db):
    coffee = VariantFactory(sku="ESP-250", price=Decimal("8.50"), tax_rate=Decimal("9"))
    mug = VariantFactory(sku="MUG-1", price=Decimal("12.00"), tax_rate=Decimal("21"))
    order = make_order(
        items=[
            {"sku": "ESP-250", "quantity": 3},  # price and tax from the catalog: 25.50, tax 2.30 (2.295 rounds up)
            {
                "sku": "MUG-1",
                "quantity": 1,
                "unit_price": "12.00",
                "discount": "2.00",
                "adjustments": [{"label": "Gift wrap", "amount": "1.50"}],
            },
        ]
    )
    first, second = order.items.order_by("line_no")
    assert (first.variant, first.unit_price, first.line_subtotal, first.line_tax) == (
        coffee,
        Decimal("8.50"),
        Decimal("25.50"),
        Decimal("2.30"),
    )
    assert (second.variant, second.line_subtotal, second.line_tax, second.line_total) == (
        mug,
        Decimal("13.50"),
        Decimal("2.42"),
        Decimal("13.92"),
    )
    order.refresh_from_db()
    assert (order.item_count, order.subtotal, order.discount_total, order.tax_total, order.total) == (
        2,
        Decimal("39.00"),
        Decimal("2.00"),
        Decimal("4.72"),
        Decimal("41.72"),
    )


def test_item_keeps_every_parameter(db):
    VariantFactory(sku="ESP-250")
    order = make_order(
        items=[
            {
                "sku": "ESP-250",
                "quantity": 1,
                "unit_price": "8.50",
                "purchase_price": "3.10",
                "commission": "0.85",
                "identifiers": {"grind": "whole bean", "size": "250 g"},
                "position": "A-01-03",
                "options": {"allocate": True, "fulfil": True, "cover": False, "invoice": False},
                "delivery_type": "collect",
                "delivery_method": "Pick-up counter",
                "expected_on": "2026-12-01",
                "metadata": {"gift": True},
            }
        ]
    )
    item = order.items.get()
    assert item.purchase_price == Decimal("3.10")
    assert item.commission == Decimal("0.85")
    assert item.identifiers == {"grind": "whole bean", "size": "250 g"}
    assert item.position == "A-01-03"
    assert item.options == {"allocate": True, "fulfil": True, "cover": False, "invoice": False}
    assert (item.delivery_type, item.delivery_method, str(item.expected_on)) == (
        "collect",
        "Pick-up counter",
        "2026-12-01",
    )
    assert item.metadata == {"gift": True}
    assert item.status == "open"


def test_created_event_names_the_actor(operator):
    order = make_order(actor=Actor.for_user(operator), status="draft")
    event = order.events.get()
    assert (event.kind, event.actor_kind, event.actor_name, event.actor_user) == ("created", "user", "olga", operator)
    assert order.status == "draft"
    assert order.items.get().status == "draft"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer": {"name": "", "email": "a@example.com"}}, "customer.name"),
        ({"customer": {"name": "Anna", "email": "not-an-email"}}, "customer.email"),
        ({"customer": {"name": "Anna", "type": "vip"}}, "customer.type"),
        ({"customer": {"name": "x" * 201}}, "customer.name"),
        ({"shipping_address": address(country="XX")}, "shipping_address.country"),
        ({"shipping_address": address(country="Netherlands")}, "shipping_address.country"),
        ({"shipping_address": address(city="")}, "shipping_address.city"),
        ({"shipping_address": address(line1="y" * 201)}, "shipping_address.line1"),
        ({"billing_address": address(postal_code="")}, "billing_address.postal_code"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "ABC"}, "currency"),
        ({"items": []}, "items"),
        ({"items": [{"sku": "ESP-250", "quantity": 0}]}, "items[0].quantity"),
        ({"items": [{"sku": "ESP-250", "quantity": -2}]}, "items[0].quantity"),
        ({"items": [{"sku": "ESP-250", "quantity": 1.5}]}, "items[0].quantity"),
        ({"items": [{"sku": "ESP-250", "quantity": 1, "unit_price": "-1"}]}, "items[0].unit_price"),
        ({"items": [{"sku": "ESP-250", "quantity": 1, "unit_price": "1.234"}]}, "items[0].unit_price"),
        ({"items": [{"sku": "ESP-250", "quantity": 1, "tax_rate": "101"}]}, "items[0].tax_rate"),
        ({"items": [{"sku": "ESP-250", "quantity": 1, "discount": "99"}]}, "items[0].discount"),
        ({"items": [{"sku": "ESP-250", "quantity": 1, "delivery_type": "drone"}]}, "items[0].delivery_type"),
        ({"items": [{"sku": "ESP-250", "quantity": 1, "expected_on": "tomorrow"}]}, "items[0].expected_on"),
        ({"items": [{"sku": "ESP-250", "quantity": 1, "options": {"teleport": True}}]}, "items[0].options"),
        ({"items": [{"sku": "ESP-250", "quantity": 1}, {"sku": "ESP-250", "quantity": "x"}]}, "items[1].quantity"),
        ({"status": "closed"}, "status"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(db, change, field):
    VariantFactory(sku="ESP-250", price=Decimal("8.50"))
    data = {
        "channel": manual_channel(),
        "customer": {"name": "Anna", "email": "anna@example.com", "type": "retail"},
        "shipping_address": address(),
        "items": [{"sku": "ESP-250", "quantity": 1}],
        "actor": Actor.system(),
    }
    data.update(change)
    with pytest.raises(ValidationError) as refused:
        order_create(**data)
    assert refused.value.field == field
    assert field.split("[")[0].split(".")[0] in refused.value.message or field in refused.value.message
    _nothing_written()


def test_unknown_sku_is_refused_for_manual_orders(db):
    with pytest.raises(UnknownSku) as refused:
        make_order(items=[{"sku": "NOPE-1", "quantity": 1, "unit_price": "1.00"}])
    assert (refused.value.field, refused.value.sku) == ("items[0].sku", "NOPE-1")
    _nothing_written()


@pytest.mark.parametrize("inactive", ["variant", "product"])
def test_inactive_product_cannot_be_ordered(db, inactive):
    product = ProductFactory(is_active=inactive != "product")
    VariantFactory(sku="OLD-250", product=product, is_active=inactive != "variant")
    with pytest.raises(InactiveVariant) as refused:
        make_order(items=[{"sku": "OLD-250", "quantity": 1}])
    assert refused.value.field == "items[0].sku"
    assert "OLD-250" in refused.value.message
    _nothing_written()


def test_import_with_unknown_sku_is_recorded_with_an_error_that_says_how_to_fix_it(db):
    order = make_order(
        items=[{"sku": "SHOP-99", "quantity": 1, "unit_price": "5.00"}],
        strict=False,
        external_id="1001",
        external_ref="#1001",
    )
    assert order.error_code == "unknown_sku"
    assert "SHOP-99" in order.error_message
    assert "reset the order" in order.error_fix
    assert tuple(order.badge) == ("Error", "error")
    assert list(order.events.order_by("id").values_list("kind", flat=True)) == ["created", "error_raised"]


def test_same_channel_and_external_id_cannot_be_stored_twice(db):
    from django.db import IntegrityError, transaction

    make_order(external_id="A-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_order(external_id="A-1")
