"""Every write to fulfillment plans, allocation, packaging plans and the pick list.

Keyword-only; `actor` is an orderly.core.actors.Actor; `plan` is a FulfillmentPlan or its number (OF-…),
`packaging` a PackagingPlan or its number (PP-…), `order` an order number. Refusals raise DomainErrors
(ValidationError 422 for bad input, NotFound 404, Conflict 409) and write nothing.

    plan_create(*, orders: Iterable[str], fulfillment_date: date, actor) -> FulfillmentPlan
    plan_add_orders(*, plan, orders: Iterable[str], actor) -> FulfillmentPlan
    plan_remove_order(*, plan, order: str, actor) -> FulfillmentPlan
    plan_cancel(*, plan, actor) -> FulfillmentPlan
    allocation_save(*, plan, actor, lines: Iterable[{"sku": str, "quantity": int}] | None = None,
                    allocate_all: bool = False) -> FulfillmentPlan
    packaging_plan_update(*, packaging, units: int, actor) -> PackagingPlan
    packaging_plan_start(*, packaging, actor) -> PackagingPlan
    packaging_plan_execute(*, packaging, actor) -> PackagingPlan
    packaging_plan_archive(*, packaging, actor) -> PackagingPlan
    pick_complete(*, plan, order: str, actor) -> FulfillmentPlan
    pick_complete_and_ship(*, plan, order: str, actor) -> Parcel   (Complete, fulfill, book the label)
    pick_return(*, plan, order: str, actor) -> FulfillmentPlan

Reads are in orderly.plans.selectors (plan_list, plan_get, plan_orders, allocation_lines, packaging_plans,
packaging_plan_get, pick_list).

The modules call one way only, kept by an import-linter contract in pyproject.toml: plans (create, add, remove,
cancel) and picklist → allocation → packaging (which owns what a packaging plan may do, archiving included) →
holding (writing a plan's holds) → common (finding and locking a plan, its status checks).
"""

from orderly.plans.services.allocation import allocation_save
from orderly.plans.services.packaging import (
    packaging_plan_archive,
    packaging_plan_execute,
    packaging_plan_start,
    packaging_plan_update,
)
from orderly.plans.services.picklist import pick_complete, pick_complete_and_ship, pick_return
from orderly.plans.services.plans import plan_add_orders, plan_cancel, plan_create, plan_remove_order

__all__ = [
    "allocation_save",
    "packaging_plan_archive",
    "packaging_plan_execute",
    "packaging_plan_start",
    "packaging_plan_update",
    "pick_complete",
    "pick_complete_and_ship",
    "pick_return",
    "plan_add_orders",
    "plan_cancel",
    "plan_create",
    "plan_remove_order",
]
