from decimal import Decimal

import pytest

from orderly.billing.models import Invoice, InvoiceKind
from orderly.billing.services import (
    credit_note_create,
    credit_note_for_return,
    invoice_create,
    payment_record,
)
from orderly.core.exceptions import NotFound, ValidationError
from orderly.orders.models import OrderEvent
from tests.billing.factories import fresh, item, items_of, mark_returned, order_with

pytestmark = pytest.mark.django_db


def test_return_of_invoiced_units_makes_a_credit_note_mirroring_the_invoice(actor):
    order = order_with(item("10.00", 3, "21", "3.00"))
    invoice = invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    mark_returned(line, 3)

    note = credit_note_for_return(order=order, lines=[(line, 3)], reason="Damaged", actor=actor)

    assert note.number == "CN-000001"
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert note.credits == invoice
    assert note.reason == "Damaged"
    assert (note.subtotal, note.discount, note.tax_total, note.total) == (
        invoice.subtotal,
        invoice.discount,
        invoice.tax_total,
        invoice.total,
    )
    assert note.signed_total == -invoice.total
    line.refresh_from_db()
    assert (line.qty_invoiced, line.qty_credited) == (3, 3)
    event = OrderEvent.objects.filter(order=order, kind="credit_note_created").get()
    assert "CN-000001" in event.message and "INV-000001" in event.message


def test_partial_return_credits_the_last_invoiced_units_with_the_discount_prorated(actor):
    order = order_with(item("10.00", 3, "21", "1.00"))
    invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    mark_returned(line, 1)

    note = credit_note_for_return(order=order, lines=[(line.pk, 1)], actor=actor)

    # Discount 1.00 over 3 units: units 1-2 carry 0.67, unit 3 carries 1.00 - 0.67 = 0.33.
    credited = note.lines.get()
    assert (credited.quantity, credited.line_subtotal, credited.discount) == (1, Decimal("10.00"), Decimal("0.33"))
    assert credited.line_tax == Decimal("2.03")  # 9.67 × 21 % = 2.0307
    assert note.total == Decimal("11.70")
    line.refresh_from_db()
    assert (line.qty_invoiced, line.qty_credited) == (3, 1)


def test_return_of_units_not_invoiced_gives_no_credit_note_and_writes_nothing(actor):
    order = order_with(item("10.00", 2))
    line = items_of(order)[0]
    mark_returned(line, 1)
    events = OrderEvent.objects.filter(order=order).count()

    assert credit_note_for_return(order=order, lines=[(line, 1)], actor=actor) is None

    assert not Invoice.objects.exists()
    assert OrderEvent.objects.filter(order=order).count() == events


def test_return_credits_at_most_what_is_invoiced(actor):
    order = order_with(item("5.00", 4, "9"))
    line = items_of(order)[0]
    invoice_create(order=order, actor=actor)
    mark_returned(line, 4)
    note = credit_note_for_return(order=order, lines=[(line, 6)], actor=actor)
    assert note.lines.get().quantity == 4
    assert credit_note_for_return(order=order, lines=[(line, 1)], actor=actor) is None


def test_credit_note_references_the_latest_invoice_of_the_items(actor):
    first, second = item("4.00", 2), item("6.00", 1)
    order = order_with(first, second)
    a, b = items_of(order)
    mark_returned(b, 1)  # not invoiced at first: only a is invoiced
    invoice_create(order=order, actor=actor)
    from orderly.orders.models import OrderItem

    OrderItem.objects.filter(pk=b.pk).update(qty_returned=0)
    later = invoice_create(order=order, actor=actor)
    mark_returned(a, 1)
    b.refresh_from_db()
    mark_returned(b, 1)

    note = credit_note_for_return(order=order, lines=[(a, 1), (b, 1)], actor=actor)

    assert note.credits == later
    assert [(line.sku, line.quantity) for line in note.lines.all()] == [(a.sku, 1), (b.sku, 1)]


def test_credit_note_for_a_paid_closed_order_reopens_it_and_a_refund_closes_it_again(actor):
    order = order_with(item("10.00", 2, "0"))
    invoice_create(order=order, actor=actor)
    payment_record(order=order, amount="20.00", method="card", actor=actor)
    assert fresh(order).status == "closed"
    line = items_of(order)[0]
    mark_returned(line, 1)

    credit_note_for_return(order=order, lines=[(line, 1)], actor=actor)
    order = fresh(order)
    assert (order.status, order.payment_status, order.amount_due) == ("open", "refund_due", Decimal("10.00"))

    payment_record(order=order, amount="10.00", method="card", kind="refund", actor=actor)
    order = fresh(order)
    assert (order.status, order.payment_status, order.amount_paid) == ("closed", "paid", Decimal("10.00"))


def test_return_lines_of_another_order_are_refused(actor):
    order, other = order_with(item()), order_with(item())
    invoice_create(order=order, actor=actor)
    with pytest.raises(ValidationError) as refused:
        credit_note_for_return(order=order, lines=[(items_of(other)[0], 1)], actor=actor)
    assert refused.value.field == "lines"
    assert Invoice.objects.count() == 1


def test_credit_note_by_hand_makes_units_invoiceable_again(actor):
    order = order_with(item("10.00", 2, "21"))
    invoice = invoice_create(order=order, actor=actor)
    line = items_of(order)[0]

    note = credit_note_create(invoice=invoice.number, lines=[(line, 2)], reason="Wrong price", actor=actor)
    assert note.total == invoice.total
    again = invoice_create(order=order, actor=actor)

    assert again.total == invoice.total
    line.refresh_from_db()
    # Invoiced again after a credit: the counts never pass the quantity, and what is invoiced now stays right.
    assert (line.qty_invoiced, line.qty_credited) == (2, 0)


def test_credit_note_by_hand_refuses_more_than_the_invoice_billed_and_changes_nothing(actor):
    order = order_with(item("10.00", 2, "21"))
    invoice = invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    credit_note_create(invoice=invoice, lines=[(line, 1)], reason="Goodwill", actor=actor)

    with pytest.raises(ValidationError) as refused:
        credit_note_create(invoice=invoice, lines=[(line, 2)], reason="Again", actor=actor)
    assert refused.value.field == "items[0].quantity"
    with pytest.raises(ValidationError) as no_reason:
        credit_note_create(invoice=invoice, lines=[(line, 1)], reason=" ", actor=actor)
    assert no_reason.value.field == "reason"
    with pytest.raises(NotFound):
        credit_note_create(invoice="INV-999999", lines=[(line, 1)], reason="x", actor=actor)
    line.refresh_from_db()
    assert (line.qty_invoiced, line.qty_credited) == (2, 1)
    assert Invoice.objects.filter(kind="credit_note").count() == 1


def test_calling_again_for_the_same_return_credits_nothing_more(actor):
    order = order_with(item("10.00", 3, "21"))
    invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    mark_returned(line, 1)

    first = credit_note_for_return(order=order, lines=[(line, 1)], actor=actor)
    again = credit_note_for_return(order=order, lines=[(line, 1)], actor=actor)

    assert first.lines.get().quantity == 1
    assert again is None
    line.refresh_from_db()
    assert (line.qty_invoiced, line.qty_credited) == (3, 1)


def test_a_return_of_a_partly_invoiced_item_credits_only_what_the_customer_no_longer_keeps(actor):
    from orderly.orders.models import OrderItem

    order = order_with(item("10.00", 3, "0"))
    line = items_of(order)[0]
    OrderItem.objects.filter(pk=line.pk).update(qty_returned=2)
    invoice_create(order=order, actor=actor)  # bills one unit of three
    OrderItem.objects.filter(pk=line.pk).update(qty_returned=0)
    line.refresh_from_db()

    # One unit comes back: the customer keeps two, and only one is invoiced, so nothing is credited ...
    mark_returned(line, 1)
    assert credit_note_for_return(order=order, lines=[(line, 1)], actor=actor) is None
    # ... and the next invoice bills the one unit still to invoice, not two.
    assert invoice_create(order=order, actor=actor).lines.get().quantity == 1
    # A second unit back: now one invoiced unit is more than the customer keeps.
    line.refresh_from_db()
    mark_returned(line, 1)
    note = credit_note_for_return(order=order, lines=[(line, 1)], actor=actor)
    assert (note.lines.get().quantity, note.total) == (1, Decimal("10.00"))
    assert fresh(order).amount_due == Decimal("10.00")


def test_the_invoice_of_a_canceled_order_is_taken_back_by_hand(actor):
    from orderly.orders.services import order_cancel

    order = order_with(item("10.00", 2, "21"))
    invoice = invoice_create(order=order, actor=actor)
    order_cancel(order=fresh(order), actor=actor)

    note = credit_note_create(invoice=invoice, lines=[(items_of(order)[0], 2)], reason="Order canceled", actor=actor)

    assert note.total == invoice.total
    assert fresh(order).status == "canceled"
