"""Statuses of fulfillment plans and packaging plans, and the only changes allowed."""

from django.db import models


class PlanStatus(models.TextChoices):
    OPEN = "open", "Open"  # orders being allocated, packed and picked
    COMPLETED = "completed", "Completed"  # every order of the plan completed on the pick list
    CANCELED = "canceled", "Canceled"  # holds released, orders back to new; final


PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    PlanStatus.OPEN: frozenset({PlanStatus.COMPLETED, PlanStatus.CANCELED}),
    PlanStatus.COMPLETED: frozenset({PlanStatus.OPEN}),  # an order returned from the pick list reopens it
    PlanStatus.CANCELED: frozenset(),
}


class PackagingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"  # units to pack; editable
    IN_PROGRESS = "in_progress", "In progress"  # being packed
    COMPLETED = "completed", "Completed"  # loose kg consumed, packaged lot made and allocated
    ARCHIVED = "archived", "Archived"  # set aside without packing; final


PACKAGING_TRANSITIONS: dict[str, frozenset[str]] = {
    PackagingStatus.PLANNED: frozenset(
        {PackagingStatus.IN_PROGRESS, PackagingStatus.COMPLETED, PackagingStatus.ARCHIVED}
    ),
    PackagingStatus.IN_PROGRESS: frozenset({PackagingStatus.COMPLETED, PackagingStatus.ARCHIVED}),
    PackagingStatus.COMPLETED: frozenset(),
    PackagingStatus.ARCHIVED: frozenset(),
}
