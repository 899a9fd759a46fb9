"""Billing pages: the order page's billing panel actions (record a payment, create an invoice), the invoices
overview, an invoice or credit note with its PDF, and crediting an invoice by hand. Anyone signed in reads;
operators act."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from orderly.billing import selectors
from orderly.billing.models import InvoiceKind, PaymentKind, PaymentMethod
from orderly.billing.pdf import invoice_pdf
from orderly.billing.services import credit_note_create, invoice_create, payment_record
from orderly.billing.vat import REVERSE_CHARGE_NOTE
from orderly.core.exceptions import DomainError, ValidationError
from orderly.orders.selectors import order_get
from orderly.web.decorators import role_required
from orderly.web.forms.fields import FormState
from orderly.web.views.common import actor, or_404, order_state, overview_page, with_followed
from orderly.web.views.orders import render_order

SORT_LABELS = [
    ("-issued", "Newest first"),
    ("issued", "Oldest first"),
    ("-number", "Number, high to low"),
    ("number", "Number, low to high"),
    ("-total", "Total, high to low"),
    ("total", "Total, low to high"),
]


def payment_form(data=None) -> FormState:
    form = FormState()
    form.add("amount", "Amount")
    form.add("method", "Method", PaymentMethod.BANK_TRANSFER)
    form.add("reference", "Reference")
    form.add("kind", "Kind", PaymentKind.PAYMENT)
    if data is not None:
        form.values_from(data)
    return form


@role_required("operator")
@require_POST
def order_payment(request, number: str):
    """Record a payment or refund from the order page's form; a refusal shows the order page again with the
    message next to the field."""
    order = or_404(order_get, number)
    form = payment_form(request.POST)
    before = order_state(order)
    try:
        payment = payment_record(
            order=order,
            amount=form.value("amount"),
            method=form.value("method"),
            reference=form.value("reference"),
            kind=form.value("kind") or PaymentKind.PAYMENT,
            actor=actor(request),
        )
    except DomainError as exc:
        form.show_error(exc)
        messages.error(request, form.error)
        response = render_order(request, or_404(order_get, number), status=exc.status)
        response.context_data["payment_form"] = form
        return response
    words = "Refund" if payment.kind == PaymentKind.REFUND else "Payment"
    done = f"{words} of {payment.amount} {order.currency} recorded for order {order.number}."
    messages.success(request, with_followed(done, before, order))
    return redirect("web:order_detail", number=order.number)


@role_required("operator")
@require_POST
def order_invoice_create(request, number: str):
    order = or_404(order_get, number)
    before = order_state(order)
    try:
        invoice = invoice_create(order=order, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:order_detail", number=order.number)
    done = f"Invoice {invoice.number} created: total {invoice.total} {invoice.currency}."
    messages.success(request, with_followed(done, before, order))
    return redirect("web:invoice_detail", number=invoice.number)


@role_required()
def invoice_list(request):
    values = {name: request.GET.get(name, "").strip()[:100] for name in ("q", "kind", "sort")}
    page, error = None, None
    try:
        invoices = selectors.invoice_list(kind=values["kind"], search=values["q"], sort=values["sort"])
        page = overview_page(request, invoices, selectors.SORTS[values["sort"] or selectors.DEFAULT_SORT])
    except ValidationError as exc:
        error = exc
    context = {
        "values": values,
        "kind_choices": InvoiceKind.choices,
        "sort_choices": SORT_LABELS,
        "page": page,
        "error": error,
    }
    return TemplateResponse(request, "web/billing/invoice_list.html", context, status=400 if error else 200)


def credit_form(invoice, data=None) -> tuple[FormState, list]:
    """A quantity field per item line of the invoice, a take-back box per charge line (shipping, a fee), and the
    reason."""
    form = FormState()
    rows = []
    for index, line in enumerate(invoice.lines.all()):
        if line.is_charge:
            rows.append((line, form.add(f"charges[{index}]", f"Take back {line.name}", context=line.name)))
        else:
            label = f"Units of {line.sku} to credit"
            rows.append((line, form.add(f"items[{index}].quantity", label, context=line.sku)))
    form.add("reason", "Reason")
    if data is not None:
        form.values_from(data)
    return form, rows


def _invoice_page(request, invoice, form=None, rows=None, status: int = 200) -> TemplateResponse:
    if form is None:
        form, rows = credit_form(invoice)
    open_to_credit = selectors.left_to_credit(invoice)
    context = {
        "invoice": invoice,
        "order": invoice.order,
        "lines": invoice.lines.all(),
        "tax_summary": selectors.tax_summary(invoice),
        "credit": form,
        "credit_rows": rows,
        "can_credit": request.user.can("operator") and open_to_credit,
        "fully_credited": not invoice.is_credit_note and not open_to_credit,
        "reverse_charge_note": REVERSE_CHARGE_NOTE,
    }
    return TemplateResponse(request, "web/billing/invoice_detail.html", context, status=status)


@role_required(write="operator")
def invoice_detail(request, number: str):
    """The invoice page; operators credit units of it here (POST)."""
    invoice = or_404(selectors.invoice_get, number)
    if request.method != "POST":
        return _invoice_page(request, invoice)
    form, rows = credit_form(invoice, request.POST)
    try:
        wanted = [
            (row, line.order_item_id, _units(field)) for row, (line, field) in enumerate(rows) if not line.is_charge
        ]
    except ValidationError as exc:
        return _credit_refused(request, invoice, form, rows, exc)
    wanted = [entry for entry in wanted if entry[2]]
    # Charges ticked are taken back; none ticked leaves the service's rule: the whole invoice takes them back too.
    charges = [line.order_charge_id for line, field in rows if line.is_charge and field.value]
    before = order_state(invoice.order)
    try:
        note = credit_note_create(
            invoice=invoice,
            lines=[(item, units) for _row, item, units in wanted],
            reason=form.value("reason"),
            actor=actor(request),
            charges=charges or None,
        )
    except DomainError as exc:
        exc.field = _form_field(exc.field, wanted)
        return _credit_refused(request, invoice, form, rows, exc)
    done = f"Credit note {note.number} created: total {note.total} {note.currency}."
    messages.success(request, with_followed(done, before, invoice.order))
    return redirect("web:invoice_detail", number=note.number)


def _credit_refused(request, invoice, form, rows, exc: DomainError) -> TemplateResponse:
    form.show_error(exc)
    messages.error(request, form.error)
    return _invoice_page(request, invoice, form, rows, status=exc.status)


def _units(field) -> int:
    raw = field.value
    if not raw:
        return 0
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError(f"{raw!r} is not a whole number of units.", field=field.name)
    return int(raw)


def _form_field(path: str | None, wanted: list) -> str | None:
    """The form's field for a service error: the service counts only the lines it was given (those with units)."""
    if path and path.startswith("items[") and "]" in path:
        index = int(path[len("items[") : path.index("]")])
        return f"items[{wanted[index][0]}].quantity" if index < len(wanted) else None
    if path and path.startswith("charges"):
        return None  # a charge the invoice no longer bills: said above the form
    return path


@role_required()
def invoice_pdf_view(request, number: str):
    invoice = or_404(selectors.invoice_get, number)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response


urlpatterns = [
    path("orders/<str:number>/payments/", order_payment, name="order_payment"),
    path("orders/<str:number>/invoices/", order_invoice_create, name="order_invoice_create"),
    path("invoices/", invoice_list, name="invoice_list"),
    path("invoices/<str:number>/", invoice_detail, name="invoice_detail"),
    path("invoices/<str:number>/pdf/", invoice_pdf_view, name="invoice_pdf"),
]
