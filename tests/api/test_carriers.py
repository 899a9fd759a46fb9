"""API: carrier accounts, shipping rules, booking, downloading and voiding labels, tracking, and the carrier
webhook, by role, with bad input refused and nothing written."""

import datetime as dt
import hashlib
import hmac
import json

import pytest

from orderly.carriers.models import CarrierAccount, Parcel, ShippingRule, TrackingEvent
from orderly.core import crypto
from orderly.orders.models import OrderEvent
from tests.api.helpers import error_of
from tests.factories import address, make_order


def after_booking(**delta) -> str:
    """A carrier's scan time after a label booked now (the label's own event has the booking's real time)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(**delta)).isoformat()


pytestmark = pytest.mark.django_db

SECRET = "courier-webhook-secret-0123456789"
COURIER = {
    "name": "Own courier",
    "kind": "own",
    "settings": {"tracking_url": "https://track.example/{tracking_number}"},
    "credentials": {"webhook_secret": SECRET},
    "sender_address": address(name="Roastery", line1="Havenstraat 1", postal_code="3011 AA", city="Rotterdam"),
    "methods": [{"code": "standard", "name": "Standard", "countries": ["NL", "BE"], "max_weight_kg": "20"}],
}


def make_courier(api, **overrides) -> dict:
    response = api.post("/carriers", {**COURIER, **overrides}, role="manager")
    assert response.status_code == 201, response.content
    return response.json()


def shipped_fulfillment(api, variant) -> str:
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2, "options": {"allocate": False}}])
    response = api.post(f"/orders/{order.number}/fulfillments", {}, role="operator")
    assert response.status_code == 201, response.content
    return response.json()["number"]


def signed(body: dict) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    return raw, {"X-Orderly-Signature": hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()}


def test_create_masks_and_encrypts_credentials(api):
    body = make_courier(api)
    assert {k: body[k] for k in ("name", "kind", "enabled", "settings")} == {
        "name": "Own courier", "kind": "own", "enabled": True,
        "settings": {"tracking_url": "https://track.example/{tracking_number}"},
    }  # fmt: skip
    assert body["credentials"] == {"webhook_secret": "••••6789"}
    assert body["methods"] == [{"code": "standard", "name": "Standard", "countries": ["BE", "NL"],
                                "max_weight_kg": "20.000"}]  # fmt: skip
    assert body["webhook_url"] == f"http://testserver/api/v1/carriers/{body['id']}/webhook"
    stored = CarrierAccount.objects.get(pk=body["id"]).credentials_encrypted
    assert SECRET not in stored
    assert crypto.decrypt(stored, purpose=crypto.CARRIERS) == {"webhook_secret": SECRET}
    assert SECRET not in api.get(f"/carriers/{body['id']}", role="viewer").content.decode()
    assert [c["name"] for c in api.get("/carriers", role="viewer").json()["items"]] == ["Own courier"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"kind": "dhl"}, "kind", "invalid"),
        ({"name": " "}, "name", "invalid"),
        ({"credentials": {"api_key": "x"}}, "credentials.api_key", "unknown_field"),
        ({"settings": {"base_url": "ftp://x"}}, "settings.base_url", "invalid"),
        ({"settings": {"colour": "red"}}, "settings.colour", "unknown_field"),
        ({"methods": [{"code": "a"}, {"code": "a"}]}, "methods[1].code", "invalid"),
        ({"methods": [{"code": "a", "countries": ["XX"]}]}, "methods[0].countries[0]", "invalid"),
        ({"methods": [{"code": "a", "max_weight_kg": "-1"}]}, "methods[0].max_weight_kg", "invalid"),
        ({"sender_address": {"name": "x"}}, "sender_address.line1", "invalid"),
    ],
)
def test_bad_carriers_are_refused_naming_the_field(api, overrides, field, code):
    response = api.post("/carriers", {**COURIER, **overrides}, role="manager")
    error = error_of(response)
    assert (error["code"], error["field"]) == (code, field)
    assert CarrierAccount.objects.count() == 0


def test_roles_viewer_reads_operator_books_manager_configures(api):
    assert api.post("/carriers", COURIER, role="operator").status_code == 403
    assert api.get("/carriers", role="viewer").status_code == 200
    assert api.get("/carriers", role=None).status_code == 401
    courier = make_courier(api)
    assert api.patch(f"/carriers/{courier['id']}", {"enabled": False}, role="operator").status_code == 403
    assert api.post("/shipping-rules", {"country": "NL", "carrier": "Own courier", "method": "standard"},
                    role="operator").status_code == 403  # fmt: skip


def test_patch_keeps_unsent_credentials_and_duplicate_names_are_refused(api):
    courier = make_courier(api)
    make_courier(api, name="Second")
    response = api.patch(f"/carriers/{courier['id']}", {"enabled": False, "name": "second"}, role="manager")
    assert error_of(response)["code"] == "already_exists"
    response = api.patch(f"/carriers/{courier['id']}", {"enabled": False}, role="manager")
    assert (response.json()["enabled"], response.json()["credentials"]) == (False, {"webhook_secret": "••••6789"})


def test_rules_crud_and_the_most_specific_wins(api):
    courier = make_courier(api)
    api.patch(f"/carriers/{courier['id']}", {"methods": [*COURIER["methods"], {"code": "express"}]}, role="manager")
    default = api.post("/shipping-rules", {"country": "nl", "carrier": courier["id"], "method": "standard"},
                       role="manager")  # fmt: skip
    assert default.status_code == 201
    assert default.json() == {"id": default.json()["id"], "country": "NL", "channel": None, "delivery_method": "",
                              "carrier": "Own courier", "carrier_id": courier["id"], "method": "standard"}  # fmt: skip
    again = api.post("/shipping-rules", {"country": "NL", "carrier": "Own courier", "method": "standard"},
                     role="manager")  # fmt: skip
    assert error_of(again)["code"] == "already_exists"
    unknown = api.post("/shipping-rules", {"country": "NL", "carrier": "Own courier", "method": "overnight"},
                       role="manager")  # fmt: skip
    assert (error_of(unknown)["code"], error_of(unknown)["field"]) == ("not_found", "method")
    patched = api.patch(f"/shipping-rules/{default.json()['id']}", {"method": "express"}, role="manager")
    assert patched.json()["method"] == "express"
    assert api.delete(f"/shipping-rules/{default.json()['id']}", role="manager").status_code == 204
    assert ShippingRule.objects.count() == 0


def test_book_download_void_and_track_a_label(api, variant):
    make_courier(api)
    api.post("/shipping-rules", {"country": "NL", "carrier": "Own courier", "method": "standard"}, role="manager")
    number = shipped_fulfillment(api, variant)
    booked = api.post(f"/fulfillments/{number}/label", {}, role="operator")
    assert booked.status_code == 200, booked.content
    assert booked.json() == {
        "fulfillment": number, "order": booked.json()["order"], "status": "fulfilled", "parcel": "PA-000001",
        "carrier": "Own courier", "method": "standard", "weight_kg": "0.540", "tracking_number": "PA-000001",
        "tracking_url": "https://track.example/PA-000001", "label_status": "booked", "tracking_status": "announced",
        "last_error": "",
    }  # fmt: skip
    again = api.post(f"/fulfillments/{number}/label", {"carrier": "Own courier"}, role="operator")
    assert again.json() == booked.json()
    assert Parcel.objects.count() == 1

    pdf = api.get(f"/fulfillments/{number}/label?format=pdf-4x6", role="viewer")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf["Content-Disposition"] == f'attachment; filename="{number}-PA-000001-pdf-4x6.pdf"'
    assert pdf.content.startswith(b"%PDF")
    zpl = api.get(f"/fulfillments/{number}/label?format=zpl", role="viewer")
    assert (zpl["Content-Type"], zpl.content[:3]) == ("application/x-zpl", b"^XA")
    assert error_of(api.get(f"/fulfillments/{number}/label?format=png", role="viewer"))["code"] == "invalid"

    raw, headers = signed({"events": [{"tracking_number": "PA-000001", "status": "in_transit",
                                       "carrier_status": "At the depot", "occurred_at": after_booking(hours=1),
                                       "event_id": "ev-1"}]})  # fmt: skip
    courier_id = CarrierAccount.objects.get().pk
    answer = api.post(f"/carriers/{courier_id}/webhook", raw, role=None, **headers)
    assert (answer.status_code, answer.json()) == (200, {"changed": 1})
    tracking = api.get(f"/fulfillments/{number}/tracking", role="viewer").json()
    assert tracking["tracking_status"] == "in_transit"
    assert [(e["status"], e["carrier_status"], e["source"]) for e in tracking["events"]] == [
        ("announced", "Label printed", "booking"), ("in_transit", "At the depot", "webhook"),
    ]  # fmt: skip
    voided = api.post(f"/fulfillments/{number}/label/void", role="operator")
    assert (error_of(voided)["code"], Parcel.objects.get().label_status) == ("label_void_refused", "booked")


def test_void_then_download_is_refused_and_cancel_voids(api, variant):
    make_courier(api)
    number = shipped_fulfillment(api, variant)
    api.post(f"/fulfillments/{number}/label", {"carrier": "Own courier", "method": "standard"}, role="operator")
    voided = api.post(f"/fulfillments/{number}/label/void", role="operator")
    assert (voided.json()["label_status"], voided.json()["tracking_number"]) == ("voided", "")
    refused = api.get(f"/fulfillments/{number}/label", role="viewer")
    assert error_of(refused)["detail"] == {"fulfillment": number, "label_status": "voided"}
    api.post(f"/fulfillments/{number}/label", {"carrier": "Own courier", "method": "standard"}, role="operator")
    canceled = api.post(f"/fulfillments/{number}/cancel", role="operator")
    assert canceled.json()["status"] == "canceled"
    assert Parcel.objects.get().label_status == "voided"


def test_no_rule_answers_422_and_the_order_gets_the_error(api, variant):
    make_courier(api)
    number = shipped_fulfillment(api, variant)
    response = api.post(f"/fulfillments/{number}/label", {}, role="operator")
    error = error_of(response)
    assert (error["code"], error["field"], error["detail"]["country"]) == ("no_shipping_method", "carrier", "NL")
    order = api.get(f"/orders/{error['detail']['order']}", role="viewer").json()
    assert order["error"]["code"] == "no_shipping_method"


def test_webhook_with_a_wrong_or_missing_signature_writes_nothing_and_a_replay_changes_nothing(api, variant):
    make_courier(api, methods=[{"code": "standard"}])
    number = shipped_fulfillment(api, variant)
    api.post(f"/fulfillments/{number}/label", {"carrier": "Own courier"}, role="operator")
    courier_id = CarrierAccount.objects.get().pk
    raw, headers = signed({"events": [{"tracking_number": "PA-000001", "status": "delivered",
                                       "occurred_at": after_booking(hours=27), "event_id": "ev-9"}]})  # fmt: skip
    events = OrderEvent.objects.count()
    for bad in ({}, {"X-Orderly-Signature": "0" * 64}, {"X-Orderly-Signature": headers["X-Orderly-Signature"][:-1]}):
        refused = api.post(f"/carriers/{courier_id}/webhook", raw, role=None, **bad)
        assert (refused.status_code, error_of(refused)["code"]) == (401, "webhook_refused")
    assert (TrackingEvent.objects.count(), OrderEvent.objects.count()) == (1, events)
    first = api.post(f"/carriers/{courier_id}/webhook", raw, role=None, **headers)
    replay = api.post(f"/carriers/{courier_id}/webhook", raw, role=None, **headers)
    assert (first.json(), replay.json()) == ({"changed": 1}, {"changed": 0})
    assert TrackingEvent.objects.count() == 2
    assert OrderEvent.objects.count() == events + 1
    assert Parcel.objects.get().tracking_status == "delivered"
    unknown = api.post("/carriers/999/webhook", raw, role=None, **headers)
    assert error_of(unknown)["code"] == "not_found"


def test_a_carrier_with_parcels_cannot_be_deleted(api, variant):
    courier = make_courier(api, methods=[{"code": "standard"}])
    number = shipped_fulfillment(api, variant)
    api.post(f"/fulfillments/{number}/label", {"carrier": courier["id"]}, role="operator")
    refused = api.delete(f"/carriers/{courier['id']}", role="manager")
    assert error_of(refused)["detail"] == {"resource": "carrier", "key": "Own courier"}
    spare = make_courier(api, name="Spare")
    assert api.delete(f"/carriers/{spare['id']}", role="manager").status_code == 204


def test_the_lists_cost_the_same_queries_for_2_or_12_entries(api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path, role="viewer").status_code == 200
        return len(queries)

    def add(first, last):
        for n in range(first, last):
            name = f"Courier {n}"
            make_courier(api, name=name)
            api.post("/shipping-rules", {"country": "NL", "delivery_method": name, "carrier": name,
                                         "method": "standard"}, role="manager")  # fmt: skip

    add(0, 2)
    count("/carriers")  # the token's last use is written once a minute: not a query of the list
    few = (count("/carriers"), count("/shipping-rules"))
    add(2, 12)
    assert (count("/carriers"), count("/shipping-rules")) == few


def test_a_booking_after_refused_ones_clears_the_orders_error_and_a_new_refusal_replaces_it(api, variant):
    make_courier(api, methods=[{"code": "standard", "name": "Standard", "max_weight_kg": "0.5"},
                               {"code": "express", "name": "Express"}])  # fmt: skip
    number = shipped_fulfillment(api, variant)
    no_rule = error_of(api.post(f"/fulfillments/{number}/label", {}, role="operator"))
    order_number = no_rule["detail"]["order"]
    assert api.get(f"/orders/{order_number}", role="viewer").json()["error"]["code"] == "no_shipping_method"

    overweight = api.post(f"/fulfillments/{number}/label", {"carrier": "Own courier", "method": "standard"},
                          role="operator")  # fmt: skip
    assert (overweight.status_code, error_of(overweight)["code"]) == (422, "parcel_overweight")
    error = api.get(f"/orders/{order_number}", role="viewer").json()["error"]
    assert error == {
        "code": "parcel_overweight",
        "message": f"Label of {number} not booked: The parcel weighs 0.540 kg, over the 0.500 kg that Standard "
        "(standard) takes. Split the fulfillment into lighter parcels, or book it with a method that takes more.",
        "fix": "Fix the cause named, then book the label again.",
    }

    booked = api.post(f"/fulfillments/{number}/label", {"carrier": "Own courier", "method": "express"},
                      role="operator")  # fmt: skip
    assert (booked.status_code, booked.json()["label_status"]) == (200, "booked")
    assert api.get(f"/orders/{order_number}", role="viewer").json()["error"] is None
    events = OrderEvent.objects.filter(order__number=order_number, kind__in=("error_raised", "error_cleared"))
    assert [(e.kind, e.data.get("code")) for e in events.order_by("id")] == [
        ("error_raised", "no_shipping_method"), ("error_raised", "parcel_overweight"),
        ("error_cleared", "parcel_overweight"),
    ]  # fmt: skip
    assert events.order_by("id").last().message == f"Error cleared: {error['message']}"


def test_a_rule_whose_method_does_not_ship_to_its_country_is_refused(api):
    courier = make_courier(api)  # standard serves NL and BE
    refused = api.post("/shipping-rules", {"country": "DE", "carrier": courier["id"], "method": "standard"},
                       role="manager")  # fmt: skip
    assert error_of(refused) == {
        "code": "method_not_serving",
        "message": "method: Standard (standard) of Own courier does not ship to DE; add DE to the method's "
        "countries, or choose a method that serves it.",
        "field": "method",
        "detail": {"carrier": "Own courier", "method": "standard", "country": "DE"},
    }
    assert ShippingRule.objects.count() == 0
    rule = api.post("/shipping-rules", {"country": "BE", "carrier": "Own courier", "method": "standard"},
                    role="manager").json()  # fmt: skip
    moved = api.patch(f"/shipping-rules/{rule['id']}", {"country": "DE"}, role="manager")
    assert (moved.status_code, error_of(moved)["code"]) == (422, "method_not_serving")
    assert ShippingRule.objects.get().country == "BE"


def test_a_rule_reads_by_id_and_a_patch_without_its_carrier_is_refused(api):
    make_courier(api)
    rule = api.post("/shipping-rules", {"country": "NL", "carrier": "Own courier", "method": "standard"},
                    role="manager").json()  # fmt: skip
    assert api.get(f"/shipping-rules/{rule['id']}", role="viewer").json() == rule
    assert error_of(api.get("/shipping-rules/999", role="viewer")) == {
        "code": "not_found", "message": "No shipping rule 999.", "field": None,
        "detail": {"resource": "shipping_rule", "key": "999"},
    }  # fmt: skip
    assert api.get(f"/shipping-rules/{rule['id']}", role=None).status_code == 401
    for change, field in (({"carrier": None}, "carrier"), ({"method": None}, "method"), ({"carrier": ""}, "carrier")):
        refused = api.patch(f"/shipping-rules/{rule['id']}", change, role="manager")
        assert (refused.status_code, error_of(refused)["code"], error_of(refused)["field"]) == (422, "invalid", field)
    assert api.get(f"/shipping-rules/{rule['id']}", role="viewer").json() == rule


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("POST", "/fulfillments/FF-999999/label", "operator"),
        ("GET", "/fulfillments/FF-999999/label", "viewer"),
        ("POST", "/fulfillments/FF-999999/label/void", "operator"),
        ("GET", "/fulfillments/FF-999999/tracking", "viewer"),
    ],
)
def test_the_label_endpoints_answer_404_naming_an_unknown_fulfillment(api, method, path, role):
    answer = api.call(method, path, {} if method == "POST" else None, role=role)
    assert (answer.status_code, error_of(answer)) == (404, {
        "code": "not_found", "message": "No fulfillment 'FF-999999'.", "field": "fulfillment",
        "detail": {"resource": "fulfillment", "key": "FF-999999"},
    })  # fmt: skip


def test_a_carrier_answers_404_by_unknown_id_and_masks_every_kinds_credentials(api):
    for method in ("GET", "PATCH", "DELETE"):
        answer = api.call(method, "/carriers/999", {"enabled": False} if method == "PATCH" else None, role="manager")
        assert (answer.status_code, error_of(answer)) == (404, {
            "code": "not_found", "message": "No carrier 999.", "field": None,
            "detail": {"resource": "carrier", "key": "999"},
        })  # fmt: skip
    keys = {"public_key": "sc-public-0123456789", "secret_key": "sc-secret-abcdefghij"}
    sendcloud = api.post("/carriers", {"name": "Sendcloud", "kind": "sendcloud", "credentials": keys},
                         role="manager").json()  # fmt: skip
    keys = {"api_key": "EZTK0123456789abcdef", "webhook_secret": "short"}
    easypost = api.post("/carriers", {"name": "EasyPost", "kind": "easypost", "credentials": keys},
                        role="manager").json()  # fmt: skip
    assert sendcloud["credentials"] == {"public_key": "••••6789", "secret_key": "••••ghij", "webhook_secret": ""}
    assert easypost["credentials"] == {"api_key": "••••cdef", "webhook_secret": "••••"}
    listed = api.get("/carriers", role="viewer").content.decode()
    assert not any(secret in listed for secret in ("0123456789", "abcdefghij", "short"))
