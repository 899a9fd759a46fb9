"""Writing a plan's holds: the stock held for its items, and the units held that the orders area is told.

Allocation (allocation_save) and packing (packaging_plan_execute, which holds the lot it made) both hold through
here, so it sits below both of them."""

from orderly.core.actors import Actor
from orderly.inventory.services import HoldChange, holds_change
from orderly.orders import events
from orderly.orders.services import order_items_progress
from orderly.orders.services.item_progress import Held
from orderly.plans import planning
from orderly.plans.models import FulfillmentPlan
from orderly.plans.selectors import AllocationState


def plan_holds_write(
    plan: FulfillmentPlan, state: AllocationState, deltas: list[planning.HoldDelta], actor: Actor
) -> dict[int, int]:
    """Write hold changes, and tell the orders area the units now held for each item whose count changed (its
    *available* indicator, and each touched order's `allocated` event). Call inside the plan's transaction, with
    the plan's orders, their items and the lots locked (common.plan_lock_tree with `stock`).

    Returns units held per item afterwards. Queries do not grow with the number of lines.
    """
    holds_change(
        changes=[HoldChange(d.lot_id, d.item_id, d.quantity) for d in deltas], reference=plan.number, actor=actor
    )
    after = planning.held_after(state.held, deltas)
    changed = sorted(item_id for item_id, row in state.items.items() if after.get(item_id, 0) != row["qty_available"])
    order_items_progress(
        changes=[Held(item=item_id, units=after.get(item_id, 0)) for item_id in changed],
        actor=actor,
        note=events.allocated(plan.number),
        locked=True,
    )
    return after
