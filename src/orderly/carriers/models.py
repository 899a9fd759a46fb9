"""Carrier accounts with their shipping methods, the rules that pick a method for an order, and parcels (`PA-…`):
one per fulfillment shipped through a carrier, with its label documents and tracking events.

Carriers is its own area, above shipping, rather than part of it: it talks to outside systems with credentials,
takes their webhooks and polls them in the worker, while shipping stays the plain record of what left the
warehouse. A parcel points down at its fulfillment; shipping knows nothing of parcels.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orderly.carriers.status import CarrierKind, LabelFormatChoices, LabelStatus, TrackingChoices


class CarrierAccount(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=CarrierKind.choices)
    enabled = models.BooleanField(default=True)
    # base_url (tests point it at a loopback server), tracking_url (own kind: `{tracking_number}` is filled in),
    # and the like; the webhook secret is a credential, never a setting.
    settings = models.JSONField(default=dict, blank=True)
    credentials_encrypted = models.TextField(blank=True, help_text="orderly.core.crypto, purpose CARRIERS")
    sender_address = models.JSONField(default=dict, blank=True, help_text="The address labels show as sender")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class ShippingMethod(models.Model):
    account = models.ForeignKey(CarrierAccount, on_delete=models.CASCADE, related_name="methods")
    code = models.CharField(max_length=100, help_text="The carrier's code of the service")
    name = models.CharField(max_length=200)
    countries = models.JSONField(default=list, blank=True, help_text="ISO codes it serves; empty for all")
    max_weight_kg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["account_id", "code", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "code"], name="shipping_method_code_unique")]

    def __str__(self):
        return f"{self.account_id}:{self.code}"

    def serves(self, country: str) -> bool:
        return not self.countries or country.upper() in self.countries


class ShippingRule(models.Model):
    """Orders to `country` (and, when given, from `channel` and with the shop's `delivery_method`) ship with
    `method`. The most specific rule wins: channel and delivery method, then delivery method, then channel, then
    the country's default."""

    country = models.CharField(max_length=2)
    channel = models.ForeignKey(
        "channels.SalesChannel", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    delivery_method = models.CharField(
        max_length=100, blank=True, help_text="The shop's delivery method, as on the order"
    )
    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="rules")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "channel", "delivery_method"],
                condition=Q(channel__isnull=False),
                name="shipping_rule_channel_unique",
            ),
            models.UniqueConstraint(
                fields=["country", "delivery_method"], condition=Q(channel__isnull=True), name="shipping_rule_unique"
            ),
        ]

    def __str__(self):
        return f"{self.country}/{self.channel_id or '*'}/{self.delivery_method or '*'}"


class Parcel(models.Model):
    """What travels with one fulfillment: its carrier, method and weight, its live label (at most one) and its
    tracking. Reserved before the carrier is called, so a retry finds it and never books a second label."""

    number = models.CharField(max_length=16, unique=True)
    fulfillment = models.OneToOneField("shipping.Fulfillment", on_delete=models.PROTECT, related_name="parcel")
    account = models.ForeignKey(CarrierAccount, on_delete=models.PROTECT, related_name="parcels")
    method = models.ForeignKey(ShippingMethod, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    method_code = models.CharField(max_length=100, blank=True)
    weight_kg = models.DecimalField(max_digits=8, decimal_places=3)
    label_status = models.CharField(max_length=16, choices=LabelStatus.choices, default=LabelStatus.NONE)
    carrier_reference = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    tracking_status = models.CharField(max_length=24, choices=TrackingChoices.choices, blank=True)
    carrier_status = models.CharField(max_length=200, blank=True)
    status_at = models.DateTimeField(null=True, blank=True, help_text="When the carrier says the status began")
    booking_attempts = models.PositiveIntegerField(default=0)
    # Labels of this parcel voided so far: a booking after a void goes to the carrier under a reference of its own
    # (see booking_reference), because a carrier may keep a cancelled shipment's reference for good.
    voided_labels = models.PositiveIntegerField(default=0)
    # Set while a booking call is in flight; a parcel left `booking` with this cleared (or long past) had a call
    # whose outcome is unknown, and the next booking asks the carrier for it before buying anything.
    booking_started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    # {item id: units} this parcel's label raised *label applied* by, so that a void takes back exactly that.
    label_applied = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_failures = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_poll_at"], name="parcel_poll_due_idx", condition=Q(next_poll_at__isnull=False)),
            models.Index(fields=["account", "carrier_reference"], name="parcel_carrier_ref_idx"),
            # /metrics: labels booked in the last day, and the few parcels whose label is booking or failed.
            models.Index(fields=["booked_at"], name="parcel_booked_idx", condition=Q(booked_at__isnull=False)),
            models.Index(
                fields=["label_status"],
                name="parcel_label_open_idx",
                condition=Q(label_status__in=[LabelStatus.BOOKING, LabelStatus.FAILED]),
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_live(self) -> bool:
        return self.label_status == LabelStatus.BOOKED

    @property
    def booking_reference(self) -> str:
        """The reference the carrier books the parcel's current label under: its number for the first label, then
        `<number>-<label count>` (`PA-000001-2`) after each void. Sendcloud keeps a cancelled shipment's
        `external_reference_id` and answers a second announce under it with the cancelled shipment; a reference
        per label lets the parcel be booked again, while a retry of the same label still finds its own booking."""
        return self.number if not self.voided_labels else f"{self.number}-{self.voided_labels + 1}"


class LabelDocument(models.Model):
    """A parcel's label in one format, as the carrier gave it or Orderly drew it; kept so it downloads again."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="documents")
    format = models.CharField(max_length=8, choices=LabelFormatChoices.choices)
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["parcel_id", "format"]
        constraints = [models.UniqueConstraint(fields=["parcel", "format"], name="label_document_format_unique")]

    def __str__(self):
        return f"{self.parcel_id}: {self.format}"


class TrackingEvent(models.Model):
    """One step of a parcel's tracking as the carrier told it; `event_id` (the carrier's, or made from the status
    and time) is unique per parcel, so a replayed webhook or a poll that sees it again adds nothing."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=200)
    status = models.CharField(max_length=24, choices=TrackingChoices.choices)
    carrier_status = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=16, default="webhook")  # webhook, poll or booking
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["parcel_id", "occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["parcel", "event_id"], name="tracking_event_unique")]

    def __str__(self):
        return f"{self.parcel_id}: {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}"


class LabelPrinter(models.Model):
    """The label format a person prints on (their printer): what *Download label* gives them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="label_printer")
    format = models.CharField(max_length=8, choices=LabelFormatChoices.choices)

    def __str__(self):
        return f"{self.user_id}: {self.format}"


class PackagingWeight(models.Model):
    """Grams of box and filling added to the variants' weights of every parcel (one row)."""

    grams = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.grams} g"
