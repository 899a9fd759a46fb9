"""/channels: sales channels, their SKU mappings, sync runs, CSV import and inbound webhooks.

Managers configure channels and mappings; operators synchronize and import; viewers read. The inbound webhook
carries no bearer token: the channel's own signature over the raw body is its proof.
"""

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from ninja import Query, Router

from orderly.api.auth import can_change_catalog, can_change_orders, can_read, public
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.channels import (
    ChannelCreate,
    ChannelOut,
    ChannelPage,
    ChannelPatch,
    ListQuery,
    MappingIn,
    MappingOut,
    MappingPage,
    SyncRunList,
    SyncRunOut,
    SyncRunPage,
    SyncRunQuery,
    WebhookOut,
    mapping_dict,
    page_of,
    run_dict,
    webhook_dict,
)
from orderly.catalog.models import ChannelSkuMapping
from orderly.channels import selectors, services
from orderly.channels.connectors.csv_file import MAX_BYTES
from orderly.channels.models import SalesChannel
from orderly.core.actors import Actor
from orderly.core.exceptions import ValidationError
from orderly.core.paging import paginate
from orderly.orders.selectors import order_get

router = Router(tags=["channels"])


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)


READ_ERRORS = error_responses(401, 403, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)

# Configuring a channel is a manager's work, as changing the catalog is.
can_configure = can_change_catalog


def channel_get(channel_id: int) -> SalesChannel:
    """The channel with its order counts (NotFound when there is none)."""
    selectors.channel_get(channel_id)
    return selectors.channel_overview().get(pk=channel_id)


def channel_dict(request: HttpRequest, channel: SalesChannel) -> dict:
    return {
        "id": channel.id,
        "name": channel.name,
        "kind": channel.kind,
        "enabled": channel.enabled,
        "settings": channel.settings or {},
        "credentials": selectors.masked_credentials(channel),
        "webhook_url": request.build_absolute_uri(reverse("api-v1:channel_webhook", args=[channel.id])),
        "created_at": channel.created_at,
        "last_sync_at": channel.last_synced_at,
        "next_sync_at": channel.next_sync_at if channel.enabled else None,
        "orders": channel.order_count,
        "errors": channel.error_count,
    }


@router.get("", response={200: ChannelPage, **error_responses(401, 403, 422)}, auth=can_read, summary="List channels")
def list_channels(request: HttpRequest, query: Query[ListQuery]):
    """Every channel by name, with its last sync and how many orders (and orders with errors) it brought."""
    page = paginate(selectors.channel_overview(), page=query.page, page_size=query.page_size)
    return page_of(ChannelPage, page, [channel_dict(request, channel) for channel in page.items])


@router.post(
    "",
    response={201: ChannelOut, **error_responses(400, 401, 403, 409, 413, 422)},
    auth=can_configure,
    summary="Create a channel",
)
def create_channel(request: HttpRequest, payload: ChannelCreate, idempotency_key: str | None = IdempotencyKey):
    """A new channel; the settings and credentials its kind needs are checked, and the credentials stored
    encrypted. An enabled Shopify or WooCommerce channel is due for its first sync at once."""

    def run():
        channel = services.channel_create(**payload.model_dump())
        return channel_dict(request, channel_get(channel.id))

    return respond(request, idempotency_key, run=run, schema=ChannelOut, status=201)


@router.get("/{int:channel_id}", response={200: ChannelOut, **READ_ERRORS}, auth=can_read, summary="Get a channel")
def get_channel(request: HttpRequest, channel_id: int):
    """The channel with its settings and masked credentials, and the address its webhooks go to."""
    return channel_dict(request, channel_get(channel_id))


@router.patch(
    "/{int:channel_id}", response={200: ChannelOut, **WRITE_ERRORS}, auth=can_configure, summary="Edit a channel"
)
def update_channel(request: HttpRequest, channel_id: int, payload: ChannelPatch):
    """Change what is sent: the name, the enabled switch (enabling starts scheduled syncing, disabling stops it),
    the settings (replaced whole) or some of the credentials (those not sent are kept). The kind never changes."""
    services.channel_update(channel=channel_get(channel_id), **payload.model_dump(exclude_unset=True))
    return channel_dict(request, channel_get(channel_id))


# ---- SKU mappings ----------------------------------------------------------------------------------------------


@router.get(
    "/{int:channel_id}/mappings", response={200: MappingPage, **READ_ERRORS}, auth=can_read, summary="SKU mappings"
)
def list_mappings(request: HttpRequest, channel_id: int, query: Query[ListQuery]):
    """The channel's SKUs that stand for one of our variants, by channel SKU."""
    channel = channel_get(channel_id)
    page = paginate(
        selectors.mapping_list(channel).order_by("external_sku", "id"), page=query.page, page_size=query.page_size
    )
    return page_of(MappingPage, page, [mapping_dict(mapping) for mapping in page.items])


@router.post(
    "/{int:channel_id}/mappings",
    response={200: MappingOut, **WRITE_ERRORS},
    auth=can_configure,
    summary="Map a channel SKU",
)
def set_mapping(
    request: HttpRequest, channel_id: int, payload: MappingIn, idempotency_key: str | None = IdempotencyKey
):
    """Map the channel's SKU to our variant, replacing an earlier mapping of that SKU. Orders already imported
    with an error for it keep the error until they are reset (`POST /orders/{number}/reset`)."""

    def run():
        mapping = services.mapping_set(channel=channel_get(channel_id), **payload.model_dump())
        return mapping_dict(ChannelSkuMapping.objects.select_related("variant").get(pk=mapping.pk))

    return respond(request, idempotency_key, run=run, schema=MappingOut, status=200)


@router.delete(
    "/{int:channel_id}/mappings/{path:external_sku}",
    response={204: None, **error_responses(401, 403, 404)},
    auth=can_configure,
    summary="Remove a SKU mapping",
)
def delete_mapping(request: HttpRequest, channel_id: int, external_sku: str):
    services.mapping_delete(channel=channel_get(channel_id), external_sku=external_sku)
    return HttpResponse(status=204)


# ---- sync, the sync log, CSV import -----------------------------------------------------------------------------


@router.post(
    "/sync",
    response={202: SyncRunList, **error_responses(400, 401, 403, 409, 422)},
    auth=can_change_orders,
    summary="Synchronize every enabled channel now",
)
def sync_all(request: HttpRequest, idempotency_key: str | None = IdempotencyKey):
    """Queue a pull of new and changed orders for every enabled Shopify and WooCommerce channel: 202 with one run
    per channel, `queued` for the background worker (or the run already queued or running for that channel). Poll
    `GET /channels/{id}/runs` for the outcome."""

    def run():
        return {"items": [run_dict(one) for one in services.runs_enqueue_enabled(actor=_actor(request))]}

    return respond(request, idempotency_key, run=run, schema=SyncRunList, status=202)


@router.post(
    "/{int:channel_id}/sync",
    response={202: SyncRunOut, **error_responses(400, 401, 403, 404, 409, 422)},
    auth=can_change_orders,
    summary="Synchronize a channel now",
)
def sync_channel(request: HttpRequest, channel_id: int, idempotency_key: str | None = IdempotencyKey):
    """Queue a pull of the channel's new and changed orders for the background worker: 202 with the run, status
    `queued`. While a sync of the channel is queued or running, the answer is that run and nothing new is queued
    (two syncs of one channel never run at once). Poll `GET /channels/{id}/runs`: the run ends `succeeded`,
    `partial` (with each failure's reason), `failed` (the shop could not be reached, with the reason) or
    `interrupted`."""
    channel = selectors.channel_get(channel_id)

    def run():
        return run_dict(services.run_enqueue(channel=channel, actor=_actor(request))[0])

    return respond(request, idempotency_key, run=run, schema=SyncRunOut, status=202)


@router.get("/{int:channel_id}/runs", response={200: SyncRunPage, **READ_ERRORS}, auth=can_read, summary="The sync log")
def list_runs(request: HttpRequest, channel_id: int, query: Query[SyncRunQuery]):
    """Each run, newest first: start, end, orders imported, updated, skipped, failed, and each failure's reason.

    Follow `next` for the following page: it pages by cursor, as fast deep in the list as at its start, and nothing
    is skipped or repeated when rows are added meanwhile. `total` stops at 10,000 (`total_exact` false) unless
    `count=exact` asks for the full count."""
    runs = selectors.sync_run_list(selectors.channel_get(channel_id))
    page = paginate(runs, **query.paging(selectors.SYNC_LOG_ORDER))
    return page_of(SyncRunPage, page, [run_dict(run) for run in page.items], request)


def _upload(request: HttpRequest) -> bytes:
    """The CSV sent as the multipart field `file`, or as the body itself."""
    if request.content_type == "multipart/form-data":
        try:
            upload = request.FILES.get("file")
        except MultiPartParserError:
            raise ValidationError("The multipart body cannot be read.", field="file") from None
        if upload is None:
            raise ValidationError("Send the CSV as the multipart field `file`.", field="file")
        return upload.read(MAX_BYTES + 1)
    # Read as a stream, past Django's limit for request bodies held in memory: a CSV may be as large as FORMATS.md
    # says, by either way of sending it; one byte more is enough to refuse it.
    return request.read(MAX_BYTES + 1)


@router.post(
    "/{int:channel_id}/import",
    response={200: SyncRunOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    auth=can_change_orders,
    summary="Import a CSV file of orders",
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            }
        }
    },
)
def import_csv(request: HttpRequest, channel_id: int, idempotency_key: str | None = IdempotencyKey):
    """Import a file in the documented CSV format into a CSV channel: the body itself (`Content-Type: text/csv`)
    or the multipart field `file`. Every row is checked first; a file with any bad row is refused whole and nothing
    is written: 422 with code `csv_rejected`, whose `detail.errors` lists every error as `{line, column, reason}`
    (the header is line 1). The answer is the run in the channel's sync log."""
    channel = selectors.channel_get(channel_id)
    content = _upload(request)

    def run():
        return run_dict(services.csv_import(channel=channel, content=content, actor=_actor(request)))

    return respond(request, idempotency_key, run=run, schema=SyncRunOut, status=200, body=content)


# ---- inbound webhooks ------------------------------------------------------------------------------------------


def _header(name: str, description: str) -> dict:
    return {"name": name, "in": "header", "required": False, "schema": {"type": "string"}, "description": description}


# The shop signs the raw body; which headers count depends on the channel's kind, so each is optional here.
WEBHOOK_HEADERS = [
    _header("X-Shopify-Hmac-Sha256", "Shopify: base64 HMAC-SHA256 of the raw body with the webhook secret"),
    _header("X-Shopify-Webhook-Id", "Shopify: the delivery's id (a replay is answered `duplicate`)"),
    _header("X-Shopify-Topic", "Shopify: e.g. `orders/create`, `orders/updated`"),
    _header("X-WC-Webhook-Signature", "WooCommerce: base64 HMAC-SHA256 of the raw body with the webhook secret"),
    _header("X-WC-Webhook-Delivery-ID", "WooCommerce: the delivery's id"),
    _header("X-WC-Webhook-Topic", "WooCommerce: e.g. `order.created`"),
    _header("X-Orderly-Signature", "Generic webhook: `sha256=<hex HMAC-SHA256 of the raw body>`"),
    _header("X-Orderly-Delivery", "Generic webhook: the delivery's id"),
    _header("X-Orderly-Topic", "Generic webhook: what happened, free text"),
]


@router.post(
    "/{int:channel_id}/webhook",
    response={200: WebhookOut, **error_responses(400, 401, 404, 409, 413, 422)},
    auth=None,
    url_name="channel_webhook",
    summary="A channel's inbound webhook",
    openapi_extra={
        # No bearer token: the shop's signature over the raw body is the proof (empty security for this one).
        "security": [],
        "parameters": WEBHOOK_HEADERS,
        "requestBody": {
            "required": True,
            "description": "The shop's order as it sends it (Shopify or WooCommerce order JSON, or the generic "
            "schema of channels/FORMATS.md), signed byte for byte: send it unchanged.",
            "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        },
    },
)
@public
def channel_webhook(request: HttpRequest, channel_id: int):
    """Where the shop posts its order webhooks, verified over the raw body with the channel's scheme (Shopify
    `X-Shopify-Hmac-Sha256`, WooCommerce `X-WC-Webhook-Signature`, generic `X-Orderly-Signature: sha256=<hex>`).
    A wrong or missing signature: 401, nothing written. A replayed delivery: 200, `duplicate`, nothing new."""
    channel = selectors.channel_get(channel_id)
    result = services.webhook_receive(channel=channel, headers=request.headers, body=request.body)
    return webhook_dict(result)


# ---- one order -------------------------------------------------------------------------------------------------

orders_router = Router(tags=["channels"])


@orders_router.post(
    "/{number}/synchronize",
    response={202: SyncRunOut, **error_responses(400, 401, 403, 404, 409, 422)},
    auth=can_change_orders,
    summary="Re-pull one order from its channel",
)
def synchronize_order(request: HttpRequest, number: str, idempotency_key: str | None = IdempotencyKey):
    """Queue a fetch of the order's latest state from its shop for the background worker: 202 with the run (kind
    `order`, status `queued`); once applied, changes show on the order's timeline as a sync event. Poll the
    channel's `GET /channels/{id}/runs`. Refused (422) for orders of a channel that cannot be asked, such as manual
    or CSV orders."""

    def run():
        return run_dict(services.order_run_enqueue(order=order_get(number), actor=_actor(request)))

    return respond(request, idempotency_key, run=run, schema=SyncRunOut, status=202)
