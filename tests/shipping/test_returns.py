"""Returns: restock or write off, quantities checked, credit notes for invoiced units, closed orders reopen."""

from decimal import Decimal

import pytest

from orderly.billing.services import invoice_create, payment_record
from orderly.core.exceptions import Conflict, ValidationError
from orderly.inventory.models import Lot, Movement
from orderly.orders.models import Order, OrderEvent
from orderly.orders.services import order_archive
from orderly.shipping.models import Return, ReturnLine
from orderly.shipping.services import fulfillment_create, return_register
from tests.shipping.helpers import SYSTEM, everything, item, ledger_matches_lots, lines, order_of, receive, variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp():
    variant("ESP-250")
    return receive("ESP-250", 10, "2026-01-01")


@pytest.fixture
def shipped(esp, actor):
    order = order_of(("ESP-250", 3))
    fulfillment_create(order=order, actor=actor)
    return order


def test_restocked_return_makes_a_new_lot_dated_today(shipped, actor):
    record = return_register(
        order=shipped, items=lines((item(shipped), 2)), reason="Wrong grind", restock=True, actor=actor
    )
    assert record.number.startswith("RT-")
    line = ReturnLine.objects.get(return_record=record)
    assert line.lot is not None and line.lot.on_hand == 2 and line.lot.variant.sku == "ESP-250"
    assert Movement.objects.get(lot=line.lot).kind == "return"
    assert item(shipped).qty_returned == 2
    assert ledger_matches_lots()
    event = OrderEvent.objects.get(order=shipped, kind="return_registered")
    assert event.message == f"Return {record.number}: 2 × ESP-250 restocked. Reason: Wrong grind."


def test_written_off_return_changes_no_stock(shipped, actor):
    lots = sorted(Lot.objects.values_list("pk", "on_hand"))
    record = return_register(
        order=shipped, items=lines((item(shipped), 3)), reason="Broken", restock=False, actor=actor
    )
    assert sorted(Lot.objects.values_list("pk", "on_hand")) == lots
    assert ReturnLine.objects.get(return_record=record).lot is None
    assert item(shipped).qty_returned == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"item": 1, "quantity": 0}]}, "items[0].quantity"),
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"restock": "yes"}, "restock"),
        ({"quantity": 4}, "items[0].quantity"),
    ],
)
def test_bad_returns_are_refused_naming_the_field_and_change_nothing(shipped, actor, kwargs, field):
    body = {"items": lines((item(shipped), kwargs.pop("quantity", 1))), "reason": "Damaged", "restock": True}
    body.update(kwargs)
    before = everything()
    with pytest.raises(ValidationError) as refused:
        return_register(order=shipped, actor=actor, **body)
    assert refused.value.field == field
    assert everything() == before


def test_more_than_shipped_and_not_returned_is_refused(shipped, actor):
    return_register(order=shipped, items=lines((item(shipped), 2)), reason="Damaged", restock=False, actor=actor)
    with pytest.raises(ValidationError) as refused:
        return_register(order=shipped, items=lines((item(shipped), 2)), reason="Damaged", restock=False, actor=actor)
    assert "only 1 were fulfilled and not returned yet" in refused.value.message


def test_an_archived_order_takes_no_return(shipped, actor):
    order_archive(order=Order.objects.get(pk=shipped.pk), actor=SYSTEM)
    with pytest.raises(Conflict):
        return_register(order=shipped, items=lines((item(shipped), 1)), reason="x", restock=True, actor=actor)
    assert not Return.objects.exists()


def test_return_of_an_invoiced_paid_order_credits_it_and_reopens_the_closed_order(esp, actor):
    order = order_of(("ESP-250", 2))
    fulfillment_create(order=order, actor=actor)
    invoice_create(order=order, actor=actor)
    order.refresh_from_db()
    payment_record(order=order, amount=order.amount_due, method="card", actor=actor)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("closed", "paid")
    record = return_register(order=order, items=lines((item(order), 1)), reason="Too bitter", restock=True, actor=actor)
    assert record.credit_note.startswith("CN-")
    it = item(order)
    assert (it.qty_returned, it.qty_credited) == (1, 1)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("open", "refund_due")
    assert order.amount_due < order.amount_paid
    # the return's event, then billing's credit note naming the return
    returned, credited = OrderEvent.objects.filter(order=order, kind__in=["return_registered", "credit_note_created"])[
        ::-1
    ]
    assert returned.message == f"Return {record.number}: 1 × ESP-250 restocked. Reason: Too bitter."
    assert (credited.kind, credited.data["credit_note"]) == ("credit_note_created", record.credit_note)
    assert credited.message.endswith(f"Return {record.number}: Too bitter")


def test_return_of_units_not_invoiced_makes_no_credit_note(shipped, actor):
    record = return_register(order=shipped, items=lines((item(shipped), 1)), reason="x", restock=False, actor=actor)
    assert record.credit_note == ""
    assert item(shipped).qty_credited == 0
    assert Decimal(Order.objects.get(pk=shipped.pk).amount_due) > 0
