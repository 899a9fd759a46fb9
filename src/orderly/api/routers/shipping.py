"""Fulfillments and returns of orders: /orders/{number}/fulfillments, /fulfillments/{id}/…, /orders/{number}/returns.

Everyone with a token reads; operators fulfill, cancel, report lost parcels and register returns.
"""

from django.http import HttpRequest
from ninja import Router

from orderly.api.auth import can_change_orders, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.shipping import (
    FulfillmentCreate,
    FulfillmentList,
    FulfillmentOut,
    ReturnCreate,
    ReturnList,
    ReturnOut,
    fulfillment_out,
    return_out,
)
from orderly.carriers import services as carrier_services
from orderly.core.actors import Actor
from orderly.orders.selectors import order_get
from orderly.shipping import selectors, services

router = Router(tags=["shipping"])

READ_ERRORS = error_responses(401, 403, 404, 422)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


def _fulfillment(order, number: str) -> dict:
    return fulfillment_out(next(f for f in selectors.fulfillments_of(order) if f.number == number))


def _return(order, number: str) -> dict:
    return return_out(next(r for r in selectors.returns_of(order) if r.number == number))


@router.get(
    "/orders/{number}/fulfillments",
    response={200: FulfillmentList, **READ_ERRORS},
    auth=can_read,
    summary="List an order's fulfillments",
)
def list_fulfillments(request: HttpRequest, number: str):
    """Every fulfillment of the order, oldest first, canceled and lost ones included, with their lines."""
    return {"items": [fulfillment_out(f) for f in selectors.fulfillments_of(order_get(number))]}


@router.post(
    "/orders/{number}/fulfillments",
    response={201: FulfillmentOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Fulfill items",
)
def create_fulfillment(
    request: HttpRequest, number: str, payload: FulfillmentCreate, idempotency_key: str | None = IdempotencyKey
):
    """Ship (or hand over, for collected items) units of an open order. Without `items`, every open unit. Items
    that keep stock take it from what is held for them, then from packaged stock oldest lot first; a shortage is
    refused (409) naming the SKU, needed and available. Nothing is written when anything is refused."""

    def run():
        order = order_get(number)
        fulfillment = services.fulfillment_create(
            order=order,
            items=[line.model_dump() for line in payload.items] if payload.items is not None else None,
            shipping_address=payload.shipping_address.model_dump() if payload.shipping_address else None,
            carrier=payload.carrier or "",
            tracking_number=payload.tracking_number or "",
            actor=_actor(request),
        )
        return _fulfillment(order, fulfillment.number)

    return respond(request, idempotency_key, run=run, schema=FulfillmentOut, status=201)


@router.post(
    "/fulfillments/{fulfillment}/cancel",
    response={200: FulfillmentOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Cancel a fulfillment",
)
def cancel_fulfillment(request: HttpRequest, fulfillment: str, idempotency_key: str | None = IdempotencyKey):
    """Undo a fulfilled fulfillment (by its number `FF-…` or id): its units back into the lots they came from, the
    order's fulfillment status back to unfulfilled or partially fulfilled. Refused (409) for a canceled or lost
    one. A live label is voided with its carrier first; the carrier refusing (the parcel already scanned) refuses
    the cancel (409 `label_void_refused`)."""

    def run():
        # through carriers: a live label is voided with its carrier first (shipping cannot reach carriers)
        found = carrier_services.fulfillment_cancel(
            fulfillment=selectors.fulfillment_get(fulfillment), actor=_actor(request)
        )
        return _fulfillment(found.order, found.number)

    return respond(request, idempotency_key, run=run, schema=FulfillmentOut, status=200)


@router.post(
    "/fulfillments/{fulfillment}/lost",
    response={200: FulfillmentOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Report a parcel lost",
)
def report_lost(request: HttpRequest, fulfillment: str, idempotency_key: str | None = IdempotencyKey):
    """The parcel of a shipped fulfillment never arrived: its units must ship again and a closed order reopens.
    Stock stays as it is. Refused (409) unless fulfilled and shipped (not collected)."""

    def run():
        found = services.fulfillment_report_lost(
            fulfillment=selectors.fulfillment_get(fulfillment), actor=_actor(request)
        )
        return _fulfillment(found.order, found.number)

    return respond(request, idempotency_key, run=run, schema=FulfillmentOut, status=200)


@router.get(
    "/orders/{number}/returns", response={200: ReturnList, **READ_ERRORS}, auth=can_read, summary="List returns"
)
def list_returns(request: HttpRequest, number: str):
    """Every return of the order, oldest first, with its lines."""
    return {"items": [return_out(r) for r in selectors.returns_of(order_get(number))]}


@router.post(
    "/orders/{number}/returns",
    response={201: ReturnOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Register a return",
)
def create_return(
    request: HttpRequest, number: str, payload: ReturnCreate, idempotency_key: str | None = IdempotencyKey
):
    """Units the customer sent back, with a reason: `restock` puts them back into stock as a new lot, otherwise
    they are written off. Invoiced units get a credit note; a paid order becomes refund due and reopens."""

    def run():
        order = order_get(number)
        record = services.return_register(
            order=order,
            items=[line.model_dump() for line in payload.items],
            reason=payload.reason,
            restock=payload.restock,
            actor=_actor(request),
        )
        return _return(order, record.number)

    return respond(request, idempotency_key, run=run, schema=ReturnOut, status=201)
