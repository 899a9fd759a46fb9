"""Tracking: webhook and poll updates move a parcel through its transitions, once per event; the timeline, the
signal, the poll's bound and backoff; and a booked label's tracking reaching the shop through the outbox."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orderly.carriers.connectors import base
from orderly.carriers.connectors.base import TrackingStatus, TrackingUpdate
from orderly.carriers.connectors.own import OwnConnector
from orderly.carriers.models import Parcel, TrackingEvent
from orderly.carriers.services import label_book, parcels_poll_due, tracking_record
from orderly.carriers.services.scheduling import enqueue_tracking_polls
from orderly.channels.models import OutboxMessage
from orderly.channels.services import channel_create
from orderly.channels.services.fulfillment_push import fulfillments_push_pending
from orderly.orders.models import Order, OrderEvent
from tests.carriers.helpers import SYSTEM, own_carrier, shipped
from tests.factories import VariantFactory, make_order

pytestmark = pytest.mark.django_db
# The carrier's scans come after the label is booked (its *announced* event is stamped with the booking's real time).
T0 = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(second=0, microsecond=0)


def update(status, minutes, event_id="", text=""):
    return TrackingUpdate(
        carrier_reference="PA-000001", tracking_number="PA-000001", status=TrackingStatus(status),
        carrier_status=text, occurred_at=T0 + dt.timedelta(minutes=minutes), event_id=event_id,
    )  # fmt: skip


@pytest.fixture
def parcel():
    own_carrier()
    order, fulfillment = shipped()
    booked = label_book(fulfillment=fulfillment, actor=SYSTEM)
    Parcel.objects.filter(pk=booked.pk).update(status_at=T0 - dt.timedelta(hours=1))
    return Parcel.objects.select_related("fulfillment", "account").get(pk=booked.pk)


def test_steps_move_the_parcel_and_each_is_on_the_timeline(parcel, django_capture_on_commit_callbacks):
    DBTaskResult.objects.all().delete()  # what the booking queued
    with django_capture_on_commit_callbacks(execute=True):
        moved = tracking_record(parcel=parcel, actor=SYSTEM, updates=[
            update("in_transit", 60, "e2", "Sorted at hub"), update("handed_to_carrier", 10, "e1"),
            update("delivered", 300, "e3", "Delivered to neighbour"),
        ])  # fmt: skip
    assert moved == ["handed_to_carrier", "in_transit", "delivered"]
    # only the delivery concerns the customer: its e-mail's task is queued with it
    assert list(DBTaskResult.objects.values_list("task_path", "args_kwargs")) == [
        ("orderly.notifications.tasks.queue_delivered_email", {"args": [parcel.fulfillment_id], "kwargs": {}})
    ]
    parcel.refresh_from_db()
    assert (parcel.tracking_status, parcel.carrier_status, parcel.next_poll_at) == (
        "delivered", "Delivered to neighbour", None,
    )  # fmt: skip
    messages = list(
        OrderEvent.objects.filter(order_id=parcel.fulfillment.order_id, kind="parcel_tracking")
        .order_by("id").values_list("message", flat=True)
    )  # fmt: skip
    assert messages == [
        "Parcel PA-000001 (PA-000001): handed to carrier.",
        "Parcel PA-000001 (PA-000001): in transit (Sorted at hub).",
        "Parcel PA-000001 (PA-000001): delivered (Delivered to neighbour).",
    ]
    # its units counted as shipped when the fulfillment was made: delivery leaves the order's figures as they are
    assert Order.objects.get(pk=parcel.fulfillment.order_id).fulfillment_status == "fulfilled"


def test_a_replay_and_an_older_scan_change_nothing(parcel):
    tracking_record(parcel=parcel, actor=SYSTEM, updates=[update("in_transit", 60, "e2")])
    events = OrderEvent.objects.count()
    assert tracking_record(parcel=parcel, actor=SYSTEM, updates=[update("in_transit", 60, "e2")]) == []
    assert tracking_record(parcel=parcel, actor=SYSTEM, updates=[update("handed_to_carrier", 10, "e1")]) == []
    parcel.refresh_from_db()
    assert parcel.tracking_status == "in_transit"
    assert OrderEvent.objects.count() == events
    kept = TrackingEvent.objects.filter(parcel=parcel).order_by("occurred_at")
    assert list(kept.values_list("event_id", "status")) == [
        ("booked:1", "announced"), ("e1", "handed_to_carrier"), ("e2", "in_transit"),
    ]  # fmt: skip


def test_a_move_the_table_forbids_is_kept_as_history_only(parcel):
    tracking_record(parcel=parcel, actor=SYSTEM, updates=[update("delivered", 60)])
    assert tracking_record(parcel=parcel, actor=SYSTEM, updates=[update("in_transit", 90)]) == []
    parcel.refresh_from_db()
    assert parcel.tracking_status == "delivered"
    assert TrackingEvent.objects.filter(parcel=parcel, status="in_transit").count() == 1


def test_updates_without_an_event_id_are_recognised_by_status_and_time(parcel):
    assert tracking_record(parcel=parcel, actor=SYSTEM, updates=[update("in_transit", 5)]) == ["in_transit"]
    assert tracking_record(parcel=parcel, actor=SYSTEM, updates=[update("in_transit", 5)]) == []
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 2


def test_the_poll_asks_due_parcels_only_and_backs_off_when_the_carrier_is_down(parcel, monkeypatch):
    now = timezone.now()
    assert parcel.next_poll_at is None  # own labels are not polled
    Parcel.objects.filter(pk=parcel.pk).update(next_poll_at=now - dt.timedelta(seconds=1))
    asked = []
    monkeypatch.setattr(OwnConnector, "track", lambda self, b: asked.append(b.tracking_number) or [
        update("in_transit", 30, "p1")])  # fmt: skip
    assert enqueue_tracking_polls(now) == 1
    assert parcels_poll_due(now=now) == 1
    assert asked == ["PA-000001"]
    parcel.refresh_from_db()
    assert (parcel.tracking_status, parcel.next_poll_at, parcel.poll_failures) == (
        "in_transit", now + dt.timedelta(minutes=30), 0,
    )  # fmt: skip
    assert parcels_poll_due(now=now) == 0  # not due again yet

    def down(self, booked):
        raise base.CarrierRateLimited("Too many requests", retry_after=7200, retryable=True)

    monkeypatch.setattr(OwnConnector, "track", down)
    later = parcel.next_poll_at
    assert parcels_poll_due(now=later) == 1
    parcel.refresh_from_db()
    assert (parcel.poll_failures, parcel.next_poll_at) == (1, later + dt.timedelta(hours=2))
    assert parcel.tracking_status == "in_transit"


def test_the_poll_is_bounded_per_run(monkeypatch):
    own_carrier()
    for _ in range(3):
        label_book(fulfillment=shipped()[1], actor=SYSTEM)
    now = timezone.now()
    Parcel.objects.update(next_poll_at=now)
    monkeypatch.setattr(OwnConnector, "track", lambda self, b: [])
    assert parcels_poll_due(now=now, limit=2) == 2
    assert parcels_poll_due(now=now, limit=2) == 1


def test_a_booked_labels_tracking_reaches_the_shop_through_the_outbox():
    own_carrier()
    shop = channel_create(name="Roastery Shopify", kind="shopify", settings={"base_url": "https://shop.example"})
    order, fulfillment = shipped()
    Order.objects.filter(pk=order.pk).update(channel=shop, external_id="7001")
    assert fulfillments_push_pending() == 0  # shipped without tracking: nothing to tell yet
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert fulfillments_push_pending() == 1
    message = OutboxMessage.objects.get()
    assert (message.kind, message.payload["tracking_number"], message.payload["carrier"]) == (
        "shipped", "PA-000001", "Own courier",
    )  # fmt: skip


def test_a_typed_tracking_number_queues_the_shipped_email_with_the_fulfillment(db):
    from orderly.shipping.services import fulfillment_create

    fresh = make_order(items=[{"sku": VariantFactory().sku, "quantity": 1, "options": {"allocate": False}}])
    DBTaskResult.objects.all().delete()
    fulfillment = fulfillment_create(order=fresh, actor=SYSTEM, carrier="PostNL", tracking_number="3SABC1")

    assert list(DBTaskResult.objects.values_list("task_path", "args_kwargs")) == [
        ("orderly.notifications.tasks.queue_shipped_email", {"args": [fulfillment.pk], "kwargs": {}})
    ]
