"""Background entry points for channels (django-tasks): each takes ids, calls one service, and is idempotent."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from orderly.channels.models import SalesChannel


@task()
def sync_channel(channel_id: int, run_id: int | None = None) -> None:
    """Pull one channel's new and changed orders: the scheduler's job (no run yet) and Synchronize now's (its queued
    run). A sync of the channel already running makes this one do nothing; a queued run is then closed as failed
    with that reason, so the log never shows it waiting for ever."""
    from orderly.channels.models import SyncRun, SyncRunStatus
    from orderly.channels.services import channel_sync
    from orderly.channels.services.runs import SyncRunning

    run = SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.QUEUED).first() if run_id else None
    if run_id and run is None:
        return  # already taken (a retried task) or given up
    channel = SalesChannel.objects.filter(pk=channel_id, enabled=True).first()
    if channel is None or not channel.pulls:
        if run is not None:
            _give_up(run, "The channel was disabled or does not pull orders any more.")
        return
    try:
        channel_sync(channel=channel, run=run)
    except SyncRunning as exc:
        if run is not None:
            _give_up(run, f"Not run: {exc.message}")


@task()
def synchronize_order(order_id: int, run_id: int) -> None:
    """Re-pull one order into its queued run (Synchronize on the order's page or the API)."""
    from orderly.channels.models import SyncRun, SyncRunStatus
    from orderly.channels.services import order_synchronize
    from orderly.core.exceptions import DomainError
    from orderly.orders.models import Order

    run = SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.QUEUED).first()
    order = Order.objects.filter(pk=order_id).first()
    if run is None:
        return
    if order is None:
        _give_up(run, "The order was deleted before it could be synchronized.")
        return
    try:
        order_synchronize(order=order, run=run)
    except DomainError as exc:
        _give_up(run, exc.message)


def _give_up(run, reason: str) -> None:
    from orderly.channels.models import SyncRun, SyncRunStatus

    SyncRun.objects.filter(pk=run.pk, status=SyncRunStatus.QUEUED).update(
        status=SyncRunStatus.FAILED, finished_at=timezone.now(), error=reason[:1000]
    )


@task()
def push_outbox_message(message_id: int) -> None:
    """One attempt to send a push; a failure is rescheduled by the service and picked up by `push_due_outbox`."""
    from orderly.channels.services.outbox import outbox_push

    outbox_push(message_id=message_id)


@task()
def push_due_outbox() -> None:
    from orderly.channels.services.outbox import outbox_push_due

    outbox_push_due()


def enqueue_due(now=None) -> int:
    """Enqueue a sync for every enabled channel whose time has come, hand new shipments' tracking to the outbox,
    and enqueue the outbox pushes that are due.

    Each due channel's next time is pushed out in the same transaction as its enqueue (the sync sets the real one
    when it ends), so two schedulers, or a slow worker, never enqueue the same channel twice. Returns the count.
    """
    import datetime as dt

    from orderly.channels.selectors import channels_due, outbox_due
    from orderly.channels.services.fulfillment_push import fulfillments_push_pending
    from orderly.channels.services.runs import runs_interrupt_stale
    from orderly.channels.settings_schema import sync_interval

    now = now or timezone.now()
    runs_interrupt_stale(now=now)  # runs whose process was killed since the last check
    count = 0
    for channel in channels_due(now):
        with transaction.atomic():
            claimed = SalesChannel.objects.select_for_update().filter(pk=channel.pk, next_sync_at__lte=now).first()
            if claimed is None:
                continue
            claimed.next_sync_at = now + dt.timedelta(minutes=sync_interval(claimed))
            claimed.save(update_fields=["next_sync_at"])
            sync_channel.enqueue(claimed.pk)
            count += 1
    # shipments recorded by fulfillments since the last check become outbox rows (shipping cannot call channels)
    count += fulfillments_push_pending()
    if outbox_due(now).exists():
        push_due_outbox.enqueue()
        count += 1
    return count
