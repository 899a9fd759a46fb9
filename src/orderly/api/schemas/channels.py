"""Request and response bodies of the sales-channel endpoints: channels, their SKU mappings and sync runs."""

import datetime as dt

from ninja import Schema
from pydantic import Field

from orderly.api.schemas.common import InputSchema, JsonObject, OutputSchema, PagedQuery, PageMeta, page_meta

KINDS_HELP = "`manual`, `csv`, `shopify`, `woocommerce` or `webhook`"
CREDENTIALS_HELP = (
    "Secrets, stored encrypted and only ever shown back masked. Shopify: `access_token`, `webhook_secret`; "
    "WooCommerce: `consumer_key`, `consumer_secret`, `webhook_secret`; generic webhook: `webhook_secret`."
)
SETTINGS_HELP = (
    "Kind-specific settings: for Shopify and WooCommerce `base_url`, the shop's address; `sync_interval_minutes`; "
    "`status_map`; and the switches `process_test_orders`, `sku_less_lines_as_non_stock` and "
    "`shop_fulfillments_use_our_stock` (see channels/FORMATS.md)."
)

# ---- requests ------------------------------------------------------------------------------------------------


class ChannelCreate(InputSchema):
    name: str = Field(examples=["Roastery web shop"])
    kind: str = Field(description=KINDS_HELP, examples=["shopify"])
    enabled: bool = True
    settings: JsonObject = Field(default_factory=dict, description=SETTINGS_HELP)
    credentials: dict[str, str] = Field(default_factory=dict, description=CREDENTIALS_HELP)


class ChannelPatch(InputSchema):
    name: str | None = None
    enabled: bool | None = None
    settings: JsonObject | None = Field(None, description=SETTINGS_HELP)
    credentials: dict[str, str] | None = Field(
        None, description="Only the secrets sent are replaced; the others are kept. " + CREDENTIALS_HELP
    )


class MappingIn(InputSchema):
    external_sku: str = Field(description="The SKU as the channel sends it", examples=["SHOP-ESP-250"])
    variant_sku: str = Field(description="Our variant's SKU it stands for", examples=["ESP-250"])


class ListQuery(Schema):
    page: int = 1
    page_size: int = Field(50, description="1 to 200")


class SyncRunQuery(PagedQuery):
    """The sync log's paging: newest first, by number or by cursor."""


# ---- responses -----------------------------------------------------------------------------------------------


class ChannelOut(OutputSchema):
    id: int
    name: str
    kind: str
    enabled: bool
    settings: JsonObject
    credentials: dict[str, str] = Field(description="Each secret masked, e.g. `••••••3f9a`.")
    webhook_url: str = Field(description="Where the shop posts its webhooks (paste it into the shop's settings).")
    created_at: dt.datetime
    last_sync_at: dt.datetime | None
    next_sync_at: dt.datetime | None = Field(description="When the schedule syncs it next (enabled pulling channels)")
    orders: int = Field(description="Orders imported from this channel")
    errors: int = Field(description="Of those, orders with an error")


class ChannelPage(PageMeta):
    items: list[ChannelOut]


class MappingOut(OutputSchema):
    id: int
    external_sku: str
    variant_sku: str
    variant_name: str
    created_at: dt.datetime


class MappingPage(PageMeta):
    items: list[MappingOut]


class SyncFailure(OutputSchema):
    external_id: str
    reason: str


class SyncRunOut(OutputSchema):
    id: int
    kind: str = Field(description="`channel` (a pull), `order` (one order re-pulled), `csv` or `webhook`")
    trigger: str = Field(description="Who or what started it")
    status: str = Field(
        description="`queued` (waiting for the background worker), `running`, `succeeded`, `partial`, `failed` or "
        "`interrupted` (its process was stopped or killed; what it committed stays)"
    )
    started_at: dt.datetime = Field(description="When it was queued, then when it started")
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None = Field(description="Last sign of life of a running run (after every page)")
    imported: int
    updated: int
    skipped: int
    failed: int
    failures: list[SyncFailure]
    error: str = Field(description="Why the run stopped, when it did")


class SyncRunPage(PageMeta):
    items: list[SyncRunOut]


class SyncRunList(OutputSchema):
    items: list[SyncRunOut]


class WebhookOut(OutputSchema):
    delivery_id: str = Field(description="The shop's id of this delivery")
    duplicate: bool = Field(description="This delivery was taken before: nothing new was written")
    run: SyncRunOut | None = Field(description="The sync-log entry of what the delivery did (null for a replay)")


def page_of(schema: type[PageMeta], page, rows: list[dict], request=None) -> PageMeta:
    return schema.model_validate({**page_meta(page, request), "items": rows})


def mapping_dict(mapping) -> dict:
    return {
        "id": mapping.id,
        "external_sku": mapping.external_sku,
        "variant_sku": mapping.variant.sku,
        "variant_name": mapping.variant.name,
        "created_at": mapping.created_at,
    }


def run_dict(run) -> dict:
    return {
        "id": run.id,
        "kind": run.kind,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "heartbeat_at": run.heartbeat_at,
        "imported": run.imported,
        "updated": run.updated,
        "skipped": run.skipped,
        "failed": run.failed,
        "failures": [
            {"external_id": str(f.get("external_id", "")), "reason": str(f.get("reason", ""))}
            for f in run.failures or []
            if isinstance(f, dict)
        ],
        "error": run.error,
    }


def webhook_dict(result) -> dict:
    return {
        "delivery_id": result.delivery_id,
        "duplicate": result.duplicate,
        "run": run_dict(result.run) if result.run is not None else None,
    }
