"""Every write to payments, invoices and credit notes.

Keyword-only; `actor` is an orderly.core.actors.Actor; `order` an Order or its number. Refusals raise DomainErrors
(ValidationError 422 for bad input, NotFound 404, Conflict 409) and write nothing. Each settles the order in its
own transaction: payments call orderly.orders.services.order_settle; invoices and credit notes tell the orders area
the units invoiced or credited (orders.services.order_items_progress), which writes them and settles.

    payment_record(*, order, amount, method, reference="", kind="payment", actor) -> Payment
    invoice_create(*, order, actor) -> Invoice                  units not invoiced yet, and the order's charges once
    credit_note_for_return(*, order, lines: [(item, units)], reason="", actor, charges=()) -> Invoice | None
                                                                units only: shipping stays charged unless named
    credit_note_create(*, invoice, lines: [(item, units)], reason, actor, charges=None) -> Invoice
                                                                the whole invoice takes its charges back too
    credit_note_for_shop_refund(*, order, refunded: {charge id: amount}, actor) -> [Invoice]
                                                                what the shop paid back for billed charges

Shipping and fees (orders' OrderCharge) are billed as lines of their own; billing sets their `invoiced` and
`credited` flags in the transaction of the document that bills or takes them back. An invoice reverse charges the
VAT of an intra-EU supply to a business where the seller's settings say so (billing/vat.py), its credit notes
following it; billing sets the order's `vat_reverse_charged` with each invoice, and the customer then owes the
amounts without VAT.

Reads are in orderly.billing.selectors; amounts are computed by orderly.billing.amounts.
"""

from orderly.billing.rules import units_to_invoice
from orderly.billing.services.credit_notes import (
    credit_note_create,
    credit_note_for_return,
    credit_note_for_shop_refund,
)
from orderly.billing.services.invoices import invoice_create
from orderly.billing.services.payments import payment_record

__all__ = [
    "credit_note_create",
    "credit_note_for_return",
    "credit_note_for_shop_refund",
    "invoice_create",
    "payment_record",
    "units_to_invoice",
]
