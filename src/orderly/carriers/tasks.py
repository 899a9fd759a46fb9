"""Background entry points for carriers (django-tasks): idempotent, bounded per run."""

from django_tasks import task


@task()
def poll_tracking() -> None:
    """Poll the booked parcels whose next poll is due (at most POLL_BATCH a run; a carrier that is down or limits
    the rate puts its parcels off with a growing wait)."""
    from orderly.carriers.services import parcels_poll_due

    parcels_poll_due()


def enqueue_due(now=None) -> int:
    """Enqueue a tracking poll when a parcel's poll is due (the channel scheduler calls this each check)."""
    from django.utils import timezone

    from orderly.carriers.models import Parcel
    from orderly.carriers.status import LabelStatus

    now = now or timezone.now()
    if Parcel.objects.filter(label_status=LabelStatus.BOOKED, next_poll_at__lte=now).exists():
        poll_tracking.enqueue()
        return 1
    return 0
