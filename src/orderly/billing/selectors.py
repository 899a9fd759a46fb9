"""Reads of payments, invoices and credit notes, shared by the API and the pages.

    payments_of(order) -> list[Payment]                         oldest first
    invoices_of(order) -> list[Invoice]                         invoices and credit notes, oldest first
    invoice_list(*, kind="", order="", search="", sort="-issued") -> QuerySet   with order and corrected invoice
    invoice_get(number) -> Invoice                              with order, lines and credits; NotFound when unknown
    tax_summary(invoice) -> list[RateSummary]                   per tax rate: net base and tax, summed from the lines
    left_to_credit(invoice) -> bool                             whether a credit note on it could take anything back
    order_billing(order) -> OrderBilling                        what the order page's billing panel shows (and
                                                                the units and charges an invoice would bill now,
                                                                and how it would treat the VAT)

Each runs a fixed number of queries whatever the number of rows. Invoices of deleted orders are gone with them.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from orderly.billing import amounts
from orderly.billing.models import Invoice, InvoiceKind, InvoiceLine, Payment, PaymentMethod
from orderly.billing.rules import billed_on, charges_billed_on, charges_to_invoice, units_to_invoice, worth_an_invoice
from orderly.billing.seller import seller_details
from orderly.billing.vat import VatTreatment, order_vat_treatment
from orderly.core.exceptions import NotFound, ValidationError
from orderly.orders.models import Order, OrderCharge
from orderly.orders.status import OrderStatus


def left_to_credit(invoice: Invoice) -> bool:
    """Whether units or charges billed on the invoice are not taken back yet (False for a credit note)."""
    if invoice.kind != InvoiceKind.INVOICE:
        return False
    return bool(billed_on(invoice)) or bool(charges_billed_on(invoice))


def payments_of(order: Order) -> list[Payment]:
    return list(Payment.objects.filter(order=order).order_by("created_at", "id"))


def invoices_of(order: Order) -> list[Invoice]:
    return list(Invoice.objects.select_related("credits").filter(order=order).order_by("issued_at", "id"))


# Overview orders by name; each ends on the id so that paging is stable.
SORTS = {
    "-issued": ("-issued_at", "-id"),
    "issued": ("issued_at", "id"),
    "-number": ("-number", "-id"),
    "number": ("number", "id"),
    "-total": ("-total", "-id"),
    "total": ("total", "id"),
}
DEFAULT_SORT = "-issued"


def invoice_list(*, kind: str = "", order: str = "", search: str = "", sort: str = DEFAULT_SORT) -> QuerySet[Invoice]:
    """Invoices and credit notes, newest first unless `sort` (a key of SORTS) says otherwise; `kind` invoice or
    credit_note, `order` an order number (exact), `search` part of the document's or the order's number."""
    if kind and kind not in InvoiceKind.values:
        raise ValidationError(f"kind must be one of {', '.join(InvoiceKind.values)}.", field="kind")
    if (sort or DEFAULT_SORT) not in SORTS:
        raise ValidationError(f"sort must be one of {', '.join(SORTS)}.", field="sort")
    invoices = Invoice.objects.select_related("order", "credits").filter(order__deleted_at__isnull=True)
    if kind:
        invoices = invoices.filter(kind=kind)
    if order:
        invoices = invoices.filter(order__number=order.strip().upper())
    search = (search or "").strip()
    if search:
        invoices = invoices.filter(Q(number__icontains=search) | Q(order__number__icontains=search))
    return invoices.order_by(*SORTS[sort or DEFAULT_SORT])


def invoice_get(number: str) -> Invoice:
    number = str(number or "").strip().upper()
    lines = Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id"))
    notes = Prefetch("credit_notes", queryset=Invoice.objects.order_by("issued_at", "id"))
    try:
        return (
            Invoice.objects.select_related("order", "credits")
            .prefetch_related(lines, notes)
            .get(number=number, order__deleted_at__isnull=True)
        )
    except Invoice.DoesNotExist:
        raise NotFound(
            f"No invoice or credit note {number!r}.", field="number", resource="invoice", key=number
        ) from None


def tax_summary(invoice: Invoice) -> list[amounts.RateSummary]:
    return amounts.tax_summary(invoice.lines.all())


@dataclass(frozen=True)
class OrderBilling:
    payments: list[Payment]
    invoices: list[Invoice]
    units_to_invoice: int
    charges_to_invoice: tuple[OrderCharge, ...] = ()  # shipping and fees the next invoice carries
    # How the next invoice treats the VAT, for an order of a business (with a VAT number) or one whose invoices
    # reverse charge it; None for the others (VAT charged, nothing to explain).
    vat: VatTreatment | None = None

    @property
    def can_invoice(self) -> bool:
        return worth_an_invoice(self.units_to_invoice, list(self.charges_to_invoice))

    @property
    def methods(self) -> list[tuple[str, str]]:
        return PaymentMethod.choices


def order_billing(order: Order) -> OrderBilling:
    """Payments, invoices and credit notes of the order, and how many units and which charges an invoice would bill
    now (none while the order is a draft or canceled, nor for a shop's test order: those are not invoiced), and how
    it would treat the VAT (billing/vat.py; the order with its addresses loaded, as orders.selectors.order_get)."""
    units, charges = 0, []
    if order.status not in (OrderStatus.DRAFT, OrderStatus.CANCELED) and not order.is_test:
        items = list(order.items.all())
        units = sum(units_to_invoice(item) for item in items)
        charges = charges_to_invoice(items, list(order.charges.all()))
    return OrderBilling(
        payments=payments_of(order),
        invoices=invoices_of(order),
        units_to_invoice=units,
        charges_to_invoice=tuple(charges),
        vat=order_vat_treatment(order, seller_details())
        if order.customer_vat_number or order.vat_reverse_charged
        else None,
    )
