"""What the shipping services share: input checks and locking in a fixed order. The item indicators a fulfillment
raises and a cancel lowers again are the orders area's to write (orderly.orders.services.item_progress)."""

from django.db.models import Prefetch, prefetch_related_objects

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.inventory.locks import lock_lots
from orderly.orders.locks import lock_items, lock_order
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import validation as clean
from orderly.shipping.locks import lock_fulfillment
from orderly.shipping.models import Fulfillment, FulfillmentDraw, FulfillmentLine

MAX_TEXT = 100


def text(value, *, field: str, max_length: int = MAX_TEXT, required: bool = False) -> str:
    """A stripped text field, checked as the orders' own text fields are."""
    return clean.text(value, field=field, max_length=max_length, required=required)


def requested_lines(entries, *, field: str = "items") -> list[tuple[int, int]]:
    """`[{"item": id, "quantity": n}]` as [(item id, units)]: each a whole number above zero, each item once."""
    if not isinstance(entries, list) or not entries:
        raise ValidationError(f"{field} must list at least one item and its quantity.", field=field)
    lines, seen = [], set()
    for index, entry in enumerate(entries):
        path = f"{field}[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(f"{path} must be an object with item and quantity.", field=path)
        item, quantity = entry.get("item"), entry.get("quantity")
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise ValidationError(f"{path}.item must be the id of an item of the order.", field=f"{path}.item")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise ValidationError(
                f"{path}.quantity must be a whole number of units above zero, got {quantity!r}.",
                field=f"{path}.quantity",
            )
        if item in seen:
            raise ValidationError(f"{path}.item: item {item} is listed twice.", field=f"{path}.item")
        seen.add(item)
        lines.append((item, quantity))
    return lines


def items_by_id(lines: list[tuple[int, int]], items: dict[int, OrderItem], order: Order, field: str = "items"):
    """Each requested line with its item; an id that is not an item of the order is refused naming its place."""
    found = []
    for index, (item_id, quantity) in enumerate(lines):
        item = items.get(item_id)
        if item is None:
            raise ValidationError(
                f"{field}[{index}].item: {item_id} is not an item of order {order.number}.",
                code=ErrorCode.UNKNOWN_REFERENCE,
                field=f"{field}[{index}].item",
                resource="item",
                key=item_id,
            )
        found.append((index, item, quantity))
    return found


def order_for_update(order: Order | int) -> Order:
    """The order (an instance or its id) locked, its shipping address loaded; every shipping service locks the
    order first, then its items, then stock, then its own fulfillment (the global order, orderly.core.locks)."""
    return lock_order(order, related=("shipping_address",))


def items_for_update(order: Order) -> dict[int, OrderItem]:
    return {item.pk: item for item in lock_items(order_ids=[order.pk])}


def fulfillment_for_update(fulfillment: Fulfillment) -> tuple[Order, dict[int, OrderItem], Fulfillment]:
    """Lock, in the global order, the fulfillment's order, its items, the lots its units were drawn from (a cancel
    puts them back), then the fulfillment; its lines and their draws come loaded."""
    # Six statements, whichever service asks (booking a label asks three times in two transactions): the order by
    # its id, the lots by a subquery, the fulfillment's lines and draws loaded onto the locked row itself.
    order = order_for_update(fulfillment.order_id)
    items = items_for_update(order)
    lock_lots(FulfillmentDraw.objects.filter(line__fulfillment_id=fulfillment.pk).values("lot_id"))
    locked = lock_fulfillment(fulfillment.pk)
    if locked is None:
        raise NotFound(f"No fulfillment {fulfillment.number!r}.", resource="fulfillment", key=fulfillment.number)
    lines = FulfillmentLine.objects.select_related("order_item").prefetch_related("draws").order_by("pk")
    prefetch_related_objects([locked], Prefetch("lines", queryset=lines))
    return order, items, locked


def fulfillment_with_order_for_update(
    fulfillment: Fulfillment, *, related: tuple[str, ...] = (), order_fields: tuple[str, ...] = ()
) -> tuple[Order, Fulfillment, list[FulfillmentLine]]:
    """Lock the fulfillment's order, then the fulfillment; with its lines in key order (and their `related` rows,
    `order_item__variant` say): for a service that changes the fulfillment's label or tracking but neither its
    stock nor, by itself, its items (a carrier's booking, whose items' counters the orders area locks under the
    order's lock). Three statements, where fulfillment_for_update takes six. `order_fields`: only these of the
    order's columns read (its shipping address not loaded)."""
    if order_fields:
        order = lock_order(fulfillment.order_id, fields=order_fields)
    else:
        order = order_for_update(fulfillment.order_id)
    locked = lock_fulfillment(fulfillment.pk)
    if locked is None:
        raise NotFound(f"No fulfillment {fulfillment.number!r}.", resource="fulfillment", key=fulfillment.number)
    lines = FulfillmentLine.objects.filter(fulfillment_id=locked.pk).order_by("pk")
    if related:  # (select_related() with no names would follow every foreign key)
        lines = lines.select_related(*related)
    return order, locked, list(lines)


def refuse_undo_past_returns(fulfillment: Fulfillment, items: dict[int, OrderItem], verb: str) -> None:
    """A fulfillment whose units were returned cannot be undone: the returned units must stay fulfilled ones."""
    for line in fulfillment.lines.all():
        item = items[line.order_item_id]
        if item.qty_handed_to_carrier - line.quantity < item.qty_returned:
            raise Conflict(
                f"Cannot {verb} fulfillment {fulfillment.number}: {item.qty_returned} unit(s) of {item.sku} "
                "were returned by the customer.",
                code=ErrorCode.UNITS_RETURNED,
                fulfillment=fulfillment.number,
                sku=item.sku,
                returned=item.qty_returned,
            )
