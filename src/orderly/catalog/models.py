from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Product(models.Model):
    """What the merchant makes or buys, kept loose in `unit` (e.g. Espresso blend, in kg)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=16, default="kg")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Variant(models.Model):
    """A unit that is sold (e.g. Espresso blend 250 g, SKU ESP-250, package size 0.25 kg)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="variants")
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    package_size = models.DecimalField(
        max_digits=10, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    weight = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("0"))
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=models.Q(package_size__gt=0), name="variant_package_size_positive"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="variant_weight_not_negative"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100), name="variant_tax_rate_percent"
            ),
        ]

    def __str__(self):
        return f"{self.sku} {self.name}"

    @property
    def is_orderable(self) -> bool:
        """An inactive variant, or a variant of an inactive product, cannot be ordered."""
        return self.is_active and self.product.is_active


class ChannelSkuMapping(models.Model):
    """A sales channel's SKU that names one of our variants (when the shop's SKU differs from ours).

    Lives in the catalog so order checks can resolve items without knowing about channels.
    """

    channel = models.ForeignKey("channels.SalesChannel", on_delete=models.CASCADE, related_name="sku_mappings")
    external_sku = models.CharField(max_length=64)
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="channel_mappings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel_id", "external_sku"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_sku"], name="channel_sku_mapping_unique"),
        ]

    def __str__(self):
        return f"{self.channel_id}:{self.external_sku} → {self.variant_id}"
