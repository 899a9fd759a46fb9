"""bench/bulk_orders.py writes orders the app can read, with the figures its own services would give them."""

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction

from orderly.billing.models import Invoice, InvoiceLine, Payment
from orderly.core.actors import Actor
from orderly.core.models import NumberSequence
from orderly.orders.models import ITEM_COUNTERS, Order, OrderEvent, OrderItem
from orderly.orders.services.settling import order_settle
from orderly.shipping.models import Fulfillment, FulfillmentLine
from tests.factories import VariantFactory, make_order

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bulk_orders

pytestmark = pytest.mark.django_db
ORDERS = 200


@pytest.fixture
def loaded():
    return bulk_orders.load(ORDERS, progress=lambda message: None)


def test_the_load_writes_the_rows_it_reports_with_three_items_an_order(loaded):
    assert loaded["orders_order"] == Order.all_objects.count() == ORDERS
    assert loaded["orders_orderitem"] == OrderItem.objects.count() == 3 * ORDERS
    closed = Order.all_objects.filter(status="closed").count()
    assert loaded["shipping_fulfillment"] == Fulfillment.objects.count() == closed
    assert loaded["shipping_fulfillmentline"] == FulfillmentLine.objects.count() == 3 * closed
    assert loaded["billing_invoice"] == Invoice.objects.count() == closed
    assert loaded["billing_invoiceline"] == InvoiceLine.objects.count() == 3 * closed
    paid = Order.all_objects.filter(payment_status="paid").count()
    assert loaded["billing_payment"] == Payment.objects.count() == paid
    assert loaded["orders_orderevent"] == OrderEvent.objects.count()
    assert set(Order.all_objects.values_list("status", flat=True)) == {"closed", "canceled", "open"}  # drafts: 3 days
    assert {row.prefix: row.last_value for row in NumberSequence.objects.filter(prefix__in=["OR", "FF", "INV"])} == {
        "OR": ORDERS,
        "FF": closed,
        "INV": closed,
    }


def test_every_loaded_order_already_has_the_figures_settling_would_give_it(loaded):
    """Settled again by the orders area's own service, no order and no item counter changes: the payment figures,
    fulfillment status and counters are the services' own. (A canceled unpaid order is not settled by order_cancel,
    so its amount due stays as it was; the loader writes it as order_cancel leaves it.)"""
    watched = ("amount_due", "amount_paid", "payment_status", "fulfillment_status", "status", "stage")
    changed = []
    for order in Order.all_objects.exclude(status="canceled"):
        before = (
            [getattr(order, name) for name in watched],
            list(order.items.order_by("id").values_list(*ITEM_COUNTERS, "status")),
        )
        sid = transaction.savepoint()
        order_settle(order=order, actor=Actor.system())
        order.refresh_from_db()
        after = (
            [getattr(order, name) for name in watched],
            list(order.items.order_by("id").values_list(*ITEM_COUNTERS, "status")),
        )
        transaction.savepoint_rollback(sid)
        if before != after:
            changed.append(order.number)
    assert changed == []


def test_a_closed_order_is_paid_shipped_and_invoiced_for_its_total(loaded):
    order = Order.all_objects.filter(status="closed").order_by("id").first()
    payment = Payment.objects.get(order=order)
    invoice = Invoice.objects.get(order=order)
    assert (order.payment_status, order.fulfillment_status) == ("paid", "fulfilled")
    assert payment.amount == invoice.total == order.total == order.amount_paid == order.amount_due
    assert invoice.total == invoice.subtotal + invoice.tax_total
    items = list(order.items.all())
    assert [line.quantity for line in FulfillmentLine.objects.filter(fulfillment__order=order)] == [
        item.quantity for item in items
    ]
    assert all(item.qty_handed_to_carrier == item.qty_invoiced == item.quantity for item in items)
    assert order.total == sum((item.line_total for item in items), Decimal("0"))


def test_the_pages_and_the_api_answer_on_the_loaded_data(loaded, client, users, tokens):
    client.force_login(users["viewer"])
    bearer = {"Authorization": f"Bearer {tokens['viewer']}"}
    closed = Order.all_objects.filter(status="closed", is_archived=False).order_by("id").first().number
    error = Order.all_objects.exclude(error_code="").order_by("id").first().number
    assert client.get("/orders/").status_code == 200
    assert client.get(f"/orders/{closed}/").status_code == 200
    assert client.get(f"/orders/{error}/").status_code == 200
    listed = client.get("/api/v1/orders?page_size=50", headers=bearer)
    assert listed.status_code == 200
    assert len(listed.json()["items"]) == 50
    detail = client.get(f"/api/v1/orders/{closed}", headers=bearer)
    assert detail.status_code == 200
    assert (detail.json()["number"], detail.json()["payment_status"]) == (closed, "paid")


def test_orders_made_by_the_services_after_the_load_take_the_next_numbers(loaded, actor):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}], actor=actor)
    assert order.number == f"OR-{ORDERS + 1:06d}"
    assert order.id == ORDERS + 1


def test_the_load_refuses_an_order_book_that_is_not_empty(actor):
    VariantFactory(sku="X-1")
    make_order(items=[{"sku": "X-1", "quantity": 1}], actor=actor)
    with pytest.raises(RuntimeError, match="not empty"):
        bulk_orders.load(5, progress=lambda message: None)
    assert Order.all_objects.count() == 1
