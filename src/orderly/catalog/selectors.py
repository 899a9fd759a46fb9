"""Reads of the catalog."""

from django.db.models import Q, QuerySet

from orderly.catalog.models import Product, Variant


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
