"""/orders: search, create, read, edit, delete, the lifecycle actions, notes and the timeline."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from orderly.api.answers import answer
from orderly.api.auth import can_change_orders, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.orders import (
    EventPage,
    NoteIn,
    OrderCreate,
    OrderOut,
    OrderPage,
    OrderPatch,
    OrderQuery,
    PageQuery,
    event_page,
    order_data,
    order_out,
    order_page,
    order_rows,
)
from orderly.channels.selectors import manual_channel
from orderly.core.actors import Actor
from orderly.core.logs import log_order
from orderly.core.paging import paginate
from orderly.orders import services
from orderly.orders.selectors import SORTS, order_get, order_search, order_timeline

router = Router(tags=["orders"])

READ_ERRORS = error_responses(401, 403, 404, 422)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


def _order(number: str):
    """The order the request names; the request's log lines name it from now on."""
    log_order(number)
    return order_get(number)


@router.get("", response={200: OrderPage, **error_responses(401, 403, 422)}, auth=can_read, summary="Search orders")
def list_orders(request: HttpRequest, query: Query[OrderQuery]):
    """Orders matching the filters, newest first by default; archived orders only when `archived` asks for them.

    Follow `next` for the following page: it pages by cursor, as fast at page 1,000 as at page 1, and no order
    is skipped or repeated when orders arrive meanwhile. `page` still numbers pages for the first few. `total`
    stops at 10,000 (`total_exact` false) unless `count=exact` asks for the full count."""
    page = paginate(
        order_rows(order_search(query.filters())),
        page=None if query.cursor else query.page,
        page_size=query.page_size,
        exact_count=query.count == "exact",
        keys=SORTS[query.sort],
        cursor=query.cursor or None,
    )
    return answer(order_page(page, request))


@router.post(
    "",
    response={201: OrderOut, **error_responses(400, 401, 403, 409, 413, 422)},
    auth=can_change_orders,
    summary="Create a manual order",
)
def create_order(request: HttpRequest, payload: OrderCreate, idempotency_key: str | None = IdempotencyKey):
    """Enter an order by hand (its channel is *Manual*). Every SKU must name an active catalog variant; totals are
    computed from the items. Nothing is written when any field is refused."""

    def run():
        order = services.order_create(
            channel=manual_channel(),
            customer=payload.customer.model_dump(),
            shipping_address=payload.shipping_address.model_dump(),
            billing_address=payload.billing_address.model_dump() if payload.billing_address else None,
            currency=payload.currency,
            items=[item.model_dump() for item in payload.items],
            status=payload.status,
            notes=payload.notes,
            external_ref=payload.external_ref,
            order_date=payload.order_date,
            actor=_actor(request),
        )
        log_order(order.number)
        return order_out(order.number)

    return respond(request, idempotency_key, run=run, schema=OrderOut, status=201)


@router.get("/{number}", response={200: OrderOut, **READ_ERRORS}, auth=can_read, summary="Get an order")
def get_order(request: HttpRequest, number: str):
    log_order(number)
    return answer(order_data(number))


@router.patch("/{number}", response={200: OrderOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Edit an order")
def update_order(request: HttpRequest, number: str, payload: OrderPatch):
    """Change what is sent; the timeline records each changed field with its value before and after."""
    services.order_update(order=_order(number), changes=payload.model_dump(exclude_unset=True), actor=_actor(request))
    return order_out(number)


@router.delete(
    "/{number}", response={204: None, **error_responses(401, 403, 404, 409)}, auth=can_change_orders, summary="Delete"
)
def delete_order(request: HttpRequest, number: str):
    """Remove the order from every list and answer. Its channel and external id are remembered, so a later sync
    does not import it again; its number is not reused. Refused while the order is in progress."""
    services.order_delete(order=_order(number), actor=_actor(request))
    return HttpResponse(status=204)


@router.get(
    "/{number}/timeline", response={200: EventPage, **READ_ERRORS}, auth=can_read, summary="An order's timeline"
)
def order_events(request: HttpRequest, number: str, query: Query[PageQuery]):
    """Every change to the order, newest first."""
    return event_page(paginate(order_timeline(_order(number)), page=query.page, page_size=query.page_size))


@router.post("/{number}/notes", response={200: OrderOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Add a note")
def add_note(request: HttpRequest, number: str, payload: NoteIn, idempotency_key: str | None = IdempotencyKey):
    """Add a note to the order's timeline; answers with the order."""
    return _act(
        request,
        number,
        idempotency_key,
        lambda order, actor: services.order_note_add(order=order, text=payload.text, actor=actor),
    )


def _act(request: HttpRequest, number: str, key: str | None, service: Callable) -> HttpResponse:
    def run():
        service(_order(number), _actor(request))
        return order_out(number)

    return respond(request, key, run=run, schema=OrderOut, status=200)


def _lifecycle(service: Callable) -> Callable:
    return lambda order, actor: service(order=order, actor=actor)


@router.post("/{number}/open", response={200: OrderOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Open")
def open_order(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Draft → open: the order is final and may be processed."""
    return _act(request, number, idempotency_key, _lifecycle(services.order_open))


@router.post("/{number}/cancel", response={200: OrderOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Cancel")
def cancel_order(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Draft or open → canceled. Refused once the order is in a fulfillment plan or batch."""
    return _act(request, number, idempotency_key, _lifecycle(services.order_cancel))


@router.post("/{number}/archive", response={200: OrderOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Archive")
def archive_order(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Hide the order from the default lists; `archived=true` or `all` still finds it."""
    return _act(request, number, idempotency_key, _lifecycle(services.order_archive))


@router.post(
    "/{number}/unarchive", response={200: OrderOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Unarchive"
)
def unarchive_order(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    return _act(request, number, idempotency_key, _lifecycle(services.order_unarchive))


@router.post("/{number}/reset", response={200: OrderOut, **ACTION_ERRORS}, auth=can_change_orders, summary="Reset")
def reset_order(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Clear the order's error and run its checks again (e.g. after its product was activated)."""
    return _act(request, number, idempotency_key, _lifecycle(services.order_reset))
