"""Payments and refunds of an order."""

from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, When

from orderly.billing import events
from orderly.billing.models import Payment, PaymentKind, PaymentMethod
from orderly.billing.services.common import MAX_AMOUNT_PAID, clean_amount, order_for_update
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, ValidationError
from orderly.core.money import ZERO
from orderly.core.retry import retry_on_conflict
from orderly.orders.exceptions import OrderLocked
from orderly.orders.models import Order
from orderly.orders.services import order_settle
from orderly.orders.status import OrderStatus

MAX_REFERENCE = 100


def _choice(value, *, field: str, choices) -> str:
    value = str(value or "").strip().lower()
    if value not in choices.values:
        raise ValidationError(f"{field} must be one of {', '.join(choices.values)}, not {value!r}.", field=field)
    return value


def _reference(value) -> str:
    value = str(value or "").strip()
    if len(value) > MAX_REFERENCE:
        raise ValidationError(f"reference must be at most {MAX_REFERENCE} characters.", field="reference")
    return value


def amount_paid(order: Order):
    """Payments less refunds, from the Payment rows."""
    signed = Case(When(kind=PaymentKind.REFUND, then=-F("amount")), default=F("amount"), output_field=DecimalField())
    return Payment.objects.filter(order=order).aggregate(paid=Sum(signed))["paid"] or ZERO


@retry_on_conflict
def payment_record(
    *, order, amount, method: str, reference: str = "", kind: str = PaymentKind.PAYMENT, actor: Actor
) -> Payment:
    """Record money received for `order` (kind "payment") or paid back (kind "refund").

    Needs an amount more than zero with at most two decimals (ValidationError on "amount"), a known method and
    kind. A payment for a canceled order is refused (a refund is not: its money may still be owed back); a refund
    of more than was paid is refused. Paying more than is due is allowed — a return can make it so anyway — and
    leaves the order *refund due*. Keeps `order.amount_paid` (payments less refunds), writes a timeline event and
    settles the order: a draft that becomes paid opens, an order whose last requirement this was closes. All or
    nothing.
    """
    amount = clean_amount(amount)
    kind = _choice(kind, field="kind", choices=PaymentKind)
    method = _choice(method, field="method", choices=PaymentMethod)
    reference = _reference(reference)
    with transaction.atomic():
        order = order_for_update(order)
        if kind == PaymentKind.PAYMENT and order.status == OrderStatus.CANCELED:
            raise OrderLocked(f"Cannot record a payment: order {order.number} is canceled.", order=order, action="pay")
        paid = amount_paid(order)
        if kind == PaymentKind.REFUND and amount > paid:
            raise Conflict(
                f"Cannot refund {amount}: only {paid} has been paid for order {order.number}.",
                code=ErrorCode.REFUND_EXCEEDS_PAID,
                field="amount",
                order=order.number,
                amount=str(amount),
                paid=str(paid),
            )
        if kind == PaymentKind.PAYMENT and paid + amount > MAX_AMOUNT_PAID:
            raise ValidationError(f"amount would take the amount paid above {MAX_AMOUNT_PAID}.", field="amount")
        payment = Payment.objects.create(
            order=order,
            kind=kind,
            amount=amount,
            method=method,
            reference=reference,
            created_by=actor.user,
            created_by_name=actor.name[:150],
        )
        order.amount_paid = paid + payment.signed_amount
        order.save(update_fields=["amount_paid", "updated_at"])
        events.payment_recorded(order, actor, payment)
        order_settle(order=order, actor=actor)
    return payment
