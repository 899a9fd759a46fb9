"""Invoices: bill the invoiceable units of an order that are not on an invoice yet, and its charges once; with the
VAT reverse charged where billing/vat.py says so."""

from django.db import transaction

from orderly.billing import amounts, events
from orderly.billing.models import Invoice, InvoiceKind
from orderly.billing.rules import charges_to_invoice, invoices_still_billing, units_to_invoice, worth_an_invoice
from orderly.billing.seller import seller_details
from orderly.billing.services.common import (
    Part,
    charges_for_update,
    issue,
    items_for_update,
    order_for_update,
)
from orderly.billing.vat import order_vat_treatment
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.core.retry import retry_on_conflict
from orderly.orders.exceptions import OrderLocked
from orderly.orders.models import Order, OrderCharge, OrderItem
from orderly.orders.services import order_items_progress, order_settle
from orderly.orders.services.item_progress import Invoiced
from orderly.orders.status import OrderStatus


def charge_to_bill(charge: OrderCharge, *, tax_included: bool) -> amounts.LineAmounts:
    """A charge's invoice line: the charge as the shop charged it, less what the shop paid back for it."""
    whole = amounts.charge_amounts(charge, tax_included=tax_included)
    if charge.total <= 0 or not charge.refunded:
        return whole
    return amounts.amount_of(whole, charge.total - charge.refunded)


def _parts(
    items: list[OrderItem], charges: list[OrderCharge], *, included: bool, reverse_charge: bool
) -> tuple[list[Part], list[Part]]:
    """The invoice's item parts (the units not invoiced yet, in line order) and charge parts (`charges`, in the order
    given), on the order's tax basis (`included`), or at 0 % and net when the VAT is reverse charged."""
    item_parts: list[Part] = []
    for item in sorted(items, key=lambda item: (item.line_no, item.pk)):
        units = units_to_invoice(item)
        if units:
            start = item.qty_invoiced - item.qty_credited
            item_parts.append((item, amounts.part_amounts(item, start=start, count=units, tax_included=included)))
    charge_parts: list[Part] = [(charge, charge_to_bill(charge, tax_included=included)) for charge in charges]
    if reverse_charge:
        item_parts = [(item, amounts.reverse_charged(line)) for item, line in item_parts]
        charge_parts = [(charge, amounts.reverse_charged(line)) for charge, line in charge_parts]
    return item_parts, charge_parts


def _refuse_a_changed_treatment(order: Order, reverse_charge: bool) -> None:
    """An order's invoices treat the VAT one way: the customer owes its lines with their VAT or without
    (Order.vat_reverse_charged), never some of each. Refused (Conflict) while an invoice of the other way still
    bills something."""
    other = invoices_still_billing(order, reverse_charge=not reverse_charge)
    if other:
        earlier = "reverse charged" if other[0].reverse_charge else "charged"
        now = "reverse charge it" if reverse_charge else "charge it"
        raise Conflict(
            f"Cannot invoice order {order.number}: {other[0].number} bills it with the VAT {earlier}, and this "
            f"invoice would {now} (the customer's VAT number, where the goods go or the seller's setting changed). "
            f"Credit {other[0].number} in full first, or put back what changed.",
            code=ErrorCode.VAT_TREATMENT_CHANGED,
            order=order.number,
            invoice=other[0].number,
            reverse_charged=other[0].reverse_charge,
        )


@retry_on_conflict
def invoice_create(*, order, actor: Actor) -> Invoice:
    """Invoice every unit of the order that is invoiceable and not invoiced yet (units_to_invoice), and the order's
    charges not on an invoice yet (charges_to_invoice: shipping and fees go on the first invoice of the order, once),
    as one invoice INV-… with a line per item then a line per charge (amounts by orderly.billing.amounts: the shop's
    own figures, its tax basis kept), the buyer's address and the seller's details as they are now.

    Goods to a business in another EU member state, where the seller's settings say so (billing/vat.py), are
    invoiced with the VAT reverse charged: every line and charge at 0 %, its net amount (amounts.reverse_charged),
    the invoice marked `reverse_charge`; the order is marked too (Order.vat_reverse_charged), so that the customer
    owes the amounts without VAT. Refused with code "vat_treatment_changed" while an earlier invoice of the order
    that treats the VAT the other way still bills something.

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
        seller = seller_details()
        reverse_charge = order_vat_treatment(order, seller).reverse_charge
        included = order.prices_include_tax
        items = items_for_update(order)
        charges = charges_to_invoice(items, charges_for_update(order))
        charges.sort(key=lambda charge: (charge.position, charge.pk))
        item_parts, charge_parts = _parts(items, charges, included=included, reverse_charge=reverse_charge)
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
        _refuse_a_changed_treatment(order, reverse_charge)
        invoice = issue(
            order=order,
            kind=InvoiceKind.INVOICE,
            parts=parts,
            actor=actor,
            prices_include_tax=included and not reverse_charge,
            reverse_charge=reverse_charge,
            seller=seller,
        )
        treatment_changed = order.vat_reverse_charged != reverse_charge
        if treatment_changed:  # what the customer owes follows (the settling below reads it)
            order.vat_reverse_charged = reverse_charge
            order.save(update_fields=["vat_reverse_charged", "updated_at"])
        for charge in charges:
            charge.invoiced, charge.credited = True, False
        OrderCharge.objects.bulk_update(charges, ["invoiced", "credited"])
        order_items_progress(
            changes=[Invoiced(item=item.pk, units=line.quantity) for item, line in item_parts],
            actor=actor,
            note=events.invoice_created(invoice),
        )
        if not item_parts:  # charges only: no item moved, but it is on the timeline
            events.invoice_created(invoice).write(order.pk, actor)
            if treatment_changed:
                order_settle(order=order, actor=actor)
    return invoice
