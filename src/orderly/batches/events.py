"""The timeline events batches write on their orders (through the orders area's `record`)."""

from orderly.core.actors import Actor
from orderly.orders.events import record
from orderly.orders.models import Order

BATCH_ADDED = "batch_added"
BATCH_OUTCOME = "batch_outcome"
BATCH_REMOVED = "batch_removed"


def added(order: Order, actor: Actor, batch: str) -> None:
    record(order, actor, BATCH_ADDED, f"Added to batch {batch} for processing.", {"batch": batch})


def succeeded(order: Order, actor: Actor, batch: str, fulfillment: str, tracking: str) -> None:
    parcel = f", tracking {tracking}" if tracking else ""
    record(
        order,
        actor,
        BATCH_OUTCOME,
        f"Processed in batch {batch}: fulfilled as {fulfillment}{parcel}.",
        {"batch": batch, "outcome": "succeeded", "fulfillment": fulfillment, "tracking_number": tracking},
    )


def failed(order: Order, actor: Actor, batch: str, step: str, reason: str, fix: str) -> None:
    record(
        order,
        actor,
        BATCH_OUTCOME,
        f"Failed in batch {batch}: {reason}" + (f" Fix: {fix}" if fix else ""),
        {"batch": batch, "outcome": "failed", "step": step, "reason": reason, "fix": fix},
    )


def removed(order: Order, actor: Actor, batch: str) -> None:
    record(order, actor, BATCH_REMOVED, f"Removed from batch {batch}.", {"batch": batch})
