"""Reads of sales channels."""

from django.db.models import QuerySet

from orderly.channels.models import ChannelKind, SalesChannel


def manual_channel() -> SalesChannel:
    """The built-in channel for orders entered by hand or through the API."""
    channel, _ = SalesChannel.objects.get_or_create(
        kind=ChannelKind.MANUAL, name=SalesChannel.MANUAL_NAME, defaults={"enabled": True}
    )
    return channel


def channel_list() -> QuerySet[SalesChannel]:
    return SalesChannel.objects.order_by("name", "id")
