"""Keeping an order's derived figures in step with its items, and closing or reopening it by itself."""

from django.db import transaction

from orderly.core.actors import Actor
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.orders import completion, events
from orderly.orders.headline import REOPEN_WORDS as REOPEN_REASONS
from orderly.orders.locks import lock_order
from orderly.orders.models import Order, OrderItem
from orderly.orders.status import ITEM_TRANSITIONS, ItemStatus, OrderStatus, PaymentStatus, ReopenReason

_SETTLED_ITEM_FIELDS = ["qty_costs_paid", "qty_approved", "status"]


def reopen_reason(figures: list[completion.ItemFigures], items: list[OrderItem]) -> str:
    """Why a closed order has work again: a lost parcel whose units are not shipped again comes first (the
    customer is waiting), then returned units, else some other item."""
    for item, figure in zip(items, figures, strict=True):
        if item.qty_lost and not figure.fulfilled():
            return ReopenReason.LOST_PARCEL
    if any(item.qty_returned for item in items):
        return ReopenReason.RETURN
    return ReopenReason.OTHER


def _change_status(order: Order, target: str, actor: Actor, reason: str) -> None:
    before = order.status
    order.status = target
    events.status_changed(order, actor, before, target, reason=reason)


@retry_on_conflict
@transaction.atomic
def order_settle(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Recompute the order's payment and fulfillment status, amount due and the items' *costs paid* and *approved
    for shipment* indicators from the item quantities the processes keep; then open a paid draft, close an open
    order whose items are all done, or reopen a closed one that has work again — each on the timeline. Items
    move along ITEM_TRANSITIONS (TransitionNotAllowed otherwise); a draft opened because it is paid opens its items.

    Needs `order.amount_paid` kept by billing and the items' counters (item_progress.order_items_progress, which
    calls it after every change to what it reads); call it in the same transaction after a change to the order's
    money. Locks the order; idempotent.
    """
    order = lock_order(order)
    return settle_held(order=order, items=list(order.items.order_by("line_no", "pk")), actor=actor, reason=reason)


def settle_held(*, order: Order, items: list[OrderItem], actor: Actor, reason: str = "") -> Order:
    """order_settle for a caller that holds `order` locked in its transaction and has read every one of its
    `items` (locked, with the counters as they are now): the same figures, transitions and events, without locking
    and reading them again (a batch's fulfillment settles the order it has just locked)."""
    items = sorted(items, key=lambda item: (item.line_no, item.pk))
    net = order.vat_reverse_charged  # the invoices bill the amounts without VAT
    figures = [completion.figures_of(item, net=net) for item in items]
    owed_charges = completion.owed_for_charges(order.charges.all(), net=net)
    due = completion.amount_due(figures, charges=owed_charges)
    payment = completion.payment_status(due, order.amount_paid)
    fulfillment = completion.fulfillment_status(figures)
    before = (order.amount_due, order.payment_status, order.fulfillment_status)
    order.amount_due, order.payment_status, order.fulfillment_status = due, payment, fulfillment
    if before[2] != fulfillment:
        events.fulfillment_status_changed(order, actor, before[2], fulfillment)
    if before[1] != payment:
        events.payment_status_changed(order, actor, before[1], payment, paid=order.amount_paid, due=due)

    opened = []
    if order.status == OrderStatus.DRAFT and payment == PaymentStatus.PAID and due > 0 and not order.is_archived:
        _change_status(order, OrderStatus.OPEN, actor, "Opened because it is paid.")
        opened = [item for item in items if item.status == ItemStatus.DRAFT]
        for item in opened:  # its items open with it, as order_open moves them, before they may close
            item.status = ItemStatus.OPEN
    done = completion.order_done(figures, payment)
    if order.status == OrderStatus.OPEN and done and not order.has_error:
        _change_status(order, OrderStatus.CLOSED, actor, reason or "Closed: every item is done.")
        order.reopened_because = ""
    elif order.status == OrderStatus.CLOSED and not done:
        order.reopened_because = reopen_reason(figures, items)
        words = REOPEN_REASONS[order.reopened_because]
        _change_status(order, OrderStatus.OPEN, actor, reason or f"Reopened: {words}.")
    order.save(
        update_fields=["amount_due", "payment_status", "fulfillment_status", "status", "reopened_because", "updated_at"]
    )

    statuses = {item.pk: item.status for item in items}
    changed = settle_items(order, items, figures, owed_charges)
    for item in changed:
        if item.status != statuses[item.pk]:
            check_transition(
                ITEM_TRANSITIONS, resource="order_item", key=f"{order.number} line {item.line_no} ({item.sku})",
                current=statuses[item.pk], attempted=item.status,
            )  # fmt: skip
    to_save = {item.pk: item for item in [*opened, *changed]}
    if to_save:
        OrderItem.objects.bulk_update(list(to_save.values()), _SETTLED_ITEM_FIELDS)
    return order


def settle_items(order, items: list, figures: list[completion.ItemFigures], owed_charges) -> list:
    """Set each item's *costs paid* and *approved for shipment* units and its status from the order's payments
    and state; `owed_charges` is what the customer owes for the order's charges (completion.owed_for_charges).
    No query: the bulk import uses it on rows too. Returns the items that changed."""
    charges = completion.charges_owed(figures, owed_charges)
    cleared = order.status == OrderStatus.OPEN and not order.error_code and not order.is_archived
    # The money pays for shipping and fees first, then the units in line order.
    paid_units = completion.units_paid(figures, order.amount_paid - charges, order.amount_due - charges)
    changed = []
    for item, figure, paid in zip(items, figures, paid_units, strict=True):
        approved = min(paid if item.option_cover else figure.kept, figure.kept) if cleared else 0
        status = item.status
        if item.status != ItemStatus.CANCELED and order.status in (OrderStatus.OPEN, OrderStatus.CLOSED):
            status = ItemStatus.CLOSED if completion.item_done(figure) else ItemStatus.OPEN
        if (item.qty_costs_paid, item.qty_approved, item.status) != (paid, approved, status):
            item.qty_costs_paid, item.qty_approved, item.status = paid, approved, status
            changed.append(item)
    return changed
