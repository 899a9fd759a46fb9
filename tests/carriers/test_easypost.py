"""The EasyPost v2 connector against the loopback EasyPost: every call, its failures, the signed tracker webhooks."""

import json
from decimal import Decimal

import pytest

from orderly.carriers.connectors.base import (
    Address,
    BookedParcel,
    CarrierAuthFailed,
    CarrierRateLimited,
    CarrierRefused,
    CarrierUnavailable,
    LabelFormat,
    MethodInfo,
    TrackingStatus,
    VoidResult,
)
from orderly.carriers.connectors.easypost import EasyPostConnector, ounces
from tests.carriers import easypost_setup
from tests.carriers.easypost_setup import ABROAD, AUTH, BEANS, media_box, parcel
from tests.carriers.fake_easypost import FOUR_BY_SIX, FakeEasyPost
from tests.carriers.fake_server import payload
from tests.carriers.shapes import assert_same_shape

# The shared fixtures, made this module's so pytest finds them.
easypost, guarded_client, server = easypost_setup.easypost, easypost_setup.guarded_client, easypost_setup.server


# -- book ---------------------------------------------------------------------------------------------------------
def test_ounces_round_up_to_a_tenth_and_never_to_zero():
    assert ounces(Decimal("1.25")) == 44.1  # 44.092…
    assert ounces(Decimal("0.001")) == 0.1
    assert ounces(Decimal("0")) == 0.1


def test_book_creates_the_shipment_in_ounces_and_buys_the_methods_rate(server, easypost):
    booked = easypost.book(parcel())

    create, buy = server.requests
    assert (create.method, create.path, buy.method) == ("POST", "/v2/shipments", "POST")
    assert create.header("Authorization") == buy.header("Authorization") == AUTH
    shipment = create.json["shipment"]
    assert shipment["parcel"] == {"weight": 44.1}
    assert shipment["reference"] == "PA-000512"
    assert shipment["options"] == {"label_format": "PDF", "label_size": "4x6", "print_custom_1": "OR-000901"}
    assert shipment["to_address"] == {
        "name": "Marisol Ortega",
        "street1": "2210 Alder Court",
        "city": "Sacramento",
        "zip": "95816",
        "country": "US",
        "state": "CA",
    }
    assert shipment["from_address"]["street2"] == "Unit 4"
    assert "customs_info" not in shipment
    stored = next(iter(server.shipments.values()))
    priority = next(rate for rate in stored["rates"] if rate["service"] == "Priority")
    assert buy.path == f"/v2/shipments/{stored['id']}/buy"
    assert buy.json == {"rate": {"id": priority["id"]}}
    assert booked == BookedParcel(
        carrier_reference=stored["id"],
        tracking_number=stored["tracking_code"],
        tracking_url=f"https://track.easypost.example/{stored['tracking_code']}",
        status=TrackingStatus.ANNOUNCED,
        carrier_status="unknown",
        price=Decimal("11.01"),
        currency="USD",
    )


def test_book_abroad_sends_customs_items_with_line_totals_in_ounces(server, easypost):
    easypost.book(parcel(recipient=ABROAD, method_code="usps:express", customs=(BEANS,)))

    customs = server.requests[0].json["shipment"]["customs_info"]
    assert customs == {
        "contents_type": "merchandise",
        "customs_certify": True,
        "customs_signer": "Owen Hartley",
        "non_delivery_option": "return",
        "restriction_type": "none",
        "eel_pfc": "NOEEI 30.37(a)",
        "customs_items": [
            {
                "description": "Roasted coffee beans",
                "quantity": 2,
                "value": "19.00",
                "currency": "USD",
                "weight": 19.1,  # 0.54 kg = 19.04… oz, rounded up
                "hs_tariff_number": "090121",
                "origin_country": "US",
                "code": "ESP-250",
            }
        ],
    }
    assert server.requests[1].json["rate"]["id"] == next(
        rate["id"] for rate in next(iter(server.shipments.values()))["rates"] if rate["service"] == "Express"
    )


def test_a_method_without_a_rate_is_refused_naming_the_offered_ones(server, easypost):
    with pytest.raises(CarrierRefused) as refused:
        easypost.book(parcel(method_code="FedEx:FEDEX_GROUND"))
    error = refused.value
    assert error.field == "method_code"
    assert error.message == (
        "EasyPost offers no rate 'FedEx:FEDEX_GROUND' for this parcel "
        "(offered: USPS:Express, USPS:Priority, USPS:GroundAdvantage)."
    )
    assert [request.path for request in server.requests] == ["/v2/shipments"]  # nothing bought


def test_a_refused_address_names_the_field_and_carries_easyposts_words(server, easypost):
    server.fail_next("refused")
    with pytest.raises(CarrierRefused) as refused:
        easypost.book(parcel())
    error = refused.value
    assert (error.status, error.field) == (422, "recipient.postal_code")
    assert (
        error.carrier_text == "Unable to verify address.; zip: Invalid city/state/ZIP; street1: House number is missing"
    )
    assert server.shipments == {}


def test_easyposts_own_validation_names_the_side_and_field(server, easypost):
    with pytest.raises(CarrierRefused) as refused:
        easypost.book(
            parcel(sender=Address(name="Owen", street="", postal_code="97209", city="Portland", country="US"))
        )
    assert refused.value.field == "sender.street"
    assert refused.value.carrier_text == "Invalid address.; from_address.street1: cannot be blank"


def test_credentials_refused_say_to_enter_the_keys_again_and_never_show_them(server):
    connector = EasyPostConnector(credentials={"api_key": "EZTK-wrong-key"}, settings={"base_url": server.base_url})
    with pytest.raises(CarrierAuthFailed) as failed:
        connector.book(parcel())
    error = failed.value
    assert (error.status, error.fix) == (401, "Enter the account's API keys again.")
    assert error.carrier_text.startswith("This API key is no longer active.")
    assert "EZTK" not in f"{error.message} {error.carrier_text} {error.fix}"


def test_rate_limited_carries_retry_after(server, easypost):
    server.fail_next("rate_limited", retry_after="12")
    with pytest.raises(CarrierRateLimited) as limited:
        easypost.book(parcel())
    assert (limited.value.retry_after, limited.value.retryable) == (12.0, True)
    assert limited.value.carrier_text == "You have exceeded the rate limit. Please try again later."


def test_a_server_error_on_the_buy_is_an_unknown_outcome(server, easypost):
    server.fail_next("server_error", after=1)
    with pytest.raises(CarrierUnavailable) as failed:
        easypost.book(parcel())
    assert server.paths()[-1].endswith("/buy")
    assert (failed.value.status, failed.value.retryable, failed.value.outcome_unknown) == (500, True, True)
    assert failed.value.carrier_text.startswith("We're sorry, something went wrong.")


def test_a_server_error_on_a_read_is_retryable_with_a_known_outcome(server, easypost):
    server.fail_next("server_error")
    with pytest.raises(CarrierUnavailable) as failed:
        easypost.find_booked("PA-000512")
    assert (failed.value.status, failed.value.retryable, failed.value.outcome_unknown) == (500, True, False)


def test_a_timeout_on_the_buy_is_unknown_and_find_booked_finds_the_bought_label(server, easypost):
    server.fail_next("hang", after=1, seconds=1.0)
    with pytest.raises(CarrierUnavailable) as timed_out:
        easypost.book(parcel())
    assert (timed_out.value.outcome_unknown, timed_out.value.retryable) == (True, True)
    assert timed_out.value.message.startswith("EasyPost did not answer in time (POST /v2/shipments/shp_")

    found = easypost.find_booked("PA-000512")
    stored = next(iter(server.shipments.values()))
    assert (found.carrier_reference, found.tracking_number) == (stored["id"], stored["tracking_code"])


def test_a_malformed_answer_is_unavailable_and_named(server, easypost):
    server.fail_next("malformed")
    with pytest.raises(CarrierUnavailable) as malformed:
        easypost.book(parcel())
    assert malformed.value.message == "EasyPost answered POST /v2/shipments with something that is not its JSON."
    assert malformed.value.outcome_unknown is False  # a created shipment buys nothing
    assert malformed.value.carrier_text == '{"shipment":'


def test_no_connection_is_retryable_with_a_known_outcome(server, easypost):
    server.stop()
    with pytest.raises(CarrierUnavailable) as down:
        easypost.book(parcel())
    assert (down.value.retryable, down.value.outcome_unknown) == (True, False)


# -- find_booked ----------------------------------------------------------------------------------------------------
def test_find_booked_pages_through_the_shipments_and_skips_unbought_and_refunded_ones(server, easypost):
    booked = easypost.book(parcel())
    easypost.http.send("POST", "/v2/shipments", json_body=easypost.shipment_body(parcel("PA-900003")))
    unbought = server.shipments[list(server.shipments)[-1]]
    for n in range(120):  # newer shipments push it to the second page
        other = {**unbought, "id": f"shp_{n:08d}{0:024x}", "reference": f"PA-8{n:05d}"}
        server.shipments[other["id"]] = other

    assert easypost.find_booked("PA-000512") == booked
    pages = [request.query for request in server.requests if request.method == "GET"]
    newest_first = list(reversed(server.shipments))
    assert pages == [{"page_size": "100"}, {"page_size": "100", "before_id": newest_first[99]}]

    assert easypost.find_booked("PA-900003") is None  # created, never bought
    easypost.void(booked)
    assert easypost.find_booked("PA-000512") is None


# -- label, void ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", [LabelFormat.PDF_4X6, LabelFormat.PDF_A6, LabelFormat.PDF_A4])
def test_label_pdf_is_fetched_from_the_answers_address_without_the_api_key(server, easypost, fmt):
    booked = easypost.book(parcel())
    pdf = easypost.label(booked, fmt)

    ask, download = server.requests[-2:]
    assert (ask.path, ask.query) == (f"/v2/shipments/{booked.carrier_reference}/label", {"file_format": "PDF"})
    assert download.path == f"/files/postage_label/{booked.carrier_reference}.pdf"
    assert download.header("Authorization") == ""
    assert pdf.startswith(b"%PDF")
    assert media_box(pdf) == FOUR_BY_SIX


def test_label_zpl(server, easypost):
    booked = easypost.book(parcel())
    zpl = easypost.label(booked, LabelFormat.ZPL)
    assert server.requests[-2].query == {"file_format": "ZPL"}
    assert zpl.startswith(b"^XA") and zpl.endswith(b"^XZ")
    assert booked.tracking_number.encode() in zpl


def test_label_of_a_shipment_without_postage_is_refused(server, easypost):
    created = easypost.http.json(
        easypost.http.send("POST", "/v2/shipments", json_body=easypost.shipment_body(parcel()))
    )
    with pytest.raises(CarrierRefused) as refused:
        easypost.label(BookedParcel(carrier_reference=created["id"], tracking_number="X"), LabelFormat.PDF_4X6)
    assert (refused.value.status, refused.value.carrier_text) == (422, "This shipment has no postage.")


def test_void_submits_the_refund_pending_and_a_second_is_refused(server, easypost):
    booked = easypost.book(parcel())
    assert easypost.void(booked) == VoidResult(
        voided=True, pending=True, message="EasyPost submitted the refund to the carrier."
    )
    assert server.last("/refund").path == f"/v2/shipments/{booked.carrier_reference}/refund"
    assert easypost.void(booked) == VoidResult(
        voided=False, message="A refund was already requested for this shipment."
    )


def test_void_of_a_label_in_transit_is_refused_with_easyposts_words(server, easypost):
    booked = easypost.book(parcel())
    server.add_tracking(
        booked.carrier_reference, "in_transit", "arrived_at_facility", "Arrived", "2026-03-03T08:00:00Z"
    )
    assert easypost.void(booked) == VoidResult(voided=False, message="This shipment is not eligible for a refund.")


def test_void_while_rate_limited_raises(server, easypost):
    booked = easypost.book(parcel())
    server.fail_next("rate_limited")
    with pytest.raises(CarrierRateLimited):
        easypost.void(booked)


# -- methods ------------------------------------------------------------------------------------------------------
def test_methods_are_the_carriers_service_levels(server, easypost):
    methods = easypost.methods()
    assert (server.last().path, server.last().query) == ("/v2/metadata/carriers", {"types": "service_levels"})
    assert methods[1] == MethodInfo(code="USPS:Priority", name="USPS Priority Mail®", max_weight_kg=Decimal("31.751"))
    assert [m.code for m in methods][:4] == ["USPS:First", "USPS:Priority", "USPS:Express", "USPS:GroundAdvantage"]


# -- the fake speaks the documented API ---------------------------------------------------------------------------
def test_the_fakes_answers_have_the_documented_shapes(server, easypost):
    import httpx

    client = httpx.Client(base_url=server.base_url, auth=FakeEasyPost.credentials)
    created = client.post("/v2/shipments", json=easypost.shipment_body(parcel(customs=(BEANS,))))
    shipment_id = created.json()["id"]
    rate = created.json()["rates"][0]["id"]
    answers = {
        "shipment_create.json": created.json(),
        "shipment_buy.json": client.post(f"/v2/shipments/{shipment_id}/buy", json={"rate": {"id": rate}}).json(),
        "shipment_label.json": client.get(f"/v2/shipments/{shipment_id}/label", params={"file_format": "ZPL"}).json(),
        "shipments_list.json": client.get("/v2/shipments", params={"page_size": 5}).json(),
        "metadata_carriers.json": client.get("/v2/metadata/carriers").json(),
        "shipment_refund.json": client.post(f"/v2/shipments/{shipment_id}/refund").json(),
    }
    for name, answer in answers.items():
        assert_same_shape(answer, payload("easypost", name))
    assert answers["shipment_refund.json"]["refund_status"] == "submitted"
    tracker_id = answers["shipment_buy.json"]["tracker"]["id"]
    server.add_tracking(shipment_id, "in_transit", "arrived_at_facility", "Picked up", "2026-03-02T17:00:00Z")
    assert_same_shape(client.get(f"/v2/trackers/{tracker_id}").json(), payload("easypost", "tracker.json"))
    headers, body = server.webhook(shipment_id)
    assert_same_shape(json.loads(body), payload("easypost", "event_tracker_updated.json"))
    server.fail_next("refused")
    refused = client.post("/v2/shipments", json={})
    assert (refused.status_code, refused.json()) == (422, payload("easypost", "error_address.json"))
