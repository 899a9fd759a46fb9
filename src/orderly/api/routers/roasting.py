"""A plan's order conversion, scheduling roasts, and /roast-batches. Everyone reads; operators schedule, edit,
complete and cancel."""

from collections import defaultdict

from django.http import HttpRequest
from ninja import Query, Router

from orderly.api.auth import can_change_orders, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.common import page_meta
from orderly.api.schemas.production import (
    CompleteIn,
    ConversionIn,
    ConversionOut,
    RoastBatchList,
    RoastBatchOut,
    RoastBatchPatch,
    RoastBatchQuery,
    ScheduleIn,
    ScheduleOut,
    batch_dict,
    conversion_out,
)
from orderly.api.schemas.trace import TraceOut, trace_out
from orderly.core.actors import Actor
from orderly.core.exceptions import NotFound
from orderly.core.paging import paginate
from orderly.orders.models import OrderItem
from orderly.orders.selectors import order_get
from orderly.plans.selectors import plan_get
from orderly.production import selectors
from orderly.production.figures import conversion_rows
from orderly.production.models import RoastGreen
from orderly.production.services import batches as roasts
from orderly.production.services.scheduling import conversion_edit, roast_schedule
from orderly.production.trace import item_trace, lot_trace

router = Router(tags=["production"])

READ_ERRORS = error_responses(401, 403, 404, 422)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


def _batches(batches) -> list[dict]:
    batches = list(batches)
    greens = defaultdict(list)
    for g in RoastGreen.objects.select_related("lot").filter(batch__in=[b.pk for b in batches]).order_by("id"):
        greens[g.batch_id].append(g)
    load = selectors.machine_day_load(batches)
    return [batch_dict(b, greens[b.pk], load) for b in batches]


def _batch(number: str) -> RoastBatchOut:
    return RoastBatchOut.model_validate(_batches([selectors.roast_batch_get(number)])[0])


def _conversion(number: str) -> ConversionOut:
    plan = plan_get(number)
    return conversion_out(plan, conversion_rows(plan))


@router.get(
    "/plans/{number}/order-conversion", response={200: ConversionOut, **READ_ERRORS}, auth=can_read,
    summary="Order conversion",
)  # fmt: skip
def get_conversion(request: HttpRequest, number: str):
    """Per roasted product of the plan: remaining, available, scheduled, to roast (kg), batches, carry-over,
    profile, machine, green lot, and the problems that keep a row from being scheduled."""
    return _conversion(number)


@router.put(
    "/plans/{number}/order-conversion", response={200: ConversionOut, **ACTION_ERRORS}, auth=can_change_orders,
    summary="Edit order conversion rows",
)  # fmt: skip
def put_conversion(request: HttpRequest, number: str, payload: ConversionIn):
    """Each row names its product and any of profile (of its group), machine, green_lot, batch_kg, end_kg or
    weight_loss, batches; a row with only its product goes back to what the profile says."""
    conversion_edit(plan=plan_get(number), rows=payload.model_dump(mode="json")["rows"], actor=_actor(request))
    return _conversion(number)


@router.post(
    "/plans/{number}/roast-schedules", response={201: ScheduleOut, **ACTION_ERRORS}, auth=can_change_orders,
    summary="Schedule roasts",
)  # fmt: skip
def schedule(request: HttpRequest, number: str, payload: ScheduleIn, idempotency_key: str | None = IdempotencyKey):
    """Roast batches on `date` for the given rows, or without rows every row that can be scheduled as proposed;
    each holds its green kg. Refused (409, nothing written) for a row with problems."""

    def run():
        rows = payload.model_dump(mode="json")["rows"]
        made = roast_schedule(plan=plan_get(number), on=payload.date, rows=rows, actor=_actor(request))
        found = selectors.roast_batch_list().filter(pk__in=[b.pk for b in made])
        return ScheduleOut.model_validate({"batches": _batches(found)})

    return respond(request, idempotency_key, run=run, schema=ScheduleOut, status=201)


@router.get(
    "/roast-batches", response={200: RoastBatchList, **error_responses(401, 403, 422)}, auth=can_read,
    summary="List roast batches",
)  # fmt: skip
def list_batches(request: HttpRequest, query: Query[RoastBatchQuery]):
    """By date, machine and number; filters: date range, machine, status, plan.

    Follow `next` for the following page: it pages by cursor, as fast deep in the list as at its start, and nothing
    is skipped or repeated when rows are added meanwhile. `total` stops at 10,000 (`total_exact` false) unless
    `count=exact` asks for the full count."""
    batches = selectors.roast_batch_list(
        date_from=query.date_from, date_to=query.date_to, machine=query.machine, status=query.status, plan=query.plan
    )
    page = paginate(batches, **query.paging(selectors.ROAST_BATCH_ORDER))
    return RoastBatchList.model_validate({**page_meta(page, request), "items": _batches(page.items)})


@router.get("/roast-batches/{number}", response={200: RoastBatchOut, **READ_ERRORS}, auth=can_read, summary="Get")
def get_batch(request: HttpRequest, number: str):
    return _batch(number)


@router.patch(
    "/roast-batches/{number}", response={200: RoastBatchOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Edit"
)
def patch_batch(request: HttpRequest, number: str, payload: RoastBatchPatch):
    """Change a scheduled batch's date, machine, batches or weights; its green hold follows."""
    changes = payload.model_dump(exclude_unset=True)
    roasts.roast_batch_update(batch=selectors.roast_batch_get(number), changes=changes, actor=_actor(request))
    return _batch(number)


@router.post(
    "/roast-batches/{number}/complete", response={200: RoastBatchOut, **ACTION_ERRORS}, auth=can_change_orders,
    summary="Complete",
)  # fmt: skip
def complete_batch(
    request: HttpRequest, number: str, payload: CompleteIn, idempotency_key: str | None = IdempotencyKey
):
    """Record the green kg used and the roasted kg out: green consumed, a loose roasted lot made."""

    def run():
        roasts.roast_batch_complete(
            batch=selectors.roast_batch_get(number), green_used_kg=str(payload.green_used_kg),
            roasted_out_kg=str(payload.roasted_out_kg), actor=_actor(request),
        )  # fmt: skip
        return _batch(number)

    return respond(request, idempotency_key, run=run, schema=RoastBatchOut, status=200)


@router.post(
    "/roast-batches/{number}/cancel", response={200: RoastBatchOut, **ACTION_ERRORS}, auth=can_change_orders,
    summary="Cancel",
)  # fmt: skip
def cancel_batch(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Scheduled → canceled; its green kg are given back."""

    def run():
        roasts.roast_batch_cancel(batch=selectors.roast_batch_get(number), actor=_actor(request))
        return _batch(number)

    return respond(request, idempotency_key, run=run, schema=RoastBatchOut, status=200)


@router.get("/lots/{number}/trace", response={200: TraceOut, **READ_ERRORS}, auth=can_read, summary="Trace a lot")
def get_lot_trace(request: HttpRequest, number: str):
    """From a green lot: the roast batches that drew it, the roasted lots they made, the packaged lots packed from
    those and the orders they went to. From a roasted or packaged lot: the same, back to the green coffee."""
    return trace_out(lot_trace(number))


@router.get(
    "/orders/{number}/items/{item}/trace", response={200: TraceOut, **READ_ERRORS}, auth=can_read,
    summary="Trace an order item",
)  # fmt: skip
def get_item_trace(request: HttpRequest, number: str, item: int):
    """The packaged lots an order item shipped from or holds, the roasted lots and roast batches behind them and
    their green coffee."""
    order = order_get(number)
    found = OrderItem.objects.filter(order=order, pk=item).first()
    if found is None:
        raise NotFound(f"Order {order.number} has no item {item}.", field="item", resource="order_item", key=str(item))
    return trace_out(item_trace(found))
