"""What every plan service starts from: finding a plan, locking it with what its work touches in the global
order, and the checks on its status and memberships. The bottom of the plans services: it imports none of them
(the direction is plans, pick list → allocation → packaging → holding → common, never back; pyproject.toml's
import-linter contract keeps it)."""

from collections.abc import Iterable

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound
from orderly.core.locks import LockSetChanged
from orderly.core.transitions import check_transition
from orderly.inventory.locks import lock_stock
from orderly.orders.locks import lock_item_values, lock_order_ids
from orderly.plans.locks import lock_plan, lock_plan_orders
from orderly.plans.models import FulfillmentPlan, PlanOrder
from orderly.plans.status import PLAN_TRANSITIONS, PlanStatus


def plan_found(plan) -> FulfillmentPlan:
    """The plan (an instance or its number) as it is now, not locked; NotFound otherwise."""
    number = plan.number if isinstance(plan, FulfillmentPlan) else str(plan or "")
    found = FulfillmentPlan.objects.filter(number=number).first()
    if found is None:
        raise NotFound(f"No fulfillment plan {number!r}.", field="plan", resource="plan", key=number)
    return found


def plan_for_update(plan) -> FulfillmentPlan:
    """The plan (an instance or its number) locked for the rest of the transaction. Its row comes after the orders,
    items and stock in the global lock order: lock what the work needs of those first (plan_lock_tree)."""
    found = plan_found(plan)
    locked = lock_plan(found.pk)
    if locked is None:
        raise NotFound(f"No fulfillment plan {found.number!r}.", field="plan", resource="plan", key=found.number)
    return locked


def active_order_ids(plan: FulfillmentPlan) -> set[int]:
    return set(PlanOrder.objects.filter(plan=plan, removed_at__isnull=True).values_list("order_id", flat=True))


def plan_lock_tree(
    plan, *, order_ids: Iterable[int] | None = None, stock: bool = False, product_ids: Iterable[int] = ()
) -> FulfillmentPlan:
    """Lock a plan with what its work touches, in the global order (orderly.core.locks): its orders (`order_ids`
    only, when given; otherwise every order in it), their items, with `stock` the lots it may hold or release (its
    variants' packaged lots and every lot it holds units of, and the loose lots of `product_ids`), then the plan.

    The orders are read before the plan is locked; when another transaction changed them meanwhile (an order
    joined), LockSetChanged runs the whole transaction again (orderly.core.retry)."""
    found = plan_found(plan)
    every = order_ids is None
    ids = active_order_ids(found) if every else set(order_ids)
    # the locks are what is wanted here, not the rows: their key columns only
    lock_order_ids(ids, deleted=True)
    items = lock_item_values(order_ids=ids, fields=("variant_id", "option_allocate") if stock else ())
    if stock:
        # the variants allocation may hold stock of, from the items just locked
        variant_ids = {item["variant_id"] for item in items if item["option_allocate"]} - {None}
        lock_stock(variant_ids=variant_ids, product_ids=product_ids, held_by=found.number)
    locked = plan_for_update(found)
    if every and not active_order_ids(locked) <= ids:
        raise LockSetChanged(f"orders joined plan {locked.number} while it was being locked")
    return locked


def refuse_unless_open(plan: FulfillmentPlan, doing: str) -> None:
    if plan.status != PlanStatus.OPEN:
        raise Conflict(
            f"Cannot {doing}: plan {plan.number} is {plan.status}.",
            code=ErrorCode.PLAN_NOT_OPEN,
            plan=plan.number,
            status=plan.status,
        )


def set_plan_status(plan: FulfillmentPlan, status: str) -> None:
    check_transition(PLAN_TRANSITIONS, resource="plan", key=plan.number, current=plan.status, attempted=status)
    plan.status = status
    plan.save(update_fields=["status", "updated_at", "canceled_at"])


def plan_order_id(plan: FulfillmentPlan, order_number: str) -> int | None:
    """The id of the order of this number in the plan (not locked), or None."""
    number = str(order_number or "").strip().upper()
    found = PlanOrder.objects.filter(plan=plan, order__number=number, removed_at__isnull=True)
    return found.values_list("order_id", flat=True).first()


def active_plan_order(plan: FulfillmentPlan, order_number: str) -> PlanOrder:
    """The order's active membership of the (locked) plan, locked; NotFound when it is not in the plan."""
    number = str(order_number or "").strip().upper()
    plan_order = next((po for po in lock_plan_orders(plan.pk) if po.order.number == number), None)
    if plan_order is None:
        raise NotFound(
            f"Order {order_number!r} is not in plan {plan.number}.",
            field="order",
            resource="plan_order",
            key=str(order_number),
        )
    return plan_order
