"""Payments and refunds the shop took: recorded from the sales channel's own money state, so a paid order arrives
paid (and opens, by seed 002's rule) and a refund in the shop shows here."""

from decimal import Decimal
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from orderly.billing import events
from orderly.billing.models import Payment, PaymentKind, PaymentMethod
from orderly.billing.services.common import MAX_AMOUNT_PAID, order_for_update
from orderly.billing.services.payments import amount_paid
from orderly.core.actors import Actor
from orderly.core.money import ZERO, to_money
from orderly.core.retry import retry_on_conflict
from orderly.orders.models import OrderEvent
from orderly.orders.services import order_settle
from orderly.orders.services.importing import insert_rows

REVERSAL = "shop: capture reversed"


def _shop_sums(order) -> tuple[Decimal, Decimal]:
    """What the shop's payments recorded so far add up to: (received, paid back). A reversal (the shop no longer
    reports money it reported captured) lowers what was received; it is no refund the shop made."""
    received = paid_back = ZERO
    for payment in Payment.objects.filter(order=order, method=PaymentMethod.SHOP):
        if payment.kind == PaymentKind.PAYMENT:
            received += payment.amount
        elif payment.reference == REVERSAL:
            received -= payment.amount
        else:
            paid_back += payment.amount
    return received, paid_back


def _amount(value) -> Decimal:
    try:
        number = to_money(Decimal(str(value or "0")))
    except ArithmeticError:
        return ZERO
    return min(max(number, ZERO), MAX_AMOUNT_PAID)


@retry_on_conflict
@transaction.atomic
def payments_follow_shop(*, order, received, refunded, state: str, actor: Actor) -> list[Payment]:
    """Bring the order's shop payments in line with the shop's own money state: `received` is what the shop says
    it captured, `refunded` what it paid back (amounts in the order's currency; anything unreadable counts as 0).

    Records only the difference from what earlier syncs recorded (method "shop", the shop's state word as the
    reference): a payment for money newly received, a refund for money newly paid back or for a capture the shop
    no longer reports. Idempotent: the same state twice records nothing. Payments typed in by people are left
    alone. Each new row gets its timeline event and the order is settled (a paid draft opens). Refunds are not
    limited to what was paid here: the shop's word is the truth.
    """
    order = order_for_update(order)
    received, refunded = _amount(received), _amount(refunded)
    so_far_received, so_far_refunded = _shop_sums(order)
    reference = _reference(state)
    wanted = []
    if received > so_far_received:
        wanted.append((PaymentKind.PAYMENT, received - so_far_received, reference))
    elif received < so_far_received:
        wanted.append((PaymentKind.REFUND, so_far_received - received, REVERSAL))
    if refunded > so_far_refunded:
        wanted.append((PaymentKind.REFUND, refunded - so_far_refunded, reference))
    if not wanted:
        return []
    payments = []
    for kind, amount, note in wanted:
        payment = Payment.objects.create(
            order=order, kind=kind, amount=amount, method=PaymentMethod.SHOP, reference=note,
            created_by=actor.user, created_by_name=actor.name[:150],
        )  # fmt: skip
        order.amount_paid += payment.signed_amount
        events.payment_recorded(order, actor, payment)
        payments.append(payment)
    order.amount_paid = amount_paid(order)
    order.save(update_fields=["amount_paid", "updated_at"])
    order_settle(order=order, actor=actor)
    return payments


def shop_payments_insert_many(*, orders: list, state_of: dict[int, str], actor: Actor) -> None:
    """Record, for orders just created together by a channel import (rows with `id`, `amount_paid`, `currency`),
    the payment the shop received for each, with its `payment_received` event: one INSERT for the payments and one
    for the events however many orders, no model instance built per row. The orders' payment figures were set when
    they were created (orders_import_many); this writes what they stand for, as payments_follow_shop would have."""
    paid = [order for order in orders if order.amount_paid > 0]
    if not paid:
        return
    now, user_id = timezone.now(), getattr(actor.user, "pk", None)
    rows = [
        {
            "order_id": order.id,
            "kind": PaymentKind.PAYMENT,
            "amount": order.amount_paid,
            "method": PaymentMethod.SHOP,
            "reference": _reference(state_of.get(order.id, "")),
            "created_by_id": user_id,
            "created_by_name": actor.name[:150],
            "created_at": now,
        }  # fmt: skip
        for order in paid
    ]
    ids = insert_rows(Payment, rows, returning=True)
    base = {"actor_kind": actor.kind, "actor_name": actor.name[:150], "actor_user_id": user_id}
    events_rows = []
    for order, row, pk in zip(paid, rows, ids, strict=True):
        payment = SimpleNamespace(pk=pk, **row, get_method_display=PaymentMethod.SHOP.label.__str__)
        kind, message, data = events.payment_recorded_content(order, payment)
        events_rows.append({**base, "order_id": order.id, "kind": kind, "message": message[:500], "data": data})
    insert_rows(OrderEvent, events_rows)


def _reference(state: str) -> str:
    return f"shop: {state}"[:100] if state else "shop"
