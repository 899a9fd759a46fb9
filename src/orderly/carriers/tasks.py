"""Background entry points for carriers (django-tasks): each calls one service. Services queue them by dotted path
(orderly.core.queue.enqueue), so tasks import services and never the other way round."""

from django_tasks import task

from orderly.carriers.services import parcels_poll_due


@task()
def poll_tracking() -> None:
    """Poll the booked parcels whose next poll is due, a bounded batch a run (the service says how many and how
    a carrier that is down or limits the rate puts its parcels off)."""
    parcels_poll_due()
