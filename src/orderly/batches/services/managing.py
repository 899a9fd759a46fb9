"""What people do with a batch once it ran: reprocess failed orders, remove one, synchronize one with its shop,
and resume a batch whose worker died."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from orderly.batches import events
from orderly.batches.locks import lock_entries, lock_entry
from orderly.batches.models import Batch, BatchOrder
from orderly.batches.selectors import batch_get
from orderly.batches.services.common import batch_for_update, enqueue_processing
from orderly.batches.services.processing import lease_seconds
from orderly.batches.status import BATCH_TRANSITIONS, BatchStatus, Outcome
from orderly.channels.services import order_run_enqueue
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.orders.locks import lock_order_of
from orderly.orders.models import Order
from orderly.orders.services import order_set_stage
from orderly.orders.status import Stage


def _refuse_unless_failed(batch: Batch, doing: str) -> None:
    if batch.status != BatchStatus.FAILED:
        history = " A finished batch is history." if batch.status == BatchStatus.FINISHED else ""
        raise Conflict(
            f"Cannot {doing}: batch {batch.number} is {batch.status}, not failed.{history}",
            code=ErrorCode.BATCH_NOT_FAILED,
            batch=batch.number,
            status=batch.status,
        )


def _entry_of(batch: Batch, number: str, *, lock: bool = False) -> BatchOrder:
    number = str(number or "").strip().upper()
    entries = BatchOrder.objects.select_related("order").filter(batch=batch, order__number=number)
    found = entries.first()
    entry = lock_entry(found.pk) if lock and found is not None else found
    if entry is not None and lock:
        entry.order = found.order
    if entry is None:
        raise NotFound(f"Order {number!r} is not in batch {batch.number}.", resource="batch_order", key=number)
    return entry


@retry_on_conflict
@transaction.atomic
def batch_reprocess(*, batch, actor: Actor, orders: list[str] | None = None) -> Batch:
    """Process the failed orders of a failed batch again (all of them, or those named): they wait again and the
    batch is processing until they are done, then failed or finished by itself. The orders that succeeded are not
    touched. Refused unless the batch is failed (batch_not_failed) and every order named is one of its failed
    ones (not_found, batch_order_not_failed); nothing changes then."""
    batch = batch_for_update(batch)
    _refuse_unless_failed(batch, "reprocess orders")
    if orders is None:
        entries = lock_entries(BatchOrder.objects.filter(batch=batch, outcome=Outcome.FAILED))
    else:
        named = [_entry_of(batch, number, lock=True) for number in dict.fromkeys(orders)]
        if not named:
            raise ValidationError(
                "orders: name at least one failed order of the batch, or leave orders out for all of them.",
                field="orders",
            )
        if not_failed := [e.order.number for e in named if e.outcome != Outcome.FAILED]:
            raise Conflict(
                f"Only failed orders are reprocessed: {', '.join(not_failed)} of batch {batch.number} did not fail.",
                code=ErrorCode.BATCH_ORDER_NOT_FAILED,
                batch=batch.number,
                orders=not_failed,
            )
        entries = named
    for entry in entries:
        entry.outcome, entry.claimed_by, entry.claimed_at, entry.finished_at = Outcome.WAITING, "", None, None
    BatchOrder.objects.bulk_update(entries, ["outcome", "claimed_by", "claimed_at", "finished_at"])
    check_transition(
        BATCH_TRANSITIONS, resource="batch", key=batch.number, current=batch.status, attempted=BatchStatus.PROCESSING
    )
    batch.status, batch.processing_since, batch.finished_at = BatchStatus.PROCESSING, timezone.now(), None
    batch.failed_count -= len(entries)
    batch.save(update_fields=["status", "processing_since", "finished_at", "failed_count", "updated_at"])
    enqueue_processing(batch.pk)
    return batch


@retry_on_conflict
@transaction.atomic
def batch_remove_order(*, batch, order: str, actor: Actor) -> Batch:
    """Take a failed order out of a failed batch: it may join another batch, and goes back to *New* if the batch
    moved it on. When no failed order is left, the batch is finished. Refused for a batch that is not failed and
    for an order that did not fail; nothing changes then."""
    number = str(order or "").strip().upper()
    locked = lock_order_of(Order.all_objects.all(), number=number)  # orders before batch rows
    batch = batch_for_update(batch)
    _refuse_unless_failed(batch, f"remove order {number}")
    entry = _entry_of(batch, number, lock=True)
    if entry.outcome != Outcome.FAILED:
        raise Conflict(
            f"Only failed orders are removed: {number} of batch {batch.number} {entry.outcome}.",
            code=ErrorCode.BATCH_ORDER_NOT_FAILED,
            batch=batch.number,
            orders=[number],
        )
    entry.delete()
    Batch.objects.filter(pk=batch.pk).update(order_count=F("order_count") - 1, failed_count=F("failed_count") - 1)
    batch.refresh_from_db()
    if entry.stage_set and locked.stage == Stage.IN_PROGRESS and entry.fulfillment_id is None:
        order_set_stage(order=locked, stage=Stage.NEW, actor=actor, reason=f"Out of batch {batch.number}.")
    events.removed(locked, actor, batch.number)
    if batch.failed_count == 0:
        check_transition(
            BATCH_TRANSITIONS, resource="batch", key=batch.number, current=batch.status, attempted=BatchStatus.FINISHED
        )
        batch.status = BatchStatus.FINISHED
        batch.save(update_fields=["status", "updated_at"])
        BatchOrder.objects.filter(batch=batch).update(active=False)
    return batch


def batch_order_synchronize(*, batch, order: str, actor: Actor):
    """Re-read an order of the batch from its shop (a queued sync run of kind `order`, as Synchronize order on the
    order's page): for an order stuck waiting or failed because of what the shop says. Returns the run."""
    found = batch if isinstance(batch, Batch) else batch_get(batch)
    return order_run_enqueue(order=_entry_of(found, order).order, actor=actor)


def batch_resume(*, batch) -> Batch:
    """Queue the processing of a batch again (one whose worker died): claims keep each order to one worker, and an
    order whose worker's lease ran out is taken over after its last recorded step."""
    found = batch if isinstance(batch, Batch) else batch_get(batch)
    if found.status == BatchStatus.PROCESSING:
        with transaction.atomic():
            enqueue_processing(found.pk)
    return found


def batches_resume_stalled(*, now=None) -> list[str]:
    """Queue the processing again of every batch still processing whose waiting orders nobody works on: none
    claimed, or their worker's lease ran out (the worker died). Returns their numbers. For a scheduler or cron
    (`orderly batch_resume_stalled`); queueing a batch that is in fact being worked on does no harm."""
    now = now or timezone.now()
    stale = now - timezone.timedelta(seconds=lease_seconds())
    live = BatchOrder.objects.filter(outcome=Outcome.WAITING, claimed_at__gte=stale).values("batch_id")
    stalled = (
        Batch.objects.filter(status=BatchStatus.PROCESSING, processing_since__lt=stale)
        .filter(Q(entries__outcome=Outcome.WAITING))
        .exclude(pk__in=live)
        .distinct()
        .order_by("pk")
    )
    numbers = []
    for batch in stalled:
        with transaction.atomic():
            enqueue_processing(batch.pk)
        numbers.append(batch.number)
    return numbers
