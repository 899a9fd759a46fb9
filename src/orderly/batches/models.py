"""Order batches (`BA-…`): orders processed together, each with its own outcome and the step it reached, and the
documents made for the batch (the pick & pack list, all shipping labels)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orderly.batches.status import BatchStatus, DocumentKind, DocumentStatus, Outcome, Step


class Batch(models.Model):
    number = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.PROCESSING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    processing_since = models.DateTimeField(default=timezone.now, help_text="When it last started processing")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it last left processing")
    # Kept in step with its orders by the services, in the same transaction as the outcome they count.
    order_count = models.PositiveIntegerField(default=0)
    succeeded_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The overview in its order (BATCH_ORDER): all, by status, by who created them.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="batch_recent_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="batch_status_idx"),
            models.Index(fields=["created_by_name", "-created_at", "-id"], name="batch_creator_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(succeeded_count__lte=models.F("order_count"))
                & Q(failed_count__lte=models.F("order_count") - models.F("succeeded_count")),
                name="batch_counts_within_orders",
            ),
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="batch_status_known"),
        ]

    def __str__(self):
        return self.number

    @property
    def waiting_count(self) -> int:
        return self.order_count - self.succeeded_count - self.failed_count

    @property
    def counts(self) -> dict[str, int]:
        return {"succeeded": self.succeeded_count, "failed": self.failed_count, "waiting": self.waiting_count}


class BatchOrder(models.Model):
    """One order in a batch: its outcome, the step it reached, and who is processing it now (a claim with a lease,
    so that two workers never process it at once and a killed worker's order is taken over)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="entries")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(help_text="Its place in the selection")
    # True while the batch is unfinished: an order is in one unfinished batch at a time (the constraint below).
    active = models.BooleanField(default=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.WAITING)
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.NONE, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    fix = models.CharField(max_length=1000, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    fulfillment = models.ForeignKey(
        "shipping.Fulfillment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parcel = models.CharField(max_length=32, blank=True, help_text="The carriers area's parcel number")
    tracking_number = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The batch moved the order from new to in progress, so it moves it on (or back when removed).
    stage_set = models.BooleanField(default=False)

    class Meta:
        ordering = ["batch_id", "position", "id"]
        indexes = [models.Index(fields=["batch", "outcome", "id"], name="batch_order_outcome_idx")]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(active=True), name="batch_order_one_unfinished"),
            models.UniqueConstraint(fields=["batch", "order"], name="batch_order_unique"),
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values), name="batch_order_outcome_known"),
        ]

    def __str__(self):
        return f"{self.batch_id}: {self.order_id} {self.outcome}"


class BatchDocument(models.Model):
    """A document of the batch, made in the worker and kept: remade when the batch's succeeded orders change."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    format = models.CharField(max_length=16, blank=True, help_text="The labels' format; empty for the pick & pack")
    status = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done while being made")
    content = models.BinaryField(null=True, blank=True, editable=False)
    content_type = models.CharField(max_length=64, blank=True)
    made_from = models.CharField(max_length=64, blank=True, help_text="Digest of the succeeded orders it shows")
    error = models.CharField(max_length=1000, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "kind", "format"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "kind", "format"], name="batch_document_unique"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="batch_document_progress_percent"),
        ]

    def __str__(self):
        return f"{self.batch_id} {self.kind} {self.format}".strip()
