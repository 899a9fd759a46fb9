"""Invoices: bill the invoiceable units of an order that are not on an invoice yet."""

from django.db import transaction

from orderly.billing import amounts, events
from orderly.billing.models import Invoice, InvoiceKind
from orderly.billing.services.common import issue, items_for_update, order_for_update
from orderly.core.actors import Actor
from orderly.core.exceptions import Conflict
from orderly.orders.models import OrderItem
from orderly.orders.services import order_settle
from orderly.orders.status import OrderStatus


def units_to_invoice(item: OrderItem) -> int:
    """Units of an item with the *invoice* option that the customer keeps (neither canceled nor returned) and that
    are not on an invoice already (credited units count as not invoiced)."""
    if not item.option_invoice:
        return 0
    kept = item.quantity - item.qty_canceled - item.qty_returned
    return max(kept - (item.qty_invoiced - item.qty_credited), 0)


def add_invoiced(item: OrderItem, units: int) -> None:
    """Count `units` more as invoiced. `qty_invoiced` cannot pass the item's quantity, so units invoiced again after
    a credit note first cancel out credited ones: invoiced − credited (what is on an invoice now) stays right."""
    invoiced = item.qty_invoiced + units
    overflow = max(invoiced - item.quantity, 0)
    item.qty_invoiced = invoiced - overflow
    item.qty_credited -= overflow


def invoice_create(*, order, actor: Actor) -> Invoice:
    """Invoice every unit of the order that is invoiceable and not invoiced yet (units_to_invoice), as one
    invoice INV-… with a line per item (amounts by orderly.billing.amounts), the buyer's address and the seller's
    details as they are now.

    Refused (Conflict, nothing written) for a draft (not final) or canceled order, and with code
    "nothing_to_invoice" when no unit is left to invoice. Counts the units as invoiced, writes a timeline event
    and settles the order (which may close it). Order then items locked in primary-key order.
    """
    with transaction.atomic():
        order = order_for_update(order)
        if order.status in (OrderStatus.DRAFT, OrderStatus.CANCELED):
            raise Conflict(
                f"Cannot invoice order {order.number}: it is {order.status}"
                + ("; open it first." if order.status == OrderStatus.DRAFT else "."),
                code="order_not_invoiceable",
                order=order.number,
                status=order.status,
            )
        parts = []
        for item in items_for_update(order):
            units = units_to_invoice(item)
            if units:
                start = item.qty_invoiced - item.qty_credited
                parts.append((item, amounts.part_amounts(item, start=start, count=units)))
        parts.sort(key=lambda part: (part[0].line_no, part[0].pk))
        if not parts:
            raise Conflict(
                f"Nothing to invoice on order {order.number}: every invoiceable unit is already invoiced.",
                code="nothing_to_invoice",
                order=order.number,
            )
        invoice = issue(order=order, kind=InvoiceKind.INVOICE, parts=parts, actor=actor)
        for item, line in parts:
            add_invoiced(item, line.quantity)
        OrderItem.objects.bulk_update([item for item, _line in parts], ["qty_invoiced", "qty_credited"])
        events.invoice_created(order, actor, invoice)
        order_settle(order=order, actor=actor)
    return invoice
