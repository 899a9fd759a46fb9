"""What the scheduler hands the worker for carriers: a tracking poll when a parcel's poll is due."""

from django.utils import timezone

from orderly.carriers.models import Parcel
from orderly.carriers.status import LabelStatus
from orderly.core.queue import enqueue

POLL_TASK = "orderly.carriers.tasks.poll_tracking"


def enqueue_tracking_polls(now=None) -> int:
    """Queue one tracking poll when any booked parcel's next poll is due (the poll itself claims each parcel, so a
    second poll queued meanwhile asks none twice). Returns how many tasks it queued: 0 or 1."""
    now = now or timezone.now()
    if Parcel.objects.filter(label_status=LabelStatus.BOOKED, next_poll_at__lte=now).exists():
        enqueue(POLL_TASK)
        return 1
    return 0
