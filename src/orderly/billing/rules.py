"""What the next invoice of an order carries (its units and charges not on an invoice yet), and what an invoice
still bills after its credit notes. Read by the billing services and by the selectors that show what is left to
invoice or credit, so it sits below both."""

from decimal import Decimal

from orderly.billing.models import Invoice, InvoiceKind, InvoiceLine
from orderly.orders.completion import units_kept
from orderly.orders.models import OrderCharge, OrderItem


def units_to_invoice(item: OrderItem) -> int:
    """Units of an item with the *invoice* option that the customer keeps (neither canceled nor returned) and that
    are not on an invoice already (credited units count as not invoiced)."""
    if not item.option_invoice:
        return 0
    return max(units_kept(item) - (item.qty_invoiced - item.qty_credited), 0)


def charges_to_invoice(items: list[OrderItem], charges: list[OrderCharge]) -> list[OrderCharge]:
    """The order's charges that the next invoice carries: those not on an invoice now (never invoiced, or taken
    back by a credit note) and not paid back in full by the shop, as long as Orderly invoices the order at all (an
    item has the *invoice* option) and something of it is still delivered (not every unit canceled: then its
    shipping and fees are not owed)."""
    invoices_order = any(item.option_invoice and item.quantity > item.qty_canceled for item in items)
    if not invoices_order:
        return []
    return [
        charge
        for charge in charges
        if (not charge.invoiced or charge.credited) and not (charge.total > 0 and charge.refunded >= charge.total)
    ]


def worth_an_invoice(units: int, charges: list[OrderCharge]) -> bool:
    """Units to invoice, or a charge of some amount: a free-shipping line alone is not worth an invoice (it goes on
    the next one)."""
    return units > 0 or any(charge.amount or charge.total for charge in charges)


def billed_on(invoice: Invoice) -> dict[int, int]:
    """Units per order item id billed on `invoice` and not yet taken back by its credit notes."""
    billed: dict[int, int] = {}
    for item_id, quantity, kind in InvoiceLine.objects.filter(
        invoice__in=[invoice, *invoice.credit_notes.all()], order_item__isnull=False
    ).values_list("order_item_id", "quantity", "invoice__kind"):
        billed[item_id] = billed.get(item_id, 0) + (quantity if kind == InvoiceKind.INVOICE else -quantity)
    return {pk: units for pk, units in billed.items() if units > 0}


def charges_billed_on(invoice: Invoice) -> dict[int, InvoiceLine]:
    """The charge lines of `invoice` (by charge id) that its credit notes did not take back in full, each with
    `remaining`: its total less what credit notes on it took back of it (a shop's refund of part of it)."""
    lines = InvoiceLine.objects.filter(invoice__in=[invoice, *invoice.credit_notes.all()], order_charge__isnull=False)
    billed: dict[int, InvoiceLine] = {}
    taken: dict[int, Decimal] = {}
    for line in lines.select_related("invoice").order_by("invoice__issued_at", "invoice_id", "position"):
        if line.invoice.kind == InvoiceKind.INVOICE:
            billed[line.order_charge_id] = line
        else:
            taken[line.order_charge_id] = taken.get(line.order_charge_id, Decimal("0")) + line.line_total
    for charge_id, line in billed.items():
        line.remaining = line.line_total - taken.get(charge_id, Decimal("0"))
    return {
        charge_id: line
        for charge_id, line in billed.items()
        if charge_id not in taken or line.remaining * line.line_total > 0  # nothing left, or nothing left unsigned
    }


def invoices_still_billing(order, *, reverse_charge: bool) -> list[Invoice]:
    """The order's invoices that reverse charge the VAT (or, with False, charge it) and still bill something: units
    or charges their credit notes did not take back. Oldest first."""
    invoices = Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE, reverse_charge=reverse_charge)
    return [
        invoice for invoice in invoices.order_by("issued_at", "id") if billed_on(invoice) or charges_billed_on(invoice)
    ]
