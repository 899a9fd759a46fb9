"""Order batch pages: Process on the orders overview, Orders › Batches (the overview), and a batch's page with each
order's outcome, reprocess, remove, synchronize, its documents and a live progress bar. Anyone signed in reads;
operators process orders and act on batches."""

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from orderly.batches import labels, selectors, services
from orderly.batches.models import BatchDocument
from orderly.batches.status import BatchStatus, DocumentStatus
from orderly.carriers.connectors.base import LabelFormat
from orderly.core.exceptions import DomainError, ValidationError
from orderly.web.decorators import role_required
from orderly.web.forms.filters import parse_overview
from orderly.web.views.common import actor, or_404, overview_page


@role_required("operator")
@require_POST
def batch_create(request):
    """Process the ticked orders, or (with "all matching") every order the overview's filter matches."""
    try:
        if request.POST.get("all_matching"):
            query, error = parse_overview(QueryDict(request.POST.get("filter", "")))
            if error is not None:
                raise error
            batch = services.batch_create(filters=query.filters, actor=actor(request))
        else:
            batch = services.batch_create(orders=request.POST.getlist("orders"), actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("web:order_list") + "?" + request.POST.get("filter", ""))
    messages.success(request, f"Batch {batch.number} created: {batch.order_count} order(s) are being processed.")
    return redirect("web:order_batch_detail", number=batch.number)


@role_required()
def batch_list(request):
    values = {key: request.GET.get(key, "").strip() for key in ("status", "q", "created_by")}
    page, error = None, None
    try:
        batches = selectors.batch_list(**values)
        page = overview_page(request, batches, selectors.BATCH_ORDER)
    except ValidationError as exc:
        error = exc
    context = {"page": page, "error": error, "values": values, "status_choices": BatchStatus.choices}
    return TemplateResponse(request, "web/batches/list.html", context, status=400 if error else 200)


def _context(request, number: str) -> dict:
    batch = or_404(selectors.batch_get, number)
    entries = selectors.batch_entries(batch)
    done = batch.succeeded_count + batch.failed_count
    return {
        "batch": batch,
        "entries": entries,
        "stuck": selectors.batch_stuck(batch, entries),
        "percent": int(100 * done / batch.order_count) if batch.order_count else 100,
        "documents": selectors.batch_documents(batch),
        "formats": [(f.value, f.value.upper().replace("PDF-", "PDF ")) for f in LabelFormat],
        "user_format": str(labels.label_format(request.user)),
    }


@role_required()
def batch_detail(request, number: str):
    return TemplateResponse(request, "web/batches/detail.html", _context(request, number))


@role_required()
def batch_progress(request, number: str):
    """The progress bar and the counts, polled by htmx while the batch processes."""
    return TemplateResponse(request, "web/batches/_progress.html", _context(request, number))


def _back(number: str):
    return redirect("web:order_batch_detail", number=number)


@role_required("operator")
@require_POST
def batch_reprocess_view(request, number: str):
    orders = request.POST.getlist("orders") or None
    try:
        batch = services.batch_reprocess(batch=number, orders=orders, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Batch {batch.number}: {batch.waiting_count} order(s) are being processed again.")
    return _back(number)


@role_required("operator")
@require_POST
def batch_order_remove(request, number: str, order: str):
    try:
        batch = services.batch_remove_order(batch=number, order=order, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{order} removed from batch {batch.number}.")
    return _back(number)


@role_required("operator")
@require_POST
def batch_order_synchronize(request, number: str, order: str):
    try:
        services.batch_order_synchronize(batch=number, order=order, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, f"Synchronization of {order} started: what the shop says will show on its timeline.")
    return _back(number)


@role_required("operator")
@require_POST
def batch_resume_view(request, number: str):
    services.batch_resume(batch=number)
    messages.info(request, f"Batch {number}: processing queued again; orders already done are not done twice.")
    return _back(number)


def _download(request, number: str, document: BatchDocument, filename: str):
    if document.status != DocumentStatus.READY:
        word = "could not be made: " + document.error if document.status == DocumentStatus.FAILED else "being made"
        messages.info(request, f"The {document.get_kind_display().lower()} is {word}; the bar shows how far.")
        return _back(number)
    content = BatchDocument.objects.values_list("content", flat=True).get(pk=document.pk)
    response = HttpResponse(bytes(content), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required()
def batch_pick_pack(request, number: str):
    batch = or_404(selectors.batch_get, number)
    try:
        document = services.document_request(batch=batch, kind="pick_pack")
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(batch.number)
    return _download(request, batch.number, document, f"{batch.number}-pick-pack.pdf")


@role_required()
def batch_labels(request, number: str):
    batch = or_404(selectors.batch_get, number)
    fmt = request.GET.get("format", "").strip() or str(labels.label_format(request.user))
    try:
        document = services.document_request(batch=batch, kind="labels", fmt=fmt)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(batch.number)
    extension = "zpl" if fmt == "zpl" else "pdf"
    return _download(request, batch.number, document, f"{batch.number}-labels-{fmt}.{extension}")
