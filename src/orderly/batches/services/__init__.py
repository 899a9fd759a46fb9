"""Every write to batches goes through these services."""

from orderly.batches.services.creating import MAX_ORDERS, batch_create
from orderly.batches.services.documents import document_make, document_request
from orderly.batches.services.managing import (
    batch_order_synchronize,
    batch_remove_order,
    batch_reprocess,
    batch_resume,
    batches_resume_stalled,
)
from orderly.batches.services.processing import batch_process, batch_settle

__all__ = [
    "MAX_ORDERS",
    "batch_create",
    "batch_order_synchronize",
    "batch_process",
    "batch_remove_order",
    "batch_reprocess",
    "batch_resume",
    "batch_settle",
    "batches_resume_stalled",
    "document_make",
    "document_request",
]
