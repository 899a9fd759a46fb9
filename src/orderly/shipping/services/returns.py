"""Returns (seed 002): units a customer sent back, restocked or written off, credited where invoiced."""

from django.db import transaction

from orderly.billing.services import credit_note_for_return
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.inventory.services import stock_return
from orderly.orders.exceptions import OrderArchived
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import order_items_progress
from orderly.orders.services.item_progress import Returned
from orderly.shipping import events
from orderly.shipping.models import Return, ReturnLine
from orderly.shipping.rules import returnable_quantity
from orderly.shipping.services.common import items_by_id, items_for_update, order_for_update, requested_lines, text

PREFIX = "RT"


def _checked(order: Order, items: dict[int, OrderItem], requested) -> list[tuple[OrderItem, int]]:
    chosen = []
    for index, item, quantity in items_by_id(requested, items, order):
        if quantity > returnable_quantity(item):
            path = f"items[{index}].quantity"
            raise ValidationError(
                f"{path}: {quantity} of {item.sku} to return, but only {returnable_quantity(item)} were fulfilled "
                f"and not returned yet ({item.qty_handed_to_carrier} fulfilled, {item.qty_returned} returned).",
                code=ErrorCode.QUANTITY_EXCEEDS,
                field=path,
                sku=item.sku,
                requested=quantity,
                allowed=returnable_quantity(item),
            )
        chosen.append((item, quantity))
    return chosen


def _credit(order: Order, chosen, reason: str, actor: Actor) -> str:
    """The credit note billing makes for the invoiced units among those returned: its number, or "" for none."""
    if not any(item.qty_invoiced > item.qty_credited for item, _ in chosen):
        return ""

    note = credit_note_for_return(order=order, lines=chosen, reason=reason, actor=actor)
    return note.number if note is not None else ""


@retry_on_conflict
@transaction.atomic
def return_register(*, order: Order, items: list[dict], reason: str, restock: bool, actor: Actor) -> Return:
    """Register units a customer sent back: a return `RT-…` with its lines.

    Needs `items` as [{"item": id, "quantity": units}], each at most the units fulfilled and not yet returned, a
    `reason`, and `restock`: True puts the units of stock-kept items (allocate option on) back as a new packaged
    lot of the variant dated today ("return" movement, the lot kept on the line); False writes them off (no stock
    change). Guarantees, all or nothing: the items' *returned* indicator raised with a `return_registered` event
    and the order settled (a paid order becomes refund due, and a closed one reopens), then a credit note from
    billing for those of the units that were invoiced (its own event, its reason naming the return). Refused for
    an archived order.
    """
    requested = requested_lines(items)
    reason = text(reason, field="reason", max_length=500, required=True)
    if not isinstance(restock, bool):
        raise ValidationError("restock must be true or false.", field="restock")
    order = order_for_update(order)
    if order.is_archived:
        message = f"Order {order.number} is archived; unarchive it before registering a return."
        raise OrderArchived(order, action="return", message=message)
    chosen = _checked(order, items_for_update(order), requested)
    record = Return.objects.create(
        order=order, number=next_number(PREFIX), reason=reason, restock=restock, created_by=actor.name[:150]
    )
    for item, quantity in chosen:
        lot = None
        if restock and item.option_allocate and item.variant_id is not None:
            lot = stock_return(
                variant_id=item.variant_id, quantity=quantity, actor=actor, reference=record.number,
                reason=f"Returned on {order.number}: {reason}"[:500],
            )  # fmt: skip
        ReturnLine.objects.create(return_record=record, order_item=item, quantity=quantity, lot=lot)
    order_items_progress(
        changes=[Returned(item=item.pk, units=quantity) for item, quantity in chosen],
        actor=actor,
        note=events.return_registered(record),
    )
    # billing credits the invoiced ones among the units now counted as returned, on its own event
    record.credit_note = _credit(order, chosen, f"Return {record.number}: {reason}"[:500], actor)
    if record.credit_note:
        record.save(update_fields=["credit_note"])
    return record
