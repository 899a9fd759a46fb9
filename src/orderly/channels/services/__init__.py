"""Every write to sales channels goes through these services.

Public interface (keyword-only arguments; DomainError subclasses on refusal):

Configuration (channels.services.config, .mappings)
- channel_create(*, name, kind="manual", enabled=True, settings=None, credentials=None) -> SalesChannel
- channel_update(*, channel, name=None, enabled=None, settings=None, credentials=None) -> SalesChannel
- mapping_set(*, channel, external_sku, variant_sku) -> catalog.ChannelSkuMapping
- mapping_delete(*, channel, external_sku) -> None

Sync (channels.services.sync)
- channel_sync(*, channel, actor=None) -> SyncRun              pull new and changed orders now (ValidationError
  `channel_kind_unsupported` for manual, CSV and webhook channels)
- channels_sync_enabled(*, actor=None) -> list[SyncRun]        every enabled pulling channel now
- order_synchronize(*, order, actor=None) -> SyncRun           re-pull one order's latest state
- order_upsert_from_channel(*, channel, data: ExternalOrder, actor) -> "imported" | "updated" | "skipped"

Synchronize now, in the background (channels.services.runs): a `queued` run in the sync log and its task
- run_enqueue(*, channel, actor) -> (SyncRun, queued_now)  the channel's sync, or the one already queued/running
- runs_enqueue_enabled(*, actor) -> list[SyncRun]           every enabled pulling channel
- order_run_enqueue(*, order, actor) -> SyncRun             one order re-pulled
- runs_interrupt_stale(*, channel=None) -> int              running runs whose process is gone -> `interrupted`
SyncRunning (409) when a channel sync is started while another is queued or running (one at a time).
- csv_import(*, channel, content: bytes | str, actor=None) -> SyncRun   raises CsvRejected (.errors: line, column,
  reason) and writes nothing when any row is bad
- webhook_receive(*, channel, headers: Mapping[str, str], body: bytes) -> WebhookResult   raises
  WebhookRefused (401) with nothing written when the signature is wrong or missing

Scheduling (channels.services.scheduling): enqueue_due() queues what is due; `orderly channel_scheduler` runs it
every 30 s beside `orderly worker`. The worker runs channels.tasks (sync_channel(channel_id, run_id),
synchronize_order, push_outbox_message(message_id), push_due_outbox()), thin wrappers of
channels.services.background and .outbox; services queue them by path (orderly.core.queue), never importing them.

Push back (channels.services.outbox)
- shipment_record(*, order, tracking_number, carrier="", tracking_url="", actor) -> OutboxMessage
- outbox_push(*, message_id) -> OutboxMessage                  one attempt; backoff on failure
- outbox_push_due() -> int                                     every due message
- outbox_retry(*, message, actor) -> OutboxMessage             a failed push tried again now

Errors: ChannelError (502, the shop failed), WebhookRefused (401), CsvRejected (422, `.errors` list of
{"line", "column", "reason"}); all DomainError. Formats of the CSV file and the generic webhook: channels/FORMATS.md.

Selectors (channels.selectors): channel_list, channel_overview (order_count, error_count), channel_get(id),
masked_credentials(channel), mapping_list(channel), unmapped_skus(channel), sync_run_list(channel),
last_sync_run(channel), outbox_for_order(order), outbox_for_channel(channel, status=None), channels_due(),
manual_channel().
"""

from orderly.channels.connectors.base import ChannelError, WebhookRefused
from orderly.channels.connectors.csv_file import CsvRejected
from orderly.channels.services.config import channel_create, channel_update
from orderly.channels.services.csv_import import csv_import
from orderly.channels.services.mappings import mapping_delete, mapping_set
from orderly.channels.services.outbox import outbox_push, outbox_push_due, outbox_retry, shipment_record
from orderly.channels.services.runs import (
    SyncRunning,
    order_run_enqueue,
    run_enqueue,
    runs_enqueue_enabled,
    runs_interrupt_stale,
)
from orderly.channels.services.sync import channel_sync, channels_sync_enabled, order_synchronize
from orderly.channels.services.upsert import order_upsert_from_channel
from orderly.channels.services.webhooks import WebhookResult, webhook_receive

__all__ = [
    "ChannelError",
    "CsvRejected",
    "SyncRunning",
    "WebhookRefused",
    "WebhookResult",
    "csv_import",
    "channel_create",
    "channel_sync",
    "channel_update",
    "channels_sync_enabled",
    "mapping_delete",
    "mapping_set",
    "order_run_enqueue",
    "order_synchronize",
    "order_upsert_from_channel",
    "outbox_push",
    "outbox_push_due",
    "outbox_retry",
    "run_enqueue",
    "runs_enqueue_enabled",
    "runs_interrupt_stale",
    "shipment_record",
    "webhook_receive",
]
