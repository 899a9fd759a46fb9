"""Locking what the channels area owns: its outbox messages and its channels, late in the global order
(orderly.core.locks), after the orders they concern. A channel's orders are locked through orders.locks."""

from orderly.channels.models import OutboxMessage, SalesChannel
from orderly.core.locks import lock_row


def lock_channel(pk: int, **conditions) -> SalesChannel | None:
    """The channel with this id (and these further `conditions`, e.g. due for a sync) locked, or None."""
    return lock_row(SalesChannel.objects.filter(pk=pk, **conditions))


def lock_outbox_message(pk: int, *, related: tuple[str, ...] = ()) -> OutboxMessage | None:
    """The outbox message with this id locked (its `related` rows loaded, not locked), or None."""
    return lock_row(OutboxMessage.objects.filter(pk=pk).select_related(*related))
