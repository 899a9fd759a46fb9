"""The orders list and an order's detail are sent as built (`orderly.api.answers`), not validated into OrderOut and
OrderPage per request: these tests hold every such answer to those schemas, byte for byte, over orders that use
every part of the answer (charges and the shop's figures, a billing address, an item's adjustments, identifiers,
metadata and options, an error, archived, canceled and draft orders)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import JsonResponse
from ninja.responses import NinjaJSONEncoder

from orderly.api.schemas.orders import OrderOut, OrderPage
from orderly.channels.selectors import manual_channel
from orderly.core.actors import Actor
from orderly.orders import services
from orderly.orders.models import OrderItem
from tests.factories import VariantFactory, address, make_order

pytestmark = pytest.mark.django_db


def varied_orders() -> list[str]:
    """Orders whose answers use every field of OrderOut with a value and without one; their numbers."""
    system = Actor.system()
    plain, other = VariantFactory(), VariantFactory()
    shop_order = make_order(
        items=[
            {
                "sku": plain.sku,
                "quantity": 3,
                "unit_price": "10.00",
                "tax_rate": "14.975",
                "discount": "1.25",
                "tax_lines": [
                    {"title": "GST", "rate": "5", "amount": "1.50"},
                    {"title": "QST", "rate": "9.975", "amount": "2.99"},
                ],
                "adjustments": [{"label": "Gift wrap", "amount": "2.50"}],
                "purchase_price": "4.10",
                "commission": "0.75",
                "identifiers": {"colour": "black", "size": "250 g", "ean": "8712345678906"},
                "position": "A-01-3",
                "metadata": {"note": "Crème brûlée — ½ kilo", "gift": True, "count": 2, "nested": {"a": [1, 2]}},
                "options": {"allocate": False, "fulfil": True, "cover": False, "invoice": True},
                "expected_on": dt.date(2026, 12, 24),
            },
            {"sku": other.sku, "quantity": 1, "unit_price": "0.99", "tax_rate": "0"},
        ],
        currency="USD",
        order_date=dt.datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=dt.UTC),
        external_ref="#1042",
        notes="Leave at the neighbours",
        customer={"name": "Zoë Dupont", "email": "zoe@example.com", "type": "wholesale", "vat_number": "DE123456789"},
        billing_address=address(company="Café Noir", line2="2nd floor", region="QC", phone="+1 514 555 0100"),
        shop={
            "charges": [
                {
                    "kind": "shipping",
                    "title": "Canada Post Expedited",
                    "code": "canada-post-expedited",
                    "amount": "12.00",
                    "discount": "2.00",
                    "tax_lines": [{"title": "GST", "rate": "5", "amount": "0.50"}],
                },
                {"kind": "fee", "title": "Gift wrapping", "amount": "3.00"},
            ],
            "delivery_method": "canada-post-expedited",
            "discount_codes": [{"code": "SHIP2", "type": "fixed_amount", "amount": "2.00"}],
            "shop_money": {"currency": "CAD", "total": "66.79", "tax": "8.06", "subtotal": "40.80"},
            "stated_total": "49.99",
        },
    )
    in_error = services.order_create(
        channel=manual_channel(),
        customer={"name": "Anna de Vries", "email": "", "type": "retail"},
        items=[{"sku": "NO-SUCH-SKU", "quantity": 2, "unit_price": "5.00"}],
        shipping_address=address(),
        strict=False,
        actor=system,
    )
    draft = make_order(status="draft")
    canceled = make_order()
    services.order_cancel(order=canceled, actor=system)
    archived = make_order()
    services.order_archive(order=archived, actor=system)
    # A counter moved by a process: the item's indicators are not all zero.
    OrderItem.objects.filter(order=draft).update(qty_available=1)
    return [shop_order.number, in_error.number, draft.number, canceled.number, archived.number]


def as_ninja_sends(schema, data) -> bytes:
    """The answer ninja would send for `data` declared as `schema`: validated into it, dumped, encoded."""
    return JsonResponse(schema.model_validate(data).model_dump(), encoder=NinjaJSONEncoder, safe=False).content


def test_every_order_s_detail_is_what_its_schema_would_send(api):
    numbers = varied_orders()

    for number in numbers:
        response = api.get(f"/orders/{number}", role="viewer")
        assert response.status_code == 200, response.content
        assert response.content == as_ninja_sends(OrderOut, response.json()), number
    shop_order = api.get(f"/orders/{numbers[0]}", role="viewer").json()
    assert shop_order["order_date"] == "2025-03-01T09:00:00.123Z"
    assert shop_order["items"][0]["metadata"]["note"] == "Crème brûlée — ½ kilo"
    assert Decimal(shop_order["totals"]["total"]) > 0
    assert api.get(f"/orders/{numbers[1]}", role="viewer").json()["error"]["code"] == "unknown_sku"
    assert api.get(f"/orders/{numbers[2]}", role="viewer").json()["billing_address"] is None


def test_every_page_of_the_list_is_what_its_schema_would_send(api):
    varied_orders()

    for path in ("/orders?archived=all&page_size=2", "/orders?archived=all&page_size=50&sort=total", "/orders"):
        while path:
            response = api.get(path.removeprefix("http://testserver/api/v1"), role="viewer")
            assert response.status_code == 200, response.content
            assert response.content == as_ninja_sends(OrderPage, response.json()), path
            path = response.json()["next"]
