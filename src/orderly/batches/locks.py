"""Locking what batches own, after the orders, stock and fulfillments a step touches (orderly.core.locks): a batch,
then its order entries, then its documents; a worker claims a waiting entry with SKIP LOCKED."""

from orderly.batches.models import Batch, BatchDocument, BatchOrder
from orderly.core.locks import claim_first, claim_some, lock_row, lock_rows


def lock_batch(pk: int) -> Batch | None:
    """The batch with this id locked, or None."""
    return lock_row(Batch.objects.filter(pk=pk))


def lock_batch_by_number(number: str) -> Batch | None:
    """The batch with this number locked, or None."""
    return lock_row(Batch.objects.filter(number=number))


def lock_entry(pk: int) -> BatchOrder:
    """One order entry of a batch locked (BatchOrder.DoesNotExist when there is none)."""
    found = lock_row(BatchOrder.objects.filter(pk=pk))
    if found is None:
        raise BatchOrder.DoesNotExist(f"No batch entry {pk}.")
    return found


def lock_entries(queryset) -> list[BatchOrder]:
    """The entries `queryset` finds, locked in primary-key order."""
    return lock_rows(queryset)


def claim_entry(queryset) -> BatchOrder | None:
    """The first entry of `queryset` in processing order that no other worker holds, locked, or None."""
    return claim_first(queryset, order_by=("position", "pk"))


def claim_entries(queryset, count: int) -> list[BatchOrder]:
    """The first `count` entries of `queryset` in processing order that no other worker holds, locked."""
    return claim_some(queryset, order_by=("position", "pk"), count=count)


def lock_document(batch: Batch, kind: str, fmt: str) -> BatchDocument:
    """The batch's document of this kind and format locked, made first when there is none yet."""
    BatchDocument.objects.get_or_create(batch=batch, kind=kind, format=fmt)
    return lock_row(BatchDocument.objects.filter(batch=batch, kind=kind, format=fmt))


def lock_document_by_id(pk: int) -> BatchDocument | None:
    return lock_row(BatchDocument.objects.filter(pk=pk))
