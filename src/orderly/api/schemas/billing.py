"""Request and response bodies of the payments, invoices and credit notes endpoints.

Requests are checked here for shape and type only; what an amount may be (more than zero, two decimals, not too
large), which method, and what may be invoiced or credited are the billing services' rules.
"""

import datetime as dt
from typing import Literal

from pydantic import Field

from orderly.api.schemas.common import (
    MAX_ID,
    InputSchema,
    JsonObject,
    Money,
    MoneyIn,
    OutputSchema,
    PagedQuery,
    PageMeta,
    page_meta,
)
from orderly.api.schemas.orders import TaxLineOut, tax_lines_out
from orderly.billing.amounts import RateSummary
from orderly.billing.models import Invoice, InvoiceKind, InvoiceLineKind, Payment, PaymentKind, PaymentMethod
from orderly.billing.selectors import DEFAULT_SORT, SORTS
from orderly.billing.vat import REVERSE_CHARGE_NOTE
from orderly.core.money import rate_text
from orderly.orders.models import Order

# ---- requests ------------------------------------------------------------------------------------------------


class PaymentIn(InputSchema):
    amount: MoneyIn = Field(description="More than zero, at most two decimals.", examples=["24.20"])
    method: str = Field(examples=["bank_transfer"], json_schema_extra={"enum": PaymentMethod.values})
    reference: str = Field("", max_length=100, description="Bank or payment provider reference", examples=["TX-81"])
    kind: str = Field(
        PaymentKind.PAYMENT,
        description="payment (received) or refund (paid back; at most what was paid)",
        json_schema_extra={"enum": PaymentKind.values},
    )


class CreditLineIn(InputSchema):
    item: int = Field(strict=True, ge=1, le=MAX_ID, description="The order item's id (as GET /orders/{number} shows)")
    quantity: int = Field(strict=True, description="Units to take back, more than zero", examples=[1])


class CreditNoteIn(InputSchema):
    items: list[CreditLineIn] = Field(description="Units of items billed on the invoice to take back")
    reason: str = Field(description="Why; printed on the credit note", examples=["Price corrected"])
    charges: list[int] | None = Field(
        None,
        description="Ids of the invoice's charges (shipping, fees) to take back. Left out: a note that takes back "
        "every unit still billed takes back the charges too; [] takes back none.",
    )


class InvoiceQuery(PagedQuery):
    kind: Literal["", *InvoiceKind.values] = Field("", description="invoice or credit_note")
    order: str = Field("", description="Only the documents of this order number")
    q: str = Field("", max_length=100, description="Part of the document's or the order's number")
    sort: Literal[*SORTS] = Field(DEFAULT_SORT, description="issued, number or total; a leading - for descending")


# ---- responses -----------------------------------------------------------------------------------------------


class OrderBillingOut(OutputSchema):
    number: str = Field(examples=["OR-000123"])
    status: str
    payment_status: str = Field(description="unpaid, partially_paid, paid or refund_due")
    amount_paid: Money = Field(description="Payments received less refunds")
    amount_due: Money = Field(
        description="The whole amount the customer owes for what they keep, paid or not; without VAT when "
        "vat_reverse_charged"
    )
    balance_due: Money = Field(description="What is left to pay: amount_due less amount_paid (negative: refund due)")
    vat_reverse_charged: bool = Field(
        description="The order is invoiced with the VAT reverse charged: the customer owes its amounts without VAT"
    )
    currency: str


class PaymentOut(OutputSchema):
    id: int
    kind: str
    amount: Money
    method: str
    reference: str
    created_by: str
    created_at: dt.datetime


class PaymentCreated(OutputSchema):
    payment: PaymentOut
    order: OrderBillingOut


class OrderPaymentsOut(OutputSchema):
    order: OrderBillingOut
    items: list[PaymentOut] = Field(description="Payments and refunds, oldest first")


class InvoiceLineOut(OutputSchema):
    kind: str = Field(description="item, shipping or fee", json_schema_extra={"enum": InvoiceLineKind.values})
    item: int | None = Field(description="The order item's id (null for a charge line)")
    order_charge: int | None = Field(description="The order charge's id for a shipping or fee line, else null")
    sku: str = Field(description="Empty for a charge line")
    name: str = Field(examples=["Shipping: DHL Express"])
    quantity: int
    unit_price: Money = Field(description="For a charge line: the charge's amount (a fee may be negative)")
    tax_rate: Money = Field(description="Percent")
    tax_lines: list[TaxLineOut] = Field(description="The shop's taxes of this line, for the units billed")
    discount: Money
    line_subtotal: Money
    line_tax: Money = Field(description="Contained in the amounts when the invoice's prices include tax")
    line_total: Money


class TaxRateOut(OutputSchema):
    tax_rate: Money
    title: str = Field(description="The shop's name of the tax at this rate, when it named it", examples=["GST"])
    base: Money = Field(description="Sum of the lines' net amounts (after discount, without tax) at this rate")
    tax: Money = Field(description="Sum of the lines' taxes at this rate")


class InvoiceSummaryOut(OutputSchema):
    number: str = Field(examples=["INV-000001"])
    kind: str = Field(description="invoice or credit_note")
    order: str
    credits: str | None = Field(description="For a credit note: the invoice it corrects")
    issued_at: dt.datetime
    currency: str
    total: Money = Field(description="Positive for both kinds")
    signed_total: Money = Field(description="Negative for a credit note")


class InvoiceOut(InvoiceSummaryOut):
    external_ref: str = Field(description="The order number the customer saw")
    credit_notes: list[str] = Field(description="For an invoice: the credit notes correcting it")
    reason: str
    seller: JsonObject
    buyer: JsonObject
    subtotal: Money
    discount: Money
    tax_total: Money = Field(description="Contained in the total when prices_include_tax")
    prices_include_tax: bool = Field(
        description="The amounts include their tax: total = subtotal − discount, and tax_total is the tax inside"
    )
    reverse_charge: bool = Field(
        description="The VAT is reverse charged (goods to a business in another EU member state, where the seller's "
        "settings say so): every line at 0 %, its net amount; a credit note follows the invoice it corrects"
    )
    vat_note: str = Field(description="What the document says of its VAT: the reverse-charge note, or empty")
    lines: list[InvoiceLineOut] = Field(description="Amounts positive for both kinds; the kind gives the sign")
    tax_summary: list[TaxRateOut]
    pdf: str = Field(description="Path of the PDF", examples=["/api/v1/invoices/INV-000001/pdf"])


class InvoicePage(PageMeta):
    items: list[InvoiceSummaryOut]


class OrderInvoicesOut(OutputSchema):
    order: OrderBillingOut
    items: list[InvoiceSummaryOut] = Field(description="Invoices and credit notes, oldest first")


# ---- building responses ----------------------------------------------------------------------------------------


def order_billing_dict(order: Order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "amount_paid": str(order.amount_paid),
        "amount_due": str(order.amount_due),
        "balance_due": str(order.balance_due),
        "vat_reverse_charged": order.vat_reverse_charged,
        "currency": order.currency,
    }


def payment_dict(payment: Payment) -> dict:
    return {
        "id": payment.pk,
        "kind": payment.kind,
        "amount": str(payment.amount),
        "method": payment.method,
        "reference": payment.reference,
        "created_by": payment.created_by_name,
        "created_at": payment.created_at,
    }


def invoice_summary_dict(invoice: Invoice) -> dict:
    """Needs `order` and `credits` loaded (selectors.invoice_list / invoices_of)."""
    return {
        "number": invoice.number,
        "kind": invoice.kind,
        "order": invoice.order.number,
        "credits": invoice.credits.number if invoice.credits_id else None,
        "issued_at": invoice.issued_at,
        "currency": invoice.currency,
        "total": str(invoice.total),
        "signed_total": str(invoice.signed_total),
    }


def invoice_out(invoice: Invoice, summary: list[RateSummary]) -> InvoiceOut:
    """Needs the invoice from selectors.invoice_get and its tax summary."""
    lines = [
        {
            "kind": line.kind,
            "item": line.order_item_id,
            "order_charge": line.order_charge_id,
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            "tax_rate": rate_text(line.tax_rate),
            "tax_lines": tax_lines_out(line.tax_lines),
            "discount": str(line.discount),
            "line_subtotal": str(line.line_subtotal),
            "line_tax": str(line.line_tax),
            "line_total": str(line.line_total),
        }
        for line in invoice.lines.all()
    ]
    return InvoiceOut.model_validate(
        {
            **invoice_summary_dict(invoice),
            "external_ref": invoice.order.external_ref,
            "credit_notes": [note.number for note in invoice.credit_notes.all()],
            "reason": invoice.reason,
            "seller": invoice.seller,
            "buyer": invoice.buyer,
            "subtotal": str(invoice.subtotal),
            "discount": str(invoice.discount),
            "tax_total": str(invoice.tax_total),
            "prices_include_tax": invoice.prices_include_tax,
            "reverse_charge": invoice.reverse_charge,
            "vat_note": REVERSE_CHARGE_NOTE if invoice.reverse_charge else "",
            "lines": lines,
            "tax_summary": [
                {
                    "tax_rate": rate_text(rate.tax_rate),
                    "title": rate.title,
                    "base": str(rate.base),
                    "tax": str(rate.tax),
                }
                for rate in summary
            ],
            "pdf": f"/api/v1/invoices/{invoice.number}/pdf",
        }
    )


def invoice_page(page, request=None) -> dict:
    """The page as InvoicePage's plain data, with links to the pages next to it when the request is given."""
    return {**page_meta(page, request), "items": [invoice_summary_dict(invoice) for invoice in page.items]}
