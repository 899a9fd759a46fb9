"""Handing shipped fulfillments' tracking to the channel outbox.

Shipping sits below channels and cannot call them: a fulfillment with a tracking number is its durable record.
This service, run by the channel scheduler, finds the ones not handed over yet and records each as a shipment in
the outbox (which pushes it to the shop, retried until it is told), marking the fulfillment in the same
transaction so that none is told twice and none is forgotten after a crash.
"""

from django.db import transaction
from django.utils import timezone

from orderly.channels.models import PULLING_KINDS
from orderly.channels.services.outbox import shipment_record
from orderly.core.actors import Actor
from orderly.core.retry import retry_on_conflict
from orderly.orders.locks import lock_order
from orderly.orders.models import Order
from orderly.shipping.locks import lock_pending_fulfillment
from orderly.shipping.models import Fulfillment
from orderly.shipping.status import FulfillmentStatus


def _pending():
    return (
        Fulfillment.objects.filter(status=FulfillmentStatus.FULFILLED, pushed_at__isnull=True)
        .exclude(tracking_number="")
        .filter(order__channel__kind__in=PULLING_KINDS)
        .exclude(order__external_id="")
    )


def fulfillments_push_pending(*, limit: int = 100, actor: Actor | None = None) -> int:
    """Record up to `limit` fulfilled fulfillments with a tracking number, of orders from a pulling channel, in
    the channel outbox (shipment_record), oldest first; returns how many were recorded.

    Each in its own transaction: the order locked first (as every shipping service does), then the fulfillment,
    checked again to be still fulfilled and not handed over (a fulfillment canceled meanwhile is skipped), then
    the outbox row and `pushed_at` together. Idempotent; safe to run from two schedulers at once.
    """
    actor = actor or Actor.system()
    recorded = 0
    for fulfillment_id, order_id in _pending().order_by("pk").values_list("pk", "order_id")[:limit]:
        recorded += fulfillment_push(fulfillment_id=fulfillment_id, order_id=order_id, actor=actor)
    return recorded


@retry_on_conflict
@transaction.atomic
def fulfillment_push(*, fulfillment_id: int, order_id: int, actor: Actor) -> bool:
    """Record one fulfillment's tracking in the channel outbox, if it is still fulfilled, has a tracking number,
    belongs to an order of a pulling channel and was not handed over yet; returns whether it was recorded now.

    Locks the order first (as every shipping service does), then the fulfillment; the outbox row and `pushed_at`
    are written together, so calling it again (or racing the scheduler) never tells the shop twice.
    """
    order = lock_order(order_id, deleted=True)
    return fulfillment_push_held(order=order, fulfillment_id=fulfillment_id, actor=actor)


def fulfillment_push_held(*, order: Order, fulfillment_id: int, actor: Actor) -> bool:
    """fulfillment_push for a caller that holds `order` locked in its transaction (a batch recording an order's
    outcome): the same checks and writes, without locking the order again; an order that came from no shop (no
    channel or no id there) has nothing to be told, known without reading anything more."""
    if order.channel_id is None or not order.external_id:
        return False  # what _pending() would leave out anyway
    fulfillment = lock_pending_fulfillment(_pending(), fulfillment_id)
    if fulfillment is None:
        return False
    shipment_record(order=order, tracking_number=fulfillment.tracking_number, carrier=fulfillment.carrier, actor=actor)
    fulfillment.pushed_at = timezone.now()
    fulfillment.save(update_fields=["pushed_at"])
    return True
