"""Line, charge and order totals, computed from the items and charges and never typed in.

Where the shop stated a line's or a charge's taxes (`tax_lines`), those amounts are the tax: the shop's figures are
the truth, and applying the rate again could differ by a cent. Where prices include tax, the tax is inside the
amount: the line's total is what the customer paid for it, and its tax is the part of that which is tax.
"""

from decimal import Decimal

from orderly.core.money import ZERO, to_money
from orderly.orders import completion
from orderly.orders.models import Order, OrderCharge, OrderItem

# What compute_order sets, for the saves that follow it.
TOTAL_FIELDS = (
    "item_count",
    "subtotal",
    "discount_total",
    "tax_total",
    "charges_total",
    "total",
    "amount_due",
    "payment_status",
)


def _tax(taxable: Decimal, rate: Decimal, tax_lines: list[dict], tax_included: bool) -> Decimal:
    if tax_lines:
        return to_money(sum((Decimal(line["amount"]) for line in tax_lines), ZERO))
    if tax_included:
        return to_money(taxable - taxable / (1 + rate / 100))
    return to_money(taxable * rate / 100)


def compute_line(item: OrderItem, *, tax_included: bool = False) -> None:
    """Set the item's subtotal (quantity × price + adjustments), its tax on the discounted amount (the shop's
    own tax amounts when it stated them) and its total (tax added, unless the prices include it)."""
    adjustments = sum((Decimal(a["amount"]) for a in item.adjustments), ZERO)
    item.line_subtotal = to_money(item.quantity * item.unit_price + adjustments)
    taxable = item.line_subtotal - item.discount
    item.line_tax = _tax(taxable, Decimal(item.tax_rate), getattr(item, "tax_lines", None) or [], tax_included)
    item.line_total = taxable if tax_included else taxable + item.line_tax


def compute_charge(charge: OrderCharge, *, tax_included: bool = False) -> None:
    """Set a charge's tax and total the same way as a line's."""
    taxable = charge.amount - charge.discount
    charge.tax = _tax(taxable, Decimal(charge.tax_rate), charge.tax_lines or [], tax_included)
    charge.total = taxable if tax_included else taxable + charge.tax


def compute_order(order: Order, items: list[OrderItem], charges: list[OrderCharge] | None = None) -> None:
    """Set the order's item count and totals from its (already computed) items and charges (read from the order
    when not given)."""
    if charges is None:
        charges = list(order.charges.all()) if order.pk else []
    live = [item for item in items if item.status != "canceled"]
    order.item_count = len(items)
    order.subtotal = sum((i.line_subtotal for i in live), ZERO)
    order.charges_total = sum((c.total for c in charges), ZERO)
    order.discount_total = sum((i.discount for i in live), ZERO) + sum((c.discount for c in charges), ZERO)
    order.tax_total = sum((i.line_tax for i in live), ZERO) + sum((c.tax for c in charges), ZERO)
    order.total = sum((i.line_total for i in live), ZERO) + order.charges_total
    net = getattr(order, "vat_reverse_charged", False)  # the invoices bill the amounts without VAT
    figures = [completion.figures_of(i, net=net) for i in live]
    order.amount_due = completion.amount_due(figures, charges=completion.owed_for_charges(charges, net=net))
    order.payment_status = completion.payment_status(order.amount_due, order.amount_paid)
