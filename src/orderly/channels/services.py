"""Writes to sales channels."""

from django.db import transaction

from orderly.channels.models import ChannelKind, SalesChannel
from orderly.core.exceptions import Conflict, ValidationError


@transaction.atomic
def channel_create(*, name: str, kind: str = ChannelKind.MANUAL, enabled: bool = True) -> SalesChannel:
    """Create a sales channel; names are unique."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError("A channel name of 1 to 100 characters is required.", field="name")
    if kind not in ChannelKind.values:
        raise ValidationError(
            f"Unknown channel kind {kind!r}; choose one of {', '.join(ChannelKind.values)}.", field="kind"
        )
    if SalesChannel.objects.filter(name=name).exists():
        raise Conflict(f"A channel named {name!r} already exists.", field="name")
    return SalesChannel.objects.create(name=name, kind=kind, enabled=enabled)
