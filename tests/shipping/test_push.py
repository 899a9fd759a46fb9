"""A fulfillment with tracking for an order from a pulling channel reaches the channel outbox, once."""

import pytest

from orderly.channels.models import OutboxMessage
from orderly.channels.services import channel_create
from orderly.channels.services.fulfillment_push import fulfillments_push_pending
from orderly.shipping.models import Fulfillment
from orderly.shipping.services import fulfillment_cancel, fulfillment_create
from tests.shipping.helpers import order_of, receive, variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    variant("ESP-250")
    receive("ESP-250", 10)
    return channel_create(name="Roastery Shopify", kind="shopify", settings={"base_url": "https://shop.example"})


def test_tracking_of_a_shop_order_is_recorded_in_the_outbox_once(shop, actor):
    order = order_of(("ESP-250", 1), ("ESP-250", 1), channel=shop, external_id="5001")
    first = fulfillment_create(order=order, actor=actor, items=[{"item": order.items.first().pk, "quantity": 1}],
                               carrier="PostNL", tracking_number="3SABC1")  # fmt: skip
    fulfillment_create(order=order, actor=actor)  # no tracking: nothing to tell
    assert fulfillments_push_pending() == 1
    message = OutboxMessage.objects.get()
    assert (message.order_id, message.kind) == (order.pk, "shipped")
    assert message.payload["tracking_number"] == "3SABC1" and message.payload["carrier"] == "PostNL"
    first.refresh_from_db()
    assert first.pushed_at is not None
    assert fulfillments_push_pending() == 0
    assert OutboxMessage.objects.count() == 1


def test_manual_orders_and_canceled_fulfillments_are_not_pushed(shop, actor):
    manual = order_of(("ESP-250", 1))
    fulfillment_create(order=manual, actor=actor, tracking_number="T-1")
    shop_order = order_of(("ESP-250", 1), channel=shop, external_id="5002")
    canceled = fulfillment_create(order=shop_order, actor=actor, tracking_number="T-2")
    fulfillment_cancel(fulfillment=canceled, actor=actor)
    assert fulfillments_push_pending() == 0
    assert not OutboxMessage.objects.exists()
    assert not Fulfillment.objects.filter(pushed_at__isnull=False).exists()


def test_limit_takes_the_oldest_first(shop, actor):
    orders = [order_of(("ESP-250", 1), channel=shop, external_id=f"60{n}") for n in range(3)]
    made = [fulfillment_create(order=o, actor=actor, tracking_number=f"T{n}") for n, o in enumerate(orders)]
    assert fulfillments_push_pending(limit=2) == 2
    assert list(Fulfillment.objects.filter(pushed_at__isnull=False).order_by("pk")) == made[:2]
    assert fulfillments_push_pending(limit=2) == 1


def test_the_scheduler_hands_new_shipments_to_the_outbox(shop, actor):
    from orderly.channels.services.scheduling import enqueue_due

    order = order_of(("ESP-250", 1), channel=shop, external_id="5009")
    fulfillment_create(order=order, actor=actor, carrier="DHL", tracking_number="JD0001")

    enqueue_due()

    message = OutboxMessage.objects.get(order=order)
    assert message.payload["tracking_number"] == "JD0001"
    assert Fulfillment.objects.get(order=order).pushed_at is not None
    enqueue_due()
    assert OutboxMessage.objects.filter(order=order).count() == 1
