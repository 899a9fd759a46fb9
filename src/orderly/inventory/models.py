"""Warehouses, positions, lots, the stock ledger and holds.

A lot's `on_hand` and `held` are kept in step with the ledger (`Movement`) and the holds (`Hold`) by the services,
in the same transaction; CHECK constraints make a negative or over-held lot impossible whatever the code does.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from orderly.inventory.status import UNIT_BY_KIND, LotKind, MovementKind

QTY = {"max_digits": 14, "decimal_places": 3}


class Warehouse(models.Model):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_warehouse")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Position(models.Model):
    """A place in a warehouse where stock stands (a shelf, a bin: `A-01-3`)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="positions")
    code = models.CharField(max_length=32)

    class Meta:
        ordering = ["warehouse_id", "code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="position_code_unique")]

    def __str__(self):
        return self.code


class Lot(models.Model):
    """Stock of one thing, received or made on one date: the unit of FIFO.

    packaged: units of `variant`; loose: kg of `product`; raw: kg of the raw-material lot called `name`.
    """

    number = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=16, choices=LotKind.choices)
    variant = models.ForeignKey("catalog.Variant", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True, help_text="Name of a raw-material lot")
    lot_date = models.DateField()
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="lots")
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.PROTECT, related_name="lots")
    on_hand = models.DecimalField(**QTY, default=Decimal("0"))
    held = models.DecimalField(**QTY, default=Decimal("0"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["lot_date", "id"]
        indexes = [
            models.Index(fields=["kind", "variant", "lot_date", "id"], name="lot_packaged_fifo_idx"),
            models.Index(fields=["kind", "product", "lot_date", "id"], name="lot_loose_fifo_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="lot_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(held__gte=0), name="lot_held_not_negative"),
            models.CheckConstraint(condition=Q(held__lte=F("on_hand")), name="lot_held_within_on_hand"),
            models.CheckConstraint(
                condition=(
                    Q(kind=LotKind.PACKAGED, variant__isnull=False, product__isnull=True)
                    | Q(kind=LotKind.LOOSE, variant__isnull=True, product__isnull=False)
                    | (Q(kind=LotKind.RAW, variant__isnull=True, product__isnull=True) & ~Q(name=""))
                ),
                name="lot_kind_matches_item",
            ),
            models.UniqueConstraint(fields=["name"], condition=Q(kind=LotKind.RAW), name="raw_lot_name_unique"),
        ]

    def __str__(self):
        return self.number

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.held

    @property
    def unit(self) -> str:
        return UNIT_BY_KIND[LotKind(self.kind)]

    @property
    def item_label(self) -> str:
        """What the lot holds, as a person reads it: a SKU, a product name, or the raw lot's name."""
        if self.kind == LotKind.PACKAGED:
            return self.variant.sku
        if self.kind == LotKind.LOOSE:
            return self.product.name
        return self.name


class Movement(models.Model):
    """One line of the append-only stock ledger. Never edited or deleted.

    `quantity` changes the lot's on-hand, `held_change` its held quantity; per lot, the sums equal the lot's figures.
    """

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    quantity = models.DecimalField(**QTY, default=Decimal("0"))
    held_change = models.DecimalField(**QTY, default=Decimal("0"))
    reason = models.CharField(max_length=500, blank=True)
    reference = models.CharField(max_length=64, blank=True, help_text="What caused it: OF-…, PP-…, an order number")
    actor_kind = models.CharField(max_length=16)
    actor_name = models.CharField(max_length=150)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lot", "-created_at", "-id"], name="movement_lot_idx"),
            models.Index(fields=["-created_at", "-id"], name="movement_recent_idx"),
            # The ledger's filters in its order (LEDGER_ORDER): what caused it, its kind.
            models.Index(fields=["reference", "-created_at", "-id"], name="movement_reference_recent_idx"),
            models.Index(fields=["kind", "-created_at", "-id"], name="movement_kind_idx"),
        ]

    def __str__(self):
        return f"{self.lot_id} {self.kind} {self.quantity}"


class Hold(models.Model):
    """Packaged units of a lot set aside for one order item, on behalf of `reference` (a plan number); or kg of a
    raw lot set aside for `reference` alone (a roast batch's green coffee: no order item).

    The order item is a plain id: inventory sits below orders and knows nothing of them.
    """

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="holds")
    order_item_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reference = models.CharField(max_length=32, db_index=True)
    quantity = models.DecimalField(**QTY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="hold_quantity_positive"),
            models.UniqueConstraint(fields=["lot", "order_item_id"], name="hold_lot_item_unique"),
            # a hold without an order item (raw material) is one per lot and reference
            models.UniqueConstraint(
                fields=["lot", "reference"], condition=Q(order_item_id__isnull=True), name="hold_lot_reference_unique"
            ),
        ]

    def __str__(self):
        return f"{self.lot_id} → item {self.order_item_id}: {self.quantity}"
