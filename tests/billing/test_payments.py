from decimal import Decimal

import pytest

from orderly.billing.models import Payment
from orderly.billing.services import invoice_create, payment_record
from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.orders.models import OrderEvent
from orderly.orders.services import order_cancel
from tests.billing.factories import fresh, item, order_with

pytestmark = pytest.mark.django_db


def _state(order):
    order = fresh(order)
    return order.status, order.payment_status, order.amount_paid, order.amount_due


def test_full_payment_of_a_draft_opens_it(actor):
    order = order_with(item("10.00", 2, "21"), status="draft")  # total 24.20

    payment = payment_record(order=order, amount="24.20", method="bank_transfer", reference="NL-123", actor=actor)

    assert (payment.kind, payment.amount, payment.method, payment.reference) == (
        "payment",
        Decimal("24.20"),
        "bank_transfer",
        "NL-123",
    )
    assert payment.created_by == actor.user
    assert _state(order) == ("open", "paid", Decimal("24.20"), Decimal("24.20"))
    kinds = list(OrderEvent.objects.filter(order=order).order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == ["payment_received", "payment_status_changed", "status_changed"]
    received = OrderEvent.objects.get(order=order, kind="payment_received")
    assert "24.20" in received.message and "bank transfer" in received.message and "NL-123" in received.message


def test_partial_payment_leaves_a_draft_a_draft(actor):
    order = order_with(item("10.00", 2, "21"), status="draft")

    payment_record(order=order, amount="10", method="card", actor=actor)

    assert _state(order) == ("draft", "partially_paid", Decimal("10.00"), Decimal("24.20"))
    payment_record(order=order, amount="14.20", method="cash", actor=actor)
    assert _state(order) == ("open", "paid", Decimal("24.20"), Decimal("24.20"))


def test_partial_payment_covers_whole_units_in_line_order(actor):
    order = order_with(item("10.00", 3, "0"), item("5.00", 2, "0"))

    payment_record(order=order, amount="25.00", method="card", actor=actor)

    first, second = fresh(order).items.order_by("line_no")
    # Strictly in line order: the 5.00 left after two units of the first line does not skip ahead.
    assert (first.qty_costs_paid, second.qty_costs_paid) == (2, 0)


def test_overpaying_is_allowed_and_leaves_a_refund_due(actor):
    order = order_with(item("10.00", 1, "0"))
    payment_record(order=order, amount="15.00", method="paypal", actor=actor)
    assert _state(order)[1:] == ("refund_due", Decimal("15.00"), Decimal("10.00"))


def test_refund_reduces_the_amount_paid_and_is_on_the_timeline(actor):
    order = order_with(item("10.00", 1, "0"))
    payment_record(order=order, amount="15.00", method="card", actor=actor)

    refund = payment_record(order=order, amount="5.00", method="card", kind="refund", reference="R-1", actor=actor)

    assert refund.signed_amount == Decimal("-5.00")
    assert _state(order)[1:3] == ("paid", Decimal("10.00"))
    event = OrderEvent.objects.get(order=order, kind="refund_paid")
    assert "Refund paid" in event.message and "5.00" in event.message and "R-1" in event.message


def test_refund_beyond_what_was_paid_is_refused_and_changes_nothing(actor):
    order = order_with(item("10.00", 1, "0"))
    payment_record(order=order, amount="4.00", method="card", actor=actor)
    before, events = _state(order), OrderEvent.objects.filter(order=order).count()

    with pytest.raises(Conflict) as refused:
        payment_record(order=order, amount="4.01", method="card", kind="refund", actor=actor)

    assert refused.value.code == "refund_exceeds_paid"
    assert refused.value.field == "amount"
    assert _state(order) == before
    assert Payment.objects.count() == 1
    assert OrderEvent.objects.filter(order=order).count() == events


def test_payment_for_a_canceled_order_is_refused_but_its_refund_is_not(actor):
    order = order_with(item("10.00", 1, "0"))
    payment_record(order=order, amount="10.00", method="card", actor=actor)
    order_cancel(order=fresh(order), actor=actor)

    with pytest.raises(Conflict) as refused:
        payment_record(order=order, amount="1.00", method="card", actor=actor)
    assert refused.value.code == "order_locked"
    assert refused.value.detail == {"order": order.number, "action": "pay", "status": "canceled", "stage": "new"}

    payment_record(order=order, amount="10.00", method="card", kind="refund", actor=actor)
    assert fresh(order).amount_paid == Decimal("0.00")


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ("abc", "amount"),
        ("-1", "amount"),
        ("0", "amount"),
        ("1.005", "amount"),
        ("10000000000", "amount"),
        ("NaN", "amount"),
        ("Infinity", "amount"),
        (None, "amount"),
        (True, "amount"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field_and_write_nothing(actor, amount, field):
    order = order_with(item())
    events = OrderEvent.objects.filter(order=order).count()
    with pytest.raises(ValidationError) as refused:
        payment_record(order=order, amount=amount, method="card", actor=actor)
    assert refused.value.field == field
    assert not Payment.objects.exists()
    assert OrderEvent.objects.filter(order=order).count() == events


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"method": "cheque"}, "method"), ({"kind": "gift"}, "kind"), ({"reference": "x" * 101}, "reference")],
)
def test_bad_method_kind_or_reference_is_refused(actor, changes, field):
    order = order_with(item())
    arguments = {"order": order, "amount": "1.00", "method": "card", "actor": actor, **changes}
    with pytest.raises(ValidationError) as refused:
        payment_record(**arguments)
    assert refused.value.field == field
    assert not Payment.objects.exists()


def test_unknown_order_is_not_found(actor):
    with pytest.raises(NotFound):
        payment_record(order="OR-999999", amount="1.00", method="card", actor=actor)


def test_an_order_closes_when_its_last_requirement_is_met_and_not_before(actor):
    order = order_with(item("10.00", 1, "0"))  # payment and invoice tracked, fulfilment not
    payment_record(order=order, amount="10.00", method="card", actor=actor)
    assert fresh(order).status == "open"  # paid, but not invoiced yet
    invoice_create(order=order, actor=actor)
    assert fresh(order).status == "closed"


def test_invoice_first_then_payment_closes(actor):
    order = order_with(item("10.00", 1, "0"))
    invoice_create(order=order, actor=actor)
    assert fresh(order).status == "open"  # invoiced, not paid
    payment_record(order=order, amount="9.99", method="card", actor=actor)
    assert fresh(order).status == "open"
    payment_record(order=order, amount="0.01", method="card", actor=actor)
    assert fresh(order).status == "closed"
