"""The batch's documents: the pick & pack list and all its labels, each made once in the worker (or right away for
a small batch), kept, and made again only when the batch's succeeded orders changed since."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orderly.batches import labels, selectors
from orderly.batches.locks import lock_document, lock_document_by_id
from orderly.batches.models import Batch, BatchDocument
from orderly.batches.pickpack import pick_pack_pdf
from orderly.batches.status import DocumentKind, DocumentStatus
from orderly.carriers.connectors.base import LabelFormat
from orderly.core import queue
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, ValidationError
from orderly.core.retry import retry_on_conflict

logger = logging.getLogger(__name__)


def _format(kind: str, fmt: str) -> str:
    if kind == DocumentKind.PICK_PACK:
        return ""
    if kind != DocumentKind.LABELS:
        raise ValidationError(f"kind must be one of {', '.join(DocumentKind.values)}.", field="kind")
    try:
        return str(LabelFormat(fmt))
    except ValueError:
        raise ValidationError(
            f"format must be one of {', '.join(f.value for f in LabelFormat)}, not {fmt!r}.", field="format"
        ) from None


@retry_on_conflict
def document_queue(*, batch: Batch, kind: str, fmt: str) -> BatchDocument:
    """The batch's document of this kind and format, queued for the worker unless it is ready and still shows the
    batch's succeeded orders (or already queued or being made for them)."""
    fmt = _format(kind, fmt)
    digest = selectors.documents_digest(selectors.succeeded_entries(batch))
    with transaction.atomic():
        document = lock_document(batch, kind, fmt)
        current = document.made_from == digest
        if current and document.status in (DocumentStatus.READY, DocumentStatus.QUEUED, DocumentStatus.MAKING):
            return document
        document.status, document.progress, document.error = DocumentStatus.QUEUED, 0, ""
        document.made_from, document.requested_at, document.finished_at = digest, timezone.now(), None
        document.save(update_fields=["status", "progress", "error", "made_from", "requested_at", "finished_at"])
        queue.enqueue("orderly.batches.tasks.make_document", document.pk)
    return document


def document_request(*, batch: Batch, kind: str, fmt: str = "") -> BatchDocument:
    """A document someone asks for: queued as document_queue says, and made right away when the batch is small
    (ORDERLY_BATCH_INLINE_DOCUMENTS succeeded orders or fewer), so that it downloads in the same click.

    Refused (batch_no_documents) while the batch has no succeeded order."""
    if not batch.succeeded_count:
        raise Conflict(
            f"Batch {batch.number} has no succeeded order yet, so there is nothing to pick, pack or label.",
            code=ErrorCode.BATCH_NO_DOCUMENTS,
            batch=batch.number,
            status=batch.status,
        )
    document = document_queue(batch=batch, kind=kind, fmt=fmt)
    inline = int(getattr(settings, "ORDERLY_BATCH_INLINE_DOCUMENTS", 50))
    if document.status == DocumentStatus.QUEUED and batch.succeeded_count <= inline:
        document_make(document_id=document.pk)
        document.refresh_from_db()
    return document


def _progress(document_id: int):
    last = [-1]

    def tell(percent: int) -> None:
        percent = max(0, min(int(percent), 99))
        if percent >= last[0] + 5:
            last[0] = percent
            BatchDocument.objects.filter(pk=document_id).update(progress=percent)

    return tell


def _labels(batch: Batch, fmt: str, tell) -> tuple[bytes, int]:
    fulfillments = selectors.label_order(batch)
    tell(20)
    documents = labels.label_documents(fulfillments=fulfillments, fmt=LabelFormat(fmt))  # read together
    tell(50)
    return labels.labels_compose(documents, LabelFormat(fmt)), len(documents)


@retry_on_conflict
def document_make(*, document_id: int) -> BatchDocument | None:
    """Make a queued document (the worker's task; idempotent: a document not queued any more is left alone).
    Marked *making* first, so a second worker leaves it; `progress` moves as it is made; a failure is recorded
    with its reason and the next request makes it again."""
    with transaction.atomic():
        document = lock_document_by_id(document_id)
        if document is None or document.status != DocumentStatus.QUEUED:
            return document
        document.status = DocumentStatus.MAKING
        document.save(update_fields=["status"])
    batch = Batch.objects.get(pk=document.batch_id)
    tell = _progress(document.pk)
    try:
        if document.kind == DocumentKind.PICK_PACK:
            rows, slips = selectors.pick_pack(batch)
            content, pages = pick_pack_pdf(batch.number, rows, slips, progress=tell), len(slips) + 1
            content_type = "application/pdf"
        else:
            content, pages = _labels(batch, document.format, tell)
            content_type = "text/plain; charset=utf-8" if document.format == LabelFormat.ZPL else "application/pdf"
    except Exception as error:  # recorded for the person who asked; the log has the traceback
        logger.exception("document %s of batch %s could not be made", document.kind, batch.number)
        BatchDocument.objects.filter(pk=document.pk).update(
            status=DocumentStatus.FAILED, error=str(error)[:1000] or type(error).__name__, finished_at=timezone.now()
        )
    else:
        BatchDocument.objects.filter(pk=document.pk, status=DocumentStatus.MAKING).update(
            status=DocumentStatus.READY, content=content, content_type=content_type, size=len(content),
            pages=pages, progress=100, finished_at=timezone.now(),
        )  # fmt: skip
    document.refresh_from_db()
    return document
