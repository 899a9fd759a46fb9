import datetime as dt

import pytest
from django.utils import timezone

from orderly.channels.models import OutboxMessage
from orderly.channels.selectors import outbox_for_channel, outbox_for_order
from orderly.channels.services import channel_sync
from orderly.channels.services.outbox import backoff, outbox_push, outbox_push_due, outbox_retry, shipment_record
from orderly.channels.services.scheduling import enqueue_due
from orderly.core.exceptions import Conflict, ValidationError
from orderly.orders.models import Order
from tests.channels.fake_shops import shopify_order, woo_order
from tests.factories import make_order


@pytest.fixture
def shopify_order_here(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1))
    channel_sync(channel=shopify)
    return Order.objects.get(channel=shopify)


def test_a_shipment_is_pushed_to_shopify_as_a_fulfillment_with_tracking(shopify_order_here, shopify_server, actor):
    message = shipment_record(
        order=shopify_order_here,
        tracking_number="3SABC123",
        carrier="PostNL",
        tracking_url="https://t.example/3SABC123",
        actor=actor,
    )
    assert (message.status, message.attempts) == ("pending", 0)
    assert shopify_order_here.events.filter(kind="channel_told").count() == 1

    sent = outbox_push(message_id=message.pk)

    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, "")
    assert sent.sent_at is not None
    [fulfillment] = shopify_server.fulfillments
    assert fulfillment["tracking_info"] == {
        "number": "3SABC123",
        "company": "PostNL",
        "url": "https://t.example/3SABC123",
    }
    assert fulfillment["line_items_by_fulfillment_order"] == [{"fulfillment_order_id": 50000010}]
    assert shopify_order_here.events.filter(kind="channel_told").count() == 2
    assert outbox_push(message_id=message.pk) is None  # sent once, never twice
    assert len(shopify_server.fulfillments) == 1


def test_woocommerce_gets_completed_status_and_a_tracking_note(woo, woo_server, variants, actor):
    woo_server.add(woo_order(1))
    channel_sync(channel=woo)
    order = Order.objects.get(channel=woo)
    message = shipment_record(order=order, tracking_number="JJD000", carrier="DHL", actor=actor)

    assert outbox_push(message_id=message.pk).status == "sent"

    assert woo_server.updates == [(701, {"status": "completed"})]
    assert woo_server.notes == [(701, {"note": "Shipped with DHL, tracking number JJD000.", "customer_note": True})]


def test_a_failed_push_is_kept_with_its_reason_and_retried_with_backoff(shopify_order_here, shopify_server, actor):
    message = shipment_record(order=shopify_order_here, tracking_number="T1", actor=actor)
    shopify_server.faults.extend([("status", 500, {})] * 4)
    before = timezone.now()

    failed = outbox_push(message_id=message.pk)

    assert (failed.status, failed.attempts) == ("pending", 1)
    assert "answered 500" in failed.last_error
    assert before + dt.timedelta(seconds=29) < failed.next_attempt_at <= timezone.now() + dt.timedelta(seconds=30)
    assert outbox_push(message_id=message.pk) is None  # not due yet
    assert list(outbox_for_order(shopify_order_here)) == [failed]
    assert list(outbox_for_channel(shopify_order_here.channel, status="pending")) == [failed]

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_push_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(shopify_server.fulfillments) == 1


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == dt.timedelta(hours=6)


def test_after_the_last_attempt_the_push_is_failed_visible_and_can_be_retried(
    shopify_order_here, shopify_server, actor
):
    message = shipment_record(order=shopify_order_here, tracking_number="T1", actor=actor)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=OutboxMessage.MAX_ATTEMPTS - 1)
    shopify_server.faults.extend([("status", 502, {})] * 4)

    failed = outbox_push(message_id=message.pk)

    assert (failed.status, failed.attempts) == ("failed", OutboxMessage.MAX_ATTEMPTS)
    assert shopify_order_here.events.filter(kind="channel_told", message__contains="failed after").count() == 1
    assert outbox_push_due() == 0

    retried = outbox_retry(message=failed, actor=actor)
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert outbox_push(message_id=message.pk).status == "sent"
    with pytest.raises(Conflict):
        outbox_retry(message=retried, actor=actor)


def test_manual_orders_get_the_event_and_no_push(actor, variants):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}], actor=actor)
    assert shipment_record(order=order, tracking_number="X1", actor=actor) is None
    assert OutboxMessage.objects.count() == 0
    assert order.events.filter(kind="channel_told").count() == 1


def test_a_tracking_number_is_required(shopify_order_here, actor):
    with pytest.raises(ValidationError):
        shipment_record(order=shopify_order_here, tracking_number="  ", actor=actor)
    assert OutboxMessage.objects.count() == 0


def test_the_scheduler_enqueues_due_syncs_once(shopify, woo):
    from django_tasks_db.models import DBTaskResult

    assert enqueue_due() == 2
    assert enqueue_due() == 0
    assert DBTaskResult.objects.count() == 2
    shopify.refresh_from_db()
    assert shopify.next_sync_at > timezone.now() + dt.timedelta(minutes=14)
