"""/carriers (carrier accounts and their methods), /shipping-rules, and fulfillments' labels and tracking.

Managers configure carriers and rules (as they configure channels); operators book and void labels; viewers read.
A carrier's webhook carries no bearer token: the carrier's signature over the raw body is its proof.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from orderly.api.auth import can_change_catalog, can_change_orders, can_read, public
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.carriers import (
    CarrierCreate,
    CarrierList,
    CarrierOut,
    CarrierPatch,
    CarrierWebhookOut,
    LabelBook,
    LabelOut,
    RuleIn,
    RuleList,
    RuleOut,
    RulePatch,
    TrackingOut,
    carrier_dict,
    label_dict,
    rule_dict,
    tracking_dict,
)
from orderly.carriers import selectors, services
from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.status import LabelStatus
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.shipping.selectors import fulfillment_get

router = Router(tags=["carriers"])

READ_ERRORS = error_responses(401, 403, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)
LABEL_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422, 503)
can_configure = can_change_catalog
CONTENT_TYPES = {LabelFormat.ZPL: "application/x-zpl"}


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


def _carrier_out(request: HttpRequest, account, *, reload: bool = True) -> dict:
    """The account as answered; `reload` reads it again with its methods (after a write)."""
    url = request.build_absolute_uri(reverse("api-v1:carrier_webhook", args=[account.id]))
    return carrier_dict(selectors.carrier_get(account.id) if reload else account, url)


# ---- carrier accounts -------------------------------------------------------------------------------------------


@router.get("/carriers", response={200: CarrierList, **READ_ERRORS}, auth=can_read, summary="List carriers")
def list_carriers(request: HttpRequest):
    """Every carrier account with its methods, by name; credentials masked."""
    return {"items": [_carrier_out(request, account, reload=False) for account in selectors.carriers_list()]}


@router.post("/carriers", response={201: CarrierOut, **WRITE_ERRORS}, auth=can_configure, summary="Add a carrier")
def create_carrier(request: HttpRequest, payload: CarrierCreate, idempotency_key: str | None = IdempotencyKey):
    """A carrier account: `kind` sendcloud, easypost or own; credentials are stored encrypted and answered
    masked; `methods` lists its shipping methods."""

    def run():
        data = payload.model_dump()
        account = services.carrier_create(actor=_actor(request), **data)
        return _carrier_out(request, account)

    return respond(request, idempotency_key, run=run, schema=CarrierOut, status=201)


@router.get("/carriers/{int:carrier_id}", response={200: CarrierOut, **READ_ERRORS}, auth=can_read,
            summary="A carrier")  # fmt: skip
def get_carrier(request: HttpRequest, carrier_id: int):
    return _carrier_out(request, selectors.carrier_get(carrier_id))


@router.patch("/carriers/{int:carrier_id}", response={200: CarrierOut, **WRITE_ERRORS}, auth=can_configure,
              summary="Edit a carrier")  # fmt: skip
def update_carrier(request: HttpRequest, carrier_id: int, payload: CarrierPatch):
    """Change what is sent: settings are replaced whole, credentials only those sent, methods the full list."""
    account = services.carrier_update(
        account=selectors.carrier_get(carrier_id), changes=payload.model_dump(exclude_unset=True),
        actor=_actor(request),
    )  # fmt: skip
    return _carrier_out(request, account)


@router.delete("/carriers/{int:carrier_id}", response={204: None, **error_responses(401, 403, 404, 409)},
               auth=can_configure, summary="Delete a carrier")  # fmt: skip
def delete_carrier(request: HttpRequest, carrier_id: int):
    """Refused (409 in_use) once it has parcels: disable it instead."""
    services.carrier_delete(account=selectors.carrier_get(carrier_id), actor=_actor(request))
    return HttpResponse(status=204)


@router.post(
    "/carriers/{int:carrier_id}/webhook",
    response={200: CarrierWebhookOut, **error_responses(400, 401, 404, 409, 413, 422, 429)},
    auth=None,
    url_name="carrier_webhook",
    summary="A carrier's tracking webhook",
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "description": "The carrier's tracking event as it sends it, signed byte for byte: send it unchanged.",
            "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        },
    },
)
@public
def carrier_webhook(request: HttpRequest, carrier_id: int):
    """Tracking updates from the carrier, verified over the raw body with its scheme (Sendcloud
    `Sendcloud-Signature`, EasyPost `X-Hmac-Signature`, own `X-Orderly-Signature`, each HMAC-SHA256). A wrong or
    missing signature: 401, nothing written. A replay: 200 with `changed` 0, nothing new."""
    account = selectors.carrier_get(carrier_id)
    return {"changed": services.webhook_receive(account=account, headers=dict(request.headers), body=request.body)}


# ---- shipping rules ---------------------------------------------------------------------------------------------


@router.get("/shipping-rules", response={200: RuleList, **READ_ERRORS}, auth=can_read, summary="List shipping rules")
def list_rules(request: HttpRequest):
    """Every rule, by country; the most specific matching rule wins (channel and delivery method > delivery method
    > channel > the country's default)."""
    return {"items": [rule_dict(rule) for rule in selectors.rules_list()]}


@router.post("/shipping-rules", response={201: RuleOut, **WRITE_ERRORS}, auth=can_configure,
             summary="Add a shipping rule")  # fmt: skip
def create_rule(request: HttpRequest, payload: RuleIn, idempotency_key: str | None = IdempotencyKey):
    def run():
        rule = services.rule_create(data=payload.model_dump(), actor=_actor(request))
        return rule_dict(selectors.rule_get(rule.pk))

    return respond(request, idempotency_key, run=run, schema=RuleOut, status=201)


@router.get("/shipping-rules/{int:rule_id}", response={200: RuleOut, **READ_ERRORS}, auth=can_read,
            summary="A shipping rule")  # fmt: skip
def get_rule(request: HttpRequest, rule_id: int):
    return rule_dict(selectors.rule_get(rule_id))


@router.patch("/shipping-rules/{int:rule_id}", response={200: RuleOut, **WRITE_ERRORS}, auth=can_configure,
              summary="Edit a shipping rule")  # fmt: skip
def update_rule(request: HttpRequest, rule_id: int, payload: RulePatch):
    rule = services.rule_update(rule=selectors.rule_get(rule_id), data=payload.model_dump(exclude_unset=True),
                                actor=_actor(request))  # fmt: skip
    return rule_dict(selectors.rule_get(rule.pk))


@router.delete("/shipping-rules/{int:rule_id}", response={204: None, **error_responses(401, 403, 404)},
               auth=can_configure, summary="Delete a shipping rule")  # fmt: skip
def delete_rule(request: HttpRequest, rule_id: int):
    services.rule_delete(rule=selectors.rule_get(rule_id), actor=_actor(request))
    return HttpResponse(status=204)


# ---- labels and tracking ----------------------------------------------------------------------------------------


def _label_out(fulfillment_ref: str) -> dict:
    fulfillment = fulfillment_get(fulfillment_ref)
    return label_dict(fulfillment, selectors.parcel_of(fulfillment))


@router.post("/fulfillments/{fulfillment}/label", response={200: LabelOut, **LABEL_ERRORS}, auth=can_change_orders,
             summary="Book a label")  # fmt: skip
def book_label(request: HttpRequest, fulfillment: str, payload: LabelBook,
               idempotency_key: str | None = IdempotencyKey):  # fmt: skip
    """Book the fulfillment's parcel with `carrier` and `method` (or, sending `{}`, those the shipping rules
    resolve) and fetch
    its label. Idempotent: a parcel booked already is answered as it is, and nothing is bought twice. A carrier's
    refusal is 422 `carrier_refused` with its words and the fix (and an error on the order); an unreachable
    carrier 503 `carrier_unavailable`."""

    def run():
        found = fulfillment_get(fulfillment)
        services.label_book(fulfillment=found, actor=_actor(request), carrier=payload.carrier,
                            method=payload.method)  # fmt: skip
        return _label_out(found.number)

    return respond(request, idempotency_key, run=run, schema=LabelOut, status=200)


class LabelQuery(Schema):
    format: LabelFormat | None = Field(None, description="pdf-4x6, pdf-a6, pdf-a4 or zpl; the user's printer's")


@router.get(
    "/fulfillments/{fulfillment}/label",
    response=error_responses(401, 403, 404, 409, 422, 503),
    auth=can_read,
    summary="Download the label",
    openapi_extra={"responses": {"200": {"description": "The label document", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/x-zpl": {"schema": {"type": "string", "format": "binary"}}}}}},
)  # fmt: skip
def download_label(request: HttpRequest, fulfillment: str, query: Query[LabelQuery]):
    """The live label as PDF (4×6 in, A6, A4 four to a page) or ZPL II; without `format`, the user's label printer
    setting. 409 `label_not_booked` when there is no live label."""
    found = fulfillment_get(fulfillment)
    parcel = selectors.parcel_of(found)
    if parcel is None or parcel.label_status != LabelStatus.BOOKED:
        raise Conflict(
            f"Fulfillment {found.number} has no live label to download.", code=ErrorCode.LABEL_NOT_BOOKED,
            fulfillment=found.number, label_status=parcel.label_status if parcel else LabelStatus.NONE,
        )  # fmt: skip
    fmt = query.format or selectors.label_format_of(request.auth)
    content = services.label_document(parcel=parcel, fmt=fmt)
    extension = "zpl" if fmt == LabelFormat.ZPL else "pdf"
    answer = HttpResponse(content, content_type=CONTENT_TYPES.get(fmt, "application/pdf"))
    answer["Content-Disposition"] = f'attachment; filename="{found.number}-{parcel.number}-{fmt}.{extension}"'
    return answer


@router.post("/fulfillments/{fulfillment}/label/void", response={200: LabelOut, **LABEL_ERRORS},
             auth=can_change_orders, summary="Void the label")  # fmt: skip
def void_label(request: HttpRequest, fulfillment: str, idempotency_key: str | None = IdempotencyKey):
    """Cancel the live label with the carrier; the fulfillment stays fulfilled, without a tracking number, and
    can be booked again. Refused (409) once the carrier has the parcel, or when the carrier refuses."""

    def run():
        found = fulfillment_get(fulfillment)
        services.label_void(fulfillment=found, actor=_actor(request))
        return _label_out(found.number)

    return respond(request, idempotency_key, run=run, schema=LabelOut, status=200)


@router.get("/fulfillments/{fulfillment}/tracking", response={200: TrackingOut, **READ_ERRORS}, auth=can_read,
            summary="The parcel's tracking")  # fmt: skip
def get_tracking(request: HttpRequest, fulfillment: str):
    """Where the parcel is (announced, handed to carrier, in transit, delivered, exception, returned to sender,
    canceled) and each step as the carrier told it, oldest first."""
    found = fulfillment_get(fulfillment)
    return tracking_dict(found, selectors.parcel_of(found))
