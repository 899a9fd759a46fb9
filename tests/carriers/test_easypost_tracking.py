"""The EasyPost connector's tracking: the poll and the signed webhooks, against the loopback EasyPost."""

import datetime as dt
import json

import pytest

from orderly.carriers.connectors.base import (
    TrackingStatus,
    TrackingUpdate,
    WebhookSignatureRefused,
)
from orderly.carriers.connectors.easypost import EasyPostConnector
from tests.carriers import easypost_setup
from tests.carriers.easypost_setup import parcel
from tests.carriers.fake_easypost import FakeEasyPost, sign
from tests.carriers.fake_server import payload

# The shared fixtures, made this module's so pytest finds them.
easypost, guarded_client, server = easypost_setup.easypost, easypost_setup.guarded_client, easypost_setup.server


# -- tracking ---------------------------------------------------------------------------------------------------------
def scans(server, shipment_id):
    server.add_tracking(shipment_id, "pre_transit", "label_created", "Shipping Label Created", "2026-03-02T09:00:00Z")
    server.add_tracking(shipment_id, "in_transit", "arrived_at_facility", "Picked up", "2026-03-02T17:00:00Z")
    server.add_tracking(shipment_id, "in_transit", "departed_facility", "Departed facility", "2026-03-03T02:00:00Z")
    server.add_tracking(shipment_id, "out_for_delivery", "out_for_delivery", "Out for delivery", "2026-03-03T08:00:00Z")
    server.add_tracking(shipment_id, "delivered", "arrived_at_destination", "Delivered", "2026-03-03T13:00:00Z")


def test_track_reads_the_shipments_tracker_oldest_first(server, easypost):
    booked = easypost.book(parcel())
    scans(server, booked.carrier_reference)

    updates = easypost.track(booked)

    assert server.last().path == f"/v2/shipments/{booked.carrier_reference}"
    assert [(u.status, u.carrier_status, u.occurred_at.isoformat()) for u in updates] == [
        (TrackingStatus.ANNOUNCED, "Shipping Label Created", "2026-03-02T09:00:00+00:00"),
        (TrackingStatus.HANDED_TO_CARRIER, "Picked up", "2026-03-02T17:00:00+00:00"),
        (TrackingStatus.IN_TRANSIT, "Departed facility", "2026-03-03T02:00:00+00:00"),
        (TrackingStatus.IN_TRANSIT, "Out for delivery", "2026-03-03T08:00:00+00:00"),
        (TrackingStatus.DELIVERED, "Delivered", "2026-03-03T13:00:00+00:00"),
    ]
    assert {(u.carrier_reference, u.tracking_number, u.tracking_url) for u in updates} == {
        (booked.carrier_reference, booked.tracking_number, booked.tracking_url)
    }


def test_track_asks_the_tracker_when_the_shipment_embeds_no_details(server, easypost):
    booked = easypost.book(parcel())
    scans(server, booked.carrier_reference)
    tracker_id = server.shipments[booked.carrier_reference]["tracker"]["id"]
    original = server.route

    def route(request):
        answer = original(request)
        if request.path == f"/v2/shipments/{booked.carrier_reference}":
            answer.body["tracker"].pop("tracking_details")
        return answer

    server.route = route
    assert [u.status for u in easypost.track(booked)][-1] == TrackingStatus.DELIVERED
    assert server.last().path == f"/v2/trackers/{tracker_id}"


# -- webhooks -----------------------------------------------------------------------------------------------------
SECRET = FakeEasyPost.webhook_secret


def test_a_signed_tracker_event_gives_the_trackers_updates(server, easypost):
    booked = easypost.book(parcel())
    scans(server, booked.carrier_reference)
    headers, body = server.webhook(booked.carrier_reference)

    updates = easypost.parse_webhook(headers=headers, body=body, secret=SECRET)

    tracker = server.shipments[booked.carrier_reference]["tracker"]
    assert updates[-1] == TrackingUpdate(
        carrier_reference=booked.carrier_reference,
        tracking_number=booked.tracking_number,
        status=TrackingStatus.DELIVERED,
        carrier_status="Delivered",
        occurred_at=dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC),
        event_id=f"{tracker['id']}:2026-03-03T13:00:00+00:00:delivered:arrived_at_destination",
        tracking_url=booked.tracking_url,
    )
    assert len({u.event_id for u in updates}) == 5
    assert easypost.parse_webhook(headers=headers, body=body, secret=SECRET) == updates  # a replay repeats the ids


def test_the_documented_signature_example_verifies():
    # EasyPost's client library fixture: the event body, compact, signed with "sécret" normalised to NFKD.
    body = json.dumps(payload("easypost", "event_tracker_updated.json"), separators=(",", ":")).encode()
    event = json.loads(body)
    event["result"]["tracking_code"] = "1"
    event["result"]["shipment_id"] = None
    event.update(id="evt_1", user_id="user_1")
    event["result"]["id"] = "trk_1"
    body = json.dumps(event, separators=(",", ":")).encode()
    signature = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"
    assert sign(body, "sécret") == signature

    updates = EasyPostConnector(credentials={}, settings={}).parse_webhook(
        headers={"x-hmac-signature": signature}, body=body, secret="sécret"
    )
    assert [u.status for u in updates] == [TrackingStatus.ANNOUNCED, TrackingStatus.HANDED_TO_CARRIER] + [
        TrackingStatus.IN_TRANSIT
    ] * 5
    assert (updates[1].carrier_status, updates[1].tracking_number, updates[1].carrier_reference) == (
        "Picked up",
        "1",
        "",
    )


@pytest.mark.parametrize("case", ["missing", "wrong secret", "body altered", "no prefix", "un-normalised secret"])
def test_a_webhook_without_a_valid_signature_is_refused(server, easypost, case):
    booked = easypost.book(parcel())
    scans(server, booked.carrier_reference)
    headers, body = server.webhook(booked.carrier_reference)
    if case == "missing":
        headers.pop("X-Hmac-Signature")
    elif case == "wrong secret":
        headers["X-Hmac-Signature"] = sign(body, "another secret")
    elif case == "body altered":
        body = body.replace(b'"delivered"', b'"cancelled"')
    elif case == "no prefix":
        headers["X-Hmac-Signature"] = headers["X-Hmac-Signature"].removeprefix("hmac-sha256-hex=")
    else:
        import hashlib
        import hmac

        raw = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()  # the composed form, not NFKD
        headers["X-Hmac-Signature"] = "hmac-sha256-hex=" + raw
    with pytest.raises(WebhookSignatureRefused):
        easypost.parse_webhook(headers=headers, body=body, secret=SECRET)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pre_transit", TrackingStatus.ANNOUNCED),
        ("in_transit", TrackingStatus.HANDED_TO_CARRIER),  # the first scan
        ("out_for_delivery", TrackingStatus.IN_TRANSIT),
        ("available_for_pickup", TrackingStatus.IN_TRANSIT),
        ("delivered", TrackingStatus.DELIVERED),
        ("return_to_sender", TrackingStatus.RETURNED_TO_SENDER),
        ("failure", TrackingStatus.EXCEPTION),
        ("error", TrackingStatus.EXCEPTION),
        ("cancelled", TrackingStatus.CANCELED),
        ("something_new", TrackingStatus.EXCEPTION),
    ],
)
def test_tracker_statuses_map_to_orderlys(server, easypost, status, expected):
    booked = easypost.book(parcel())
    server.add_tracking(booked.carrier_reference, status, "status_update", f"Scan: {status}", "2026-03-03T08:00:00Z")
    headers, body = server.webhook(booked.carrier_reference)
    [update] = easypost.parse_webhook(headers=headers, body=body, secret=SECRET)
    assert (update.status, update.carrier_status) == (expected, f"Scan: {status}")


def test_unknown_gives_no_update_and_other_events_answer_nothing(server, easypost):
    booked = easypost.book(parcel())
    server.add_tracking(booked.carrier_reference, "unknown", "unknown", "No news", "2026-03-03T08:00:00Z")
    headers, body = server.webhook(booked.carrier_reference)
    assert easypost.parse_webhook(headers=headers, body=body, secret=SECRET) == []

    other = json.dumps({"object": "Event", "description": "batch.updated", "result": {"object": "Batch"}}).encode()
    assert easypost.parse_webhook(headers={"X-Hmac-Signature": sign(other, SECRET)}, body=other, secret=SECRET) == []
