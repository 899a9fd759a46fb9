"""Which actions an order's current state allows, and why not when it does not.

Services refuse with these reasons; pages and the API offer only the actions with no reason against them.
"""

from orderly.orders.models import Order
from orderly.orders.status import ORDER_TRANSITIONS, Action, OrderStatus, Stage

STATUS_TARGET = {Action.OPEN: OrderStatus.OPEN, Action.CANCEL: OrderStatus.CANCELED}


def refusal(order: Order, action: str) -> str | None:
    """None when `action` is allowed on `order` now; otherwise the reason, naming the state."""
    if action in STATUS_TARGET:
        target = STATUS_TARGET[action]
        if order.is_archived:
            return f"Order {order.number} is archived; unarchive it first."
        if target not in ORDER_TRANSITIONS[order.status]:
            return (
                f"Cannot {action} order {order.number}: it is {order.status}, "
                f"and {order.status} → {target} is not allowed."
            )
        if action == Action.OPEN and order.status != OrderStatus.DRAFT:
            return (
                f"Cannot open order {order.number}: it is {order.status}; only a draft is opened by hand. "
                "A closed order reopens by itself when a return or a lost parcel needs work."
            )
        if action == Action.CANCEL and order.stage != Stage.NEW:
            stage = order.get_stage_display().lower()
            return f"Cannot cancel order {order.number}: it is {stage}; take it out of its plan first."
        return None
    if action == Action.ARCHIVE:
        return f"Order {order.number} is already archived." if order.is_archived else None
    if action == Action.UNARCHIVE:
        return None if order.is_archived else f"Order {order.number} is not archived."
    if action == Action.RESET:
        if order.is_archived:
            return f"Order {order.number} is archived; unarchive it first."
        if order.status in (OrderStatus.CANCELED, OrderStatus.CLOSED):
            return f"Order {order.number} is {order.status}; there is nothing to reset."
        return None
    if action == Action.EDIT:
        if order.is_archived:
            return f"Order {order.number} is archived; unarchive it before editing."
        if order.status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
            return f"Order {order.number} is {order.status}; only draft and open orders can be edited."
        return None
    if action == Action.DELETE:
        packed = order.stage == Stage.COMPLETED and order.status in (OrderStatus.DRAFT, OrderStatus.OPEN)
        if order.stage == Stage.IN_PROGRESS or packed:
            # in a plan, or picked and packed on its pick list and not shipped: its plan holds stock for it
            stage = order.get_stage_display().lower()
            return f"Order {order.number} is {stage}; take it out of its plan before deleting it."
        return None
    return f"Unknown action {action!r}."


def allowed_actions(order: Order) -> list[str]:
    return [action for action in Action.values if refusal(order, action) is None]
