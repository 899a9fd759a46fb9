"""Line and order totals, computed from the items and never typed in."""

from decimal import Decimal

from orderly.core.money import ZERO, to_money
from orderly.orders import completion
from orderly.orders.models import Order, OrderItem

# What compute_order sets, for the saves that follow it.
TOTAL_FIELDS = ("item_count", "subtotal", "discount_total", "tax_total", "total", "amount_due", "payment_status")


def compute_line(item: OrderItem) -> None:
    """Set the item's subtotal (quantity × price + adjustments), tax on the discounted amount, and total."""
    adjustments = sum((Decimal(a["amount"]) for a in item.adjustments), ZERO)
    item.line_subtotal = to_money(item.quantity * item.unit_price + adjustments)
    taxable = item.line_subtotal - item.discount
    item.line_tax = to_money(taxable * item.tax_rate / 100)
    item.line_total = taxable + item.line_tax


def compute_order(order: Order, items: list[OrderItem]) -> None:
    """Set the order's item count and totals from its (already computed) items."""
    live = [item for item in items if item.status != "canceled"]
    order.item_count = len(items)
    order.subtotal = sum((i.line_subtotal for i in live), ZERO)
    order.discount_total = sum((i.discount for i in live), ZERO)
    order.tax_total = sum((i.line_tax for i in live), ZERO)
    order.total = sum((i.line_total for i in live), ZERO)
    order.amount_due = completion.amount_due([completion.figures_of(i) for i in live])
    order.payment_status = completion.payment_status(order.amount_due, order.amount_paid)
