"""What the next invoice of an order carries: its units and charges not on an invoice yet. Read by the invoicing
service and by the selectors that show what is left to invoice, so it sits below both."""

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
