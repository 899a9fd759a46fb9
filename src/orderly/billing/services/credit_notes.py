"""Credit notes: take back invoiced units, after a return or by hand."""

from django.db import transaction

from orderly.billing import amounts, events
from orderly.billing.models import Invoice, InvoiceKind, InvoiceLine
from orderly.billing.services.common import issue, items_for_update, order_for_update
from orderly.core.actors import Actor
from orderly.core.exceptions import NotFound, ValidationError
from orderly.orders.models import OrderItem
from orderly.orders.services import order_settle

MAX_REASON = 500


def _clean_reason(reason, *, required: bool) -> str:
    reason = str(reason or "").strip()
    if required and not reason:
        raise ValidationError("reason is required: say why the units are credited.", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"reason must be at most {MAX_REASON} characters.", field="reason")
    return reason


def _requested(lines, *, field: str) -> dict[int, int]:
    """{order item id: units} from [(item or item id, units)], units summed per item."""
    wanted: dict[int, int] = {}
    for index, line in enumerate(lines or []):
        try:
            item, quantity = line
        except (TypeError, ValueError):
            message = f"{field}[{index}] must be an item and a quantity."
            raise ValidationError(message, field=f"{field}[{index}]") from None
        item_id = item.pk if isinstance(item, OrderItem) else item
        if isinstance(item_id, bool) or not isinstance(item_id, int):
            raise ValidationError(f"{field}[{index}].item must be an item id.", field=f"{field}[{index}].item")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise ValidationError(
                f"{field}[{index}].quantity must be a whole number more than zero.", field=f"{field}[{index}].quantity"
            )
        wanted[item_id] = wanted.get(item_id, 0) + quantity
    if not wanted:
        raise ValidationError(f"{field}: name at least one item to credit.", field=field)
    return wanted


def _credit(order, items: list[OrderItem], units: dict[int, int], credits: Invoice, reason: str, actor: Actor):
    """Issue the credit note for `units` per item id (each within what is invoiced), count them, settle."""
    parts = []
    for item in sorted(items, key=lambda item: (item.line_no, item.pk)):
        count = units.get(item.pk, 0)
        if count:
            on_invoice = item.qty_invoiced - item.qty_credited
            # The last invoiced units go back first, so a note taking back an invoice mirrors its lines.
            parts.append((item, amounts.part_amounts(item, start=on_invoice - count, count=count)))
    note = issue(order=order, kind=InvoiceKind.CREDIT_NOTE, parts=parts, actor=actor, credits=credits, reason=reason)
    for item, line in parts:
        item.qty_credited += line.quantity
    OrderItem.objects.bulk_update([item for item, _line in parts], ["qty_credited"])
    events.credit_note_created(order, actor, note)
    order_settle(order=order, actor=actor, reason=f"Credit note {note.number}.")
    return note


def _invoiced_beyond_kept(item: OrderItem) -> int:
    kept = item.quantity - item.qty_canceled - item.qty_returned
    return max(item.qty_invoiced - item.qty_credited - max(kept, 0), 0)


def credit_note_for_return(*, order, lines, reason: str = "", actor: Actor) -> Invoice | None:
    """Take back on a credit note CN-… the invoiced units of returned items: `lines` as [(order item or its id,
    units returned)], items of `order`. Call it after counting the returned units (qty_returned): for each item it
    credits the units on an invoice beyond what the customer now keeps (quantity − canceled − returned), at most
    the units given. So units returned before they were invoiced are simply not invoiced later, and calling it again
    for the same return credits nothing more. Returns None, writing nothing, when there is nothing to credit.

    One credit note for all the lines, correcting the latest invoice that bills any of these items. Amounts as
    orderly.billing.amounts says (the item's unit price, its discount prorated). Counts the units as credited,
    writes a timeline event and settles the order. Call it from the returns service in the return's transaction;
    it locks the order, then the items in primary-key order (as the shipping services do).
    """
    wanted = _requested(lines, field="lines")
    reason = _clean_reason(reason, required=False)
    with transaction.atomic():
        order = order_for_update(order)
        items = {item.pk: item for item in items_for_update(order)}
        unknown = sorted(set(wanted) - set(items))
        if unknown:
            raise ValidationError(f"Item {unknown[0]} is not an item of order {order.number}.", field="lines")
        units = {pk: min(count, _invoiced_beyond_kept(items[pk])) for pk, count in wanted.items()}
        units = {pk: count for pk, count in units.items() if count > 0}
        if not units:
            return None
        latest = (
            Invoice.objects.filter(kind=InvoiceKind.INVOICE, lines__order_item_id__in=list(units))
            .order_by("-issued_at", "-id")
            .first()
        )
        return _credit(order, list(items.values()), units, latest, reason or "Returned by the customer.", actor)


def credit_note_create(*, invoice, lines, reason: str, actor: Actor) -> Invoice:
    """Take back, by hand, units billed on `invoice` (an Invoice or its number INV-…): `lines` as [(order item or
    its id, units)], a `reason` required.

    Each item must be on that invoice, and the units must not be more than the invoice billed of it less what
    credit notes on that invoice already took back, nor more than is invoiced of the item now (ValidationError
    naming the line, nothing written). The credited units become invoiceable again unless they are canceled or
    returned. Allowed for a canceled order too: that is how its invoice is taken back. Writes a timeline event and
    settles the order (which may reopen it).
    """
    wanted = _requested(lines, field="items")
    reason = _clean_reason(reason, required=True)
    number = invoice.number if isinstance(invoice, Invoice) else str(invoice or "").strip().upper()
    with transaction.atomic():
        found = Invoice.objects.filter(number=number, kind=InvoiceKind.INVOICE, order__deleted_at__isnull=True).first()
        if found is None:
            raise NotFound(f"No invoice {number!r}.", field="invoice")
        order = order_for_update(found.order)
        items = {item.pk: item for item in items_for_update(order)}
        billed = _billed_on(found)
        for index, (pk, count) in enumerate(wanted.items()):
            if pk not in billed:
                raise ValidationError(f"Item {pk} is not on invoice {found.number}.", field=f"items[{index}].item")
            item = items[pk]
            most = min(billed[pk], item.qty_invoiced - item.qty_credited)
            if count > most:
                raise ValidationError(
                    f"Cannot credit {count} of {item.sku}: at most {most} of it can be credited on {found.number}.",
                    field=f"items[{index}].quantity",
                )
        return _credit(order, list(items.values()), wanted, found, reason, actor)


def _billed_on(invoice: Invoice) -> dict[int, int]:
    """Units per order item id billed on `invoice` and not yet taken back by its credit notes."""
    billed: dict[int, int] = {}
    for item_id, quantity, kind in InvoiceLine.objects.filter(
        invoice__in=[invoice, *invoice.credit_notes.all()]
    ).values_list("order_item_id", "quantity", "invoice__kind"):
        billed[item_id] = billed.get(item_id, 0) + (quantity if kind == InvoiceKind.INVOICE else -quantity)
    return {pk: units for pk, units in billed.items() if units > 0}
