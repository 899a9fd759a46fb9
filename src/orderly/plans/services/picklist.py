"""The pick list: complete an order (picked and packed) or return it.

Decision: completing keeps the order's units held, tagged to the plan, until shipping takes them out of stock
(shipping's fulfillment_create, through inventory.services.stock_ship). They are still in the warehouse, on the
packing table, and a return then only undoes indicators and the stage: nothing in stock moves, so it restores the
state before exactly.
"""

from django.db import transaction
from django.utils import timezone

from orderly.carriers.services import label_book
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.core.retry import retry_on_conflict
from orderly.orders import events
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import order_items_progress, order_set_stage
from orderly.orders.services.item_progress import Picked
from orderly.orders.status import OrderStatus, Stage
from orderly.plans.models import FulfillmentPlan, PlanOrder
from orderly.plans.services.common import (
    active_plan_order,
    plan_found,
    plan_lock_tree,
    plan_order_id,
    refuse_unless_open,
    set_plan_status,
)
from orderly.plans.status import PlanStatus
from orderly.shipping.services import fulfillment_create


def _items(plan_order: PlanOrder) -> list[OrderItem]:
    """The order's items not canceled (locked already, with the order, by _lock)."""
    return list(
        OrderItem.objects.filter(order_id=plan_order.order_id).exclude(status=OrderStatus.CANCELED).order_by("pk")
    )


def _lock(plan, order: str) -> FulfillmentPlan:
    """The order (when it is in the plan) and its items, then the plan: the global lock order."""
    found = plan_found(plan)
    order_id = plan_order_id(found, order)
    return plan_lock_tree(found, order_ids=[] if order_id is None else [order_id])


def _needs_allocation(item: OrderItem) -> bool:
    return item.option_allocate and item.variant_id is not None


def _to_ship(item: OrderItem) -> int:
    """Units still to ship: those fulfilled by hand already or canceled need no stock from the plan."""
    return item.quantity - item.qty_handed_to_carrier - item.qty_canceled


@retry_on_conflict
@transaction.atomic
def pick_complete(*, plan, order: str, actor: Actor) -> FulfillmentPlan:
    """Mark an order of an open plan picked and packed, and its stage completed.

    Refused, naming the item and its numbers, while an item to allocate is not fully allocated. When every order
    of the plan is completed, the plan is completed.
    """
    plan = _lock(plan, order)
    refuse_unless_open(plan, "complete an order")
    plan_order = active_plan_order(plan, order)
    number = plan_order.order.number
    if plan_order.completed_at:
        raise Conflict(
            f"{number} is already completed on the pick list.",
            code=ErrorCode.ORDER_COMPLETED,
            plan=plan.number,
            orders=[number],
        )
    items = _items(plan_order)
    short = [i for i in items if _needs_allocation(i) and i.qty_available < _to_ship(i)]
    if short:
        lines = ", ".join(f"line {i.line_no} {i.sku}: {i.qty_available} of {_to_ship(i)} allocated" for i in short)
        raise Conflict(
            f"Cannot complete {number}: not fully allocated ({lines}).",
            code=ErrorCode.NOT_ALLOCATED,
            plan=plan.number,
            order=number,
            lines=[
                {"line": i.line_no, "sku": i.sku, "allocated": i.qty_available, "needed": _to_ship(i)} for i in short
            ],
        )
    plan_order.completed_at = timezone.now()
    plan_order.save(update_fields=["completed_at"])
    order_items_progress(
        changes=[Picked(item=item.pk, units=item.quantity) for item in items],
        actor=actor,
        note=events.pick_completed(plan.number),
    )
    order_set_stage(order=plan_order.order, stage=Stage.COMPLETED, actor=actor, reason=f"Packed in {plan.number}.")
    if not PlanOrder.objects.filter(plan=plan, removed_at__isnull=True, completed_at__isnull=True).exists():
        set_plan_status(plan, PlanStatus.COMPLETED)
    return plan


@retry_on_conflict
@transaction.atomic
def pick_return(*, plan, order: str, actor: Actor) -> FulfillmentPlan:
    """Undo pick_complete exactly: not picked nor packed, stage in progress, the plan open again."""
    plan = _lock(plan, order)
    if plan.status not in (PlanStatus.OPEN, PlanStatus.COMPLETED):
        raise Conflict(
            f"Cannot return an order: plan {plan.number} is {plan.status}.",
            code=ErrorCode.PLAN_NOT_OPEN,
            plan=plan.number,
            status=plan.status,
        )
    plan_order = active_plan_order(plan, order)
    if not plan_order.completed_at:
        raise Conflict(
            f"{plan_order.order.number} is not completed on the pick list.",
            code=ErrorCode.ORDER_NOT_COMPLETED,
            plan=plan.number,
            order=plan_order.order.number,
        )
    items = _items(plan_order)
    plan_order.completed_at = None
    plan_order.save(update_fields=["completed_at"])
    order_items_progress(
        changes=[Picked(item=item.pk, units=0) for item in items], actor=actor, note=events.pick_returned(plan.number)
    )
    order_set_stage(
        order=plan_order.order,
        stage=Stage.IN_PROGRESS,
        actor=actor,
        reason=f"Returned on the pick list of {plan.number}.",
    )
    if plan.status == PlanStatus.COMPLETED:
        set_plan_status(plan, PlanStatus.OPEN)
    return plan


def pick_complete_and_ship(*, plan, order: str, actor: Actor):
    """*Complete* with *Ship and book label* ticked (off by default): complete the order on the pick list, fulfill
    every open unit of it (out of the units the plan holds), and book its parcel's label with the carrier the
    shipping rules give. Returns the parcel.

    Each step commits before the next, because booking calls the carrier outside any transaction: a refusal of the
    completion writes nothing; a refused fulfillment leaves the order completed (ship it by hand); a refused label
    leaves the order shipped without a label and, for a cause on the order (no rule, weight, address), with that
    error on the order — book the label again from the order's page once it is fixed.
    """
    pick_complete(plan=plan, order=order, actor=actor)
    fulfillment = fulfillment_create(order=Order.objects.get(number=order), actor=actor)
    return label_book(fulfillment=fulfillment, actor=actor)
