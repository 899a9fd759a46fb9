"""Pulling orders from channels: now, on schedule, or one order again; every run written to the sync log."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from orderly.billing.services.shop_payments import shop_payments_insert_many
from orderly.channels.connectors import get_connector
from orderly.channels.connectors.base import ChannelError, ExternalOrder, Malformed, Unchanged
from orderly.channels.models import SalesChannel, SyncedOrder, SyncRun, SyncRunKind, SyncRunStatus
from orderly.channels.services.runs import SyncRunning, require_pulling, require_repullable, run_start
from orderly.channels.services.upsert import (
    IMPORTED,
    SKIPPED,
    UPDATED,
    batch_creatable,
    channel_orders,
    import_entry,
    older_than,
    order_keep_unusable,
    order_upsert_from_channel,
    received_of,
)
from orderly.channels.settings_schema import sync_interval
from orderly.core.actors import Actor
from orderly.core.exceptions import DomainError, ValidationError
from orderly.core.memory import gc_paused
from orderly.orders.models import Order
from orderly.orders.services.importing import insert_rows, orders_import_many


def take_orders(channel: SalesChannel, orders: list, run: SyncRun, actor: Actor) -> dict[str, int]:
    """Upsert a batch of parsed orders inside the caller's transaction and add the counts to `run` (same commit).

    Two queries find what the last sync saw and which orders exist here, so unchanged orders cost nothing more;
    new orders are created together (orders_import_many), changed ones one by one with their sync events.
    """
    counts = {IMPORTED: 0, UPDATED: 0, SKIPPED: 0, "failed": 0}
    failures = []
    parsed = [o for o in orders if isinstance(o, ExternalOrder)]

    def keep(entry, reason: str) -> None:
        # Nothing a shop sends is dropped: it is kept as an Error order (or noted on the order already here).
        counts["failed"] += 1
        failures.append({"external_id": entry.external_id, "reason": reason[:500]})
        order_keep_unusable(channel=channel, entry=entry, reason=reason, actor=actor)

    for entry in orders:
        if isinstance(entry, Unchanged):
            counts[SKIPPED] += 1
        elif isinstance(entry, Malformed):
            keep(entry, entry.reason)
    ids = [o.external_id for o in parsed]
    known = {s.external_id: s for s in SyncedOrder.objects.filter(channel=channel, external_id__in=ids)}
    changed = [
        o
        for o in parsed
        if o.external_id not in known
        or known[o.external_id].digest != o.digest()
        and not older_than(o, known[o.external_id])
    ]
    counts[SKIPPED] += len(parsed) - len(changed)
    existing = set(
        channel_orders(channel)
        .filter(external_id__in=[o.external_id for o in changed])
        .values_list("external_id", flat=True)
    )
    fresh, one_by_one, seen = [], [], set()
    for entry in changed:
        if entry.external_id in existing or entry.external_id in seen or not batch_creatable(channel, entry):
            one_by_one.append(entry)
        else:
            fresh.append(entry)
        seen.add(entry.external_id)
    if fresh:
        created, refused = _create_many(channel, fresh, actor)
        counts[IMPORTED] += len(created)
        by_id = {entry.external_id: entry for entry in fresh}
        for key, reason in refused.items():
            keep(by_id[key], reason)
    for entry in one_by_one:
        try:  # its own transaction (retried when the database refuses for a passing reason), or a savepoint
            outcome = order_upsert_from_channel(
                channel=channel, data=entry, actor=actor, known=known.get(entry.external_id)
            )
        except ValidationError as exc:
            keep(entry, exc.message)
            continue
        counts[outcome] += 1
    SyncRun.objects.filter(pk=run.pk).update(
        imported=F("imported") + counts[IMPORTED],
        updated=F("updated") + counts[UPDATED],
        skipped=F("skipped") + counts[SKIPPED],
        failed=F("failed") + counts["failed"],
        heartbeat_at=timezone.now(),  # a sign of life with every batch (see runs.runs_interrupt_stale)
    )
    if failures:
        run.refresh_from_db(fields=["failures"])
        run.failures = (run.failures + failures)[: SyncRun.MAX_FAILURES]
        run.save(update_fields=["failures"])
    return counts


def _create_many(channel: SalesChannel, entries: list[ExternalOrder], actor: Actor) -> tuple[list, dict]:
    """Create new orders together with what the sync saw of them; if another sync created one of them meanwhile
    (a unique conflict), fall back to taking each alone, which turns that one into an update."""
    try:
        with transaction.atomic():
            received = {e.external_id: received_of(e)[0] for e in entries}
            created, refused = orders_import_many(
                channel=channel,
                entries=[import_entry(channel, e, amount_paid=received[e.external_id]) for e in entries],
                actor=actor,
            )
            by_id = {e.external_id: e for e in entries}
            shop_payments_insert_many(
                orders=created,
                state_of={o.id: str((by_id[o.external_id].payment or {}).get("state") or "") for o in created},
                actor=actor,
            )
            now = timezone.now()
            insert_rows(
                SyncedOrder,
                [
                    {
                        "channel_id": channel.pk,
                        "external_id": order.external_id,
                        "order_id": order.id,
                        "digest": by_id[order.external_id].digest(),
                        "remote_updated_at": by_id[order.external_id].updated_at,
                        "synced_at": now,
                    }
                    for order in created
                ],
            )
        return created, refused
    except IntegrityError:
        created, refused = [], {}
        for entry in entries:
            try:
                if order_upsert_from_channel(channel=channel, data=entry, actor=actor) == IMPORTED:
                    created.append(entry)
            except ValidationError as exc:
                refused[entry.external_id] = exc.message
        return created, refused


def sync_run_finish(run: SyncRun, *, error: str = "", status: str = SyncRunStatus.FAILED) -> SyncRun:
    """Close a sync run as it stands in the database: failed (or `status`) with `error`, else succeeded, or partial
    when some orders failed. Every way a run ends (pull, CSV import, webhook) finishes it here."""
    run.refresh_from_db()
    run.finished_at = timezone.now()
    run.error = error[:1000]
    if error:
        run.status = status
    else:
        run.status = SyncRunStatus.PARTIAL if run.failed else SyncRunStatus.SUCCEEDED
    run.save(update_fields=["finished_at", "error", "status"])
    return run


def _advance(channel: SalesChannel, cursor: str) -> None:
    """Move the cursor forward (never back), inside the transaction that committed what it covers: one UPDATE that
    only a later cursor passes, which also holds the channel's row until that commit."""
    if cursor and cursor > channel.sync_cursor:
        SalesChannel.objects.filter(pk=channel.pk, sync_cursor__lt=cursor).update(sync_cursor=cursor)
        channel.sync_cursor = cursor


def channel_sync(*, channel: SalesChannel, actor: Actor | None = None, connector=None, run: SyncRun | None = None):
    """Pull the channel's new and changed orders since its cursor, page by page; `run` is a queued run to use.

    Each page is one transaction: its orders, the run's counts, its heartbeat and the cursor commit together, so a
    sync stopped anywhere resumes from the last committed page with no duplicates and nothing missed; a run whose
    process was killed is marked interrupted by the next sync or the scheduler (runs.runs_interrupt_stale). A shop
    that cannot be reached or answers badly ends the run as failed with the reason. Schedules the next sync.
    Refused: ValidationError `channel_kind_unsupported` (no run written) for kinds that do not pull (manual, CSV,
    webhook); SyncRunning (409) when another sync of the channel is queued or running.
    """
    channel = SalesChannel.objects.get(pk=channel.pk)
    require_pulling(channel)
    run = run_start(channel=channel, kind=SyncRunKind.CHANNEL, actor=actor, run=run)
    order_actor = Actor.for_channel(channel)
    try:
        conn = connector or get_connector(channel)
    except ChannelError as exc:  # e.g. credentials unreadable with this server's key
        _schedule(channel)
        return sync_run_finish(run, error=exc.message)
    conn.unchanged = lambda stamps: _unchanged(channel, stamps)
    error = ""
    try:
        for page in conn.fetch_pages(cursor=channel.sync_cursor):
            with gc_paused(), transaction.atomic():
                take_orders(channel, page.orders, run, order_actor)
                _advance(channel, page.cursor)
    except DomainError as exc:
        error = exc.message
    except BaseException as exc:
        # Interrupted (a crash, a stopped worker): what was committed stays, the log says where it stopped.
        sync_run_finish(run, error=f"Interrupted: {exc.__class__.__name__}: {exc}", status=SyncRunStatus.INTERRUPTED)
        _schedule(channel)
        raise
    finally:
        if connector is None:
            conn.close()
    _schedule(channel)
    return sync_run_finish(run, error=error)


def _unchanged(channel: SalesChannel, stamps: dict[str, str]) -> set[str]:
    """The ids whose last sync saw the same change time from the shop: the shop has not touched them since."""
    seen = SyncedOrder.objects.filter(channel=channel, external_id__in=list(stamps)).values_list(
        "external_id", "remote_updated_at"
    )
    return {key for key, stamp in seen if stamp and stamps.get(key) == stamp}


def _schedule(channel: SalesChannel) -> None:
    now = timezone.now()
    next_at = now + dt.timedelta(minutes=sync_interval(channel)) if channel.enabled and channel.pulls else None
    SalesChannel.objects.filter(pk=channel.pk).update(last_synced_at=now, next_sync_at=next_at)


def channels_sync_enabled(*, actor: Actor | None = None) -> list[SyncRun]:
    """Sync every enabled channel that pulls orders, one after another; one channel's failure stops no other, and
    a channel already being synchronized answers with that run."""
    runs = []
    for channel in SalesChannel.objects.filter(enabled=True).order_by("id"):
        if channel.pulls:
            try:
                runs.append(channel_sync(channel=channel, actor=actor))
            except SyncRunning as exc:
                if exc.run is not None:
                    runs.append(exc.run)
    return runs


def order_synchronize(
    *, order: Order, actor: Actor | None = None, connector=None, run: SyncRun | None = None
) -> SyncRun:
    """Re-pull one order's latest state from its channel and apply it (a run of kind `order` in the sync log).

    Refused (ValidationError) for orders of channels that do not pull (manual, CSV, webhook) or without an external
    id. A shop that no longer has the order, or cannot be reached, ends the run as failed with the reason.
    """
    channel = order.channel
    require_repullable(order)
    run = run_start(channel=channel, kind=SyncRunKind.ORDER, actor=actor, run=run)
    try:
        conn = connector or get_connector(channel)
    except ChannelError as exc:
        return sync_run_finish(run, error=exc.message)
    error = ""
    try:
        entry = conn.fetch_order(order.external_id)
        if entry is None:
            entry = Malformed(external_id=order.external_id, reason="The shop no longer has this order.")
        with transaction.atomic():
            # Re-pull means "apply the shop's state now", even if the digest looks the same.
            take_orders(channel, [entry], run, Actor.for_channel(channel))
    except ChannelError as exc:
        error = exc.message
    finally:
        if connector is None:
            conn.close()
    return sync_run_finish(run, error=error)
