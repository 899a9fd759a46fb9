"""Booking through the Sendcloud and EasyPost connectors against their loopback servers: a label bought once
whatever is retried (a timeout after the carrier acted included), its failures as errors on the order and the API,
the label in each format, void, the poll, and signed webhooks through the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.models import Parcel, TrackingEvent
from orderly.carriers.services import (
    carrier_create,
    label_book,
    label_document,
    label_void,
    parcels_poll_due,
    rule_create,
)
from orderly.core.exceptions import Conflict, ValidationError
from orderly.orders.models import Order
from tests.carriers.fake_easypost import FakeEasyPost
from tests.carriers.fake_sendcloud import FakeSendcloud
from tests.carriers.helpers import SYSTEM, shipped
from tests.factories import address

pytestmark = pytest.mark.django_db
SENDER_NL = address(name="Pieter de Wit", company="Branderij Noord", line1="Veemkade 300", postal_code="1019HD",
                    city="Amsterdam", email="pieter@branderij.example", phone="+31200003344")  # fmt: skip
SENDER_US = address(name="Ada Park", line1="500 Capitol Mall", postal_code="95814", city="Sacramento", region="CA",
                    country="US", email="ship@roastery.example", phone="+19165550100")  # fmt: skip


@pytest.fixture
def sendcloud():
    with FakeSendcloud(lifetime=120) as fake:
        account = carrier_create(
            name="Sendcloud", kind="sendcloud", actor=SYSTEM, sender_address=SENDER_NL,
            settings={"base_url": fake.base_url, "timeout": 1}, credentials=FakeSendcloud.connector_credentials,
            methods=[{"code": "postnl:standard", "name": "PostNL Standard", "countries": ["NL", "BE"],
                      "max_weight_kg": "23"}],
        )  # fmt: skip
        rule_create(data={"country": "NL", "carrier": account.pk, "method": "postnl:standard"}, actor=SYSTEM)
        yield fake


def _announced(fake) -> int:
    return sum(1 for path in fake.paths() if path.startswith("POST") and "/shipments" in path)


def test_sendcloud_books_once_and_serves_the_label(sendcloud):
    order, fulfillment = shipped(2)
    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert (parcel.label_status, parcel.tracking_status, parcel.method_code) == (
        "booked",
        "announced",
        "postnl:standard",
    )
    assert parcel.tracking_number and parcel.carrier_reference
    fulfillment.refresh_from_db()
    assert (fulfillment.carrier, fulfillment.tracking_number) == ("Sendcloud", parcel.tracking_number)
    assert label_book(fulfillment=fulfillment, actor=SYSTEM).pk == parcel.pk
    assert _announced(sendcloud) == 1
    assert bytes(parcel.documents.get(format="pdf-a6").content).startswith(b"%PDF")
    assert label_document(parcel=parcel, fmt=LabelFormat.ZPL).startswith(b"^XA")
    assert label_document(parcel=parcel, fmt=LabelFormat.PDF_A4).startswith(b"%PDF")


def test_sendcloud_timeout_after_acting_is_looked_up_not_bought_again(sendcloud):
    _, fulfillment = shipped(1)
    sendcloud.fail_next("hang", seconds=2.5)
    with pytest.raises(Conflict) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == "carrier_unavailable"
    assert Parcel.objects.get().label_status == "booking"
    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert (parcel.label_status, parcel.booking_attempts) == ("booked", 2)
    assert len(sendcloud.shipments) == 1


@pytest.mark.parametrize(
    ("fault", "code", "label_status"),
    [("refused", "carrier_refused", "failed"), ("unauthorized", "carrier_auth_failed", "failed"),
     ("rate_limited", "carrier_unavailable", "failed"), ("server_error", "carrier_unavailable", "booking")],
)  # fmt: skip
def test_sendcloud_failures_become_clear_errors(sendcloud, fault, code, label_status):
    order, fulfillment = shipped(1)
    sendcloud.fail_next(fault)
    with pytest.raises((ValidationError, Conflict)) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == code
    assert set(refused.value.detail) == {"carrier", "carrier_text", "fix"}
    assert refused.value.detail["fix"]
    assert Parcel.objects.get().label_status == label_status
    assert Order.objects.get(pk=order.pk).error_code == ("carrier_refused" if fault == "refused" else "")


def test_sendcloud_webhook_through_the_api_and_the_poll(sendcloud):
    _, fulfillment = shipped(1)
    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    parcel_id = parcel.carrier_reference
    soon = timezone.now() + dt.timedelta(hours=1)  # after the booking: the carrier's newer status
    headers, body = sendcloud.webhook(parcel_id, 3, "En route to sorting center", at=soon)
    url = f"/api/v1/carriers/{parcel.account_id}/webhook"
    client = Client()
    refused = client.post(url, body, content_type="application/json", HTTP_SENDCLOUD_SIGNATURE="0" * 64)
    assert refused.status_code == 401 and TrackingEvent.objects.count() == 1
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower() != "content-type"}
    first = client.post(url, body, content_type="application/json", **extra)
    again = client.post(url, body, content_type="application/json", **extra)
    assert (first.json(), again.json()) == ({"changed": 1}, {"changed": 0})
    parcel.refresh_from_db()
    assert (parcel.tracking_status, parcel.carrier_status) == ("handed_to_carrier", "En route to sorting center")
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 2
    later = (soon + dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sendcloud.add_event(parcel_id, "delivered", "Delivered", later)
    Parcel.objects.filter(pk=parcel.pk).update(next_poll_at=timezone.now())
    assert parcels_poll_due(now=timezone.now()) == 1
    parcel.refresh_from_db()
    assert (parcel.tracking_status, parcel.next_poll_at) == ("delivered", None)


def test_sendcloud_void_cancels_the_shipment(sendcloud):
    _, fulfillment = shipped(1)
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    parcel = label_void(fulfillment=fulfillment, actor=SYSTEM)
    assert parcel.label_status == "voided"
    assert any(path.startswith("POST") and "cancel" in path for path in sendcloud.paths())


def _shipments(fake) -> list[tuple[str, str, str]]:
    """(external reference, parcel id, status code) of every shipment the fake Sendcloud holds, oldest first."""
    with fake.lock:
        return [(s["external_reference_id"], str(s["parcels"][0]["id"]), s["parcels"][0]["status"]["code"])
                for s in fake.shipments.values()]  # fmt: skip


def test_sendcloud_void_then_book_again_announces_under_a_new_reference(sendcloud):
    _, fulfillment = shipped(1)
    first = label_book(fulfillment=fulfillment, actor=SYSTEM)
    label_void(fulfillment=fulfillment, actor=SYSTEM)
    # Sendcloud keeps the cancelled shipment and its reference: the same reference again is answered 409 with it
    assert _shipments(sendcloud) == [("PA-000001", first.carrier_reference, "CANCELLATION_REQUESTED")]
    again = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert (again.pk, again.label_status, again.voided_labels) == (first.pk, "booked", 1)
    assert again.carrier_reference != first.carrier_reference
    assert _shipments(sendcloud) == [
        ("PA-000001", first.carrier_reference, "CANCELLATION_REQUESTED"),
        ("PA-000001-2", again.carrier_reference, "READY_TO_SEND"),
    ]
    fulfillment.refresh_from_db()
    assert fulfillment.tracking_number == again.tracking_number != first.tracking_number
    assert label_book(fulfillment=fulfillment, actor=SYSTEM).carrier_reference == again.carrier_reference
    label_void(fulfillment=fulfillment, actor=SYSTEM)
    third = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert [(ref, status) for ref, _, status in _shipments(sendcloud)] == [
        ("PA-000001", "CANCELLATION_REQUESTED"), ("PA-000001-2", "CANCELLATION_REQUESTED"),
        ("PA-000001-3", "READY_TO_SEND"),
    ]  # fmt: skip
    assert bytes(third.documents.get(format="pdf-a6").content).startswith(b"%PDF")
    assert sum(1 for path in sendcloud.paths() if path.startswith("POST /api/v3/shipments/announce")) == 3


def test_sendcloud_a_rebooking_whose_answer_was_lost_is_found_not_bought_twice(sendcloud):
    _, fulfillment = shipped(1)
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    label_void(fulfillment=fulfillment, actor=SYSTEM)
    sendcloud.fail_next("hang", seconds=2.5)  # Sendcloud announces the new shipment, the answer never arrives
    with pytest.raises(Conflict) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == "carrier_unavailable"
    assert Parcel.objects.get().label_status == "booking"
    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    live = [(ref, parcel_id) for ref, parcel_id, status in _shipments(sendcloud) if status == "READY_TO_SEND"]
    assert live == [("PA-000001-2", parcel.carrier_reference)]
    assert (parcel.label_status, len(sendcloud.shipments)) == ("booked", 2)


def test_easypost_books_fetches_zpl_and_refunds():
    with FakeEasyPost(lifetime=120) as fake:
        carrier_create(
            name="EasyPost", kind="easypost", actor=SYSTEM, sender_address=SENDER_US,
            settings={"base_url": fake.base_url}, credentials={**FakeEasyPost.connector_credentials,
                                                               "webhook_secret": FakeEasyPost.webhook_secret},
            methods=[{"code": "USPS:Priority", "name": "USPS Priority", "countries": ["US"]}],
        )  # fmt: skip
        _, fulfillment = shipped(1, country="US", line1="2210 Alder Court", postal_code="95816", city="Sacramento",
                                 region="CA")  # fmt: skip
        parcel = label_book(fulfillment=fulfillment, actor=SYSTEM, carrier="EasyPost", method="USPS:Priority",
                            fmt=LabelFormat.ZPL)  # fmt: skip
        assert (parcel.label_status, parcel.weight_kg) == ("booked", Decimal("0.270"))
        assert bytes(parcel.documents.get(format="zpl").content).startswith(b"^XA")
        headers, body = fake.webhook(parcel.carrier_reference)
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower() != "content-type"}
        answer = Client().post(f"/api/v1/carriers/{parcel.account_id}/webhook", body,
                               content_type="application/json", **extra)  # fmt: skip
        assert answer.status_code == 200
        voided = label_void(fulfillment=fulfillment, actor=SYSTEM)
        assert voided.label_status == "voided"
