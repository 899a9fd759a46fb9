"""Credit notes: take back invoiced units (and charges), after a return or by hand.

What a credit note takes back of the order's charges (shipping and fees):
- by hand (credit_note_create), a note that takes back everything still billed on the invoice — every unit — takes
  back its charge lines too: the whole invoice is undone. A note for part of the invoice leaves them, unless the
  caller names charges to take back (`charges=[ids]`, or `charges=[]` for none whatever the units);
- after a return (credit_note_for_return), only the returned units go back: shipping stays charged, the parcel
  went out. The returns service may name charges to take back as well (`charges=[ids]`).
A charge taken back is marked credited (billing sets that flag of the orders area's charges, in the note's
transaction) and goes on the order's next invoice again unless the order is canceled, as credited units do; while
credited the customer does not owe it (orders.completion.charge_owed).
- after the shop paid back money for a charge (credit_note_for_shop_refund), that amount of it: a refunded shipping
  line in full takes the charge back, a part of it leaves the rest billed.
"""

from decimal import Decimal

from django.db import transaction

from orderly.billing import amounts, events
from orderly.billing.models import Invoice, InvoiceKind, InvoiceLine
from orderly.billing.rules import billed_on, charges_billed_on
from orderly.billing.services.common import (
    Part,
    charges_for_update,
    issue,
    items_for_update,
    line_amounts,
    order_for_update,
)
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import NotFound, ValidationError
from orderly.core.money import net_part
from orderly.core.retry import retry_on_conflict
from orderly.orders.completion import units_kept
from orderly.orders.models import Order, OrderCharge, OrderItem
from orderly.orders.services import order_items_progress, order_settle
from orderly.orders.services.item_progress import Credited

MAX_REASON = 500


def _clean_reason(reason, *, required: bool) -> str:
    reason = str(reason or "").strip()
    if required and not reason:
        raise ValidationError("reason is required: say why the units are credited.", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"reason must be at most {MAX_REASON} characters.", field="reason")
    return reason


def _requested(lines, *, field: str, required: bool = True) -> dict[int, int]:
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
    if not wanted and required:
        raise ValidationError(f"{field}: name at least one item to credit.", field=field)
    return wanted


def _requested_charges(charges) -> list[int] | None:
    """Charge ids, each once, in the order given; None stays None (the default rule applies)."""
    if charges is None:
        return None
    if isinstance(charges, (str, bytes, dict)) or not hasattr(charges, "__iter__"):
        raise ValidationError("charges must be a list of charge ids.", field="charges")
    ids: list[int] = []
    for index, charge in enumerate(charges):
        charge_id = charge.pk if isinstance(charge, OrderCharge) else charge
        if isinstance(charge_id, bool) or not isinstance(charge_id, int):
            raise ValidationError(f"charges[{index}] must be a charge id.", field=f"charges[{index}]")
        if charge_id not in ids:
            ids.append(charge_id)
    return ids


def _credit(
    order: Order,
    items: list[OrderItem],
    units: dict[int, int],
    credits: Invoice,
    reason: str,
    actor: Actor,
    charge_lines: list[InvoiceLine] = (),
    charges: dict[int, OrderCharge] | None = None,
    partly: frozenset[int] = frozenset(),
):
    """Issue the credit note for `units` per item id (each within what is invoiced) and the charge lines of
    `credits` given (each for its `remaining`), mark the charges credited (but those of `partly`, of which some stays
    billed), and tell the orders area the units credited (it writes the event
    and settles the order)."""
    # The note follows the invoice: its tax basis, or its VAT reverse charged (the units' amounts on the order's
    # basis, then at 0 % and net, as the invoice billed them).
    reverse_charge = credits.reverse_charge
    included = order.prices_include_tax if reverse_charge else credits.prices_include_tax
    parts: list[Part] = []
    for item in sorted(items, key=lambda item: (item.line_no, item.pk)):
        count = units.get(item.pk, 0)
        if count:
            on_invoice = item.qty_invoiced - item.qty_credited
            # The last invoiced units go back first, so a note taking back an invoice mirrors its lines.
            start = on_invoice - count
            line = amounts.part_amounts(item, start=start, count=count, tax_included=included)
            parts.append((item, amounts.reverse_charged(line) if reverse_charge else line))
    item_parts = list(parts)
    for line in sorted(charge_lines, key=lambda line: line.position):  # what is still billed of each
        parts.append((line, amounts.amount_of(line_amounts(line), getattr(line, "remaining", line.line_total))))
    note = issue(
        order=order,
        kind=InvoiceKind.CREDIT_NOTE,
        parts=parts,
        actor=actor,
        prices_include_tax=credits.prices_include_tax,
        reverse_charge=reverse_charge,
        credits=credits,
        reason=reason,
    )
    taken = [charges[line.order_charge_id] for line in charge_lines if line.order_charge_id not in partly]
    for charge in taken:
        charge.credited = True
    OrderCharge.objects.bulk_update(taken, ["credited"])
    order_items_progress(
        changes=[Credited(item=item.pk, units=line.quantity) for item, line in item_parts],
        actor=actor,
        note=events.credit_note_created(note),
        reason=f"Credit note {note.number}.",
    )
    if not item_parts:  # charges only: no item moved, but it is on the timeline and what is owed changed
        events.credit_note_created(note).write(order.pk, actor)
        order_settle(order=order, actor=actor)
    return note


def _invoiced_beyond_kept(item: OrderItem) -> int:
    return max(item.qty_invoiced - item.qty_credited - units_kept(item), 0)


def _billing_invoice(charge_id: int) -> Invoice | None:
    """The invoice that bills the charge now: the latest one carrying it that no credit note took it back from."""
    for invoice in Invoice.objects.filter(kind=InvoiceKind.INVOICE, lines__order_charge_id=charge_id).order_by(
        "-issued_at", "-id"
    ):
        if charge_id in charges_billed_on(invoice):
            return invoice
    return None


def _charge_lines(invoice: Invoice, wanted: list[int], charges: dict[int, OrderCharge]) -> list[InvoiceLine]:
    """The charge lines of `invoice` for the charge ids wanted, each billed there and not taken back yet."""
    billed = charges_billed_on(invoice)
    lines = []
    for index, charge_id in enumerate(wanted):
        if charge_id not in charges:
            raise ValidationError(
                f"Charge {charge_id} is not a charge of order {invoice.order.number}.",
                code=ErrorCode.UNKNOWN_REFERENCE,
                field=f"charges[{index}]",
                resource="charge",
                key=charge_id,
            )
        if charge_id not in billed:
            raise ValidationError(
                f"Charge {charge_id} ({charges[charge_id].title}) is not billed on {invoice.number} "
                "or was taken back already.",
                field=f"charges[{index}]",
            )
        lines.append(billed[charge_id])
    return lines


@retry_on_conflict
def credit_note_for_return(*, order, lines, reason: str = "", actor: Actor, charges=()) -> Invoice | None:
    """Take back on a credit note CN-… the invoiced units of returned items: `lines` as [(order item or its id,
    units returned)], items of `order`. Call it after counting the returned units (qty_returned): for each item it
    credits the units on an invoice beyond what the customer now keeps (quantity − canceled − returned), at most
    the units given. So units returned before they were invoiced are simply not invoiced later, and calling it again
    for the same return credits nothing more. Returns None, writing nothing, when there is nothing to credit.

    The order's shipping and fees stay charged: the note takes back item units only, unless `charges` names
    charges (OrderCharge ids) to take back too, each billed on the invoice the note corrects (ValidationError
    otherwise).

    One credit note for all the lines, correcting the latest invoice that bills any of these items (or, with no
    units to credit, the invoice that bills the charges). Amounts as orderly.billing.amounts says (the item's unit
    price, its discount prorated; a charge exactly as invoiced). Counts the units as credited, marks the charges
    credited, writes a timeline event and settles the order. Call it from the returns service in the return's
    transaction; it locks the order, then the items, then the charges in primary-key order (as the shipping
    services do).
    """
    wanted = _requested(lines, field="lines", required=not charges)
    wanted_charges = _requested_charges(charges) or []
    reason = _clean_reason(reason, required=False)
    with transaction.atomic():
        order = order_for_update(order)
        items = {item.pk: item for item in items_for_update(order)}
        unknown = sorted(set(wanted) - set(items))
        if unknown:
            raise ValidationError(
                f"Item {unknown[0]} is not an item of order {order.number}.", code=ErrorCode.UNKNOWN_REFERENCE,
                field="lines", resource="item", key=unknown[0],
            )  # fmt: skip
        units = {pk: min(count, _invoiced_beyond_kept(items[pk])) for pk, count in wanted.items()}
        units = {pk: count for pk, count in units.items() if count > 0}
        order_charges = {charge.pk: charge for charge in charges_for_update(order)} if wanted_charges else {}
        latest = None
        if units:
            latest = (
                Invoice.objects.filter(kind=InvoiceKind.INVOICE, lines__order_item_id__in=list(units))
                .order_by("-issued_at", "-id")
                .first()
            )
        elif wanted_charges and wanted_charges[0] in order_charges:
            latest = _billing_invoice(wanted_charges[0])
        if latest is None or (not units and not wanted_charges):
            return None
        charge_lines = _charge_lines(latest, wanted_charges, order_charges) if wanted_charges else []
        reason = reason or "Returned by the customer."
        return _credit(order, list(items.values()), units, latest, reason, actor, charge_lines, order_charges)


@retry_on_conflict
def credit_note_create(*, invoice, lines, reason: str, actor: Actor, charges=None) -> Invoice:
    """Take back, by hand, units billed on `invoice` (an Invoice or its number INV-…): `lines` as [(order item or
    its id, units)], a `reason` required.

    Each item must be on that invoice, and the units must not be more than the invoice billed of it less what
    credit notes on that invoice already took back, nor more than is invoiced of the item now (ValidationError
    naming the line, nothing written). The credited units become invoiceable again unless they are canceled or
    returned.

    Charges (shipping and fees) on the invoice: with `charges` None, a note that takes back every unit still billed
    on the invoice takes back its charge lines still billed there too (the whole invoice), and a note for part of
    it none. `charges` as a list of OrderCharge ids takes back exactly those (each billed on this invoice and not
    taken back yet; ValidationError naming it otherwise), `[]` none; `lines` may then be empty. A charge taken back
    goes on the order's next invoice again, as credited units do.

    Allowed for a canceled order too: that is how its invoice is taken back. Writes a timeline event and settles
    the order (which may reopen it).
    """
    wanted_charges = _requested_charges(charges)
    wanted = _requested(lines, field="items", required=not wanted_charges)
    reason = _clean_reason(reason, required=True)
    number = invoice.number if isinstance(invoice, Invoice) else str(invoice or "").strip().upper()
    with transaction.atomic():
        found = Invoice.objects.filter(number=number, kind=InvoiceKind.INVOICE, order__deleted_at__isnull=True).first()
        if found is None:
            raise NotFound(f"No invoice {number!r}.", field="invoice", resource="invoice", key=number)
        order = order_for_update(found.order)
        items = {item.pk: item for item in items_for_update(order)}
        order_charges = {charge.pk: charge for charge in charges_for_update(order)}
        billed = billed_on(found)
        for index, (pk, count) in enumerate(wanted.items()):
            if pk not in billed:
                raise ValidationError(
                    f"Item {pk} is not on invoice {found.number}.", code=ErrorCode.UNKNOWN_REFERENCE,
                    field=f"items[{index}].item", resource="invoice_item", key=pk,
                )  # fmt: skip
            item = items[pk]
            most = min(billed[pk], item.qty_invoiced - item.qty_credited)
            if count > most:
                raise ValidationError(
                    f"Cannot credit {count} of {item.sku}: at most {most} of it can be credited on {found.number}.",
                    code=ErrorCode.QUANTITY_EXCEEDS,
                    field=f"items[{index}].quantity",
                    sku=item.sku,
                    requested=count,
                    allowed=most,
                )
        if wanted_charges is None:
            whole = bool(wanted) and wanted == billed
            charge_lines = list(charges_billed_on(found).values()) if whole else []
        else:
            charge_lines = _charge_lines(found, wanted_charges, order_charges)
        return _credit(order, list(items.values()), wanted, found, reason, actor, charge_lines, order_charges)


def _net_refund(line: InvoiceLine, charge: OrderCharge) -> Decimal:
    """Of a charge line billed net (the VAT reverse charged), what a refund of the charge takes back: what is still
    billed of it less the net of what the customer owes for it now (the shop records the refund on the charge
    first), so that billed and owed agree to the cent (orders.completion.charge_owed)."""
    owed = charge.total - min(max(charge.refunded, Decimal("0")), charge.total)
    return line.remaining - net_part(charge.total, charge.tax, owed)


@retry_on_conflict
def credit_note_for_shop_refund(*, order, refunded: dict[int, Decimal], actor: Actor) -> list[Invoice]:
    """Take back on credit notes what the shop newly paid back for the order's charges: `refunded` as {charge id:
    amount newly refunded} (the channel's shop_charge_refunds, which records the refund on the charge first). For
    each charge billed on an invoice now, the amount (at most what is still billed of it) goes on a credit note
    correcting that invoice, one per invoice; a charge whose billed rest is all taken back is marked credited.
    Charges on no invoice need nothing: the next invoice bills what is left of them. Writes a timeline event per
    note and settles the order; returns the notes (none when nothing was billed). Locks as credit_note_for_return.
    """
    wanted = {pk: amount for pk, amount in refunded.items() if amount > 0}
    if not wanted:
        return []
    with transaction.atomic():
        order = order_for_update(order)
        items = items_for_update(order)
        charges = {charge.pk: charge for charge in charges_for_update(order)}
        per_invoice: dict[int, tuple[Invoice, list[InvoiceLine], set[int]]] = {}
        for charge_id in sorted(wanted):
            invoice = _billing_invoice(charge_id) if charge_id in charges else None
            if invoice is None:
                continue
            line = charges_billed_on(invoice)[charge_id]
            # What the note takes back: the amount refunded; on an invoice that reverse charged the VAT (net
            # amounts), what is billed beyond the net of what the customer still owes for the charge.
            take = _net_refund(line, charges[charge_id]) if invoice.reverse_charge else wanted[charge_id]
            if take <= 0:
                continue
            _, lines, partly = per_invoice.setdefault(invoice.pk, (invoice, [], set()))
            if take < line.remaining:
                line.remaining = take
                partly.add(charge_id)
            lines.append(line)
        reason = "Refunded in the shop."
        return [
            _credit(order, items, {}, invoice, reason, actor, lines, charges, frozenset(partly))
            for invoice, lines, partly in per_invoice.values()
        ]
