"""Fulfillment plans (`OF-…`), their orders, and packaging plans (`PP-…`).

What a plan holds lives in inventory as holds whose `reference` is the plan's number.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orderly.plans.status import PackagingStatus, PlanStatus


class FulfillmentPlan(models.Model):
    number = models.CharField(max_length=16, unique=True)
    fulfillment_date = models.DateField()
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "fulfillment_date"], name="plan_status_date_idx")]

    def __str__(self):
        return self.number


class PlanOrder(models.Model):
    """An order's membership of a plan. A removed order keeps its row (with `removed_at`) as history."""

    plan = models.ForeignKey(FulfillmentPlan, on_delete=models.CASCADE, related_name="plan_orders")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="Completed on the pick list")

    class Meta:
        ordering = ["plan_id", "id"]
        constraints = [
            # an order is in at most one plan at a time
            models.UniqueConstraint(fields=["order"], condition=Q(removed_at__isnull=True), name="plan_order_once"),
        ]
        indexes = [models.Index(fields=["plan", "removed_at"], name="plan_order_active_idx")]

    def __str__(self):
        return f"{self.plan_id}: {self.order_id}"


class PackagingPlan(models.Model):
    """Units of a variant to pack from loose stock for a fulfillment plan."""

    number = models.CharField(max_length=16, unique=True)
    plan = models.ForeignKey(FulfillmentPlan, on_delete=models.PROTECT, related_name="packaging_plans")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=PackagingStatus.choices, default=PackagingStatus.PLANNED)
    lot = models.ForeignKey(
        "inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Lot packed"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(
        max_length=150, blank=True, help_text="Who last planned, changed, started, executed or archived it"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0), name="packaging_units_positive"),
            # one planned packaging plan per variant of a plan: saving the allocation updates it
            models.UniqueConstraint(
                fields=["plan", "variant"], condition=Q(status=PackagingStatus.PLANNED), name="packaging_planned_once"
            ),
        ]

    def __str__(self):
        return self.number
