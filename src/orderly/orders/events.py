"""One constructor per kind of timeline event. Each writes one row; call inside the change's transaction."""

from orderly.core.actors import Actor
from orderly.orders.models import Order, OrderEvent


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


def _record(order: Order, actor: Actor, kind: str, message: str, data: dict | None = None) -> OrderEvent:
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
    return _record(
        order, actor, EventKind.CREATED, f"Order {order.number} created ({order.status}).", {"status": order.status}
    )


def imported(order: Order, actor: Actor) -> OrderEvent:
    return _record(
        order,
        actor,
        EventKind.IMPORTED,
        f"Order {order.number} imported from {order.channel} as {order.external_ref or order.external_id}.",
        {"external_id": order.external_id, "external_status": order.external_status},
    )


def edited(order: Order, actor: Actor, changes: dict[str, dict]) -> OrderEvent:
    fields = ", ".join(sorted(changes))
    return _record(order, actor, EventKind.EDITED, f"Edited {fields}.", {"changes": changes})


def status_changed(order: Order, actor: Actor, before: str, after: str) -> OrderEvent:
    return _record(
        order,
        actor,
        EventKind.STATUS_CHANGED,
        f"Status changed from {before} to {after}.",
        {"before": before, "after": after},
    )


def stage_changed(order: Order, actor: Actor, before: str, after: str, reason: str = "") -> OrderEvent:
    message = f"Stage changed from {before} to {after}." + (f" {reason}" if reason else "")
    return _record(order, actor, EventKind.STAGE_CHANGED, message, {"before": before, "after": after})


def archived(order: Order, actor: Actor) -> OrderEvent:
    return _record(order, actor, EventKind.ARCHIVED, "Order archived.")


def unarchived(order: Order, actor: Actor) -> OrderEvent:
    return _record(order, actor, EventKind.UNARCHIVED, "Order unarchived.")


def deleted(order: Order, actor: Actor) -> OrderEvent:
    return _record(
        order,
        actor,
        EventKind.DELETED,
        "Order deleted.",
        {"channel": order.channel_id, "external_id": order.external_id},
    )


def reset(order: Order, actor: Actor) -> OrderEvent:
    return _record(order, actor, EventKind.RESET, "Order reset: error cleared and checks run again.")


def error_raised(order: Order, actor: Actor) -> OrderEvent:
    return _record(
        order,
        actor,
        EventKind.ERROR_RAISED,
        f"Error: {order.error_message}",
        {"code": order.error_code, "message": order.error_message, "fix": order.error_fix},
    )


def error_cleared(order: Order, actor: Actor, code: str, message: str) -> OrderEvent:
    return _record(order, actor, EventKind.ERROR_CLEARED, f"Error cleared: {message}", {"code": code})


def note_added(order: Order, actor: Actor, text: str) -> OrderEvent:
    return _record(order, actor, EventKind.NOTE_ADDED, f"Note: {text}"[:500], {"text": text})
