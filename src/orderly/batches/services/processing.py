"""Processing a batch in the worker: claim an order, check it, fulfill it, book its label, hand its tracking to its
shop, record its outcome; until no order is left to claim. Then the batch settles (failed or finished).

Exactly once, whatever dies when:
- An order is claimed by one worker at a time: the claim (worker and time) is committed in its own short
  transaction, taken with SKIP LOCKED where the database has it, so two workers never pick the same order and
  never wait on each other. A claim older than the lease (ORDERLY_BATCH_LEASE_SECONDS) belongs to a worker that
  died: the next worker takes it over.
- Each step commits together with its record on the order's entry (the fulfillment with its id, the outcome with
  its event), and every such transaction checks last, under the entry's lock, that the claim is still this
  worker's: a worker overtaken after its lease ran out rolls back instead of writing twice.
- A taken-over order resumes after its last recorded step: an order already fulfilled is not fulfilled again;
  booking is idempotent in the carriers area (the same fulfillment answers the parcel booked before), so a worker
  killed between booking and recording books again and gets the same label; telling the shop is idempotent too.
"""

import logging
import os
import socket
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from orderly.batches import checks, events, labels
from orderly.batches.locks import claim_entry, lock_batch, lock_entry
from orderly.batches.models import Batch, BatchOrder
from orderly.batches.services.common import enqueue_documents
from orderly.batches.status import BATCH_TRANSITIONS, STEP_ORDER, BatchStatus, Outcome, Step
from orderly.channels.services.fulfillment_push import fulfillment_push
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import DomainError
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.orders.locks import lock_order
from orderly.orders.models import OrderItem
from orderly.orders.services import order_set_stage
from orderly.orders.status import Stage
from orderly.shipping.services import fulfillment_create

logger = logging.getLogger(__name__)


class ClaimLost(Exception):
    """Another worker took the order over (this one outlived its lease): stop, writing nothing more."""


class Stop(Exception):
    """The order cannot go on: recorded as failed with `reason` and `fix`."""

    def __init__(self, code: str, reason: str, fix: str):
        super().__init__(reason)
        self.code, self.reason, self.fix = code, reason, fix


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_seconds() -> int:
    """How long a claim holds. Longer than the two minutes the carriers area lets a booking stay in flight: a
    worker that takes over a dead one's order then finds its label booked or given up, and looks it up, instead of
    failing the order as still being booked."""
    return int(getattr(settings, "ORDERLY_BATCH_LEASE_SECONDS", 180))


def actor_of(batch: Batch) -> Actor:
    """Who the batch's work is done by on the timelines: the person who created it."""
    if batch.created_by_id is not None:
        return Actor.for_user(batch.created_by)
    return Actor(kind="system", name=batch.created_by_name or "Orderly")


@retry_on_conflict
@transaction.atomic
def _claim_entry(batch_id: int, worker: str) -> BatchOrder | None:
    """Take the first waiting order nobody is processing (or whose worker's lease ran out): its entry, with its
    batch and fulfillment loaded (not locked)."""
    now = timezone.now()
    stale = now - timezone.timedelta(seconds=lease_seconds())
    waiting = BatchOrder.objects.filter(batch_id=batch_id, outcome=Outcome.WAITING).filter(
        Q(claimed_by="") | Q(claimed_at__lt=stale) | Q(claimed_by=worker)
    )
    entry = claim_entry(waiting.select_related("batch", "fulfillment"))
    if entry is None:
        return None
    entry.claimed_by, entry.claimed_at = worker, now
    entry.attempts += 1
    entry.started_at = entry.started_at or now
    entry.save(update_fields=["claimed_by", "claimed_at", "attempts", "started_at"])
    return entry


def _claim(batch_id: int, worker: str) -> int | None:
    """The id of the entry _claim_entry takes, or None."""
    entry = _claim_entry(batch_id, worker)
    return entry.pk if entry is not None else None


def _mine(entry: BatchOrder, worker: str, *, counts: bool = False) -> BatchOrder:
    """The entry locked, still claimed by `worker` and waiting; ClaimLost otherwise. Called last in a step's
    transaction (batch rows come after orders and stock in the global lock order); with `counts` its batch is
    locked first, as the batch's counts change with it. The entry keeps its loaded order, batch and fulfillment."""
    if counts:
        lock_batch(entry.batch_id)
    locked = lock_entry(entry.pk)
    if locked.claimed_by != worker or locked.outcome != Outcome.WAITING:
        raise ClaimLost(entry.pk)
    for field in ("step", "fulfillment_id", "parcel", "tracking_number", "attempts"):
        setattr(entry, field, getattr(locked, field))
    return entry


def _reached(entry: BatchOrder, step: str) -> bool:
    return STEP_ORDER.index(Step(entry.step)) >= STEP_ORDER.index(Step(step))


@retry_on_conflict
@transaction.atomic
def _fulfill(entry: BatchOrder, worker: str, actor: Actor) -> None:
    """Check the order (locked, so that nothing changes it between the checks and the fulfillment) and fulfill the
    units to ship from stock (held first, then available), recording the fulfillment on the entry in the same
    transaction. A refusal rolls back: nothing of it is written."""
    order = lock_order(entry.order_id, deleted=True, related=("shipping_address",))
    items = list(OrderItem.objects.filter(order_id=order.pk).order_by("pk"))
    if refused := checks.refusal(order, items):
        raise Stop(refused.code, refused.reason, refused.fix)
    method = labels.method_resolve(order=order)
    # Fulfilled with its carrier named, so the orders area counts the units released, picked, packed, sorted and
    # labelled with the shipment (one change of the items); the label itself is booked in the next step, and an
    # order whose booking fails stays at this step until it is reprocessed.
    fulfillment = fulfillment_create(
        order=order,
        actor=actor,
        items=[{"item": item.pk, "quantity": units} for item, units in checks.to_ship(items)],
        carrier=method.carrier[:100],
    )
    # The order's lock, held since the start, keeps every step of this entry to one worker at a time, so the entry
    # is written by a guarded update rather than locked: its lock would come after the fulfillment's number, last
    # in the global order. A claim lost meanwhile (taken over, or fulfilled by an earlier claim after all) rolls
    # this fulfillment back: never a second one.
    now = timezone.now()
    recorded = BatchOrder.objects.filter(
        pk=entry.pk, claimed_by=worker, outcome=Outcome.WAITING, fulfillment__isnull=True
    ).update(fulfillment=fulfillment, step=Step.FULFILLED, claimed_at=now)
    if not recorded:
        raise ClaimLost(entry.pk)
    entry.fulfillment, entry.step, entry.claimed_at = fulfillment, Step.FULFILLED, now


def _label(entry: BatchOrder, worker: str, actor: Actor) -> None:
    """Book the parcel (outside any transaction: the carriers area calls the carrier itself), then record it."""
    booked = labels.parcel_book(fulfillment=entry.fulfillment, actor=actor)
    _label_record(entry, worker, booked)


@retry_on_conflict
@transaction.atomic
def _label_record(entry: BatchOrder, worker: str, booked: labels.Booked) -> None:
    entry = _mine(entry, worker)
    entry.parcel, entry.tracking_number = booked.parcel[:32], booked.tracking_number[:100]
    entry.step, entry.claimed_at = Step.LABELLED, timezone.now()
    entry.save(update_fields=["parcel", "tracking_number", "step", "claimed_at"])


@retry_on_conflict
@transaction.atomic
def _tell(entry: BatchOrder, worker: str, actor: Actor) -> None:
    """Hand the tracking to the order's shop through the outbox and record the order as succeeded."""
    order = lock_order(entry.order_id, deleted=True)
    fulfillment_push(fulfillment_id=entry.fulfillment_id, order_id=order.pk, actor=actor)
    if entry.stage_set and order.stage == Stage.IN_PROGRESS:
        order_set_stage(
            order=order, stage=Stage.COMPLETED, actor=actor, reason=f"Processed in batch {entry.batch.number}."
        )
    entry = _mine(entry, worker, counts=True)
    now = timezone.now()
    entry.step, entry.outcome, entry.finished_at = Step.TOLD, Outcome.SUCCEEDED, now
    entry.reason = entry.fix = entry.error_code = ""
    entry.save(update_fields=["step", "outcome", "finished_at", "reason", "fix", "error_code"])
    Batch.objects.filter(pk=entry.batch_id).update(succeeded_count=F("succeeded_count") + 1, updated_at=now)
    events.succeeded(order, actor, entry.batch.number, entry.fulfillment.number, entry.tracking_number)


@retry_on_conflict
@transaction.atomic
def _fail(entry: BatchOrder, worker: str, actor: Actor, stop: Stop) -> None:
    order = lock_order(entry.order_id, deleted=True)
    entry = _mine(entry, worker, counts=True)
    now = timezone.now()
    entry.outcome, entry.finished_at = Outcome.FAILED, now
    entry.reason, entry.fix, entry.error_code = stop.reason[:1000], stop.fix[:1000], stop.code[:64]
    entry.save(update_fields=["outcome", "finished_at", "reason", "fix", "error_code"])
    Batch.objects.filter(pk=entry.batch_id).update(failed_count=F("failed_count") + 1, updated_at=now)
    events.failed(order, actor, entry.batch.number, entry.step or "check", entry.reason, entry.fix)


def _stop_of(error: DomainError) -> Stop:
    """A refusal in the words the batch page shows: the service's (or the carrier's) message and the fix."""
    detail = error.detail or {}
    fix = str(detail.get("fix") or "")
    if not fix and error.code == ErrorCode.INSUFFICIENT_STOCK:
        sku = detail.get("sku", "the SKU")
        fix = f"Receive stock of {sku} (or allocate it to this order in a plan), then reprocess it."
    return Stop(str(error.code), error.message, fix or "Fix what the reason names, then reprocess the order.")


def process_entry(entry: BatchOrder | int, worker: str, actor: Actor) -> None:
    """Take one claimed order (its entry as claimed, or its id) through the steps it has not reached yet; a
    refusal is its outcome."""
    if not isinstance(entry, BatchOrder):
        entry = BatchOrder.objects.select_related("batch", "fulfillment").get(pk=entry)
    entry_id = entry.pk
    steps = ((Step.FULFILLED, _fulfill), (Step.LABELLED, _label), (Step.TOLD, _tell))
    try:
        for step, run in steps:
            if not _reached(entry, step):
                run(entry, worker, actor)
    except ClaimLost:
        logger.warning("batch order %s was taken over by another worker; this one stops", entry_id)
    except Stop as stop:
        _fail(entry, worker, actor, stop)
    except DomainError as error:
        _fail(entry, worker, actor, _stop_of(error))
    except Exception as error:  # a bug or an outage must not leave the order waiting for ever
        logger.exception("batch order %s failed unexpectedly", entry_id)
        reason = f"Unexpected error: {error}"[:500]
        fix = "Reprocess it; if it fails again, tell your administrator (the log has the details)."
        _fail(entry, worker, actor, Stop("server_error", reason, fix))


def batch_process(*, batch_id: int, worker: str | None = None, limit: int | None = None) -> int:
    """Process the batch's waiting orders one by one until none is left to claim (or `limit` were processed),
    then settle the batch. Returns how many orders this call processed. Safe to run in several workers at once
    and to run again after a worker died (see the module's docstring)."""
    batch = Batch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None:
        return 0
    worker = worker or worker_name()
    actor = actor_of(batch)
    done = 0
    while limit is None or done < limit:
        entry = _claim_entry(batch_id, worker)
        if entry is None:
            break
        process_entry(entry, worker, actor)
        done += 1
    batch_settle(batch_id=batch_id)
    return done


@retry_on_conflict
@transaction.atomic
def batch_settle(*, batch_id: int) -> Batch | None:
    """Once no order of a processing batch waits: *failed* when any failed, else *finished* (its orders free to
    join another batch). Documents for its succeeded orders are queued. Does nothing while orders wait."""
    batch = lock_batch(batch_id)
    if batch is None or batch.status != BatchStatus.PROCESSING or batch.waiting_count > 0:
        return batch
    target = BatchStatus.FAILED if batch.failed_count else BatchStatus.FINISHED
    check_transition(BATCH_TRANSITIONS, resource="batch", key=batch.number, current=batch.status, attempted=target)
    batch.status, batch.finished_at = target, timezone.now()
    batch.save(update_fields=["status", "finished_at", "updated_at"])
    if target == BatchStatus.FINISHED:
        BatchOrder.objects.filter(batch=batch).update(active=False)
    if batch.succeeded_count:
        enqueue_documents(batch)
    return batch
