"""Locking fulfillments: after the order, its items and the lots they drew from (orderly.core.locks); a carrier's
parcels take the slot right after the fulfillment they ship."""

from orderly.core.locks import lock_row
from orderly.shipping.models import Fulfillment


def lock_fulfillment(pk: int) -> Fulfillment | None:
    """The fulfillment with this id locked, or None."""
    return lock_row(Fulfillment.objects.filter(pk=pk))


def lock_pending_fulfillment(queryset, pk: int) -> Fulfillment | None:
    """The fulfillment with this id among `queryset` (fulfillments waiting for something) locked, or None."""
    return lock_row(queryset.filter(pk=pk))
