"""The worker's side of a queued sync: what happens when a sync task finally runs, after the channel, the order or
the run may have changed since it was queued."""

from django.utils import timezone

from orderly.channels.models import SalesChannel, SyncRun, SyncRunStatus
from orderly.channels.services.runs import SyncRunning
from orderly.channels.services.sync import channel_sync, order_synchronize
from orderly.core.exceptions import DomainError
from orderly.orders.models import Order


def queued_channel_sync(*, channel_id: int, run_id: int | None = None) -> None:
    """Pull one channel's new and changed orders: the scheduler's job (no run yet) or Synchronize now's (its
    queued run). Idempotent: a run already taken or given up is left alone; a channel disabled or no longer
    pulling, or a sync of it already running, closes the queued run as failed with that reason, so the log never
    shows it waiting for ever."""
    run = SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.QUEUED).first() if run_id else None
    if run_id and run is None:
        return
    channel = SalesChannel.objects.filter(pk=channel_id, enabled=True).first()
    if channel is None or not channel.pulls:
        if run is not None:
            run_give_up(run, "The channel was disabled or does not pull orders any more.")
        return
    try:
        channel_sync(channel=channel, run=run)
    except SyncRunning as exc:
        if run is not None:
            run_give_up(run, f"Not run: {exc.message}")


def queued_order_synchronize(*, order_id: int, run_id: int) -> None:
    """Re-pull one order into its queued run (Synchronize on the order's page or the API). Idempotent like
    queued_channel_sync; an order deleted meanwhile, or a refusal, closes the run as failed with the reason."""
    run = SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.QUEUED).first()
    if run is None:
        return
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        run_give_up(run, "The order was deleted before it could be synchronized.")
        return
    try:
        order_synchronize(order=order, run=run)
    except DomainError as exc:
        run_give_up(run, exc.message)


def run_give_up(run: SyncRun, reason: str) -> None:
    """Close a still-queued run as failed with `reason` (a run already taken is left as it is)."""
    SyncRun.objects.filter(pk=run.pk, status=SyncRunStatus.QUEUED).update(
        status=SyncRunStatus.FAILED, finished_at=timezone.now(), error=reason[:1000]
    )
