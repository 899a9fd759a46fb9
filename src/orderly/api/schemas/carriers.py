"""Request and response bodies of carrier accounts, shipping rules, and fulfillments' labels and tracking."""

import datetime as dt

from pydantic import Field

from orderly.api.schemas.common import InputSchema, JsonObject, OutputSchema
from orderly.carriers.models import CarrierAccount, Parcel, ShippingRule
from orderly.carriers.services.accounts import CREDENTIAL_KEYS
from orderly.carriers.services.common import credentials_of
from orderly.core.crypto import mask

KINDS_HELP = "`sendcloud`, `easypost` or `own` (own label: Orderly numbers the parcel and draws the label)"
CREDENTIALS_HELP = (
    "Secrets, stored encrypted and only ever shown back masked. Sendcloud: `public_key`, `secret_key` (also signs "
    "its webhooks), `webhook_secret`; EasyPost: `api_key`, `webhook_secret`; own: `webhook_secret`."
)
SETTINGS_HELP = (
    "`base_url` (the carrier API's address, default its public one), `tracking_url` (own: with "
    "`{tracking_number}`), `carrier_name` (printed on own labels), `label_format` (fetched at booking), `timeout`."
)


class MethodIn(InputSchema):
    code: str = Field(examples=["standard"], description="The carrier's code of the service")
    name: str | None = Field(None, examples=["Standard parcel"])
    countries: list[str] = Field(default_factory=list, description="ISO codes it serves; empty for all")
    max_weight_kg: str | float | None = Field(None, examples=["23.000"])


class CarrierCreate(InputSchema):
    name: str = Field(examples=["Own courier"])
    kind: str = Field(description=KINDS_HELP, examples=["own"])
    enabled: bool = True
    settings: JsonObject = Field(default_factory=dict, description=SETTINGS_HELP)
    credentials: dict[str, str] = Field(default_factory=dict, description=CREDENTIALS_HELP)
    sender_address: JsonObject = Field(default_factory=dict, description="The address labels show as sender")
    methods: list[MethodIn] = Field(default_factory=list)


class CarrierPatch(InputSchema):
    name: str | None = None
    enabled: bool | None = None
    settings: JsonObject | None = Field(None, description=SETTINGS_HELP)
    credentials: dict[str, str] | None = Field(
        None, description="Only the secrets sent are replaced. " + CREDENTIALS_HELP
    )
    sender_address: JsonObject | None = None
    methods: list[MethodIn] | None = Field(None, description="The full list: methods left out are removed")


class MethodOut(OutputSchema):
    code: str
    name: str
    countries: list[str]
    max_weight_kg: str | None


class CarrierOut(OutputSchema):
    id: int
    name: str
    kind: str
    enabled: bool
    settings: JsonObject
    credentials: dict[str, str] = Field(description="Each secret masked, e.g. `••••3f9a`.")
    sender_address: JsonObject
    methods: list[MethodOut]
    webhook_url: str = Field(description="Where the carrier posts its tracking webhooks")
    created_at: dt.datetime


class CarrierList(OutputSchema):
    items: list[CarrierOut]


class RuleIn(InputSchema):
    country: str = Field(examples=["NL"])
    channel: int | None = Field(None, description="A sales channel's id; empty for every channel")
    delivery_method: str = Field("", description="The shop's delivery method as orders keep it; empty for any")
    carrier: str | int = Field(description="The carrier account's name or id", examples=["Own courier"])
    method: str = Field(description="The method's code", examples=["standard"])


class RulePatch(InputSchema):
    country: str | None = None
    channel: int | None = None
    delivery_method: str | None = None
    carrier: str | int | None = None
    method: str | None = None


class RuleOut(OutputSchema):
    id: int
    country: str
    channel: int | None
    delivery_method: str
    carrier: str
    carrier_id: int
    method: str


class RuleList(OutputSchema):
    items: list[RuleOut]


class LabelBook(InputSchema):
    carrier: str | int | None = Field(None, description="Name or id; resolved by the shipping rules when empty")
    method: str | None = Field(None, description="The method's code; resolved by the rules when empty")


class LabelOut(OutputSchema):
    fulfillment: str
    order: str
    status: str = Field(description="The fulfillment's status")
    parcel: str | None
    carrier: str
    method: str
    weight_kg: str | None
    tracking_number: str
    tracking_url: str
    label_status: str = Field(description="none, booking, booked, failed or voided")
    tracking_status: str
    last_error: str


class TrackingStepOut(OutputSchema):
    status: str
    carrier_status: str
    occurred_at: dt.datetime
    source: str


class TrackingOut(OutputSchema):
    fulfillment: str
    parcel: str | None
    carrier: str
    tracking_number: str
    tracking_url: str
    tracking_status: str
    events: list[TrackingStepOut]


class CarrierWebhookOut(OutputSchema):
    changed: int = Field(description="Parcels' statuses changed by it (0 for a replay)")


def carrier_dict(account: CarrierAccount, webhook_url: str) -> dict:
    try:
        secrets = credentials_of(account)
    except Exception:
        secrets = {}
    return {
        "id": account.id, "name": account.name, "kind": account.kind, "enabled": account.enabled,
        "settings": account.settings, "sender_address": account.sender_address,
        "credentials": {key: mask(secrets.get(key, "")) for key in CREDENTIAL_KEYS.get(account.kind, ())},
        "methods": [
            {"code": m.code, "name": m.name, "countries": m.countries,
             "max_weight_kg": None if m.max_weight_kg is None else str(m.max_weight_kg)}
            for m in account.methods.all()
        ],
        "webhook_url": webhook_url, "created_at": account.created_at,
    }  # fmt: skip


def rule_dict(rule: ShippingRule) -> dict:
    return {
        "id": rule.id, "country": rule.country, "channel": rule.channel_id, "delivery_method": rule.delivery_method,
        "carrier": rule.method.account.name, "carrier_id": rule.method.account_id, "method": rule.method.code,
    }  # fmt: skip


def label_dict(fulfillment, parcel: Parcel | None) -> dict:
    return {
        "fulfillment": fulfillment.number, "order": fulfillment.order.number, "status": fulfillment.status,
        "parcel": parcel.number if parcel else None,
        "carrier": parcel.account.name if parcel else fulfillment.carrier,
        "method": parcel.method_code if parcel else "",
        "weight_kg": str(parcel.weight_kg) if parcel else None,
        "tracking_number": fulfillment.tracking_number, "tracking_url": fulfillment.tracking_url,
        "label_status": parcel.label_status if parcel else "none",
        "tracking_status": parcel.tracking_status if parcel else "",
        "last_error": parcel.last_error if parcel else "",
    }  # fmt: skip


def tracking_dict(fulfillment, parcel: Parcel | None) -> dict:
    events = list(parcel.events.order_by("occurred_at", "id")) if parcel else []
    return {
        "fulfillment": fulfillment.number, "parcel": parcel.number if parcel else None,
        "carrier": parcel.account.name if parcel else fulfillment.carrier,
        "tracking_number": fulfillment.tracking_number or (parcel.tracking_number if parcel else ""),
        "tracking_url": fulfillment.tracking_url, "tracking_status": parcel.tracking_status if parcel else "",
        "events": [{"status": e.status, "carrier_status": e.carrier_status, "occurred_at": e.occurred_at,
                    "source": e.source} for e in events],
    }  # fmt: skip
