"""/plans and /packaging-plans: fulfillment plans, their orders, allocation, packaging plans and the pick list.

Everyone with a token reads; operators run plans.
"""

from django.http import HttpRequest
from ninja import Query, Router

from orderly.api.auth import can_change_orders, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.plans import (
    AllocationIn,
    AllocationOut,
    PackagingPlanList,
    PackagingPlanOut,
    PackagingPlanPatch,
    PickListOut,
    PlanCreate,
    PlanOrdersIn,
    PlanOut,
    PlanPage,
    PlanQuery,
    allocation_out,
    packaging_list,
    packaging_out,
    pick_list_out,
    plan_out,
    plan_page,
)
from orderly.core.actors import Actor
from orderly.core.paging import paginate
from orderly.plans import selectors
from orderly.plans.services import allocation, packaging, picklist, plans

router = Router(tags=["plans"])

READ_ERRORS = error_responses(401, 403, 404, 422)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


def _plan(number: str) -> PlanOut:
    plan = selectors.plan_get(number)
    return plan_out(plan, selectors.plan_orders(plan))


def _packaging(number: str) -> PackagingPlanOut:
    return packaging_out(selectors.packaging_plans(numbers=[selectors.packaging_plan_get(number).number])[0])


@router.get("/plans", response={200: PlanPage, **error_responses(401, 403, 422)}, auth=can_read, summary="List plans")
def list_plans(request: HttpRequest, query: Query[PlanQuery]):
    """Fulfillment plans, newest first."""
    return plan_page(paginate(selectors.plan_list(status=query.status), page=query.page, page_size=query.page_size))


@router.post(
    "/plans",
    response={201: PlanOut, **error_responses(400, 401, 403, 409, 413, 422)},
    auth=can_change_orders,
    summary="Create a plan",
)
def create_plan(request: HttpRequest, payload: PlanCreate, idempotency_key: str | None = IdempotencyKey):
    """A fulfillment plan `OF-…` of these orders (each open, without an error, in no other plan), which move to
    *In progress*. Refused, naming each order that cannot join and why, writing nothing."""

    def run():
        plan = plans.plan_create(
            orders=payload.orders, fulfillment_date=payload.fulfillment_date, actor=_actor(request)
        )
        return _plan(plan.number)

    return respond(request, idempotency_key, run=run, schema=PlanOut, status=201)


@router.get("/plans/{number}", response={200: PlanOut, **READ_ERRORS}, auth=can_read, summary="Get a plan")
def get_plan(request: HttpRequest, number: str):
    return _plan(number)


@router.post(
    "/plans/{number}/orders", response={200: PlanOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Add orders"
)
def add_orders(request: HttpRequest, number: str, payload: PlanOrdersIn, idempotency_key: str | None = IdempotencyKey):
    """Add orders to an open plan, by the same rules as creating one."""

    def run():
        plans.plan_add_orders(plan=selectors.plan_get(number), orders=payload.orders, actor=_actor(request))
        return _plan(number)

    return respond(request, idempotency_key, run=run, schema=PlanOut, status=200)


@router.delete(
    "/plans/{number}/orders/{order}",
    response={200: PlanOut, **error_responses(401, 403, 404, 409)},
    auth=can_change_orders,
    summary="Remove an order",
)
def remove_order(request: HttpRequest, number: str, order: str):
    """Take an order out of the plan: what it held is released and it goes back to *New*. Refused while it is
    completed on the pick list."""
    plans.plan_remove_order(plan=selectors.plan_get(number), order=order, actor=_actor(request))
    return _plan(number)


@router.post(
    "/plans/{number}/cancel", response={200: PlanOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Cancel"
)
def cancel_plan(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Release everything the plan holds, archive its open packaging plans, send its orders back to *New*."""

    def run():
        plans.plan_cancel(plan=selectors.plan_get(number), actor=_actor(request))
        return _plan(number)

    return respond(request, idempotency_key, run=run, schema=PlanOut, status=200)


@router.get(
    "/plans/{number}/allocation", response={200: AllocationOut, **READ_ERRORS}, auth=can_read, summary="Allocation"
)
def get_allocation(request: HttpRequest, number: str):
    """Per variant: ordered, available packaged stock, allocated to this plan, remaining to be packaged."""
    plan = selectors.plan_get(number)
    return allocation_out(plan, selectors.allocation_lines(plan))


@router.put(
    "/plans/{number}/allocation",
    response={200: AllocationOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Save the allocation",
)
def save_allocation(request: HttpRequest, number: str, payload: AllocationIn):
    """Hold packaged units FIFO by lot date: `lines` per SKU, or `allocate_all`. Then — even when nothing was
    allocated — packaging plans cover every outstanding quantity. More than ordered or available is refused naming
    the SKU and the numbers, writing nothing."""
    plan = allocation.allocation_save(
        plan=selectors.plan_get(number),
        lines=[line.model_dump() for line in payload.lines],
        allocate_all=payload.allocate_all,
        actor=_actor(request),
    )
    return allocation_out(plan, selectors.allocation_lines(plan))


@router.get(
    "/plans/{number}/packaging-plans",
    response={200: PackagingPlanList, **READ_ERRORS},
    auth=can_read,
    summary="A plan's packaging plans",
)
def list_packaging_plans(request: HttpRequest, number: str):
    """Each with its units, the loose kg it needs, the loose lots it draws FIFO and the shortfall."""
    return packaging_list(selectors.packaging_plans(plan=selectors.plan_get(number)))


@router.get(
    "/packaging-plans/{number}",
    response={200: PackagingPlanOut, **READ_ERRORS},
    auth=can_read,
    summary="Get a packaging plan",
)
def get_packaging_plan(request: HttpRequest, number: str):
    return _packaging(number)


@router.patch(
    "/packaging-plans/{number}",
    response={200: PackagingPlanOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Edit a packaging plan",
)
def update_packaging_plan(request: HttpRequest, number: str, payload: PackagingPlanPatch):
    """Change the units to pack while the packaging plan is planned."""
    packaging.packaging_plan_update(packaging=number, units=payload.units, actor=_actor(request))
    return _packaging(number)


@router.post(
    "/packaging-plans/{number}/execute",
    response={200: PackagingPlanOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Execute a packaging plan",
)
def execute_packaging_plan(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Consume the loose kg FIFO, make a packaged lot of the units and allocate it to the plan. Refused, naming the
    shortfall, when loose stock does not cover it."""

    def run():
        packaging.packaging_plan_execute(packaging=number, actor=_actor(request))
        return _packaging(number)

    return respond(request, idempotency_key, run=run, schema=PackagingPlanOut, status=200)


@router.post(
    "/packaging-plans/{number}/archive",
    response={200: PackagingPlanOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Archive a packaging plan",
)
def archive_packaging_plan(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Set the packaging plan aside without packing."""

    def run():
        packaging.packaging_plan_archive(packaging=number, actor=_actor(request))
        return _packaging(number)

    return respond(request, idempotency_key, run=run, schema=PackagingPlanOut, status=200)


@router.get("/plans/{number}/pick-list", response={200: PickListOut, **READ_ERRORS}, auth=can_read, summary="Pick list")
def get_pick_list(request: HttpRequest, number: str):
    """Every order of the plan with its items, quantities, the lots held for them and their positions."""
    plan = selectors.plan_get(number)
    return pick_list_out(plan, selectors.pick_list(plan))


@router.post(
    "/plans/{number}/pick-list/{order}/complete",
    response={200: PickListOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Complete an order",
)
def complete_order(request: HttpRequest, number: str, order: str, idempotency_key: str | None = IdempotencyKey):
    """Mark the order's items picked and packed and the order completed for this plan. Refused, naming the item,
    while an item is not fully allocated. Answers with the plan's pick list."""
    return _pick(request, number, order, idempotency_key, picklist.pick_complete)


@router.post(
    "/plans/{number}/pick-list/{order}/return",
    response={200: PickListOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Return an order",
)
def return_order(request: HttpRequest, number: str, order: str, idempotency_key: str | None = IdempotencyKey):
    """Undo *Complete* exactly: the items are no longer picked nor packed, the order is in progress again."""
    return _pick(request, number, order, idempotency_key, picklist.pick_return)


def _pick(request: HttpRequest, number: str, order: str, key: str | None, service):
    def run():
        plan = service(plan=selectors.plan_get(number), order=order, actor=_actor(request))
        return pick_list_out(plan, selectors.pick_list(plan))

    return respond(request, key, run=run, schema=PickListOut, status=200)
