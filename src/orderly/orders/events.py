"""One constructor per kind of timeline event. Each writes one row; call inside the change's transaction."""

from orderly.core.actors import Actor
from orderly.orders.models import Order, OrderEvent
from orderly.orders.status import FulfillmentStatus, PaymentStatus


class EventKind:
    CREATED = "created"
    IMPORTED = "imported"
    EDITED = "edited"
    STATUS_CHANGED = "status_changed"
    STAGE_CHANGED = "stage_changed"
    ARCHIVED = "archived"
    UNARCHIVED = "unarchived"
    DELETED = "deleted"
    RESET = "reset"
    ERROR_RAISED = "error_raised"
    ERROR_CLEARED = "error_cleared"
    NOTE_ADDED = "note_added"
    PLAN_ADDED = "plan_added"
    PLAN_REMOVED = "plan_removed"
    ALLOCATED = "allocated"
    PICK_COMPLETED = "pick_completed"
    PICK_RETURNED = "pick_returned"
    SYNCED = "synced"
    FULFILLMENT_STATUS_CHANGED = "fulfillment_status_changed"
    PAYMENT_STATUS_CHANGED = "payment_status_changed"


def record(order: Order, actor: Actor, kind: str, message: str, data: dict | None = None) -> OrderEvent:
    """One timeline row of any kind; the areas above orders (shipping, billing) write theirs through it."""
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor_kind=actor.kind,
        actor_name=actor.name[:150],
        actor_user=actor.user,
        message=message[:500],
        data=data or {},
    )


def created(order: Order, actor: Actor) -> OrderEvent:
    return record(
        order, actor, EventKind.CREATED, f"Order {order.number} created ({order.status}).", {"status": order.status}
    )


def imported_content(order, channel) -> tuple[str, dict]:
    """The `imported` event's message and data (also written in bulk by the channel import)."""
    reference = order.external_ref or order.external_id
    return (
        f"Order {order.number} imported from {channel} as {reference}.",
        {"external_id": order.external_id, "external_status": order.external_status},
    )


def error_raised_content(order) -> tuple[str, dict]:
    """The `error_raised` event's message and data (also written in bulk by the channel import)."""
    return (
        f"Error: {order.error_message}",
        {"code": order.error_code, "message": order.error_message, "fix": order.error_fix},
    )


def imported(order: Order, actor: Actor) -> OrderEvent:
    return record(order, actor, EventKind.IMPORTED, *imported_content(order, order.channel))


def edited(order: Order, actor: Actor, changes: dict[str, dict]) -> OrderEvent:
    fields = ", ".join(sorted(changes))
    return record(order, actor, EventKind.EDITED, f"Edited {fields}.", {"changes": changes})


def status_changed(order: Order, actor: Actor, before: str, after: str, reason: str = "") -> OrderEvent:
    data = {"before": before, "after": after}
    if reason:
        data["reason"] = reason
    message = f"Status changed from {before} to {after}." + (f" {reason}" if reason else "")
    return record(order, actor, EventKind.STATUS_CHANGED, message, data)


def fulfillment_status_changed(order: Order, actor: Actor, before: str, after: str) -> OrderEvent:
    words = dict(FulfillmentStatus.choices)
    return record(
        order,
        actor,
        EventKind.FULFILLMENT_STATUS_CHANGED,
        f"Fulfillment status changed from {words.get(before, before)} to {words.get(after, after)}.",
        {"before": before, "after": after},
    )


def payment_status_changed(order: Order, actor: Actor, before: str, after: str, *, paid, due) -> OrderEvent:
    words = dict(PaymentStatus.choices)
    return record(
        order,
        actor,
        EventKind.PAYMENT_STATUS_CHANGED,
        f"Payment status changed from {words.get(before, before)} to {words.get(after, after)}: "
        f"{paid} paid of {due} due.",
        {"before": before, "after": after, "paid": str(paid), "due": str(due)},
    )


def stage_changed(order: Order, actor: Actor, before: str, after: str, reason: str = "") -> OrderEvent:
    message = f"Stage changed from {before} to {after}." + (f" {reason}" if reason else "")
    return record(order, actor, EventKind.STAGE_CHANGED, message, {"before": before, "after": after})


def archived(order: Order, actor: Actor) -> OrderEvent:
    return record(order, actor, EventKind.ARCHIVED, "Order archived.")


def unarchived(order: Order, actor: Actor) -> OrderEvent:
    return record(order, actor, EventKind.UNARCHIVED, "Order unarchived.")


def deleted(order: Order, actor: Actor) -> OrderEvent:
    return record(
        order,
        actor,
        EventKind.DELETED,
        "Order deleted.",
        {"channel": order.channel_id, "external_id": order.external_id},
    )


def reset(order: Order, actor: Actor) -> OrderEvent:
    return record(order, actor, EventKind.RESET, "Order reset: error cleared and checks run again.")


def error_raised(order: Order, actor: Actor) -> OrderEvent:
    return record(order, actor, EventKind.ERROR_RAISED, *error_raised_content(order))


def error_cleared(order: Order, actor: Actor, code: str, message: str) -> OrderEvent:
    return record(order, actor, EventKind.ERROR_CLEARED, f"Error cleared: {message}", {"code": code})


def note_added(order: Order, actor: Actor, text: str) -> OrderEvent:
    return record(order, actor, EventKind.NOTE_ADDED, f"Note: {text}"[:500], {"text": text})


def synced(order: Order, actor: Actor, changes: dict[str, dict], ignored: list[str] | None = None) -> OrderEvent:
    """The channel's newer state of the order: each changed field's before and after."""
    message = f"Synchronized from {order.channel}: {', '.join(sorted(changes))} changed."
    if ignored:
        message += f" Not applied (order past editing): {', '.join(sorted(set(ignored)))}."
    return record(order, actor, EventKind.SYNCED, message, {"changes": changes, "ignored": sorted(set(ignored or []))})


# ---- fulfillment plans (issue 4). `allocated` is built unsaved so a plan's allocation writes every order's event
# in one bulk insert; save it with record_all().


def plan_added(order: Order, actor: Actor, plan_number: str) -> OrderEvent:
    return record(
        order, actor, EventKind.PLAN_ADDED, f"Added to fulfillment plan {plan_number}.", {"plan": plan_number}
    )


def plan_removed(order: Order, actor: Actor, plan_number: str, reason: str = "") -> OrderEvent:
    message = f"Removed from fulfillment plan {plan_number}." + (f" {reason}" if reason else "")
    return record(order, actor, EventKind.PLAN_REMOVED, message, {"plan": plan_number})


def allocated(order_id: int, actor: Actor, plan_number: str, lines: list[dict]) -> OrderEvent:
    """Unsaved: `lines` as {"sku", "before", "after", "quantity"} per item whose allocation changed."""
    text = "; ".join(f"{line['sku']} {line['before']} → {line['after']} of {line['quantity']}" for line in lines)
    return OrderEvent(
        order_id=order_id,
        kind=EventKind.ALLOCATED,
        actor_kind=actor.kind,
        actor_name=actor.name[:150],
        actor_user=actor.user,
        message=f"Allocation in plan {plan_number}: {text}."[:500],
        data={"plan": plan_number, "lines": lines},
    )


def record_all(events: list[OrderEvent]) -> None:
    OrderEvent.objects.bulk_create(events)


def pick_completed(order: Order, actor: Actor, plan_number: str) -> OrderEvent:
    return record(
        order,
        actor,
        EventKind.PICK_COMPLETED,
        f"Picked and packed on the pick list of {plan_number}.",
        {"plan": plan_number},
    )


def pick_returned(order: Order, actor: Actor, plan_number: str) -> OrderEvent:
    return record(
        order,
        actor,
        EventKind.PICK_RETURNED,
        f"Returned on the pick list of {plan_number}: not packed any more.",
        {"plan": plan_number},
    )


def channel_told(order: Order, actor: Actor, message: str, data: dict | None = None) -> OrderEvent:
    """Something sent (or queued, or given up) to the order's sales channel, e.g. shipped with tracking."""
    return record(order, actor, "channel_told", message, data)
