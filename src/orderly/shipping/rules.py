"""Whether an order may be fulfilled now, and why not: the one rule the service, the pages and the API share.

It reads the order's own fields only, so an overview can ask it of every row without a query per row; which items
and how many units are still open is the fulfillment service's check.
"""

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, DomainError, NotFound
from orderly.orders.exceptions import OrderArchived, OrderLocked
from orderly.orders.models import Order, OrderItem
from orderly.orders.status import FulfillmentStatus, OrderStatus

FULFILL = "fulfill"


def fulfill_refusal(order: Order) -> DomainError | None:
    """None when `order` may be fulfilled; otherwise the error to refuse it with (not raised), whose message names
    its state and whose detail carries it."""
    if order.deleted_at is not None:
        return NotFound(f"Order {order.number} is deleted.", resource="order", key=order.number)
    if order.is_archived:
        message = f"Order {order.number} is archived; unarchive it before fulfilling it."
        return OrderArchived(order, action=FULFILL, message=message)
    if order.status != OrderStatus.OPEN:
        return OrderLocked(
            f"Order {order.number} is {order.status}; only open orders can be fulfilled.", order=order, action=FULFILL
        )
    if order.has_error:
        return Conflict(
            f"Order {order.number} has an error ({order.error_message}); fix it and reset the order first.",
            code=ErrorCode.ORDER_HAS_ERROR,
            order=order.number,
            error=order.error_code,
        )
    if order.fulfillment_status == FulfillmentStatus.FULFILLED:
        return Conflict(
            f"Order {order.number} is already fulfilled.", code=ErrorCode.NOTHING_TO_FULFILL, order=order.number
        )
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
