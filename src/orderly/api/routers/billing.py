"""Payments, invoices and credit notes: /orders/{number}/payments, /orders/{number}/invoices, /invoices.

Everyone with a token reads; operators record payments and issue invoices and credit notes.
"""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from orderly.api.auth import can_change_orders, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.billing import (
    CreditNoteIn,
    InvoiceOut,
    InvoicePage,
    InvoiceQuery,
    OrderInvoicesOut,
    OrderPaymentsOut,
    PaymentCreated,
    PaymentIn,
    invoice_out,
    invoice_page,
    invoice_summary_dict,
    order_billing_dict,
    payment_dict,
)
from orderly.billing import selectors
from orderly.billing.pdf import invoice_pdf
from orderly.billing.services import credit_note_create, invoice_create, payment_record
from orderly.core.actors import Actor
from orderly.core.paging import paginate
from orderly.orders.selectors import order_get

router = Router(tags=["billing"])

READ_ERRORS = error_responses(401, 403, 404, 422)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)
PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The invoice or credit note as an A4 PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


def _invoice(number: str) -> InvoiceOut:
    invoice = selectors.invoice_get(number)
    return invoice_out(invoice, selectors.tax_summary(invoice))


@router.get(
    "/orders/{number}/payments",
    response={200: OrderPaymentsOut, **READ_ERRORS},
    auth=can_read,
    summary="An order's payments",
)
def list_payments(request: HttpRequest, number: str):
    """The order's payment status, amount paid and due, and its payments and refunds, oldest first."""
    order = order_get(number)
    return {"order": order_billing_dict(order), "items": [payment_dict(p) for p in selectors.payments_of(order)]}


@router.post(
    "/orders/{number}/payments",
    response={201: PaymentCreated, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Record a payment or refund",
)
def record_payment(request: HttpRequest, number: str, payload: PaymentIn, idempotency_key: str | None = IdempotencyKey):
    """Mark the order paid in full or in part (`kind` payment), or record money paid back (`kind` refund, at most
    what was paid). The payment status follows; a draft that becomes paid opens, an order whose last requirement
    this was closes. Paying more than is due is accepted and leaves the order *refund due*. A payment for a canceled
    order is refused (409)."""

    def run():
        payment = payment_record(
            order=order_get(number),
            amount=payload.amount,
            method=payload.method,
            reference=payload.reference,
            kind=payload.kind,
            actor=_actor(request),
        )
        return {"payment": payment_dict(payment), "order": order_billing_dict(order_get(number))}

    return respond(request, idempotency_key, run=run, schema=PaymentCreated, status=201)


@router.get(
    "/orders/{number}/invoices",
    response={200: OrderInvoicesOut, **READ_ERRORS},
    auth=can_read,
    summary="An order's invoices and credit notes",
)
def list_order_invoices(request: HttpRequest, number: str):
    order = order_get(number)
    invoices = selectors.invoices_of(order)
    for invoice in invoices:
        invoice.order = order
    return {"order": order_billing_dict(order), "items": [invoice_summary_dict(i) for i in invoices]}


@router.post(
    "/orders/{number}/invoices",
    response={201: InvoiceOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Invoice an order",
)
def create_invoice(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Invoice `INV-…` for every invoiceable unit of the order not invoiced yet: one line per item, tax per line
    rounded half-up, a summary per tax rate, totals summed from the lines. Refused (409) for a draft or canceled
    order, and with code `nothing_to_invoice` when every invoiceable unit is already invoiced."""

    def run():
        return _invoice(invoice_create(order=order_get(number), actor=_actor(request)).number)

    return respond(request, idempotency_key, run=run, schema=InvoiceOut, status=201)


@router.get(
    "/invoices", response={200: InvoicePage, **error_responses(401, 403, 422)}, auth=can_read, summary="List invoices"
)
def list_invoices(request: HttpRequest, query: Query[InvoiceQuery]):
    """Invoices and credit notes, newest first unless `sort` says otherwise; filter by `kind` and `order`, search
    by number with `q`.

    Follow `next` for the following page: it pages by cursor, as fast deep in the list as at its start, and nothing
    is skipped or repeated when rows are added meanwhile. `total` stops at 10,000 (`total_exact` false) unless
    `count=exact` asks for the full count."""
    invoices = selectors.invoice_list(kind=query.kind, order=query.order, search=query.q, sort=query.sort)
    return invoice_page(paginate(invoices, **query.paging(selectors.SORTS[query.sort])), request)


@router.get("/invoices/{number}", response={200: InvoiceOut, **READ_ERRORS}, auth=can_read, summary="Get an invoice")
def get_invoice(request: HttpRequest, number: str):
    """An invoice or a credit note with its lines, tax summary per rate and totals."""
    return _invoice(number)


@router.get(
    "/invoices/{number}/pdf",
    response=READ_ERRORS,
    auth=can_read,
    summary="An invoice's PDF",
    openapi_extra=PDF_RESPONSE,
)
def get_invoice_pdf(request: HttpRequest, number: str):
    """The invoice or credit note as an A4 PDF, as a customer receives it."""
    invoice = selectors.invoice_get(number)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response


@router.post(
    "/invoices/{number}/credit-notes",
    response={201: InvoiceOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Credit an invoice",
)
def create_credit_note(
    request: HttpRequest, number: str, payload: CreditNoteIn, idempotency_key: str | None = IdempotencyKey
):
    """Credit note `CN-…` taking back units billed on the invoice (returns make theirs by themselves). Each item
    must be on the invoice, at most the units it billed less those already credited; a `reason` is required. The
    credited units become invoiceable again unless they are canceled or returned."""

    def run():
        note = credit_note_create(
            invoice=number,
            lines=[(line.item, line.quantity) for line in payload.items],
            reason=payload.reason,
            actor=_actor(request),
            charges=payload.charges,
        )
        return _invoice(note.number)

    return respond(request, idempotency_key, run=run, schema=InvoiceOut, status=201)
