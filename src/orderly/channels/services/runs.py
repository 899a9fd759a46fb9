"""The sync log's bookkeeping: runs queued for the worker, runs started with a heartbeat, and runs a killed process
left behind as `running`, which are marked `interrupted` with the reason.

One channel sync per channel is queued or running at a time: the database's partial unique index
(sync_run_one_active_per_channel) guarantees it, whichever process or worker asks.
"""

import datetime as dt
import os
import socket

from django.db import IntegrityError, transaction
from django.utils import timezone

from orderly.channels.models import SalesChannel, SyncRun, SyncRunKind, SyncRunStatus
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, ValidationError
from orderly.core.queue import enqueue

# A running run writes its heartbeat after every page (a page of 250 orders takes seconds; a shop's retries and
# rate-limit waits at most about two minutes). Ten minutes of silence means its process is gone.
STALE_AFTER = dt.timedelta(minutes=10)
# A queued run that no worker picked up in this long is given up (the worker was not running); ask again.
QUEUED_TOO_LONG = dt.timedelta(hours=6)
ACTIVE = (SyncRunStatus.QUEUED, SyncRunStatus.RUNNING)

SYNC_CHANNEL_TASK = "orderly.channels.tasks.sync_channel"


class SyncRunning(Conflict):
    """Another sync of the channel is queued or running; `run` is that one."""

    code = ErrorCode.SYNC_RUNNING

    def __init__(self, message: str, *, channel: SalesChannel, run: SyncRun | None):
        super().__init__(message, channel=channel.name, run=getattr(run, "pk", None))
        self.run = run


def require_pulling(channel: SalesChannel) -> None:
    """ValidationError `channel_kind_unsupported` for channels that do not pull orders (manual, CSV, webhook)."""
    if not channel.pulls:
        raise ValidationError(
            f"Channel {channel} ({channel.get_kind_display()}) does not pull orders; nothing to synchronize.",
            code=ErrorCode.CHANNEL_KIND_UNSUPPORTED,
            channel=channel.name,
            kind=channel.kind,
            action="pull",
        )


def require_enabled(channel: SalesChannel) -> None:
    """Conflict `channel_disabled` for a disabled channel: refused when asked, not queued to fail later."""
    if not channel.enabled:
        raise Conflict(
            f"Channel {channel} is disabled, so it is not synchronized; enable it first.",
            code=ErrorCode.CHANNEL_DISABLED,
            channel=channel.name,
        )


def require_repullable(order) -> None:
    """ValidationError `channel_kind_unsupported` for orders whose channel cannot be asked for them again."""
    channel = order.channel
    if not channel.pulls or not order.external_id:
        raise ValidationError(
            f"Order {order.number} comes from {channel} ({channel.get_kind_display()}), which cannot be re-pulled.",
            code=ErrorCode.CHANNEL_KIND_UNSUPPORTED,
            channel=channel.name,
            kind=channel.kind,
            action="pull_order",
        )


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _process_gone(worker: str) -> bool:
    """Whether `host:pid` names a process on this host that no longer exists (other hosts: unknown, False)."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def runs_interrupt_stale(*, channel: SalesChannel | None = None, now=None) -> int:
    """Mark `interrupted` (with the reason) the running runs whose heartbeat is older than STALE_AFTER or whose
    process on this host is gone, and queued runs no worker took within QUEUED_TOO_LONG; of one channel or all.

    Guarantees what those runs committed stays (each page committed with its cursor), so the next sync resumes
    where they stopped. Returns how many runs were marked.
    """
    now = now or timezone.now()
    runs = SyncRun.objects.filter(status__in=ACTIVE, finished_at__isnull=True)
    if channel is not None:
        runs = runs.filter(channel=channel)
    stale = []
    for run in runs:
        if run.status == SyncRunStatus.QUEUED:
            if run.started_at < now - QUEUED_TOO_LONG:
                stale.append((run, f"Interrupted: queued at {run.started_at:%Y-%m-%d %H:%M} UTC, no worker took it."))
            continue
        beat = run.heartbeat_at or run.started_at
        if beat < now - STALE_AFTER or (run.worker and _process_gone(run.worker)):
            where = f" in {run.worker}" if run.worker else ""
            stale.append(
                (
                    run,
                    f"Interrupted: no sign of life since {beat:%Y-%m-%d %H:%M:%S} UTC{where}; its process "
                    "was stopped or killed. What it committed stays; the next sync resumes from there.",
                )
            )
    for run, reason in stale:
        SyncRun.objects.filter(pk=run.pk, status=run.status).update(
            status=SyncRunStatus.INTERRUPTED, finished_at=now, error=reason[:1000]
        )
    return len(stale)


def _active(channel: SalesChannel) -> SyncRun | None:
    return SyncRun.objects.filter(channel=channel, kind=SyncRunKind.CHANNEL, status__in=ACTIVE).first()


def _trigger(actor: Actor | None) -> str:
    return (actor.name if actor else "schedule")[:150]


def run_start(*, channel: SalesChannel, kind: str, actor: Actor | None, run: SyncRun | None = None) -> SyncRun:
    """Start a run (or the given queued one) as running, with this process as its worker and a first heartbeat.

    For a channel sync, first marks the channel's stale runs interrupted, then refuses with SyncRunning (nothing
    written; a given queued run is left as it is) when another channel sync is queued or running.
    """
    now = timezone.now()
    if kind == SyncRunKind.CHANNEL:
        runs_interrupt_stale(channel=channel, now=now)
    fields = {"status": SyncRunStatus.RUNNING, "started_at": now, "heartbeat_at": now, "worker": worker_id()}
    try:
        with transaction.atomic():
            if run is not None:
                claimed = SyncRun.objects.filter(pk=run.pk, status=SyncRunStatus.QUEUED).update(**fields)
                if not claimed:
                    raise SyncRunning(f"Run {run.pk} is not queued any more.", channel=channel, run=run)
                run.refresh_from_db()
                return run
            return SyncRun.objects.create(channel=channel, kind=kind, trigger=_trigger(actor), **fields)
    except IntegrityError:
        active = _active(channel)
        raise SyncRunning(
            f"A sync of {channel} is already queued or running (run {getattr(active, 'pk', '?')}).",
            channel=channel,
            run=active,
        ) from None


def run_enqueue(*, channel: SalesChannel, actor: Actor | None) -> tuple[SyncRun, bool]:
    """Queue a channel sync for the background worker: a `queued` run in the sync log, and the task (committed
    together). When one is already queued or running, that one is the answer and nothing new is queued.
    Returns (the run, whether it was queued now). Stale runs of the channel are marked interrupted first. A
    channel that does not pull orders (ValidationError) or is disabled (Conflict) is refused, nothing queued.
    """
    require_pulling(channel)
    require_enabled(channel)
    runs_interrupt_stale(channel=channel)
    if (active := _active(channel)) is not None:
        return active, False
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                channel=channel, kind=SyncRunKind.CHANNEL, status=SyncRunStatus.QUEUED, trigger=_trigger(actor)
            )
            enqueue(SYNC_CHANNEL_TASK, channel.pk, run.pk)
    except IntegrityError:  # queued by someone else between our look and our insert
        return _active(channel), False
    run.refresh_from_db()
    return run, True


def order_run_enqueue(*, order, actor: Actor | None) -> SyncRun:
    """Queue a re-pull of one order: a queued run of kind `order` and its task, committed together."""
    require_repullable(order)
    with transaction.atomic():
        run = SyncRun.objects.create(
            channel=order.channel, kind=SyncRunKind.ORDER, status=SyncRunStatus.QUEUED, trigger=_trigger(actor)
        )
        enqueue("orderly.channels.tasks.synchronize_order", order.pk, run.pk)
    run.refresh_from_db()
    return run


def runs_enqueue_enabled(*, actor: Actor | None) -> list[SyncRun]:
    """run_enqueue for every enabled channel that pulls orders: one queued (or already active) run each."""
    return [
        run_enqueue(channel=channel, actor=actor)[0]
        for channel in SalesChannel.objects.filter(enabled=True).order_by("id")
        if channel.pulls
    ]
