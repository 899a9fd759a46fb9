"""What the customer owes for shipping and fees once a credit note takes them back or the shop pays money back
for them: the amount due and the payment status follow, to the cent, and credit notes take back what was billed."""

from decimal import Decimal

import pytest

from orderly.billing.models import Invoice
from orderly.billing.services import (
    credit_note_create,
    credit_note_for_return,
    credit_note_for_shop_refund,
    invoice_create,
    payment_record,
)
from orderly.orders.models import OrderCharge, OrderEvent
from orderly.orders.services.from_shop import order_charges_refunded_by_shop
from tests.billing.factories import fresh, item, items_of, mark_returned, order_with

pytestmark = pytest.mark.django_db
D = Decimal

DHL = {"kind": "shipping", "title": "DHL Express", "code": "dhl-express", "amount": "6.95", "tax_rate": "21"}
PAYMENT_FEE = {"kind": "fee", "title": "Payment fee", "amount": "0.50", "tax_rate": "21"}


def _shipped_order():
    """2 × 8.50 at 9 % = 18.53; shipping 6.95 + 1.46 = 8.41 and a fee 0.50 + 0.11 = 0.61 at 21 %: 27.55."""
    return order_with(item("8.50", 2, "9"), shop={"charges": [DHL, PAYMENT_FEE]})


def _money(order):
    order = fresh(order)
    return order.amount_due, order.amount_paid, order.payment_status


def _shipping(order):
    return OrderCharge.objects.get(order=order, kind="shipping")


def _lines(note):
    return [
        (line.kind, line.line_subtotal, line.discount, line.line_tax, line.line_total)
        for line in note.lines.order_by("position")
    ]


def _refund_shipping(order, amount, actor):
    """What the channel does with a shop's shipping refund: record it on the charge, credit it where billed."""
    refunds = [{"position": 1, "kind": "shipping", "amount": amount}]
    newly = order_charges_refunded_by_shop(order=order, refunds=refunds, actor=actor)
    return newly, credit_note_for_shop_refund(order=order, refunded=newly, actor=actor)


# ---- credited charges --------------------------------------------------------------------------------------


def test_a_credit_note_of_everything_takes_the_charges_out_of_what_is_owed_until_they_are_billed_again(actor):
    order = _shipped_order()
    payment_record(order=order, amount="27.55", method="card", actor=actor)
    invoice = invoice_create(order=order, actor=actor)
    assert _money(order) == (D("27.55"), D("27.55"), "paid")

    credit_note_create(invoice=invoice, lines=[(items_of(order)[0], 2)], reason="Wrong company", actor=actor)

    # the units are kept (they go on the next invoice), shipping and the fee are taken back: 18.53 owed
    assert _money(order) == (D("18.53"), D("27.55"), "refund_due")
    assert fresh(order).balance_due == D("-9.02")
    invoice_create(order=order, actor=actor)
    assert _money(order) == (D("27.55"), D("27.55"), "paid")


def test_shipping_credited_on_its_own_is_no_longer_owed(actor):
    order = _shipped_order()
    invoice = invoice_create(order=order, actor=actor)
    credit_note_create(invoice=invoice, lines=[], charges=[_shipping(order).pk], reason="Late delivery", actor=actor)

    assert _money(order) == (D("19.14"), D("0.00"), "unpaid")  # 27.55 − 8.41
    payment_record(order=order, amount="19.14", method="card", actor=actor)
    assert _money(order) == (D("19.14"), D("19.14"), "paid")
    assert fresh(order).status == "closed"


def test_a_return_that_takes_the_shipping_back_leaves_the_units_kept_and_the_fee_owed(actor):
    order = _shipped_order()
    invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    mark_returned(line, 1)
    credit_note_for_return(order=order, lines=[(line, 1)], actor=actor, charges=[_shipping(order).pk])
    # one unit kept: 18.53 / 2 = 9.265 → 9.27, and the fee 0.61
    assert _money(order) == (D("9.88"), D("0.00"), "unpaid")


# ---- the shop's refunds of shipping --------------------------------------------------------------------------


def test_a_partial_shipping_refund_of_an_invoiced_order_is_credited_and_leaves_the_rest_billed(actor):
    order = _shipped_order()
    payment_record(order=order, amount="27.55", method="card", actor=actor)
    invoice = invoice_create(order=order, actor=actor)
    payment_record(order=order, amount="4.00", method="card", kind="refund", actor=actor)

    newly, notes = _refund_shipping(order, "4.00", actor)

    assert newly == {_shipping(order).pk: D("4.00")}
    assert [note.credits for note in notes] == [invoice]
    # 4.00 of 8.41: its tax 1.46 × 4.00 / 8.41 = 0.694 → 0.69, the net what makes the line 4.00
    assert _lines(notes[0]) == [("shipping", D("3.31"), D("0.00"), D("0.69"), D("4.00"))]
    assert (_shipping(order).refunded, _shipping(order).credited) == (D("4.00"), False)
    assert _money(order) == (D("23.55"), D("23.55"), "paid")

    # the rest later: what is left on the invoice goes back, and the charge is taken back whole
    payment_record(order=order, amount="4.41", method="card", kind="refund", actor=actor)
    _, notes = _refund_shipping(order, "8.41", actor)
    assert _lines(notes[0]) == [("shipping", D("3.64"), D("0.00"), D("0.77"), D("4.41"))]
    assert (_shipping(order).refunded, _shipping(order).credited) == (D("8.41"), True)
    assert _money(order) == (D("19.14"), D("19.14"), "paid")
    # nothing of the shipping is billed any more: billing it again is not possible, nor a third refund
    assert credit_note_for_shop_refund(order=order, refunded={_shipping(order).pk: D("1.00")}, actor=actor) == []


def test_the_same_shop_refunds_twice_record_nothing_more(actor):
    order = _shipped_order()
    invoice_create(order=order, actor=actor)
    _refund_shipping(order, "4.00", actor)
    events = OrderEvent.objects.filter(order=order).count()

    newly, notes = _refund_shipping(order, "4.00", actor)

    assert (newly, notes) == ({}, [])
    assert OrderEvent.objects.filter(order=order).count() == events
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    event = OrderEvent.objects.filter(order=order, kind="charges_refunded").get()
    assert event.data["charges"][0] | {"charge": 0} == {
        "charge": 0, "title": "DHL Express", "before": "0.00", "after": "4.00", "total": "8.41"
    }  # fmt: skip


def test_a_shipping_refund_before_invoicing_leaves_the_invoice_billing_the_rest(actor):
    order = _shipped_order()
    newly, notes = _refund_shipping(order, "4.00", actor)
    assert (newly, notes) == ({_shipping(order).pk: D("4.00")}, [])

    invoice = invoice_create(order=order, actor=actor)

    shipping = invoice.lines.get(kind="shipping")
    assert (shipping.line_subtotal, shipping.line_tax, shipping.line_total) == (D("3.64"), D("0.77"), D("4.41"))
    assert invoice.total == fresh(order).amount_due == D("23.55")


def test_shipping_refunded_in_full_before_invoicing_is_not_invoiced(actor):
    order = _shipped_order()
    _refund_shipping(order, "8.41", actor)
    invoice = invoice_create(order=order, actor=actor)
    assert [line.kind for line in invoice.lines.order_by("position")] == ["item", "fee"]
    assert invoice.total == fresh(order).amount_due == D("19.14")


def test_a_refund_beyond_the_charge_or_unreadable_counts_only_what_the_charge_holds(actor):
    order = _shipped_order()
    refunds = [{"position": 1, "kind": "shipping", "amount": "50.00"}, {"kind": "shipping", "amount": "abc"}]
    newly = order_charges_refunded_by_shop(order=order, refunds=refunds, actor=actor)
    assert newly == {_shipping(order).pk: D("8.41")}
    assert _money(order) == (D("27.55"), D("0.00"), "unpaid")  # not settled yet: the caller settles
    refunds = [{"position": None, "kind": "fee", "amount": "-3.00"}]
    assert order_charges_refunded_by_shop(order=order, refunds=refunds, actor=actor) == {}
