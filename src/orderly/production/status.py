"""Statuses of roast batches, and the only changes allowed."""

from django.db import models


class RoastStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"  # green kg reserved; editable
    COMPLETED = "completed", "Completed"  # roasted: green consumed, a loose roasted lot made; final
    CANCELED = "canceled", "Canceled"  # reserved green kg given back; final


ROAST_TRANSITIONS: dict[str, frozenset[str]] = {
    RoastStatus.SCHEDULED: frozenset({RoastStatus.COMPLETED, RoastStatus.CANCELED}),
    RoastStatus.COMPLETED: frozenset(),
    RoastStatus.CANCELED: frozenset(),
}

DEFAULT_WEIGHT_LOSS = 15  # percent, for a profile without its own figure and without completed roasts
MAX_WEIGHT_LOSS = 40  # percent: beyond it a roast is no longer coffee (or a typing error)
LOSS_HISTORY = 10  # completed roasts the average weight loss is taken over
INCONSISTENT_TOLERANCE = 2  # percent a completed roast may differ from its plan before it is flagged
