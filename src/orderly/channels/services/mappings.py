"""Mapping a channel's SKUs to our variants."""

from django.db import transaction

from orderly.catalog.exceptions import UnknownSku
from orderly.catalog.models import ChannelSkuMapping, Variant
from orderly.channels.models import SalesChannel
from orderly.core.exceptions import NotFound, ValidationError


def mapping_set(*, channel: SalesChannel, external_sku: str, variant_sku: str) -> ChannelSkuMapping:
    """Map the channel's `external_sku` to our variant with SKU `variant_sku` (replacing an earlier mapping).

    Orders already imported with that SKU are not changed here: *Reset* resolves their items and clears the error.
    """
    external_sku = (external_sku or "").strip() if isinstance(external_sku, str) else ""
    if not external_sku or len(external_sku) > 64:
        raise ValidationError("external_sku of 1 to 64 characters is required.", field="external_sku")
    if not isinstance(variant_sku, str) or not variant_sku.strip():
        raise ValidationError("variant_sku (our SKU) is required.", field="variant_sku")
    try:
        variant = Variant.objects.get(sku=variant_sku.strip())
    except Variant.DoesNotExist:
        raise UnknownSku(variant_sku.strip(), field="variant_sku") from None
    with transaction.atomic():
        mapping, _ = ChannelSkuMapping.objects.update_or_create(
            channel=channel, external_sku=external_sku, defaults={"variant": variant}
        )
    return mapping


def mapping_delete(*, channel: SalesChannel, external_sku: str) -> None:
    """Remove a mapping; NotFound when the channel has none for that SKU."""
    with transaction.atomic():
        deleted, _ = ChannelSkuMapping.objects.filter(channel=channel, external_sku=external_sku).delete()
    if not deleted:
        raise NotFound(
            f"Channel {channel} has no mapping for SKU {external_sku!r}.", resource="mapping", key=external_sku
        )
