"""Which actions an order's current state allows, and why not when it does not.

Services refuse with these reasons; pages and the API offer only the actions with no reason against them.
"""

import functools

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, DomainError, TransitionNotAllowed, ValidationError
from orderly.orders.exceptions import OrderArchived, OrderLocked
from orderly.orders.models import Order
from orderly.orders.status import ORDER_TRANSITIONS, Action, OrderStatus, Stage

STATUS_TARGET = {Action.OPEN: OrderStatus.OPEN, Action.CANCEL: OrderStatus.CANCELED}


def refusal(order: Order, action: str) -> DomainError | None:
    """None when `action` is allowed on `order` now; otherwise the error to refuse it with (not raised), whose
    message names the state and whose detail carries it."""
    if action in STATUS_TARGET:
        target = STATUS_TARGET[action]
        if order.is_archived:
            return OrderArchived(order, action=action)
        if target not in ORDER_TRANSITIONS[order.status]:
            return TransitionNotAllowed(
                resource="order", key=order.number, current=order.status, attempted=target, action=action
            )
        if action == Action.OPEN and order.status != OrderStatus.DRAFT:
            return OrderLocked(
                f"Cannot open order {order.number}: it is {order.status}; only a draft is opened by hand. "
                "A closed order reopens by itself when a return or a lost parcel needs work.",
                order=order,
                action=action,
            )
        if action == Action.CANCEL and order.stage != Stage.NEW:
            stage = order.get_stage_display().lower()
            return OrderLocked(
                f"Cannot cancel order {order.number}: it is {stage}; take it out of its plan first.",
                order=order,
                action=action,
            )
        return None
    if action == Action.ARCHIVE:
        if order.is_archived:
            return OrderArchived(order, action=action, message=f"Order {order.number} is already archived.")
        return None
    if action == Action.UNARCHIVE:
        if order.is_archived:
            return None
        return Conflict(f"Order {order.number} is not archived.", code=ErrorCode.ORDER_NOT_ARCHIVED, order=order.number)
    if action == Action.RESET:
        if order.is_archived:
            return OrderArchived(order, action=action)
        if order.status in (OrderStatus.CANCELED, OrderStatus.CLOSED):
            return OrderLocked(
                f"Order {order.number} is {order.status}; there is nothing to reset.", order=order, action=action
            )
        return None
    if action == Action.EDIT:
        if order.is_archived:
            return OrderArchived(
                order, action=action, message=f"Order {order.number} is archived; unarchive it before editing."
            )
        if order.status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
            return OrderLocked(
                f"Order {order.number} is {order.status}; only draft and open orders can be edited.",
                order=order,
                action=action,
            )
        return None
    if action == Action.DELETE:
        packed = order.stage == Stage.COMPLETED and order.status in (OrderStatus.DRAFT, OrderStatus.OPEN)
        if order.stage == Stage.IN_PROGRESS or packed:
            # in a plan, or picked and packed on its pick list and not shipped: its plan holds stock for it
            stage = order.get_stage_display().lower()
            return OrderLocked(
                f"Order {order.number} is {stage}; take it out of its plan before deleting it.",
                order=order,
                action=action,
            )
        return None
    return ValidationError(f"Unknown action {action!r}.", field="action")


def items_refusal(order: Order) -> DomainError | None:
    """None when the order's items may change now: an order that may be edited and is still new (not in a plan,
    picked or shipped); otherwise the error to refuse it with. The one rule the edit service, the API and the
    pages follow."""
    if (refused := refusal(order, Action.EDIT)) is not None:
        return refused
    if order.stage != Stage.NEW:
        return OrderLocked(
            f"Order {order.number} is {order.get_stage_display().lower()}; its items can change only while it is new.",
            order=order,
            action="edit_items",
        )
    return None


def allowed_actions(order: Order) -> list[str]:
    return [action for action in Action.values if refusal(order, action) is None]


# All that `refusal` reads of an order to decide, besides the number that its messages name.
DECIDING_FIELDS = ("status", "stage", "is_archived")


@functools.lru_cache(maxsize=256)
def allowed_actions_in(status: str, stage: str, is_archived: bool) -> tuple[str, ...]:
    """`allowed_actions` of any order in this state, worked out once per state: a page of orders asks it per row,
    and refusals build their messages."""
    return tuple(allowed_actions(Order(number="", status=status, stage=stage, is_archived=is_archived)))
