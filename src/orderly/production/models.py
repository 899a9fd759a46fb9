"""Roasting: machines, profile groups and profiles (recipes), a plan's order-conversion edits, roast batches.

Green coffee is raw stock in inventory (lots of kind raw); a scheduled roast batch holds its green kg there with
holds whose reference is the batch's number.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from orderly.production.status import RoastStatus

KG = {"max_digits": 14, "decimal_places": 3}


class Machine(models.Model):
    """A roaster: the green kg one batch may hold, and how many batches it roasts a day."""

    name = models.CharField(max_length=100, unique=True)
    min_batch_kg = models.DecimalField(**KG)
    max_batch_kg = models.DecimalField(**KG)
    batches_per_day = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(min_batch_kg__gt=0), name="machine_min_batch_positive"),
            models.CheckConstraint(condition=Q(max_batch_kg__gte=F("min_batch_kg")), name="machine_batch_range"),
            models.CheckConstraint(condition=Q(batches_per_day__gt=0), name="machine_batches_per_day_positive"),
        ]

    def __str__(self):
        return self.name


class ProfileGroup(models.Model):
    """The profiles that can make one roasted product (a catalog product kept loose, in kg)."""

    name = models.CharField(max_length=200, unique=True)
    product = models.OneToOneField("catalog.Product", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Profile(models.Model):
    """A recipe: `batch_kg` green in, `end_kg` roasted out per batch, on one of `machines`.

    `end_kg` empty: the weight loss is the average of the last completed roasts, else the default (15 %). The
    green coffee is an ordered list of preferred raw lots, or for a blend its components as kg per batch.
    """

    group = models.ForeignKey(ProfileGroup, on_delete=models.PROTECT, related_name="profiles")
    name = models.CharField(max_length=200, unique=True)
    rank = models.PositiveIntegerField(default=0, help_text="Order within the group: the first is the default")
    machines = models.ManyToManyField(Machine, related_name="profiles", blank=True)
    batch_kg = models.DecimalField(**KG)
    end_kg = models.DecimalField(**KG, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["group_id", "rank", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(batch_kg__gt=0), name="profile_batch_positive"),
            models.CheckConstraint(
                condition=Q(end_kg__isnull=True) | Q(end_kg__gt=0, end_kg__lte=F("batch_kg")),
                name="profile_end_within_batch",
            ),
        ]

    def __str__(self):
        return self.name


class ProfileGreen(models.Model):
    """One green lot of a profile: a preferred lot (`kg_per_batch` empty) or a blend component (its kg per batch;
    the components' kg add up to the batch size, so rounding a share never drifts stock)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="greens")
    lot = models.ForeignKey("inventory.Lot", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    kg_per_batch = models.DecimalField(**KG, null=True, blank=True)

    class Meta:
        ordering = ["profile_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "lot"], name="profile_green_lot_once"),
            models.CheckConstraint(
                condition=Q(kg_per_batch__isnull=True) | Q(kg_per_batch__gt=0), name="profile_green_kg_positive"
            ),
        ]

    def __str__(self):
        return f"{self.profile_id}: {self.lot_id}"


class ConversionEdit(models.Model):
    """A person's changes to one row of a plan's order conversion (empty fields: as the profile says)."""

    plan = models.ForeignKey("plans.FulfillmentPlan", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    profile = models.ForeignKey(Profile, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    machine = models.ForeignKey(Machine, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    green_lot = models.ForeignKey("inventory.Lot", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    batch_kg = models.DecimalField(**KG, null=True, blank=True)
    end_kg = models.DecimalField(**KG, null=True, blank=True)
    batches = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan_id", "product_id"]
        constraints = [models.UniqueConstraint(fields=["plan", "product"], name="conversion_edit_once")]

    def __str__(self):
        return f"{self.plan_id}: {self.product_id}"


class RoastBatch(models.Model):
    """`batches` roasts of one profile on one machine and date (`RB-…`), for a plan's product."""

    number = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=16, choices=RoastStatus.choices, default=RoastStatus.SCHEDULED)
    plan = models.ForeignKey("plans.FulfillmentPlan", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    profile = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="roast_batches")
    machine = models.ForeignKey(Machine, on_delete=models.PROTECT, related_name="roast_batches")
    date = models.DateField()
    batches = models.PositiveIntegerField(default=1)
    batch_kg = models.DecimalField(**KG)
    green_kg = models.DecimalField(**KG, help_text="Green kg planned (batches × batch size)")
    expected_kg = models.DecimalField(**KG, help_text="Roasted kg expected")
    green_used_kg = models.DecimalField(**KG, null=True, blank=True)
    roasted_out_kg = models.DecimalField(**KG, null=True, blank=True)
    inconsistent = models.BooleanField(default=False)
    lot = models.ForeignKey("inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "machine_id", "id"]
        indexes = [
            models.Index(fields=["status", "product"], name="roast_status_product_idx"),
            models.Index(fields=["date", "machine"], name="roast_date_machine_idx"),
            # The schedule by date (ROAST_BATCH_ORDER) of one machine, or of one status.
            models.Index(fields=["machine", "date", "id"], name="roast_machine_date_idx"),
            models.Index(fields=["status", "date", "id"], name="roast_status_date_idx"),
            models.Index(fields=["profile", "status", "completed_at"], name="roast_profile_done_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(batches__gt=0), name="roast_batches_positive"),
            models.CheckConstraint(condition=Q(green_kg__gt=0, expected_kg__gt=0), name="roast_kg_positive"),
            models.CheckConstraint(
                condition=~Q(status=RoastStatus.COMPLETED)
                | Q(green_used_kg__gt=0, roasted_out_kg__gt=0, roasted_out_kg__lte=F("green_used_kg")),
                name="roast_completed_has_weights",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def loss_kg(self) -> Decimal | None:
        if self.green_used_kg is None or self.roasted_out_kg is None:
            return None
        return self.green_used_kg - self.roasted_out_kg


class RoastGreen(models.Model):
    """A green lot a roast batch draws: kg planned (held while scheduled) and kg used when completed."""

    batch = models.ForeignKey(RoastBatch, on_delete=models.CASCADE, related_name="greens")
    lot = models.ForeignKey("inventory.Lot", on_delete=models.PROTECT, related_name="+")
    planned_kg = models.DecimalField(**KG, default=Decimal("0"))
    used_kg = models.DecimalField(**KG, default=Decimal("0"))

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "lot"], name="roast_green_lot_once")]

    def __str__(self):
        return f"{self.batch_id}: {self.lot_id}"
