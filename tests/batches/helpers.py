"""Set-up for batch tests: stocked variants, orders of them, a batch processed by a worker in this process."""

from orderly.batches.models import Batch, BatchOrder
from orderly.batches.services import batch_create, batch_process
from orderly.orders.models import Order
from tests.shipping.helpers import SYSTEM, order_of, receive, variant  # noqa: F401 (re-exported for the tests)


def create(actor, *orders: Order) -> Batch:
    return batch_create(orders=[o.number for o in orders], actor=actor)


def run(batch: Batch, worker: str = "worker-1", **kwargs) -> Batch:
    batch_process(batch_id=batch.pk, worker=worker, **kwargs)
    batch.refresh_from_db()
    return batch


def outcomes(batch: Batch) -> dict[str, tuple]:
    return {
        e.order.number: (e.outcome, e.step, e.reason)
        for e in BatchOrder.objects.filter(batch=batch).select_related("order").order_by("position")
    }


def break_address(order: Order, **fields) -> Order:
    """Leave the order's shipping address as a shop may send it (no postal code, say), with the error the orders
    area's checks raise for it, as an import does."""
    from django.db import transaction

    from orderly.core.actors import Actor
    from orderly.orders.models import Address
    from orderly.orders.services.checks import apply_checks

    Address.objects.filter(pk=order.shipping_address_id).update(**(fields or {"postal_code": ""}))
    with transaction.atomic():
        order = Order.objects.select_related("shipping_address").get(pk=order.pk)
        apply_checks(order, Actor.system())
    order.refresh_from_db()
    return order
