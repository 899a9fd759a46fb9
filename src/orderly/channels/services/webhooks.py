"""Inbound webhooks: verified before anything is written, each delivery taken once."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from orderly.channels.connectors import get_connector
from orderly.channels.connectors.base import ChannelError, WebhookRefused
from orderly.channels.models import SalesChannel, SyncRun, SyncRunKind, WebhookDelivery
from orderly.channels.services.sync import sync_run_finish, take_orders
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.core.retry import retry_on_conflict

logger = logging.getLogger(__name__)


@dataclass
class WebhookResult:
    delivery_id: str
    duplicate: bool  # a replay of a delivery already taken: nothing was written
    run: SyncRun | None


@retry_on_conflict
def webhook_receive(*, channel: SalesChannel, headers: Mapping[str, str], body: bytes) -> WebhookResult:
    """Verify a delivery with the channel's signature scheme and take its order.

    Raises WebhookRefused (401) when the signature is missing or wrong and ValidationError (422) for a body that
    cannot be read, writing nothing; Conflict (409) when the channel is disabled. A set-up ping (WooCommerce's
    unsigned `webhook_id=N`) writes nothing. A replayed delivery id returns `duplicate` and writes nothing.
    Otherwise the order is upserted like a pulled one, logged as a `webhook` run, in the same transaction as the
    delivery id: an order that cannot be used is kept as an Error order, and a failure that stores nothing (the
    database unavailable) answers with an error and leaves the id free, so the shop's retry is taken.
    """
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    try:
        connector = get_connector(channel)
    except ChannelError:
        # Credentials unreadable with this server's key: nothing can be verified. Logged for the operators; the
        # caller (unauthenticated) learns only that the delivery was not verified.
        logger.warning("Webhook for channel %s refused: its credentials cannot be read with this key.", channel.pk)
        raise WebhookRefused("The delivery cannot be verified.") from None
    message = connector.verify_webhook(headers=lowered, body=body)
    if message.topic == "ping" and not message.orders:
        # A shop checking that the address answers when a webhook is set up: acknowledged, nothing written.
        return WebhookResult(delivery_id=message.delivery_id, duplicate=False, run=None)
    if not channel.enabled:
        raise Conflict(
            f"Channel {channel} is disabled; enable it to take its webhooks.",
            code=ErrorCode.CHANNEL_DISABLED,
            channel=channel.name,
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookDelivery.objects.create(
                    channel=channel, delivery_id=message.delivery_id[:200], topic=message.topic[:100]
                )
        except IntegrityError:
            return WebhookResult(delivery_id=message.delivery_id, duplicate=True, run=None)
        run = SyncRun.objects.create(
            channel=channel, kind=SyncRunKind.WEBHOOK, trigger=f"webhook {message.topic}"[:150]
        )
        take_orders(channel, message.orders, run, Actor.for_channel(channel))
        run = sync_run_finish(run)
    return WebhookResult(delivery_id=message.delivery_id, duplicate=False, run=run)
