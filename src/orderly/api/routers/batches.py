"""/batches: process many orders at once, follow their outcomes, reprocess or remove failed ones, and download the
pick & pack list and all labels. Everyone with a token reads; operators create and act on batches."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router

from orderly.api.auth import can_change_orders, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.batches import (
    BatchCreate,
    BatchDocumentOut,
    BatchOut,
    BatchPage,
    BatchQuery,
    BatchReprocessIn,
    LabelsQuery,
    batch_dict,
    batch_page,
    document_dict,
)
from orderly.api.schemas.channels import SyncRunOut, run_dict
from orderly.batches import labels, selectors, services
from orderly.batches.models import BatchDocument
from orderly.batches.status import DocumentStatus
from orderly.core.actors import Actor
from orderly.core.paging import paginate

router = Router(tags=["batches"])

READ_ERRORS = error_responses(401, 403, 404, 422)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


def _document_responses(what: str, media: dict) -> dict:
    return {
        "responses": {
            "200": {
                "description": what,
                "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in media},
            },
        }
    }


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


def _batch(number: str) -> dict:
    batch = selectors.batch_get(number)
    entries = selectors.batch_entries(batch)
    documents = selectors.batch_documents(batch).values()
    return batch_dict(batch, entries, selectors.batch_stuck(batch, entries), documents)


@router.get("", response={200: BatchPage, **error_responses(401, 403, 422)}, auth=can_read, summary="List batches")
def list_batches(request: HttpRequest, query: Query[BatchQuery]):
    """Batches newest first, with their counts of succeeded, failed and waiting orders.

    Follow `next` for the following page: it pages by cursor, as fast deep in the list as at its start, and nothing
    is skipped or repeated when rows are added meanwhile. `total` stops at 10,000 (`total_exact` false) unless
    `count=exact` asks for the full count."""
    batches = selectors.batch_list(status=query.status, q=query.q, created_by=query.created_by)
    return batch_page(paginate(batches, **query.paging(selectors.BATCH_ORDER)), request)


@router.post(
    "",
    response={201: BatchOut, **error_responses(400, 401, 403, 409, 413, 422)},
    auth=can_change_orders,
    summary="Process orders as a batch",
)
def create_batch(request: HttpRequest, payload: BatchCreate, idempotency_key: str | None = IdempotencyKey):
    """A batch `BA-…` of the orders named (`orders`) or matched (`filter`), at most 1,000, each processed in the
    background: checked, fulfilled from stock, labelled with its carrier and its tracking handed to its shop. Poll
    the batch for each order's outcome. Refused (422 batch_orders_refused, nothing created) when an order does not
    exist or is in another unfinished batch."""

    def run():
        filters = payload.filter.filters() if payload.filter is not None else None
        batch = services.batch_create(orders=payload.orders, filters=filters, actor=_actor(request))
        return _batch(batch.number)

    return respond(request, idempotency_key, run=run, schema=BatchOut, status=201)


@router.get("/{number}", response={200: BatchOut, **READ_ERRORS}, auth=can_read, summary="Get a batch")
def get_batch(request: HttpRequest, number: str):
    """The batch with each order's outcome (the reason and the fix of a failed one), whether it is stuck, and its
    documents."""
    return _batch(number)


@router.post(
    "/{number}/reprocess", response={200: BatchOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Reprocess"
)
def reprocess_batch(
    request: HttpRequest, number: str, payload: BatchReprocessIn, idempotency_key: str | None = IdempotencyKey
):
    """Process the failed orders again (all, or those in `orders`); the batch is processing until they are done,
    then finished or failed by itself. Only a failed batch is reprocessed (409 batch_not_failed)."""

    def run():
        services.batch_reprocess(batch=number, orders=payload.orders, actor=_actor(request))
        return _batch(number)

    return respond(request, idempotency_key, run=run, schema=BatchOut, status=200)


@router.delete(
    "/{number}/orders/{order}",
    response={200: BatchOut, **error_responses(401, 403, 404, 409)},
    auth=can_change_orders,
    summary="Remove a failed order",
)
def remove_order(request: HttpRequest, number: str, order: str):
    """Take a failed order out of a failed batch; it may then join another batch. A finished batch is history."""
    services.batch_remove_order(batch=number, order=order, actor=_actor(request))
    return _batch(number)


@router.post(
    "/{number}/orders/{order}/synchronize",
    response={202: SyncRunOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Synchronize an order of the batch",
)
def synchronize_order(request: HttpRequest, number: str, order: str, idempotency_key: str | None = IdempotencyKey):
    """Re-read the order from its shop (a queued sync run, as POST /orders/{number}/synchronize): for an order that
    waits on its shop or failed on what the shop says."""

    def run():
        return run_dict(services.batch_order_synchronize(batch=number, order=order, actor=_actor(request)))

    return respond(request, idempotency_key, run=run, schema=SyncRunOut, status=202)


def _download(document: BatchDocument, filename: str) -> HttpResponse:
    if document.status != DocumentStatus.READY:
        return JsonResponse(BatchDocumentOut(**document_dict(document)).model_dump(mode="json"), status=202)
    content = BatchDocument.objects.values_list("content", flat=True).get(pk=document.pk)
    response = HttpResponse(bytes(content), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/{number}/pick-pack.pdf",
    response={202: BatchDocumentOut, **error_responses(401, 403, 404, 409, 422)},
    auth=can_read,
    summary="The pick & pack list",
    openapi_extra=_document_responses("The pick & pack list as an A4 PDF", ["application/pdf"]),
)
def pick_pack(request: HttpRequest, number: str):
    """The batch's pick list and pack slips as one PDF (200), or 202 with the document's progress while the worker
    makes it: ask again. Made for the succeeded orders (409 batch_no_documents when there are none)."""
    batch = selectors.batch_get(number)
    document = services.document_request(batch=batch, kind="pick_pack")
    return _download(document, f"{batch.number}-pick-pack.pdf")


@router.get(
    "/{number}/labels",
    response={202: BatchDocumentOut, **error_responses(401, 403, 404, 409, 422)},
    auth=can_read,
    summary="All shipping labels",
    openapi_extra=_document_responses("Every label of the batch in one file", ["application/pdf", "text/plain"]),
)
def all_labels(request: HttpRequest, number: str, query: Query[LabelsQuery]):
    """Every succeeded order's label in pack-slip order, in `format` (the user's label format when left out): one
    PDF (4×6 or A6 one per page, A4 four per page) or one ZPL file (200); or 202 with the progress while the worker
    makes it."""
    batch = selectors.batch_get(number)
    fmt = query.format or str(labels.label_format(request.auth))
    document = services.document_request(batch=batch, kind="labels", fmt=fmt)
    extension = "zpl" if fmt == "zpl" else "pdf"
    return _download(document, f"{batch.number}-labels-{fmt}.{extension}")
