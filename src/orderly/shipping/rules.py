"""Whether an order may be fulfilled now, and why not: the one rule the service, the pages and the API share.

It reads the order's own fields only, so an overview can ask it of every row without a query per row; which items
and how many units are still open is the fulfillment service's check.
"""

from orderly.orders.models import Order, OrderItem
from orderly.orders.status import FulfillmentStatus, OrderStatus


def fulfill_refusal(order: Order) -> str | None:
    """None when `order` may be fulfilled; otherwise the reason, naming its state."""
    if order.deleted_at is not None:
        return f"Order {order.number} is deleted."
    if order.is_archived:
        return f"Order {order.number} is archived; unarchive it before fulfilling it."
    if order.status != OrderStatus.OPEN:
        return f"Order {order.number} is {order.status}; only open orders can be fulfilled."
    if order.has_error:
        return f"Order {order.number} has an error ({order.error_message}); fix it and reset the order first."
    if order.fulfillment_status == FulfillmentStatus.FULFILLED:
        return f"Order {order.number} is already fulfilled."
    return None


def open_quantity(item: OrderItem) -> int:
    """Units of the item still to ship or hand over: ordered, less canceled, less fulfilled (lost units count as
    not fulfilled, so they are open again)."""
    if not item.option_fulfil:
        return 0
    return max(item.quantity - item.qty_canceled - item.qty_handed_to_carrier, 0)


def returnable_quantity(item: OrderItem) -> int:
    """Units fulfilled and not yet returned."""
    return max(item.qty_handed_to_carrier - item.qty_returned, 0)
