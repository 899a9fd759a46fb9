"""The orders area's refusals, each built from the order it concerns so that its detail is always complete."""

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound


class OrderNotFound(NotFound):
    def __init__(self, number: str):
        super().__init__(f"No order {number!r}.", resource="order", key=number)


class OrderArchived(Conflict):
    """The order is archived: nothing but unarchiving (and reading) touches it."""

    code = ErrorCode.ORDER_ARCHIVED

    def __init__(self, order, *, action: str, message: str | None = None):
        message = message or f"Order {order.number} is archived; unarchive it first."
        super().__init__(message, order=order.number, action=str(action))


class OrderLocked(Conflict):
    """The order's status or stage forbids `action` (editing a closed order, paying a canceled one…)."""

    code = ErrorCode.ORDER_LOCKED

    def __init__(self, message: str, *, order, action: str):
        super().__init__(message, order=order.number, action=str(action), status=order.status, stage=order.stage)
