"""Reads of sales channels, their mappings, sync log and outbound pushes."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from orderly.catalog.models import ChannelSkuMapping
from orderly.channels.models import (
    ChannelKind,
    OutboxMessage,
    OutboxStatus,
    SalesChannel,
    SyncRun,
    SyncRunKind,
    SyncRunStatus,
)
from orderly.channels.problems import SyncProblem, sync_problem
from orderly.channels.settings_schema import CREDENTIAL_FIELDS
from orderly.core import crypto
from orderly.core.exceptions import NotFound
from orderly.orders.models import Order, OrderItem


def manual_channel() -> SalesChannel:
    """The built-in channel for orders entered by hand or through the API."""
    channel, _ = SalesChannel.objects.get_or_create(
        kind=ChannelKind.MANUAL, name=SalesChannel.MANUAL_NAME, defaults={"enabled": True}
    )
    return channel


def channel_list() -> QuerySet[SalesChannel]:
    return SalesChannel.objects.order_by("name", "id")


def channel_overview() -> QuerySet[SalesChannel]:
    """Channels with `order_count` and `error_count` (visible orders with an error), in one query."""
    visible = Q(orders__deleted_at__isnull=True)
    return SalesChannel.objects.annotate(
        order_count=Count("orders", filter=visible),
        error_count=Count("orders", filter=visible & ~Q(orders__error_code="")),
    ).order_by("name", "id")


def channel_get(channel_id: int) -> SalesChannel:
    try:
        return SalesChannel.objects.get(pk=channel_id)
    except (SalesChannel.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No channel {channel_id}.", resource="channel", key=channel_id) from None


def channel_named(name: str) -> SalesChannel:
    """The channel called exactly `name` (names are unique); NotFound lists the channels there are."""
    channel = SalesChannel.objects.filter(name=name).first()
    if channel is None:
        names = ", ".join(channel_list().values_list("name", flat=True)) or "none"
        raise NotFound(f"No channel is named {name!r}; the channels are: {names}.", resource="channel", key=name)
    return channel


def channel_credentials(channel: SalesChannel) -> dict:
    """The channel's credentials in clear, for its connector only; {} when they cannot be read with today's key."""
    try:
        return crypto.decrypt(channel.credentials_encrypted, purpose=crypto.CHANNELS)
    except crypto.CredentialsUnreadable:
        return {}


def credentials_unreadable(channel: SalesChannel) -> bool:
    """Whether credentials are stored that this server's key cannot read (the key changed, or they were altered)."""
    try:
        crypto.decrypt(channel.credentials_encrypted, purpose=crypto.CHANNELS)
    except crypto.CredentialsUnreadable:
        return True
    return False


def masked_credentials(channel: SalesChannel) -> dict[str, str]:
    """Each credential the kind uses, masked (`••••abcd`), or "" when not set. Safe to show."""
    secrets = channel_credentials(channel)
    return {name: crypto.mask(secrets.get(name, "")) for name in CREDENTIAL_FIELDS.get(channel.kind, ())}


def mapping_list(channel: SalesChannel) -> QuerySet[ChannelSkuMapping]:
    return ChannelSkuMapping.objects.filter(channel=channel).select_related("variant").order_by("external_sku")


def unmapped_skus(channel: SalesChannel) -> list[dict]:
    """SKUs on the channel's visible orders that match no variant: [{"sku", "orders", "mapped"}], most orders first.

    An item keeps no variant until its order is reset, so a SKU mapped since shows here with `mapped` true: its
    orders are waiting for a reset, not for a mapping.
    """
    rows = (
        OrderItem.objects.filter(order__channel=channel, order__deleted_at__isnull=True, variant__isnull=True)
        .values("sku")
        .annotate(orders=Count("order", distinct=True))
        .order_by("-orders", "sku")
    )
    mapped = set(
        ChannelSkuMapping.objects.filter(channel=channel, external_sku__in=[row["sku"] for row in rows]).values_list(
            "external_sku", flat=True
        )
    )
    return [{"sku": row["sku"], "orders": row["orders"], "mapped": row["sku"] in mapped} for row in rows]


# The sync log's and the updates' order, newest first; their lists page by cursor on these keys.
SYNC_LOG_ORDER = ("-started_at", "-id")
PUSHES_ORDER = ("-created_at", "-id")


def sync_run_list(channel: SalesChannel) -> QuerySet[SyncRun]:
    """The channel's sync log, newest first."""
    return SyncRun.objects.filter(channel=channel).order_by(*SYNC_LOG_ORDER)


def last_sync_run(channel: SalesChannel) -> SyncRun | None:
    return sync_run_list(channel).first()


@dataclass(frozen=True)
class SyncHealth:
    last_success: SyncRun | None  # the newest run that took the shop's orders (every one, or all but some)
    last_attempt: SyncRun | None  # the newest run that finished, however it ended
    problem: SyncProblem | None  # the last attempt's failure in words, when it failed


def sync_health(channel: SalesChannel) -> SyncHealth:
    """The channel's last successful sync of its orders and its last attempt, with the attempt's failure in words
    (two queries). Re-pulls of one order, CSV uploads and webhooks are not syncs of the channel."""
    finished = SyncRun.objects.filter(channel=channel, kind=SyncRunKind.CHANNEL, finished_at__isnull=False).order_by(
        "-finished_at", "-id"
    )
    last_attempt = finished.first()
    last_success = finished.filter(status__in=[SyncRunStatus.SUCCEEDED, SyncRunStatus.PARTIAL]).first()
    failed = last_attempt is not None and last_attempt.status in (SyncRunStatus.FAILED, SyncRunStatus.INTERRUPTED)
    problem = sync_problem(last_attempt.error or "interrupted") if failed else None
    return SyncHealth(last_success, last_attempt, problem)


def outbox_for_order(order: Order) -> QuerySet[OutboxMessage]:
    """Pushes of this order to its channel, newest first, with status, attempts and last error."""
    return OutboxMessage.objects.filter(order=order).order_by("-created_at", "-id")


def outbox_for_channel(channel: SalesChannel, *, status: str | None = None) -> QuerySet[OutboxMessage]:
    pushes = OutboxMessage.objects.filter(channel=channel).select_related("order").order_by("-created_at", "-id")
    return pushes.filter(status=status) if status else pushes


def outbox_due(now=None) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=now or timezone.now()
    ).order_by("next_attempt_at", "id")


def channels_due(now=None) -> QuerySet[SalesChannel]:
    """Enabled pulling channels whose next sync time has come."""
    return SalesChannel.objects.filter(
        enabled=True, kind__in=(ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE), next_sync_at__lte=now or timezone.now()
    ).order_by("next_sync_at", "id")


def order_by_external_id(channel: SalesChannel, external_id: str) -> Order | None:
    """The channel's order with that id, deleted ones included (a deleted order is never imported again)."""
    return Order.all_objects.filter(channel=channel, external_id=external_id).exclude(external_id="").order_by().first()


SYNC_FAILED = ("failed", "partial", "interrupted")

# What the updates to the shops list filters by: the outbox's statuses, and "retrying" (a pending update whose last
# attempt failed), as the start page counts them.
PUSH_STATES = {
    "pending": "Pending: waiting for an attempt",
    "retrying": "Retrying: an attempt failed",
    "sent": "Sent",
    "failed": "Failed: gave up",
}


def _since_last_good(channel_id: int) -> Q:
    """The channel's runs newer than its last channel sync that did not fail (succeeded, queued or running); all of
    them when there is none. One query, served by the sync log's index: it reads back from the newest run."""
    good = (
        SyncRun.objects.filter(channel_id=channel_id, kind=SyncRunKind.CHANNEL)
        .exclude(status__in=SYNC_FAILED)
        .order_by("-started_at", "-id")
        .values_list("started_at", "id")
        .first()
    )
    if good is None:
        return Q(channel_id=channel_id)
    started_at, pk = good
    # A range on the index (channel, started_at), less the good run and any before it started in the same instant.
    return Q(channel_id=channel_id, started_at__gte=started_at) & ~Q(started_at=started_at, id__lte=pk)


def failing(channel_ids) -> Q:
    """Each channel's channel syncs that failed since its last one that did not: its unbroken streak of failures up
    to now, nothing for a channel whose last sync did not fail. A query per channel to find where its streak starts
    (a shop has a handful of channels), so that the runs themselves are read as index ranges."""
    streaks = Q(pk__in=[])
    for channel_id in channel_ids:
        streaks |= _since_last_good(channel_id)
    return streaks & Q(kind=SyncRunKind.CHANNEL, status__in=SYNC_FAILED)


def sync_run_search(
    *, channel_id: int | None = None, kind: str = "", status: str = "", failing_only: bool = False
) -> QuerySet[SyncRun]:
    """The sync log of every channel, or of one, newest first, with each run's channel: of one `kind` and
    `status` when given; `failing_only`: only the failures since each channel's last sync that did not fail."""
    runs = SyncRun.objects.select_related("channel").order_by(*SYNC_LOG_ORDER)
    if channel_id is not None:
        runs = runs.filter(channel_id=channel_id)
    if kind:
        runs = runs.filter(kind=kind)
    if status:
        runs = runs.filter(status=status)
    if failing_only:
        ids = [channel_id] if channel_id is not None else SalesChannel.objects.values_list("id", flat=True)
        runs = runs.filter(failing(ids))
    return runs


def outbox_search(*, channel_id: int | None = None, status: str = "") -> QuerySet[OutboxMessage]:
    """The updates to the shops (every channel's, or one's), newest first, with their order and channel; `status`
    one of PUSH_STATES."""
    pushes = OutboxMessage.objects.select_related("order", "channel").order_by(*PUSHES_ORDER)
    if channel_id is not None:
        pushes = pushes.filter(channel_id=channel_id)
    if status == "retrying":
        return pushes.filter(status=OutboxStatus.PENDING, attempts__gt=0)
    return pushes.filter(status=status) if status else pushes


def sync_attention() -> dict:
    """For the start page, per enabled channel: its syncs that failed since its last one that did not, with the
    newest of them (its reason) — and per channel, the updates to the shop that are retrying. The rows counted are
    exactly those sync_run_search(failing_only=True) and outbox_search(status="retrying") list for the channel.
    A few queries per channel (where its streak starts, its newest failure, how many), each an index range however
    long the sync log, and one grouped query for the updates."""
    failed = []
    for channel in SalesChannel.objects.filter(enabled=True).order_by("name", "id"):
        runs = sync_run_search(channel_id=channel.id, failing_only=True)
        if (run := runs.first()) is None:
            continue
        stopped = run.error or run.status == SyncRunStatus.INTERRUPTED  # a partial run's failures are per order
        failed.append(
            {
                "channel_id": channel.id,
                "channel__name": channel.name,
                "n": runs.count(),
                "run": run,
                "problem": sync_problem(run.error or "interrupted") if stopped else None,
            }
        )
    retrying = list(
        outbox_search(status="retrying")
        .values("channel_id", "channel__name")
        .annotate(n=Count("id"))
        .order_by("channel__name", "channel_id")
    )
    return {"failed": failed, "retrying": retrying}
