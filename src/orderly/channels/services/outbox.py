"""Telling channels what happened (an order shipped with tracking): an outbox row per push, sent by a task,
retried with exponential backoff, visible while pending or failed, and never lost."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from orderly.channels.connectors import get_connector
from orderly.channels.locks import lock_outbox_message
from orderly.channels.models import PULLING_KINDS, OutboxMessage, OutboxStatus
from orderly.channels.selectors import outbox_due
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, DomainError, ValidationError
from orderly.core.queue import enqueue
from orderly.core.retry import retry_on_conflict
from orderly.orders import events
from orderly.orders.locks import lock_order
from orderly.orders.models import Order

BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=6)


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the n-th failed attempt: 30 s, 1 min, 2 min, … at most 6 h."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _enqueue(message_id: int) -> None:
    enqueue("orderly.channels.tasks.push_outbox_message", message_id)


@retry_on_conflict
def shipment_record(
    *, order: Order, tracking_number: str, carrier: str = "", tracking_url: str = "", actor: Actor
) -> OutboxMessage | None:
    """Record that the order shipped with this tracking, to be told to its channel.

    Writes an outbox row and a timeline event in one transaction and enqueues the push after the commit. Channels
    with no shop to tell (manual, CSV, generic webhook) get the event only and None is returned.
    """
    tracking_number = (tracking_number or "").strip() if isinstance(tracking_number, str) else ""
    if not tracking_number or len(tracking_number) > 100:
        raise ValidationError("tracking_number of 1 to 100 characters is required.", field="tracking_number")
    carrier = (carrier or "").strip()[:100]
    tracking_url = (tracking_url or "").strip()[:500]
    with transaction.atomic():
        order = lock_order(order, related=("channel",))
        channel = order.channel
        payload = {"tracking_number": tracking_number, "carrier": carrier, "tracking_url": tracking_url}
        if channel.kind not in PULLING_KINDS or not order.external_id:
            events.channel_told(order, actor, f"Shipped with tracking {tracking_number}.", payload)
            return None
        message = OutboxMessage.objects.create(channel=channel, order=order, kind="shipped", payload=payload)
        events.channel_told(
            order,
            actor,
            f"Shipped with tracking {tracking_number}; {channel} will be told.",
            {**payload, "push": message.pk},
        )
        transaction.on_commit(lambda: _enqueue(message.pk))
    return message


@retry_on_conflict
def _claim(message_id: int) -> OutboxMessage | None:
    """Take the message for one attempt: count it and push its next try out, so no other worker sends it now."""
    with transaction.atomic():
        message = lock_outbox_message(message_id, related=("order", "channel"))
        if message is None or message.status != OutboxStatus.PENDING or message.next_attempt_at > timezone.now():
            return None
        message.attempts += 1
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        message.save(update_fields=["attempts", "next_attempt_at"])
    return message


def outbox_push(*, message_id: int, connector=None) -> OutboxMessage | None:
    """One attempt to send a due pending message. Success marks it sent (with a timeline event); a failure keeps
    the reason and the next attempt time (exponential backoff); after MAX_ATTEMPTS it is marked failed, still kept
    and visible, until a person retries it. Returns the message, or None when it was not due (or already sent)."""
    message = _claim(message_id)
    if message is None:
        return None
    payload = message.payload
    error = ""
    conn = None
    try:
        conn = connector or get_connector(message.channel)
        conn.push_shipped(
            external_id=message.order.external_id,
            tracking_number=payload.get("tracking_number", ""),
            carrier=payload.get("carrier", ""),
            tracking_url=payload.get("tracking_url", ""),
        )
    except DomainError as exc:
        error = exc.message
    except Exception as exc:  # anything else must not lose the push either: keep the reason and retry
        error = f"{exc.__class__.__name__}: {exc}"
    finally:
        if conn is not None and connector is None:
            conn.close()
    return _record_attempt(message, payload, error)


@retry_on_conflict
@transaction.atomic
def _record_attempt(message: OutboxMessage, payload: dict, error: str) -> OutboxMessage:
    """Keep how one attempt went: sent (with a timeline event), or its error and, after the last attempt, failed."""
    message = lock_outbox_message(message.pk)
    if message is None:
        raise OutboxMessage.DoesNotExist
    actor = Actor.system()
    if not error:
        message.status, message.sent_at, message.last_error = OutboxStatus.SENT, timezone.now(), ""
        events.channel_told(
            message.order,
            actor,
            f"{message.channel} told: shipped with tracking {payload.get('tracking_number')}.",
            {"push": message.pk},
        )
    else:
        message.last_error = error[:1000]
        if message.attempts >= OutboxMessage.MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            events.channel_told(
                message.order,
                actor,
                f"Telling {message.channel} failed after {message.attempts} attempts: {error}",
                {"push": message.pk, "error": error[:1000]},
            )
    message.save(update_fields=["status", "sent_at", "last_error"])
    return message


def outbox_push_due(*, limit: int = 100) -> int:
    """Attempt every due pending message (oldest first, at most `limit`); returns how many were sent."""
    sent = 0
    for message_id in list(outbox_due().values_list("id", flat=True)[:limit]):
        message = outbox_push(message_id=message_id)
        sent += bool(message and message.status == OutboxStatus.SENT)
    return sent


@retry_on_conflict
def outbox_retry(*, message: OutboxMessage, actor: Actor) -> OutboxMessage:
    """Try a pending or failed push again now (a person asked), with a fresh set of attempts. Refused once sent."""
    with transaction.atomic():
        message = lock_outbox_message(message.pk, related=("order",))
        if message is None:
            raise OutboxMessage.DoesNotExist
        if message.status == OutboxStatus.SENT:
            raise Conflict("This push was already sent.", code=ErrorCode.ALREADY_SENT, push=message.pk)
        message.status, message.attempts, message.next_attempt_at = OutboxStatus.PENDING, 0, timezone.now()
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        events.channel_told(
            message.order, actor, f"Push to {message.order.channel} retried by {actor.name}.", {"push": message.pk}
        )
        transaction.on_commit(lambda: _enqueue(message.pk))
    return message
