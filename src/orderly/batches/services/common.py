"""What the batch services share: finding and locking a batch, and queueing its processing."""

from django.conf import settings

from orderly.batches import labels
from orderly.batches.locks import lock_batch_by_number
from orderly.batches.models import Batch
from orderly.batches.services.documents import document_queue
from orderly.core import queue
from orderly.core.exceptions import NotFound


def batch_for_update(batch) -> Batch:
    """The batch (an instance or its number) locked for the rest of the transaction. A batch's rows are locked
    after the orders and stock a service touches (the global lock order), the batch before its orders' entries."""
    number = batch.number if isinstance(batch, Batch) else str(batch or "").strip().upper()
    found = lock_batch_by_number(number)
    if found is None:
        raise NotFound(f"No batch {number!r}.", resource="batch", key=number)
    return found


def enqueue_processing(batch_id: int) -> None:
    """Queue (with the caller's transaction) as many processing tasks as workers may share the batch
    (ORDERLY_BATCH_WORKERS): each claims orders until none is left, so one worker does it all and two share it."""
    for _ in range(max(1, int(getattr(settings, "ORDERLY_BATCH_WORKERS", 2)))):
        queue.enqueue("orderly.batches.tasks.process_batch", batch_id)


def enqueue_documents(batch: Batch) -> None:
    """Queue the batch's pick & pack list and its labels in its creator's label format, so that both are ready
    when someone asks (each is made again if the batch's succeeded orders change by then)."""
    fmt = labels.label_format(batch.created_by)  # the carriers area's default for a creator gone or undecided
    document_queue(batch=batch, kind="pick_pack", fmt="")
    document_queue(batch=batch, kind="labels", fmt=str(fmt))
