"""Reads of the catalog."""

from django.db.models import Q, QuerySet

from orderly.catalog.models import ChannelSkuMapping, Product, Variant
from orderly.core.exceptions import NotFound


def product_list(*, q: str = "", active: bool | None = None) -> QuerySet[Product]:
    products = Product.objects.prefetch_related("variants").order_by("name", "id")
    if q:
        products = products.filter(Q(name__icontains=q) | Q(variants__sku__icontains=q)).distinct()
    if active is not None:
        products = products.filter(is_active=active)
    return products


def variants_by_sku(skus) -> dict[str, Variant]:
    """Variants for the given SKUs, with their products, in one query."""
    return {v.sku: v for v in Variant.objects.select_related("product").filter(sku__in=set(skus))}


def mapped_variants(channel_id: int, skus) -> dict[str, Variant]:
    """Variants the channel's SKUs are mapped to (by the channel's SKU), with their products, in one query."""
    mappings = ChannelSkuMapping.objects.select_related("variant__product").filter(
        channel_id=channel_id, external_sku__in=set(skus)
    )
    return {m.external_sku: m.variant for m in mappings}


def orderable_variants() -> QuerySet[Variant]:
    """Variants that can be ordered now (active, of an active product), by SKU."""
    return Variant.objects.filter(is_active=True, product__is_active=True).order_by("sku")


def product_get(product_id: int) -> Product:
    """One product with its variants."""
    try:
        return Product.objects.prefetch_related("variants").get(id=product_id)
    except Product.DoesNotExist:
        raise NotFound(f"No product {product_id}.", resource="product", key=product_id) from None


def variant_get(sku: str) -> Variant:
    """One variant by its SKU, with its product."""
    try:
        return Variant.objects.select_related("product").get(sku=sku)
    except Variant.DoesNotExist:
        raise NotFound(f"No variant with SKU {sku!r}.", resource="variant", key=sku) from None
