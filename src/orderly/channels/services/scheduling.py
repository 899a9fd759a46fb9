"""What the scheduler hands the worker every few seconds: due channel syncs, new shipments' tracking for the
outbox, and the outbox pushes that are due."""

import datetime as dt

from django.utils import timezone

from orderly.channels.locks import lock_channel
from orderly.channels.selectors import channels_due, outbox_due
from orderly.channels.services.fulfillment_push import fulfillments_push_pending
from orderly.channels.services.runs import SYNC_CHANNEL_TASK, runs_interrupt_stale
from orderly.channels.settings_schema import sync_interval
from orderly.core.queue import enqueue
from orderly.core.retry import run_with_retry


def enqueue_due(now=None) -> int:
    """Enqueue a sync for every enabled channel whose time has come, hand new shipments' tracking to the outbox,
    and enqueue the outbox pushes that are due. Returns how many jobs it queued or handed over.

    Each due channel's next time is pushed out in the same transaction as its task (the sync sets the real one
    when it ends), so two schedulers, or a slow worker, never enqueue the same channel twice. Runs whose process
    was killed since the last check are marked interrupted first.
    """
    now = now or timezone.now()
    runs_interrupt_stale(now=now)
    count = 0
    for channel in channels_due(now):

        def claim(pk=channel.pk) -> int:
            claimed = lock_channel(pk, next_sync_at__lte=now)
            if claimed is None:
                return 0
            claimed.next_sync_at = now + dt.timedelta(minutes=sync_interval(claimed))
            claimed.save(update_fields=["next_sync_at"])
            enqueue(SYNC_CHANNEL_TASK, claimed.pk)
            return 1

        count += run_with_retry(claim)
    # shipments recorded by fulfillments since the last check become outbox rows (shipping cannot call channels)
    count += fulfillments_push_pending()
    if outbox_due(now).exists():
        enqueue("orderly.channels.tasks.push_due_outbox")
        count += 1
    return count
