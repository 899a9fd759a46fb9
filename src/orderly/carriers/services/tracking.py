"""Tracking updates from a carrier (its webhook, or the worker's periodic poll) recorded on parcels."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from orderly.carriers import events
from orderly.carriers.connectors import base
from orderly.carriers.connectors.base import TrackingStatus
from orderly.carriers.locks import lock_parcel_of
from orderly.carriers.models import CarrierAccount, Parcel, TrackingEvent
from orderly.carriers.services.booking import POLL_AFTER
from orderly.carriers.services.common import close, connector_for, credentials_of
from orderly.carriers.services.documents import booked_of
from orderly.carriers.status import FINAL_TRACKING, TRACKING_TRANSITIONS, LabelStatus
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import DomainError, ValidationError
from orderly.core.queue import enqueue
from orderly.core.retry import retry_on_conflict
from orderly.orders import events as order_events
from orderly.shipping.services.common import fulfillment_for_update

logger = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=6)
POLL_BATCH = 50
DELIVERED_EMAIL_TASK = "orderly.notifications.tasks.queue_delivered_email"


def _event_id(update: base.TrackingUpdate) -> str:
    """The carrier's id of the event, or one made of what the event says, so the same event is the same row."""
    return (update.event_id or f"{update.status}@{update.occurred_at.isoformat()}")[:200]


@retry_on_conflict
@transaction.atomic
def tracking_record(*, parcel: Parcel, updates: list[base.TrackingUpdate], actor: Actor, source: str = "webhook"):
    """Record a parcel's tracking updates, oldest first: each a TrackingEvent unless one with its event id is kept
    already (a replayed webhook, a poll seeing the same scan again: nothing changes). A newer update whose status
    TRACKING_TRANSITIONS allows from the parcel's moves it, with a `parcel_tracking` event on the order (and, when
    delivered, the customer's delivered e-mail queued with it); an older one, or one the table does not allow, is kept
    as a tracking event only. A delivered or returned parcel is not polled any more. Locks the order, the fulfillment,
    then the parcel. Returns the statuses the parcel moved through."""
    order, _items, fulfillment = fulfillment_for_update(parcel.fulfillment)
    locked = lock_parcel_of(fulfillment.pk)
    locked.fulfillment = fulfillment
    moved = []
    for update in sorted(updates, key=lambda u: u.occurred_at):
        event_id = _event_id(update)
        if TrackingEvent.objects.filter(parcel=locked, event_id=event_id).exists():
            continue
        try:
            with transaction.atomic():
                TrackingEvent.objects.create(
                    parcel=locked, event_id=event_id, status=update.status,
                    carrier_status=(update.carrier_status or "")[:200], occurred_at=update.occurred_at, source=source,
                )  # fmt: skip
        except IntegrityError:
            continue  # the same event recorded by a concurrent delivery
        if locked.label_status != LabelStatus.BOOKED:
            continue  # a voided label's late scans are history only
        current = locked.tracking_status or ""
        newer = locked.status_at is None or update.occurred_at >= locked.status_at
        if update.status == current or not newer or update.status not in TRACKING_TRANSITIONS.get(current, ()):
            if update.status == current and newer:
                locked.carrier_status = (update.carrier_status or "")[:200]
            continue
        locked.tracking_status, locked.status_at = update.status, update.occurred_at
        locked.carrier_status = (update.carrier_status or "")[:200]
        if update.tracking_url and not locked.tracking_url:
            locked.tracking_url = update.tracking_url[:500]
        order_events.record(
            order, actor, *events.parcel_tracking(locked, update.status, locked.carrier_status, update.occurred_at)
        )
        if update.status == TrackingStatus.DELIVERED:
            # the notifications task, named by its path and written in this transaction: the e-mail exists exactly
            # when the delivery does, queued once by the worker
            enqueue(DELIVERED_EMAIL_TASK, fulfillment.pk)
        moved.append(update.status)
    if locked.tracking_status in FINAL_TRACKING:
        locked.next_poll_at = None
    locked.save()
    return moved


def parcels_for_updates(account: CarrierAccount, updates: list[base.TrackingUpdate]) -> dict[int, list]:
    """The account's parcels the updates are about (by the carrier's reference, or the tracking number), with
    their updates; updates of parcels Orderly does not know are left out."""
    found: dict[int, list] = {}
    parcels = {}
    for update in updates:
        match = Parcel.objects.filter(account=account).filter(
            (Q(carrier_reference=update.carrier_reference) & ~Q(carrier_reference=""))
            | (Q(tracking_number=update.tracking_number) & ~Q(tracking_number=""))
        )
        parcel = match.order_by("-pk").first()
        if parcel is None:
            continue
        parcels[parcel.pk] = parcel
        found.setdefault(parcel.pk, []).append(update)
    return {pk: (parcels[pk], ups) for pk, ups in found.items()}


def webhook_receive(*, account: CarrierAccount, headers: dict[str, str], body: bytes) -> int:
    """A carrier's webhook delivery: the signature checked over the raw body first (WebhookSignatureRefused,
    nothing written), then each update recorded on its parcel. Returns how many statuses changed."""
    secrets = credentials_of(account)
    secret = secrets.get("webhook_secret") or secrets.get("secret_key") or ""
    connector = connector_for(account)
    try:
        updates = connector.parse_webhook(headers=headers, body=body, secret=secret)
    except base.WebhookSignatureRefused as exc:
        raise DomainError(
            f"Webhook refused: {exc or 'the signature is missing or wrong'}", code=ErrorCode.WEBHOOK_REFUSED
        ) from None
    except base.CarrierError as exc:
        raise ValidationError(f"The webhook body could not be read: {exc.message}", field=exc.field or "body") from None
    finally:
        close(connector)
    changed = 0
    actor = Actor(kind="system", name=f"{account.name} webhook")
    for parcel, parcel_updates in parcels_for_updates(account, updates).values():
        changed += len(tracking_record(parcel=parcel, updates=parcel_updates, actor=actor))
    return changed


def parcel_poll(*, parcel: Parcel, now=None) -> list[str]:
    """Ask the carrier for a parcel's tracking and record it (source poll). Unavailable or rate limited: the next
    poll is put off, doubling each time up to MAX_BACKOFF (or the carrier's Retry-After), and the error re-raised
    for the task's log; other carrier errors put the poll off the same way. Returns the statuses moved through."""
    now = now or timezone.now()
    connector = None
    try:
        connector = connector_for(parcel.account)
        updates = connector.track(booked_of(parcel))
    except (base.CarrierError, DomainError) as exc:
        failures = parcel.poll_failures + 1
        wait = min(dt.timedelta(minutes=5) * 2 ** min(failures, 10), MAX_BACKOFF)
        if isinstance(exc, base.CarrierRateLimited):
            wait = max(wait, dt.timedelta(seconds=exc.retry_after))
        Parcel.objects.filter(pk=parcel.pk).update(poll_failures=failures, next_poll_at=now + wait)
        logger.warning("Tracking poll of %s failed (%s); next in %s.", parcel.number, exc, wait)
        return []
    finally:
        close(connector)
    moved = tracking_record(parcel=parcel, updates=updates, actor=Actor.system(), source="poll")
    Parcel.objects.filter(pk=parcel.pk).exclude(tracking_status__in=FINAL_TRACKING).update(
        poll_failures=0, next_poll_at=now + POLL_AFTER
    )
    return moved


def parcels_poll_due(*, now=None, limit: int = POLL_BATCH) -> int:
    """Poll up to `limit` booked parcels whose next poll is due, oldest due first; returns how many were asked.
    Each parcel's next poll is pushed out before it is asked, so two workers never ask the same one twice."""
    now = now or timezone.now()
    due = (
        Parcel.objects.filter(label_status=LabelStatus.BOOKED, next_poll_at__lte=now, account__enabled=True)
        .exclude(tracking_status__in=FINAL_TRACKING)
        .order_by("next_poll_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    asked = 0
    for pk in list(due):
        claimed = Parcel.objects.filter(pk=pk, next_poll_at__lte=now).update(next_poll_at=now + POLL_AFTER)
        if not claimed:
            continue
        parcel = Parcel.objects.select_related("account", "fulfillment").get(pk=pk)
        parcel_poll(parcel=parcel, now=now)
        asked += 1
    return asked
