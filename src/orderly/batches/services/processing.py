"""Processing a batch in the worker: claim a few orders, and for each check it, fulfill it, book its label, hand
its tracking to its shop and record its outcome; until no order is left to claim. Then the batch settles (failed
or finished).

Exactly once, whatever dies when:
- An order is claimed by one worker at a time: the claim (worker and time) is committed in its own short
  transaction, a few orders at once (ORDERLY_BATCH_CLAIM_AT_ONCE), taken with SKIP LOCKED where the database has
  it, so two workers never pick the same order and never wait on each other. A claim older than the lease
  (ORDERLY_BATCH_LEASE_SECONDS) belongs to a worker that died: the next worker takes it over. A worker claims
  again before starting an order whose claim is half its lease old, so a claim it is still working through never
  runs out.
- Each step commits together with its record on the order's entry (the fulfillment with its id, the outcome with
  its event), and every such transaction checks last, by a guarded update of the entry, that the claim is still
  this worker's: a worker overtaken after its lease ran out rolls back instead of writing twice.
- A taken-over order resumes after its last recorded step: an order already fulfilled is not fulfilled again;
  booking is idempotent in the carriers area (the same fulfillment answers the parcel booked before), so a worker
  killed between booking and recording the outcome books again and gets the same label; telling the shop is
  idempotent too.

Per order, three transactions and the carrier's calls between them: the fulfillment (the order, its items and
the lots of its variants locked once, checked under those locks, fulfilled without locking them again, and its
parcel reserved for booking), the carriers area's record of the booking after its calls, and the outcome (the
shop told, the stage, the parcel and the outcome on the entry, the batch's count). What every order reads alike
(the shipping rules, the packaging weight, the variants' weights, the carrier's connection) is read once per run
(labels.session).
"""

import logging
import os
import socket
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from orderly.batches import checks, events, labels
from orderly.batches.locks import claim_entries, lock_batch
from orderly.batches.models import Batch, BatchOrder
from orderly.batches.services.common import enqueue_documents
from orderly.batches.status import BATCH_TRANSITIONS, STEP_ORDER, BatchStatus, Outcome, Step
from orderly.channels.services.fulfillment_push import fulfillment_push_held
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import DomainError
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.inventory.locks import lock_lots_of
from orderly.inventory.status import LotKind
from orderly.orders.events import recorded_together
from orderly.orders.locks import lock_items, lock_order
from orderly.orders.services import order_stage_write
from orderly.orders.status import Stage
from orderly.shipping.services import fulfillment_write

logger = logging.getLogger(__name__)


class ClaimLost(Exception):
    """Another worker took the order over (this one outlived its lease): stop, writing nothing more."""


class Stop(Exception):
    """The order cannot go on: recorded as failed with `reason` and `fix`."""

    def __init__(self, code: str, reason: str, fix: str):
        super().__init__(reason)
        self.code, self.reason, self.fix = code, reason, fix


# What recording an order's outcome reads of it (the rest of its 45 columns are read only if used: telling a shop)
TOLD_FIELDS = ("number", "stage", "channel", "external_id")


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_seconds() -> int:
    """How long a claim holds. Longer than the two minutes the carriers area lets a booking stay in flight: a
    worker that takes over a dead one's order then finds its label booked or given up, and looks it up, instead of
    failing the order as still being booked."""
    return int(getattr(settings, "ORDERLY_BATCH_LEASE_SECONDS", 180))


def claim_at_once() -> int:
    """How many orders a worker claims in one go: a few, so that claiming costs a fraction of a transaction per
    order while two workers still share a batch to its last orders."""
    return max(1, int(getattr(settings, "ORDERLY_BATCH_CLAIM_AT_ONCE", 4)))


def actor_of(batch: Batch) -> Actor:
    """Who the batch's work is done by on the timelines: the person who created it."""
    if batch.created_by_id is not None:
        return Actor.for_user(batch.created_by)
    return Actor(kind="system", name=batch.created_by_name or "Orderly")


@retry_on_conflict
@transaction.atomic
def _claim_entries(batch_id: int, worker: str, count: int) -> list[BatchOrder]:
    """Take the first `count` waiting orders nobody is processing (or whose worker's lease ran out, or that this
    worker claimed before): their entries, with their batch and fulfillment loaded (not locked)."""
    now = timezone.now()
    stale = now - timezone.timedelta(seconds=lease_seconds())
    waiting = BatchOrder.objects.filter(batch_id=batch_id, outcome=Outcome.WAITING).filter(
        Q(claimed_by="") | Q(claimed_at__lt=stale) | Q(claimed_by=worker)
    )
    entries = claim_entries(waiting.select_related("batch", "fulfillment"), count)
    if entries:
        BatchOrder.objects.filter(pk__in=[entry.pk for entry in entries]).update(
            claimed_by=worker, claimed_at=now, attempts=F("attempts") + 1, started_at=Coalesce("started_at", Value(now))
        )
    for entry in entries:
        entry.claimed_by, entry.claimed_at = worker, now
        entry.attempts += 1
        entry.started_at = entry.started_at or now
    return entries


def _claim(batch_id: int, worker: str) -> int | None:
    """The id of the one entry _claim_entries takes, or None."""
    entries = _claim_entries(batch_id, worker, 1)
    return entries[0].pk if entries else None


def _reached(entry: BatchOrder, step: str) -> bool:
    return STEP_ORDER.index(Step(entry.step)) >= STEP_ORDER.index(Step(step))


@retry_on_conflict
@transaction.atomic
def _fulfill(entry: BatchOrder, worker: str, actor: Actor):
    """Check the order, fulfill the units to ship from stock (held first, then available) and reserve its parcel
    for booking, recording the fulfillment on the entry in the same transaction; returns the reservation, which
    _label books after the commit. The order, its items and then the lots of its variants are locked once, in the
    global order, checked under those locks and handed to the fulfillment as they are, so nothing changes between
    the checks and the fulfillment and nothing is locked or read twice. A refusal (the parcel's too, say too
    heavy for its method) rolls back: nothing of it is written."""
    order = lock_order(entry.order_id, deleted=True, related=("shipping_address",))
    items = lock_items(order_ids=[order.pk])
    if refused := checks.refusal(order, items):
        raise Stop(refused.code, refused.reason, refused.fix)
    variants = checks.stock_variants(items)
    lots = lock_lots_of(kind=LotKind.PACKAGED, variant_ids=variants) if variants else []
    holds = checks.stock_holds(items, lots)
    if refused := checks.stock_refusal(items, lots, holds):
        raise Stop(refused.code, refused.reason, refused.fix)
    method = labels.method_resolve(order=order)
    # Fulfilled with its carrier named, so the orders area counts the units released, picked, packed, sorted and
    # labelled with the shipment (one change of the items); the label itself is booked in the next step, and an
    # order whose booking fails stays at this step until it is reprocessed.
    lines = checks.to_ship(items)
    fulfillment = fulfillment_write(
        order=order, items=items, lines=lines, actor=actor, carrier=method.carrier[:100], lots=lots, holds=holds
    )
    reserved = labels.parcel_reserve(order=order, fulfillment=fulfillment, lines=lines, actor=actor)
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
    return reserved


def _label(entry: BatchOrder, worker: str, actor: Actor, reserved=None) -> labels.Booked:
    """Book the parcel (outside any transaction: the carriers area calls the carrier itself, and records the
    booking in its own transaction), the one _fulfill reserved when it is given; the outcome records it on the
    entry. An entry labelled by an earlier version of this step has its parcel recorded already."""
    if entry.step == Step.LABELLED and entry.parcel:
        return labels.Booked(parcel=entry.parcel, tracking_number=entry.tracking_number)
    return labels.parcel_book(fulfillment=entry.fulfillment, actor=actor, reserved=reserved)


def _finish(entry: BatchOrder, worker: str, outcome: str, **fields) -> None:
    """Record the entry's outcome and count it on its batch, in the caller's transaction; ClaimLost (rolling all of
    it back) when the claim is not this worker's any more. The batch's row is written first and the entry's after
    it, in the global lock order, each by one guarded update instead of a lock and a write."""
    now = timezone.now()
    counter = "succeeded_count" if outcome == Outcome.SUCCEEDED else "failed_count"
    Batch.objects.filter(pk=entry.batch_id).update(**{counter: F(counter) + 1}, updated_at=now)
    fields |= {"outcome": outcome, "finished_at": now}
    if not BatchOrder.objects.filter(pk=entry.pk, claimed_by=worker, outcome=Outcome.WAITING).update(**fields):
        raise ClaimLost(entry.pk)


@retry_on_conflict
@transaction.atomic
def _tell(entry: BatchOrder, worker: str, actor: Actor, booked: labels.Booked) -> None:
    """Hand the tracking to the order's shop through the outbox, complete the order's stage, and record the
    parcel and the order as succeeded: one transaction, the order locked once."""
    order = lock_order(entry.order_id, deleted=True, fields=TOLD_FIELDS)
    with recorded_together():  # the stage's event and the outcome's, in one statement
        fulfillment_push_held(order=order, fulfillment_id=entry.fulfillment_id, actor=actor)
        if entry.stage_set and order.stage == Stage.IN_PROGRESS:
            order_stage_write(
                order=order, stage=Stage.COMPLETED, actor=actor, reason=f"Processed in batch {entry.batch.number}."
            )
        events.succeeded(order, actor, entry.batch.number, entry.fulfillment.number, booked.tracking_number[:100])
    # the batch's row and the entry's last, just before the commit: the batch's is every worker's
    _finish(
        entry, worker, Outcome.SUCCEEDED, step=Step.TOLD, parcel=booked.parcel[:32],
        tracking_number=booked.tracking_number[:100], reason="", fix="", error_code="",
    )  # fmt: skip


@retry_on_conflict
@transaction.atomic
def _fail(entry: BatchOrder, worker: str, actor: Actor, stop: Stop, booked: labels.Booked | None = None) -> None:
    """Record the order as failed with the reason and the fix; a label booked before the failure stays recorded
    on the entry (step *labelled*), so a reprocess goes on from there."""
    order = lock_order(entry.order_id, deleted=True)
    fields = {"reason": stop.reason[:1000], "fix": stop.fix[:1000], "error_code": stop.code[:64]}
    if booked is not None:
        fields |= {"step": Step.LABELLED, "parcel": booked.parcel[:32], "tracking_number": booked.tracking_number[:100]}
    _finish(entry, worker, Outcome.FAILED, **fields)
    events.failed(order, actor, entry.batch.number, entry.step or "check", fields["reason"], fields["fix"])


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
    entry_id, reserved, booked = entry.pk, None, None
    try:
        if not _reached(entry, Step.FULFILLED):
            reserved = _fulfill(entry, worker, actor)
        if not _reached(entry, Step.TOLD):
            booked = _label(entry, worker, actor, reserved)
            _tell(entry, worker, actor, booked)
    except ClaimLost:
        logger.warning("batch order %s was taken over by another worker; this one stops", entry_id)
    except Stop as stop:
        _fail(entry, worker, actor, stop, booked)
    except DomainError as error:
        _fail(entry, worker, actor, _stop_of(error), booked)
    except Exception as error:  # a bug or an outage must not leave the order waiting for ever
        logger.exception("batch order %s failed unexpectedly", entry_id)
        reason = f"Unexpected error: {error}"[:500]
        fix = "Reprocess it; if it fails again, tell your administrator (the log has the details)."
        _fail(entry, worker, actor, Stop("server_error", reason, fix), booked)


def _claim_aging(entry: BatchOrder) -> bool:
    """Whether the entry's claim is half its lease old: claimed again (and so renewed) before it is started."""
    return (timezone.now() - entry.claimed_at).total_seconds() > lease_seconds() / 2


def batch_process(*, batch_id: int, worker: str | None = None, limit: int | None = None) -> int:
    """Process the batch's waiting orders, a few claimed at a time, until none is left to claim (or `limit` were
    processed), then settle the batch. Returns how many orders this call processed. Safe to run in several
    workers at once and to run again after a worker died (see the module's docstring)."""
    batch = Batch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None:
        return 0
    worker = worker or worker_name()
    actor = actor_of(batch)
    done = 0
    with labels.session():
        while limit is None or done < limit:
            count = claim_at_once() if limit is None else min(claim_at_once(), limit - done)
            entries = _claim_entries(batch_id, worker, count)
            if not entries:
                break
            for entry in entries:
                if _claim_aging(entry):
                    break  # the rest of these are claimed again, renewed, by the next round
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
