"""Background entry points for channels (django-tasks): each takes ids and calls one service.

Services queue these by dotted path (orderly.core.queue.enqueue), so tasks import services and never the other
way round. Each is idempotent: a retried or duplicated task finds its run taken, its message sent, and does nothing.
That matters beyond retries: a task whose worker was killed half-way is put back in the queue by the other workers
(orderly.ops.reaper) and runs again from the start. What a second run does is said on each.
"""

from django_tasks import task

from orderly.channels.services.background import queued_channel_sync, queued_order_synchronize
from orderly.channels.services.outbox import outbox_push, outbox_push_due


@task()
def sync_channel(channel_id: int, run_id: int | None = None) -> None:
    """A channel's sync: the scheduler's (no run yet) or Synchronize now's (its queued run). Run again: a queued
    run already taken is not taken twice (the interrupted one is marked so by the scheduler); a scheduled sync
    pulls again, which imports each shop order once on its natural key (channel + external id)."""
    queued_channel_sync(channel_id=channel_id, run_id=run_id)


@task()
def synchronize_order(order_id: int, run_id: int) -> None:
    """One order re-pulled into its queued run. Run again: the run is no longer queued, so nothing happens."""
    queued_order_synchronize(order_id=order_id, run_id=run_id)


@task()
def push_outbox_message(message_id: int) -> None:
    """One attempt to send a push; a failure is rescheduled by the service and picked up by `push_due_outbox`.
    Run again: the attempt pushed the message's next try out when it began, so a second run finds it not due and
    does nothing; the message is tried again at that time (a push killed after the shop took it may reach the shop
    twice: at least once, as after any timeout)."""
    outbox_push(message_id=message_id)


@task()
def push_due_outbox() -> None:
    """Send every push that is due; each is claimed before it is sent, so a second run sends only what is due."""
    outbox_push_due()
