"""Fulfillments (`FF-…`: units of an order shipped or handed over, with what each line did to stock and to the
item indicators, so that a cancel undoes it exactly) and returns (`RT-…`)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orderly.shipping.status import Delivery, FulfillmentStatus


class Fulfillment(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="fulfillments")
    number = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=16, choices=FulfillmentStatus.choices, default=FulfillmentStatus.FULFILLED)
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.SHIP)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    # Fulfilled in the shop, not here: recorded from the sales channel under the shop's own id of it.
    external_id = models.CharField(max_length=100, blank=True, help_text="The shop's id of a fulfillment it made")
    shipping_address = models.JSONField(default=dict, blank=True, help_text="The address it went to, as it was then")
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    canceled_at = models.DateTimeField(null=True, blank=True)
    lost_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its tracking was handed to the channel outbox"
    )

    class Meta:
        ordering = ["order_id", "id"]
        indexes = [
            # fulfillments_push_pending: tracking numbers not yet handed to the channel
            models.Index(
                fields=["id"],
                name="fulfillment_push_pending_idx",
                condition=Q(status="fulfilled", pushed_at__isnull=True) & ~Q(tracking_number=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "external_id"], condition=~Q(external_id=""), name="fulfillment_external_unique"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def from_shop(self) -> bool:
        return bool(self.external_id)


class FulfillmentLine(models.Model):
    """Units of one order item in a fulfillment, and the indicator changes they caused (field → signed units)."""

    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="lines")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    indicator_changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["fulfillment_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="fulfillment_line_quantity_positive"),
            models.UniqueConstraint(fields=["fulfillment", "order_item"], name="fulfillment_line_item_unique"),
        ]

    def __str__(self):
        return f"{self.fulfillment_id}: item {self.order_item_id} × {self.quantity}"


class FulfillmentDraw(models.Model):
    """Units a line took from one lot: out of a hold under `hold_reference`, or out of available stock if blank."""

    line = models.ForeignKey(FulfillmentLine, on_delete=models.CASCADE, related_name="draws")
    lot = models.ForeignKey("inventory.Lot", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    hold_reference = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["line_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="fulfillment_draw_quantity_positive")]

    def __str__(self):
        return f"{self.line_id}: lot {self.lot_id} × {self.quantity}"


class Return(models.Model):
    """Units a customer sent back: restocked (a new lot per line) or written off."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    number = models.CharField(max_length=16, unique=True)
    reason = models.CharField(max_length=500)
    restock = models.BooleanField()
    credit_note = models.CharField(max_length=32, blank=True, help_text="The credit note billing made for it")
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order_id", "id"]

    def __str__(self):
        return self.number


class ReturnLine(models.Model):
    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    lot = models.ForeignKey(
        "inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Restocked into"
    )

    class Meta:
        ordering = ["return_record_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive"),
            models.UniqueConstraint(fields=["return_record", "order_item"], name="return_line_item_unique"),
        ]

    def __str__(self):
        return f"{self.return_record_id}: item {self.order_item_id} × {self.quantity}"
