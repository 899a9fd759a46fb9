"""Fulfillment plans: create, add and remove orders, cancel. The top of the plans services: removing an order or
canceling re-plans or archives the packaging (packaging), which never calls back here."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, ValidationError
from orderly.core.locks import held_already
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.inventory.services import holds_release
from orderly.orders import events
from orderly.orders.locks import lock_items, lock_orders_by_number
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import order_items_progress, order_set_stage
from orderly.orders.services.item_progress import OnPickList, Released
from orderly.orders.status import FulfillmentStatus, OrderStatus, Stage
from orderly.plans.locks import lock_plan_orders
from orderly.plans.models import FulfillmentPlan, PlanOrder
from orderly.plans.services.common import (
    active_plan_order,
    plan_for_update,
    plan_found,
    plan_lock_tree,
    refuse_unless_open,
    set_plan_status,
)
from orderly.plans.services.packaging import packaging_plans_archive, packaging_sync
from orderly.plans.status import PLAN_TRANSITIONS, PlanStatus

PLAN_PREFIX = "OF"
MAX_ORDERS_PER_CALL = 5000


def _clean_numbers(numbers: Iterable[str]) -> list[str]:
    if isinstance(numbers, str):
        numbers = [numbers]
    cleaned, seen = [], set()
    for number in numbers or []:
        number = str(number).strip().upper()
        if number and number not in seen:
            seen.add(number)
            cleaned.append(number)
    if not cleaned:
        raise ValidationError("Choose at least one order.", field="orders")
    if len(cleaned) > MAX_ORDERS_PER_CALL:
        raise ValidationError(f"At most {MAX_ORDERS_PER_CALL} orders at a time.", field="orders")
    return cleaned


def order_refusal(order: Order, other_plan: str | None) -> str | None:
    """Why `order` cannot join a plan, or None."""
    if other_plan:
        return f"{order.number} is already in plan {other_plan}."
    if order.is_archived:
        return f"{order.number} is archived."
    if order.has_error:
        return f"{order.number} has an error: {order.error_message}"
    if order.status != OrderStatus.OPEN:
        return f"{order.number} is {order.status}; only open orders can be planned."
    if order.stage != Stage.NEW:
        return f"{order.number} is {order.get_stage_display().lower()}, not new."
    if order.fulfillment_status == FulfillmentStatus.FULFILLED:
        return f"{order.number} is fulfilled already; nothing of it is left to plan."
    return None


def _plannable(numbers: list[str]) -> list[Order]:
    """The orders of these numbers locked (then their items), each checked to be plannable; refused naming every
    order that cannot join and why."""
    orders = lock_orders_by_number(numbers)
    lock_items(order_ids=[order.pk for order in orders])
    by_number = {order.number: order for order in orders}
    in_plans = dict(
        PlanOrder.objects.filter(order__in=orders, removed_at__isnull=True).values_list("order_id", "plan__number")
    )
    refusals = []
    for number in numbers:
        order = by_number.get(number)
        if order is None:
            refusals.append({"order": number, "reason": f"{number} does not exist."})
        elif reason := order_refusal(order, in_plans.get(order.pk)):
            refusals.append({"order": number, "reason": reason})
    if refusals:
        raise ValidationError(
            "Cannot plan these orders: " + " ".join(refused["reason"] for refused in refusals),
            code=ErrorCode.ORDER_NOT_PLANNABLE,
            field="orders",
            refused=refusals,
        )
    return orders


def _join(plan: FulfillmentPlan, orders: list[Order], actor: Actor) -> None:
    PlanOrder.objects.bulk_create([PlanOrder(plan=plan, order=order) for order in orders])
    # every open item of a planned order is on the plan's pick list
    items = (
        OrderItem.objects.filter(order__in=orders)
        .exclude(status=OrderStatus.CANCELED)
        .order_by("pk")
        .values_list("pk", "quantity")
    )
    order_items_progress(
        changes=[OnPickList(item=pk, units=quantity) for pk, quantity in items],
        actor=actor,
        note=events.plan_added(plan.number),
    )
    for order in orders:
        order_set_stage(order=order, stage=Stage.IN_PROGRESS, actor=actor, reason=f"In plan {plan.number}.")


@retry_on_conflict
@transaction.atomic
def plan_create(*, orders: Iterable[str], fulfillment_date: date, actor: Actor) -> FulfillmentPlan:
    """A new plan `OF-…` for these order numbers, each open, without error, not archived, new and in no plan.

    Refused, naming every order that cannot join and why, writing nothing. The orders move to *In progress*.
    """
    numbers = _clean_numbers(orders)
    if not isinstance(fulfillment_date, date):
        raise ValidationError("fulfillment_date must be a date.", field="fulfillment_date")
    planned = _plannable(numbers)
    plan = FulfillmentPlan.objects.create(
        number=next_number(PLAN_PREFIX), fulfillment_date=fulfillment_date, created_by=actor.name[:150]
    )
    held_already(plan)
    _join(plan, planned, actor)
    return plan


@retry_on_conflict
@transaction.atomic
def plan_add_orders(*, plan, orders: Iterable[str], actor: Actor) -> FulfillmentPlan:
    """Add orders to an open plan; the same rules and refusals as plan_create."""
    numbers = _clean_numbers(orders)
    found = plan_found(plan)
    refuse_unless_open(found, "add orders")
    planned = _plannable(numbers)
    plan = plan_for_update(found)
    refuse_unless_open(plan, "add orders")
    _join(plan, planned, actor)
    return plan


def _release_order(plan: FulfillmentPlan, plan_order: PlanOrder, actor: Actor, reason: str) -> None:
    item_ids = list(OrderItem.objects.filter(order_id=plan_order.order_id).order_by("pk").values_list("pk", flat=True))
    holds_release(reference=plan.number, actor=actor, order_item_ids=item_ids)
    plan_order.removed_at = timezone.now()
    plan_order.save(update_fields=["removed_at"])
    order_items_progress(
        changes=[Released(item=pk) for pk in item_ids], actor=actor, note=events.plan_removed(plan.number, reason)
    )
    order = Order.all_objects.get(pk=plan_order.order_id)
    order_set_stage(order=order, stage=Stage.NEW, actor=actor, reason=f"Out of plan {plan.number}.")


@retry_on_conflict
@transaction.atomic
def plan_remove_order(*, plan, order: str, actor: Actor) -> FulfillmentPlan:
    """Take an order out of an open plan: its holds are released and it goes back to *New*.

    Refused while the order is completed on the pick list (return it first).
    """
    # every order of the plan: what the others expect from packaging changes with it
    plan = plan_lock_tree(plan, stock=True)
    refuse_unless_open(plan, "remove an order")
    plan_order = active_plan_order(plan, order)
    if plan_order.completed_at:
        raise Conflict(
            f"Cannot remove {plan_order.order.number}: it is completed on the pick list; return it first.",
            code=ErrorCode.ORDER_COMPLETED,
            plan=plan.number,
            orders=[plan_order.order.number],
        )
    _release_order(plan, plan_order, actor, "")
    packaging_sync(plan=plan, actor=actor, reason=f"{plan_order.order.number} left the plan")
    return plan


@retry_on_conflict
@transaction.atomic
def plan_cancel(*, plan, actor: Actor) -> FulfillmentPlan:
    """Cancel an open plan: every hold is released, packaging plans not done are archived, and every order goes
    back to *New*. Refused while an order is completed on the pick list (return it first)."""
    # its orders, their items and every lot it holds, all before the plan: the releases below go order by order
    plan = plan_lock_tree(plan, stock=True)
    check_transition(
        PLAN_TRANSITIONS, resource="plan", key=plan.number, current=plan.status, attempted=PlanStatus.CANCELED,
        action="cancel",
    )  # fmt: skip
    plan_orders = lock_plan_orders(plan.pk)
    completed = [po.order.number for po in plan_orders if po.completed_at]
    if completed:
        raise Conflict(
            f"Cannot cancel plan {plan.number}: {', '.join(completed)} completed on the pick list; return them first.",
            code=ErrorCode.ORDER_COMPLETED,
            plan=plan.number,
            orders=completed,
        )
    for plan_order in sorted(plan_orders, key=lambda po: po.order_id):
        _release_order(plan, plan_order, actor, "The plan was canceled.")
    holds_release(reference=plan.number, actor=actor)  # anything left, e.g. items removed from an order
    packaging_plans_archive(plan=plan, actor=actor)
    plan.canceled_at = timezone.now()
    set_plan_status(plan, PlanStatus.CANCELED)
    return plan
