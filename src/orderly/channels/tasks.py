"""Background entry points for channels (django-tasks): each takes ids and calls one service.

Services queue these by dotted path (orderly.core.queue.enqueue), so tasks import services and never the other
way round. Each is idempotent: a retried or duplicated task finds its run taken, its message sent, and does nothing.
"""

from django_tasks import task

from orderly.channels.services.background import queued_channel_sync, queued_order_synchronize
from orderly.channels.services.outbox import outbox_push, outbox_push_due


@task()
def sync_channel(channel_id: int, run_id: int | None = None) -> None:
    """A channel's sync: the scheduler's (no run yet) or Synchronize now's (its queued run)."""
    queued_channel_sync(channel_id=channel_id, run_id=run_id)


@task()
def synchronize_order(order_id: int, run_id: int) -> None:
    """One order re-pulled into its queued run."""
    queued_order_synchronize(order_id=order_id, run_id=run_id)


@task()
def push_outbox_message(message_id: int) -> None:
    """One attempt to send a push; a failure is rescheduled by the service and picked up by `push_due_outbox`."""
    outbox_push(message_id=message_id)


@task()
def push_due_outbox() -> None:
    outbox_push_due()
