"""Locking fulfillment plans, their memberships and packaging plans: after the orders, items and stock they
concern (orderly.core.locks). A plan service reads the plan, locks its orders, their items and the stock it works
on, then the plan (orderly.plans.services.common.plan_lock_tree), then its plan orders and packaging plans."""

from collections.abc import Iterable

from django.db.models import Q

from orderly.core.locks import lock_row, lock_rows
from orderly.plans.models import FulfillmentPlan, PackagingPlan, PlanOrder
from orderly.plans.status import PackagingStatus


def lock_plan(pk: int) -> FulfillmentPlan | None:
    """The plan with this id locked, or None."""
    return lock_row(FulfillmentPlan.objects.filter(pk=pk))


def lock_plan_orders(plan_id: int, *, order_ids: Iterable[int] | None = None) -> list[PlanOrder]:
    """The plan's memberships still active (of these orders, when given) locked, their orders loaded."""
    found = PlanOrder.objects.filter(plan_id=plan_id, removed_at__isnull=True).select_related("order")
    return lock_rows(found if order_ids is None else found.filter(order_id__in=set(order_ids)))


def lock_packaging_plans(plan_id: int, *, also: int | None = None) -> list[PackagingPlan]:
    """The plan's packaging plans planned or in progress, and the one with id `also`, locked in key order."""
    waiting = Q(plan_id=plan_id, status__in=[PackagingStatus.PLANNED, PackagingStatus.IN_PROGRESS])
    return lock_rows(PackagingPlan.objects.filter(waiting | Q(pk=also) if also else waiting))
