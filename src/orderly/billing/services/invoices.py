"""Invoices: bill the invoiceable units of an order that are not on an invoice yet, and its charges once."""

from django.db import transaction

from orderly.billing import amounts, events
from orderly.billing.models import Invoice, InvoiceKind
from orderly.billing.rules import charges_to_invoice, units_to_invoice, worth_an_invoice
from orderly.billing.services.common import (
    Part,
    charges_for_update,
    issue,
    items_for_update,
    order_for_update,
)
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.core.retry import retry_on_conflict
from orderly.orders.exceptions import OrderLocked
from orderly.orders.models import OrderCharge
from orderly.orders.services import order_items_progress
from orderly.orders.services.item_progress import Invoiced
from orderly.orders.status import OrderStatus


def charge_to_bill(charge: OrderCharge, *, tax_included: bool) -> amounts.LineAmounts:
    """A charge's invoice line: the charge as the shop charged it, less what the shop paid back for it."""
    whole = amounts.charge_amounts(charge, tax_included=tax_included)
    if charge.total <= 0 or not charge.refunded:
        return whole
    return amounts.amount_of(whole, charge.total - charge.refunded)


@retry_on_conflict
def invoice_create(*, order, actor: Actor) -> Invoice:
    """Invoice every unit of the order that is invoiceable and not invoiced yet (units_to_invoice), and the order's
    charges not on an invoice yet (charges_to_invoice: shipping and fees go on the first invoice of the order, once),
    as one invoice INV-… with a line per item then a line per charge (amounts by orderly.billing.amounts: the shop's
    own figures, its tax basis kept), the buyer's address and the seller's details as they are now.

    Refused (Conflict, nothing written) for a draft (not final) or canceled order, for a shop's test order (code
    "test_order": invoice numbers are a legal sequence), with code "nothing_to_invoice"
    when no unit and no charge is left to invoice, and with code "invoice_negative" when negative fees would make
    the invoice's amounts negative. Counts the units as invoiced and marks the charges invoiced (billing sets that
    flag of the orders area's charges, in this transaction), writes a timeline event and settles the order (which
    may close it). Order, then items, then charges locked in primary-key order.
    """
    with transaction.atomic():
        order = order_for_update(order)
        if order.status in (OrderStatus.DRAFT, OrderStatus.CANCELED):
            raise OrderLocked(
                f"Cannot invoice order {order.number}: it is {order.status}"
                + ("; open it first." if order.status == OrderStatus.DRAFT else "."),
                order=order,
                action="invoice",
            )
        if order.is_test:
            # An invoice number is a legal sequence: a shop's test order must not take one.
            raise Conflict(
                f"Cannot invoice order {order.number}: it is a test order from the shop.",
                code=ErrorCode.TEST_ORDER,
                order=order.number,
            )
        included = order.prices_include_tax
        items = items_for_update(order)
        item_parts: list[Part] = []
        for item in items:
            units = units_to_invoice(item)
            if units:
                start = item.qty_invoiced - item.qty_credited
                item_parts.append((item, amounts.part_amounts(item, start=start, count=units, tax_included=included)))
        item_parts.sort(key=lambda part: (part[0].line_no, part[0].pk))
        charges = charges_to_invoice(items, charges_for_update(order))
        charges.sort(key=lambda charge: (charge.position, charge.pk))
        charge_parts: list[Part] = [(c, charge_to_bill(c, tax_included=included)) for c in charges]
        parts = item_parts + charge_parts
        if not worth_an_invoice(len(item_parts), charges):
            raise Conflict(
                f"Nothing to invoice on order {order.number}: every invoiceable unit is already invoiced.",
                code=ErrorCode.NOTHING_TO_INVOICE,
                order=order.number,
            )
        sums = amounts.totals(line for _source, line in parts)
        if min(sums.subtotal, sums.total) < 0:
            raise Conflict(
                f"Cannot invoice order {order.number}: its fees would make the invoice negative ({sums.total}).",
                code=ErrorCode.INVOICE_NEGATIVE,
                order=order.number,
                total=str(sums.total),
            )
        invoice = issue(order=order, kind=InvoiceKind.INVOICE, parts=parts, actor=actor, prices_include_tax=included)
        for charge in charges:
            charge.invoiced, charge.credited = True, False
        OrderCharge.objects.bulk_update(charges, ["invoiced", "credited"])
        order_items_progress(
            changes=[Invoiced(item=item.pk, units=line.quantity) for item, line in item_parts],
            actor=actor,
            note=events.invoice_created(invoice),
        )
        if not item_parts:  # charges only: no item moved (nor anything the settling reads), but it is on the timeline
            events.invoice_created(invoice).write(order.pk, actor)
    return invoice
