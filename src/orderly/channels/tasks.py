"""Background entry points for channels (django-tasks): each takes ids, calls one service, and is idempotent."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from orderly.channels.models import SalesChannel


@task()
def sync_channel(channel_id: int) -> None:
    """Pull one channel's new and changed orders (the scheduler's and the Synchronize button's job)."""
    from orderly.channels.services import channel_sync

    channel = SalesChannel.objects.filter(pk=channel_id, enabled=True).first()
    if channel is not None and channel.pulls:
        channel_sync(channel=channel)


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
    """Enqueue a sync for every enabled channel whose time has come, and the outbox retries that are due.

    Each due channel's next time is pushed out in the same transaction as its enqueue (the sync sets the real one
    when it ends), so two schedulers, or a slow worker, never enqueue the same channel twice. Returns the count.
    """
    import datetime as dt

    from orderly.channels.selectors import channels_due, outbox_due
    from orderly.channels.settings_schema import sync_interval

    now = now or timezone.now()
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
    if outbox_due(now).exists():
        push_due_outbox.enqueue()
        count += 1
    return count
