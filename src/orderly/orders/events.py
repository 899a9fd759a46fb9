"""One constructor per kind of timeline event. Each writes one row; call inside the change's transaction. Those of
changes to items return a Note instead, which services.item_progress writes with the change."""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from orderly.core.actors import Actor
from orderly.inventory.bulk import bulk_insert
from orderly.orders.models import Order, OrderEvent
from orderly.orders.status import FulfillmentStatus, OrderStatus, PaymentStatus, Stage


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
    EXPECTED = "expected"
    ITEMS_CANCELED = "items_canceled"
    SYNCED = "synced"
    FULFILLMENT_STATUS_CHANGED = "fulfillment_status_changed"
    PAYMENT_STATUS_CHANGED = "payment_status_changed"
    CHARGES_REFUNDED = "charges_refunded"


def field_words(name: str) -> str:
    """A changed field as people say it: `customer_name` → "customer name", `shipping_address.line1` → "shipping
    address (street and number)"."""
    parts = {"line1": "street and number", "line2": "address line 2", "postal_code": "postal code"}
    head, _dot, part = name.partition(".")
    words = head.replace("_", " ")
    return f"{words} ({parts.get(part, part.replace('_', ' '))})" if part else words


def fields_text(names) -> str:
    return ", ".join(field_words(name) for name in sorted(names))


def _words(choices, value: str) -> str:
    return dict(choices.choices).get(value, value)


class _Together(threading.local):
    pending: list[OrderEvent] | None = None


_together = _Together()


@contextmanager
def recorded_together() -> Iterator[None]:
    """The timeline events recorded in the block (record, Note.write, write_events) are kept and written together
    in one statement when it ends, in the order they were recorded: for a step that records several on its orders
    (a batch order's fulfillment and settling, its label, its outcome and stage). Use it inside the transaction;
    the events of a block that raises are dropped with it. Nothing in the block sees them in the database yet, and
    a block must not catch an error of a savepoint inside it that recorded events and go on: those events would
    be written all the same."""
    if _together.pending is not None:  # an outer block writes them
        yield
        return
    _together.pending = pending = []
    try:
        yield
    finally:
        _together.pending = None
    write_events(pending)  # (the block ended without an error)


def write_events(events: Sequence[OrderEvent]) -> None:
    """Save unsaved events in one statement (kept for the end of a recorded_together block inside one)."""
    if _together.pending is not None:
        _together.pending.extend(events)
    else:
        bulk_insert(OrderEvent, events)


def record(order: Order, actor: Actor, kind: str, message: str, data: dict | None = None) -> OrderEvent:
    """One timeline row of any kind; the areas above orders (shipping, billing) write theirs through it."""
    event = OrderEvent(
        order=order,
        kind=kind,
        actor_kind=actor.kind,
        actor_name=actor.name[:150],
        actor_user=actor.user,
        message=message[:500],
        data=data or {},
    )
    if _together.pending is not None:
        _together.pending.append(event)
    else:
        event.save(force_insert=True)
    return event


def created(order: Order, actor: Actor) -> OrderEvent:
    return record(
        order,
        actor,
        EventKind.CREATED,
        f"Order {order.number} created ({_words(OrderStatus, order.status)}).",
        {"status": order.status},
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
    return record(order, actor, EventKind.EDITED, f"Edited {fields_text(changes)}.", {"changes": changes})


def status_changed(order: Order, actor: Actor, before: str, after: str, reason: str = "") -> OrderEvent:
    data = {"before": before, "after": after}
    if reason:
        data["reason"] = reason
    words = f"Status changed from {_words(OrderStatus, before)} to {_words(OrderStatus, after)}."
    message = words + (f" {reason}" if reason else "")
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
    words = f"Stage changed from {_words(Stage, before)} to {_words(Stage, after)}."
    message = words + (f" {reason}" if reason else "")
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


def reset(order: Order, actor: Actor, *, code: str, message: str) -> OrderEvent:
    """A Reset and what the checks it ran found: the order's error after it (`code` and `message`, empty when
    none is left)."""
    if code:
        text = f"Order reset: the checks ran again and the order is still in error: {message}"
    else:
        text = "Order reset: the checks ran again and found no error."
    return record(order, actor, EventKind.RESET, text, {"code": code, "message": message})


def error_raised(order: Order, actor: Actor) -> OrderEvent:
    return record(order, actor, EventKind.ERROR_RAISED, *error_raised_content(order))


def error_cleared(order: Order, actor: Actor, code: str, message: str) -> OrderEvent:
    return record(order, actor, EventKind.ERROR_CLEARED, f"Error cleared: {message}", {"code": code})


def note_added(order: Order, actor: Actor, text: str) -> OrderEvent:
    return record(order, actor, EventKind.NOTE_ADDED, f"Note: {text}"[:500], {"text": text})


def synced(order: Order, actor: Actor, changes: dict[str, dict], ignored: list[str] | None = None) -> OrderEvent:
    """The channel's newer state of the order: each changed field's before and after."""
    message = f"Synchronized from {order.channel}: {fields_text(changes)} changed."
    if ignored:
        message += f" Not applied (order past editing): {fields_text(set(ignored))}."
    return record(order, actor, EventKind.SYNCED, message, {"changes": changes, "ignored": sorted(set(ignored or []))})


def charges_refunded(order: Order, actor: Actor, changes: list[dict]) -> OrderEvent:
    """The shop paid back money for charges: [{"charge", "title", "before", "after", "total"}] per charge."""
    parts = [f"{c['title']} {c['after']} of {c['total']} (was {c['before']})" for c in changes]
    message = f"Refunded in {order.channel}: " + "; ".join(parts) + "."
    return record(order, actor, EventKind.CHARGES_REFUNDED, message, {"charges": changes})


# ---- changes to items. A process tells services.item_progress what happened to an order's items with a Note of how
# the timeline says it; that service writes one event per order from it, with the lines of that order's items.


def units_text(lines: list[dict]) -> str:
    """ "2 × ESP-250, 1 × DEC-250": the units of each line."""
    return ", ".join(f"{line['quantity']} × {line['sku']}" for line in lines)


def moves_text(lines: list[dict]) -> str:
    """ "ESP-250 0 → 2 of 4; DEC-250 1 → 0 of 1": each line's counter before and after, of the item's quantity."""
    return "; ".join(f"{line['sku']} {line['before']} → {line['after']} of {line['quantity']}" for line in lines)


@dataclass(frozen=True)
class Note:
    """How the timeline tells a change to an order's items: the event's kind, its message made from the lines of
    the order's items that the change names, and the process's own data (its plan, fulfillment, invoice…).

    Each line is {"item", "sku", "what", "quantity"}, `what` the kind of change: for a change that counts units
    (shipped, returned, invoiced…) `quantity` is the units that moved; for one that sets how many units are in a
    state (held, expected, on the pick list, picked) it is the item's quantity, with the count "before" and "after"
    (a release: "before", the counts it let go). The event's data is `data` with "lines".
    """

    kind: str
    message: Callable[[list[dict]], str]
    data: dict = field(default_factory=dict)

    def event(self, order_id: int, actor: Actor, lines: list[dict]) -> OrderEvent:
        """The unsaved event of one order (written in bulk with the other orders' events)."""
        return OrderEvent(
            order_id=order_id,
            kind=self.kind,
            actor_kind=actor.kind,
            actor_name=actor.name[:150],
            actor_user=actor.user,
            message=self.message(lines)[:500],
            data={**self.data, "lines": lines},
        )

    def write(self, order_id: int, actor: Actor) -> OrderEvent:
        """The event of a change that moved no item (an invoice of charges only), saved now (or with the others of
        a recorded_together block)."""
        event = self.event(order_id, actor, [])
        if _together.pending is not None:
            _together.pending.append(event)
        else:
            event.save()
        return event


def plan_added(plan_number: str) -> Note:
    return Note(EventKind.PLAN_ADDED, lambda _lines: f"Added to fulfillment plan {plan_number}.", {"plan": plan_number})


def plan_removed(plan_number: str, reason: str = "") -> Note:
    message = f"Removed from fulfillment plan {plan_number}." + (f" {reason}" if reason else "")
    return Note(EventKind.PLAN_REMOVED, lambda _lines: message, {"plan": plan_number})


def allocated(plan_number: str) -> Note:
    """Units held for the items changed (lines with before and after)."""
    return Note(
        EventKind.ALLOCATED,
        lambda lines: f"Allocation in plan {plan_number}: {moves_text(lines)}.",
        {"plan": plan_number},
    )


def expected(plan_number: str, reason: str = "") -> Note:
    """Units the plan's waiting packaging plans will make for the items changed; `reason` says what changed them."""
    why = f" ({reason})" if reason else ""
    return Note(
        EventKind.EXPECTED,
        lambda lines: f"Expected in stock from the packaging plans of {plan_number}{why}: {moves_text(lines)}.",
        {"plan": plan_number, "reason": reason},
    )


def pick_completed(plan_number: str) -> Note:
    return Note(
        EventKind.PICK_COMPLETED,
        lambda _lines: f"Picked and packed on the pick list of {plan_number}.",
        {"plan": plan_number},
    )


def pick_returned(plan_number: str) -> Note:
    return Note(
        EventKind.PICK_RETURNED,
        lambda _lines: f"Returned on the pick list of {plan_number}: not packed any more.",
        {"plan": plan_number},
    )


def items_canceled(reason: str) -> Note:
    return Note(
        EventKind.ITEMS_CANCELED,
        lambda lines: f"Canceled {units_text(lines)}: {reason}",
        {"reason": reason},
    )


def channel_told(order: Order, actor: Actor, message: str, data: dict | None = None) -> OrderEvent:
    """Something sent (or queued, or given up) to the order's sales channel, e.g. shipped with tracking."""
    return record(order, actor, "channel_told", message, data)
