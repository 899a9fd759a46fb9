"""Status changes, archiving, deleting, resetting and notes. Each locks the order and records its event."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, ValidationError
from orderly.core.logs import logs_order
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.orders import events
from orderly.orders.locks import lock_order
from orderly.orders.models import Order
from orderly.orders.rules import refusal
from orderly.orders.services.checks import apply_checks
from orderly.orders.services.editing import item_status_follow
from orderly.orders.services.item_progress import Canceled, record_progress
from orderly.orders.services.settling import order_settle
from orderly.orders.status import ORDER_TRANSITIONS, STAGE_TRANSITIONS, Action, OrderStatus


def _locked(order: Order) -> Order:
    return lock_order(order)


def _refuse_unless_allowed(order: Order, action: str) -> None:
    if (refused := refusal(order, action)) is not None:
        raise refused


def _refuse_while_held(order: Order, action: str) -> None:
    """Refuse (OrderLocked, naming the SKUs) while a process holds units for the order's items: stock held, or
    units a packaging plan makes for them. The order's stage says so for a plan; these say it for whatever holds
    units, so that canceling or deleting never strands them."""
    held = sorted(
        set(order.items.filter(Q(qty_available__gt=0) | Q(qty_expected__gt=0)).order_by().values_list("sku", flat=True))
    )
    if held:
        verb = "deleting" if action == Action.DELETE else "canceling"
        raise Conflict(
            f"Order {order.number} has stock held or being packed for it ({', '.join(held)}); "
            f"release it from its plan before {verb} the order.",
            code=ErrorCode.STOCK_HELD,
            order=order.number,
            skus=held,
        )


def _cancel_units(order: Order, actor: Actor) -> bool:
    """Every unit not yet shipped is canceled with the order (the *canceled* indicator), on the timeline as
    `items_canceled`. Returns whether units of it went out."""
    items = list(order.items.order_by("pk").values_list("pk", "quantity", "qty_handed_to_carrier", "qty_canceled"))
    changes = [
        Canceled(item=pk, units=quantity - shipped - canceled)
        for pk, quantity, shipped, canceled in items
        if quantity - shipped - canceled > 0
    ]
    if changes:
        record_progress(changes=changes, actor=actor, note=events.items_canceled("the order is canceled."))
    return any(shipped for _pk, _quantity, shipped, _canceled in items)


def _change_status(order: Order, target: str, actor: Actor, *, items_follow: bool = True) -> None:
    check_transition(ORDER_TRANSITIONS, resource="order", key=order.number, current=order.status, attempted=target)
    before = order.status
    order.status = target
    order.save(update_fields=["status", "updated_at"])
    if items_follow:
        item_status_follow(order, target)
    shipped = _cancel_units(order, actor) if target == OrderStatus.CANCELED else False
    events.status_changed(order, actor, before, target)
    if target == OrderStatus.CANCELED:
        # Once money came in or units went out, what is owed follows: a paid order that ships nothing more owes a
        # refund. Untouched, it owes nothing and was paid nothing: its payment status stays as it is.
        if order.amount_paid or shipped:
            order_settle(order=order, actor=actor, reason="The order was canceled.")
        if order.error_code:
            apply_checks(order, actor)  # a canceled order carries no processing error


@logs_order
@retry_on_conflict
@transaction.atomic
def order_open(*, order: Order, actor: Actor) -> Order:
    """Draft → open: the order is final and may be processed."""
    order = _locked(order)
    _refuse_unless_allowed(order, Action.OPEN)
    _change_status(order, OrderStatus.OPEN, actor)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_cancel(*, order: Order, actor: Actor) -> Order:
    """Draft or open → canceled, with its open items; every unit not shipped yet counts as canceled (an
    `items_canceled` event), and a paid or partly shipped order is settled (what it owes drops, a refund may be due).

    Refused (OrderLocked, nothing written) while the order is in a plan or picked and packed on its pick list, or
    while anything holds units for it (stock held, a packaging plan making units for it): its plan releases them
    first. Units already shipped stay shipped: their fulfillment is kept as it is.
    """
    order = _locked(order)
    _refuse_unless_allowed(order, Action.CANCEL)
    _refuse_while_held(order, Action.CANCEL)
    _change_status(order, OrderStatus.CANCELED, actor)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_close(*, order: Order, actor: Actor) -> Order:
    """Open → closed as asked, along ORDER_TRANSITIONS, without looking at the items: settling (order_settle)
    is what closes an order by itself once every item is done; this is for closing one that is not (the demo data's
    archived history). Items move with the order."""
    order = _locked(order)
    _change_status(order, OrderStatus.CLOSED, actor)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_reopen(*, order: Order, actor: Actor) -> Order:
    """Closed → open, when a return or a lost parcel needs work again (called by the processes).

    Items keep their own status: the process that reopens the order reopens the items it concerns.
    """
    order = _locked(order)
    _change_status(order, OrderStatus.OPEN, actor, items_follow=False)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_set_stage(*, order: Order, stage: str, actor: Actor, reason: str = "") -> Order:
    """Move the working stage (new, in progress, completed) along its transitions table."""
    return order_stage_write(order=_locked(order), stage=stage, actor=actor, reason=reason)


def order_stage_write(*, order: Order, stage: str, actor: Actor, reason: str = "") -> Order:
    """order_set_stage for a caller that holds `order` locked in its transaction (a batch recording an order's
    outcome): the same transition check and event, without locking the order again."""
    check_transition(STAGE_TRANSITIONS, resource="order", key=order.number, current=order.stage, attempted=stage)
    before = order.stage
    order.stage = stage
    order.save(update_fields=["stage", "updated_at"])
    events.stage_changed(order, actor, before, stage, reason)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_archive(*, order: Order, actor: Actor) -> Order:
    """Hide the order from the default views; it stays searchable with the archived filter."""
    order = _locked(order)
    _refuse_unless_allowed(order, Action.ARCHIVE)
    order.is_archived = True
    order.archived_at = timezone.now()
    order.save(update_fields=["is_archived", "archived_at", "updated_at"])
    events.archived(order, actor)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_unarchive(*, order: Order, actor: Actor) -> Order:
    order = _locked(order)
    _refuse_unless_allowed(order, Action.UNARCHIVE)
    order.is_archived = False
    order.archived_at = None
    order.save(update_fields=["is_archived", "archived_at", "updated_at"])
    events.unarchived(order, actor)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_delete(*, order: Order, actor: Actor) -> None:
    """Remove the order from every list, page and API answer.

    The row stays, marked deleted, so its channel and external id are remembered and a later sync does not
    import it again; its number is never reused. Refused (`order_locked` or `stock_held`, nothing written) while
    anything holds stock or makes units for it: a plan (in progress, or picked and packed on the pick list), held
    units, or a packaging plan's expected units — deleting it then would strand that stock.
    """
    order = _locked(order)
    _refuse_unless_allowed(order, Action.DELETE)
    _refuse_while_held(order, Action.DELETE)
    order.deleted_at = timezone.now()
    order.save(update_fields=["deleted_at", "updated_at"])
    events.deleted(order, actor)


@logs_order
@retry_on_conflict
@transaction.atomic
def order_reset(*, order: Order, actor: Actor) -> Order:
    """Run the order's checks again (e.g. after a product was activated or created), which clear its error or set
    the one they still find; the `reset` event says which, with the error's message."""
    order = _locked(order)
    _refuse_unless_allowed(order, Action.RESET)
    apply_checks(order, actor)
    events.reset(order, actor, code=order.error_code, message=order.error_message)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_error_raise(*, order: Order, code: str, message: str, fix: str, actor: Actor) -> Order:
    """Put an error on the order that a process outside the order's own checks met (a carrier refusing its
    address): `code`, `message` naming the cause and `fix` what to do, with an `error_raised` event. The order is
    blocked as by any error until someone fixes the cause and resets it (order_reset runs the checks again, which
    clear it). The same error again writes nothing."""
    order = _locked(order)
    if (order.error_code, order.error_message) == (code, message[:1000]):
        return order
    order.error_code, order.error_message, order.error_fix = code[:64], message[:1000], fix[:1000]
    order.save(update_fields=["error_code", "error_message", "error_fix", "updated_at"])
    events.error_raised(order, actor)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_error_clear(*, order: Order, codes: Iterable[str], message_prefix: str, actor: Actor) -> Order:
    """Take off the order an error that a process outside the order's checks raised and has since seen resolved
    (a label booked after the carrier refused the address): cleared only while the order's error is still one of
    `codes` and its message starts with `message_prefix` (the process's own words), with an `error_cleared`
    event. Any other error (the order's own checks', another fulfillment's) stays, and nothing is written."""
    order = _locked(order)
    if order.error_code not in set(codes) or not order.error_message.startswith(message_prefix):
        return order
    code, message = order.error_code, order.error_message
    order.error_code = order.error_message = order.error_fix = ""
    order.save(update_fields=["error_code", "error_message", "error_fix", "updated_at"])
    events.error_cleared(order, actor, code, message)
    return order


@logs_order
@retry_on_conflict
@transaction.atomic
def order_note_add(*, order: Order, text: str, actor: Actor) -> Order:
    """Add a note to the order's timeline."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("A note needs text.", field="text")
    if len(text) > 2000:
        raise ValidationError("A note is at most 2000 characters.", field="text")
    order = _locked(order)
    events.note_added(order, actor, text)
    return order
