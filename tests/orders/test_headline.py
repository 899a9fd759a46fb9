"""The order's headline badge: what matters most now, the same words on the order page and in the overview."""

from types import SimpleNamespace

import pytest

from orderly.billing.services import invoice_create, payment_record
from orderly.orders.headline import Headline, order_headline
from orderly.orders.models import Order, OrderEvent
from orderly.shipping.services import fulfillment_create, fulfillment_report_lost, return_register
from tests.shipping.helpers import item, lines, order_of, receive, variant

UNTRACKED = {"options": {"cover": False, "invoice": False}}


def state(**fields):
    base = {
        "is_archived": False,
        "error_code": "",
        "status": "open",
        "reopened_because": "",
        "fulfillment_status": "unfulfilled",
        "stage": "new",
    }
    return SimpleNamespace(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, Headline("New", "new")),
        ({"stage": "in_progress"}, Headline("In progress", "in-progress")),
        ({"stage": "completed"}, Headline("Completed", "completed")),
        ({"stage": "completed", "fulfillment_status": "fulfilled"}, Headline("Fulfilled", "fulfilled")),
        ({"stage": "new", "fulfillment_status": "fulfilled"}, Headline("Fulfilled", "fulfilled")),
        ({"fulfillment_status": "partially_fulfilled"}, Headline("Partially fulfilled", "partially-fulfilled")),
        ({"status": "closed", "fulfillment_status": "fulfilled"}, Headline("Closed", "closed")),
        (
            {"reopened_because": "return", "fulfillment_status": "fulfilled"},
            Headline("Open", "reopened", "a return to settle"),
        ),
        ({"reopened_because": "lost_parcel"}, Headline("Open", "reopened", "a lost parcel to ship again")),
        ({"reopened_because": "other"}, Headline("Open", "reopened", "an item needs work again")),
        ({"status": "draft"}, Headline("Draft", "draft")),
        ({"status": "canceled", "reopened_because": "return"}, Headline("Canceled", "canceled")),
        ({"error_code": "UNKNOWN_SKU", "fulfillment_status": "fulfilled"}, Headline("Error", "error")),
        ({"is_archived": True, "error_code": "UNKNOWN_SKU"}, Headline("Archived", "archived")),
    ],
)
def test_the_headline_says_what_matters_most_first(fields, expected):
    assert order_headline(state(**fields)) == expected


@pytest.fixture
def esp(db):
    variant("ESP-250")
    return receive("ESP-250", 10, "2026-01-01")


def test_a_fulfilled_order_still_waiting_for_its_money_says_fulfilled(esp, actor):
    order = order_of(("ESP-250", 2))
    fulfillment_create(order=order, actor=actor)
    order.refresh_from_db()
    assert (order.status, order.stage, order.fulfillment_status) == ("open", "new", "fulfilled")
    assert order.badge == Headline("Fulfilled", "fulfilled")


def test_a_return_reopens_the_order_and_the_badge_says_why_until_it_closes_again(esp, actor):
    order = order_of(("ESP-250", 2))
    fulfillment_create(order=order, actor=actor)
    invoice_create(order=order, actor=actor)
    order.refresh_from_db()
    payment_record(order=order, amount=order.amount_due, method="card", actor=actor)
    order.refresh_from_db()
    assert order.badge == Headline("Closed", "closed")

    return_register(order=order, items=lines((item(order), 1)), reason="Too bitter", restock=True, actor=actor)
    order.refresh_from_db()
    assert (order.status, order.reopened_because) == ("open", "return")
    assert order.badge == Headline("Open", "reopened", "a return to settle")
    reopened = OrderEvent.objects.filter(order=order, kind="status_changed").latest("pk")
    assert reopened.message == "Status changed from Closed to Open. Reopened: a return to settle."

    payment_record(order=order, amount=order.amount_paid - order.amount_due, method="card", kind="refund", actor=actor)
    order.refresh_from_db()
    assert (order.status, order.reopened_because, order.badge.words) == ("closed", "", "Closed")


def test_a_lost_parcel_reopens_the_order_and_the_badge_says_it_must_ship_again(esp, actor):
    order = order_of({"sku": "ESP-250", "quantity": 2, **UNTRACKED})
    fulfillment = fulfillment_create(order=order, actor=actor, carrier="PostNL", tracking_number="T-9")
    assert Order.objects.get(pk=order.pk).badge.words == "Closed"
    fulfillment_report_lost(fulfillment=fulfillment, actor=actor)
    order.refresh_from_db()
    assert order.badge == Headline("Open", "reopened", "a lost parcel to ship again")
    fulfillment_create(order=order, actor=actor)
    order.refresh_from_db()
    assert (order.status, order.reopened_because, order.badge.words) == ("closed", "", "Closed")
