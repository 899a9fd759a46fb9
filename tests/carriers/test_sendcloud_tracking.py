"""The Sendcloud connector's tracking: the poll and the signed webhooks, against the loopback Sendcloud."""

import datetime as dt
import json

import pytest

from orderly.carriers.connectors.base import (
    CarrierRefused,
    TrackingStatus,
    TrackingUpdate,
    WebhookSignatureRefused,
)
from orderly.carriers.connectors.sendcloud import SendcloudConnector
from orderly.carriers.connectors.sendcloud_status import status_of
from tests.carriers import sendcloud_setup
from tests.carriers.fake_sendcloud import FakeSendcloud, sign
from tests.carriers.fake_server import payload
from tests.carriers.sendcloud_setup import parcel

# The shared fixtures, made this module's so pytest finds them.
guarded_client, sendcloud, server = sendcloud_setup.guarded_client, sendcloud_setup.sendcloud, sendcloud_setup.server


# -- tracking -----------------------------------------------------------------------------------------------------
def test_track_answers_the_events_oldest_first_in_orderlys_statuses(server, sendcloud):
    booked = sendcloud.book(parcel())
    server.add_event(booked.carrier_reference, "delivered", "Parcel has been delivered.", "2026-03-03T13:22:00Z")
    server.add_event(
        booked.carrier_reference, "accepted", "Parcel has been accepted by the carrier.", "2026-03-02T17:40:00Z"
    )
    server.add_event(
        booked.carrier_reference, "at-sorting-centre", "Parcel is at the sorting centre.", "2026-03-03T06:05:00Z"
    )

    updates = sendcloud.track(booked)

    assert server.last("/tracking").path == f"/api/v3/parcels/tracking/{booked.tracking_number}"
    assert [(u.status, u.carrier_status, u.occurred_at.isoformat()) for u in updates] == [
        (TrackingStatus.ANNOUNCED, "Parcel has been announced.", "2026-03-02T09:14:05+00:00"),
        (TrackingStatus.HANDED_TO_CARRIER, "Parcel has been accepted by the carrier.", "2026-03-02T17:40:00+00:00"),
        (TrackingStatus.IN_TRANSIT, "Parcel is at the sorting centre.", "2026-03-03T06:05:00+00:00"),
        (TrackingStatus.DELIVERED, "Parcel has been delivered.", "2026-03-03T13:22:00+00:00"),
    ]
    assert {(u.carrier_reference, u.tracking_number, u.tracking_url) for u in updates} == {
        (booked.carrier_reference, booked.tracking_number, booked.tracking_url)
    }
    assert updates[-1].event_id == f"{booked.carrier_reference}:delivered:2026-03-03T13:22:00+00:00"


def test_the_corpus_tracking_document_maps_every_event(sendcloud):
    from orderly.carriers.connectors.sendcloud import _when

    events = payload("sendcloud", "parcel_tracking.json")["events"]
    assert [status_of(code=e["status_code"], message=e["status_description"]) for e in events] == [
        TrackingStatus.HANDED_TO_CARRIER, TrackingStatus.ANNOUNCED, TrackingStatus.IN_TRANSIT, TrackingStatus.DELIVERED,
    ]  # fmt: skip
    assert all(_when(e["event_at"]).tzinfo is dt.UTC for e in events)


# -- webhooks -----------------------------------------------------------------------------------------------------
SECRET = FakeSendcloud.secret_key


def test_a_signed_webhook_is_one_tracking_update(server, sendcloud):
    booked = sendcloud.book(parcel())
    headers, body = server.webhook(booked.carrier_reference, 11, "Delivered")

    updates = sendcloud.parse_webhook(headers=headers, body=body, secret=SECRET)

    stamp = int(dt.datetime(2026, 3, 3, 13, 22, tzinfo=dt.UTC).timestamp() * 1000)
    assert updates == [
        TrackingUpdate(
            carrier_reference=booked.carrier_reference,
            tracking_number=booked.tracking_number,
            status=TrackingStatus.DELIVERED,
            carrier_status="Delivered",
            occurred_at=dt.datetime(2026, 3, 3, 13, 22, tzinfo=dt.UTC),
            event_id=f"{booked.carrier_reference}:11:{stamp}",
        )
    ]
    assert sendcloud.parse_webhook(headers=headers, body=body, secret=SECRET) == updates  # a replay: the same id


def test_the_corpus_webhook_parses_with_its_signature(sendcloud):
    body = json.dumps(payload("sendcloud", "webhook_parcel_status_changed.json")).encode()
    headers = {"sendcloud-signature": sign(body, "integration-secret")}  # header names in any case

    [update] = sendcloud.parse_webhook(headers=headers, body=body, secret="integration-secret")

    assert (update.carrier_reference, update.tracking_number, update.status) == (
        "402118733", "3SBRNO0001234", TrackingStatus.DELIVERED,
    )  # fmt: skip
    assert update.occurred_at == dt.datetime(2026, 3, 3, 11, 20, tzinfo=dt.UTC)  # the carrier's own time


def test_the_documented_signature_example_verifies():
    # Sendcloud's own example: {"key": "value"} signed with "secretkey".
    body = json.dumps({"key": "value"}).encode()
    assert sign(body, "secretkey") == "1eed4b3d41f4653ac64fd56f1bf1cbfd349e4482cbc11dff7134bd93e5da4b0a"
    connector = SendcloudConnector(credentials={}, settings={})
    assert (
        connector.parse_webhook(headers={"Sendcloud-Signature": sign(body, "secretkey")}, body=body, secret="secretkey")
        == []
    )


@pytest.mark.parametrize("case", ["missing", "wrong secret", "body altered", "empty secret"])
def test_a_webhook_without_a_valid_signature_is_refused(server, sendcloud, case):
    booked = sendcloud.book(parcel())
    headers, body = server.webhook(booked.carrier_reference, 11, "Delivered")
    secret = SECRET
    if case == "missing":
        headers.pop("Sendcloud-Signature")
    elif case == "wrong secret":
        headers["Sendcloud-Signature"] = sign(body, "not-the-secret")
    elif case == "body altered":
        body = body.replace(b'"Delivered"', b'"Cancelled"')
    else:
        secret = ""
    with pytest.raises(WebhookSignatureRefused):
        sendcloud.parse_webhook(headers=headers, body=body, secret=secret)


def test_a_signed_body_that_is_not_json_is_refused(sendcloud):
    body = b"not json"
    with pytest.raises(CarrierRefused, match="Sendcloud's webhook body is not JSON."):
        sendcloud.parse_webhook(headers={"Sendcloud-Signature": sign(body, SECRET)}, body=body, secret=SECRET)


@pytest.mark.parametrize(
    ("status_id", "message", "expected"),
    [
        (1000, "Ready to send", TrackingStatus.ANNOUNCED),
        (1, "Announced", TrackingStatus.ANNOUNCED),
        (3, "En route to sorting center", TrackingStatus.HANDED_TO_CARRIER),
        (22, "Shipment picked up by driver", TrackingStatus.HANDED_TO_CARRIER),
        (7, "Being sorted", TrackingStatus.IN_TRANSIT),
        (92, "Driver en route", TrackingStatus.IN_TRANSIT),
        (12, "Awaiting customer pickup", TrackingStatus.IN_TRANSIT),
        (11, "Delivered", TrackingStatus.DELIVERED),
        (93, "Shipment collected by customer", TrackingStatus.DELIVERED),
        (1002, "Announcement failed", TrackingStatus.EXCEPTION),
        (8, "Delivery attempt failed", TrackingStatus.EXCEPTION),
        (2000, "Cancelled", TrackingStatus.CANCELED),
        (62996, "Returned to sender", TrackingStatus.RETURNED_TO_SENDER),
        (62991, "At sorting centre", TrackingStatus.IN_TRANSIT),
        (62999, "Something new happened", TrackingStatus.EXCEPTION),
    ],
)
def test_webhook_statuses_map_to_orderlys(server, sendcloud, status_id, message, expected):
    booked = sendcloud.book(parcel())
    headers, body = server.webhook(booked.carrier_reference, status_id, message)
    [update] = sendcloud.parse_webhook(headers=headers, body=body, secret=SECRET)
    assert (update.status, update.carrier_status) == (expected, message)


@pytest.mark.parametrize(("status_id", "message"), [(1337, "Unknown status"), (1999, "Cancellation requested")])
def test_statuses_without_news_give_no_update(server, sendcloud, status_id, message):
    booked = sendcloud.book(parcel())
    headers, body = server.webhook(booked.carrier_reference, status_id, message)
    assert sendcloud.parse_webhook(headers=headers, body=body, secret=SECRET) == []


def test_a_webhook_of_another_kind_answers_nothing(sendcloud):
    body = json.dumps({"action": "integration_updated", "timestamp": 1772536920123, "integration": {"id": 9}}).encode()
    assert sendcloud.parse_webhook(headers={"Sendcloud-Signature": sign(body, SECRET)}, body=body, secret=SECRET) == []
