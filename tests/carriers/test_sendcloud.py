"""The Sendcloud v3 connector against the loopback Sendcloud: every call, its failures, and the signed webhooks."""

import json
from decimal import Decimal

import pytest

from orderly.carriers.connectors import UnknownCarrierKind, connector_class
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
from orderly.carriers.connectors.sendcloud import SendcloudConnector
from tests.carriers import sendcloud_setup
from tests.carriers.fake_sendcloud import A4, A6, FakeSendcloud
from tests.carriers.fake_server import payload
from tests.carriers.sendcloud_setup import ABROAD, BEANS, basic, media_box, parcel
from tests.carriers.shapes import assert_same_shape

# The shared fixtures, made this module's so pytest finds them.
guarded_client, sendcloud, server = sendcloud_setup.guarded_client, sendcloud_setup.sendcloud, sendcloud_setup.server


# -- the registry -----------------------------------------------------------------------------------------------
def test_registry_answers_the_class_of_each_api_kind_and_refuses_an_unknown_one():
    from orderly.carriers.connectors.easypost import EasyPostConnector

    assert connector_class("sendcloud") is SendcloudConnector
    assert connector_class("easypost") is EasyPostConnector
    with pytest.raises(UnknownCarrierKind, match="Unknown carrier kind 'dhl'; Orderly knows easypost, own, sendcloud."):
        connector_class("dhl")


# -- book ---------------------------------------------------------------------------------------------------------
def test_book_announces_the_shipment_with_kg_weight_and_answers_parcel_id_and_tracking(server, sendcloud):
    booked = sendcloud.book(parcel())

    request = server.last("/announce")
    assert (request.method, request.path) == ("POST", "/api/v3/shipments/announce")
    assert request.header("Authorization") == basic("sc-public-7f3a", "sc-secret-91bd")
    body = request.json
    assert body["parcels"] == [{"weight": {"value": "1.250", "unit": "kg"}}]
    assert body["ship_with"] == {
        "type": "shipping_option_code",
        "properties": {"shipping_option_code": "postnl:standard"},
    }
    assert body["external_reference_id"] == "PA-000311"
    assert body["order_number"] == "OR-000811"
    assert body["total_order_price"] == {"value": "24.50", "currency": "EUR"}
    assert body["label_details"] == {"mime_type": "application/pdf", "dpi": 72}
    assert body["to_address"] == {
        "name": "Femke Jansen",
        "address_line_1": "Lange Nieuwstraat 14",
        "house_number": "14",
        "postal_code": "3512PH",
        "city": "Utrecht",
        "country_code": "NL",
    }
    assert body["from_address"]["company_name"] == "Branderij Noord"
    assert body["from_address"]["phone_number"] == "+31200003344"
    assert "customs_information" not in body
    shipment = next(iter(server.shipments.values()))
    parcel_id = shipment["parcels"][0]["id"]
    assert booked == BookedParcel(
        carrier_reference=str(parcel_id),
        tracking_number=f"3SBRNO{parcel_id:09d}",
        tracking_url=f"https://tracking.example.sendcloud.sc/forward?code=3SBRNO{parcel_id:09d}",
        status=TrackingStatus.ANNOUNCED,
        carrier_status="Ready to send",
    )


def test_book_outside_the_eu_sends_parcel_items_and_customs_information(server):
    connector = SendcloudConnector(
        credentials=FakeSendcloud.connector_credentials,
        settings={"base_url": server.base_url, "contract_id": "4210"},
    )
    connector.book(
        parcel(
            recipient=ABROAD, method_code="dhl_express:worldwide/incoterm=dap", customs=(BEANS,), value=Decimal("19")
        )
    )

    body = server.last("/announce").json
    assert body["ship_with"]["properties"] == {
        "shipping_option_code": "dhl_express:worldwide/incoterm=dap",
        "contract_id": 4210,
    }
    assert body["to_address"]["state_province_code"] == "US-NY"
    assert body["parcels"][0]["parcel_items"] == [
        {
            "description": "Roasted coffee beans 250 g",
            "quantity": 2,
            "weight": {"value": 0.27, "unit": "kg"},
            "price": {"value": "9.50", "currency": "EUR"},
            "hs_code": "090121",
            "origin_country": "NL",
            "sku": "ESP-250",
            "item_id": "ESP-250",
        }
    ]
    assert body["customs_information"] == {
        "invoice_number": "OR-000811",
        "export_reason": "commercial_goods",
        "export_type": "private",
    }


def test_the_connector_sends_what_the_documented_customs_request_holds(server):
    sendcloud = SendcloudConnector(
        credentials=FakeSendcloud.connector_credentials, settings={"base_url": server.base_url, "contract_id": 4210}
    )
    sendcloud.book(parcel(recipient=ABROAD, method_code="dhl_express:worldwide/incoterm=dap", customs=(BEANS,)))
    assert_same_shape(server.last("/announce").json, payload("sendcloud", "announce_request_customs.json"), only=(
        "to_address", "from_address", "ship_with", "order_number", "total_order_price", "parcels",
        "customs_information", "label_details",
    ))  # fmt: skip


def test_a_contract_id_that_is_not_a_number_is_refused_before_calling(server):
    connector = SendcloudConnector(
        credentials=FakeSendcloud.connector_credentials, settings={"base_url": server.base_url, "contract_id": "DHL-1"}
    )
    with pytest.raises(CarrierRefused) as refused:
        connector.book(parcel())
    assert (refused.value.field, refused.value.message) == (
        "settings.contract_id",
        "The account's Sendcloud contract id 'DHL-1' is not a number.",
    )
    assert server.requests == []


def test_a_refused_address_names_the_field_and_carries_sendclouds_words(server, sendcloud):
    server.fail_next("refused")
    with pytest.raises(CarrierRefused) as refused:
        sendcloud.book(parcel())
    error = refused.value
    assert error.field == "recipient.postal_code"
    assert error.status == 400
    assert error.carrier_text == "to_address.postal_code: Postal code 9999ZZ is not valid for the Netherlands."
    assert error.retryable is False
    assert error.message == f"Sendcloud refused the request: {error.carrier_text}"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"recipient": Address(name="", street="Dam 1", postal_code="1012JS", city="Amsterdam", country="NL")},
         "recipient.name", "This field is required."),
        ({"method_code": "postnl:unknown"}, "method_code", "Shipping option 'postnl:unknown' is not available."),
        ({"weight_kg": Decimal("31")}, "weight_kg", "Weight 31.0 kg is outside the shipping option's range."),
        ({"recipient": ABROAD, "method_code": "dhl_express:worldwide/incoterm=dap"},
         "customs", "Parcel items are required for shipments outside the EU."),
    ],
)  # fmt: skip
def test_sendcloud_validation_errors_name_orderlys_field(server, sendcloud, changes, field, words):
    with pytest.raises(CarrierRefused) as refused:
        sendcloud.book(parcel(**changes))
    assert refused.value.field == field
    assert refused.value.carrier_text.endswith(words)
    assert server.shipments == {}


def test_a_failed_announcement_is_refused_with_the_carriers_words(server, sendcloud):
    server.fail_announcement = True
    with pytest.raises(CarrierRefused) as refused:
        sendcloud.book(parcel())
    assert refused.value.carrier_text == "Service error: An error occurred while connecting to the carrier."
    assert refused.value.details == {"shipment_id": next(iter(server.shipments))}
    assert sendcloud.find_booked("PA-000311") is None  # a failed parcel is no booking to keep


def test_booking_the_same_reference_again_answers_the_first_booking(server, sendcloud):
    first = sendcloud.book(parcel())
    again = sendcloud.book(parcel())
    assert again == first
    assert len(server.shipments) == 1


def test_booking_again_a_reference_whose_shipment_was_cancelled_is_refused(server, sendcloud):
    first = sendcloud.book(parcel())
    server.set_status(first.carrier_reference, "CANCELLED", "Cancelled")
    with pytest.raises(CarrierRefused) as refused:
        sendcloud.book(parcel())
    assert (refused.value.field, refused.value.status) == ("reference", 409)
    assert refused.value.message == (
        "Sendcloud already has a cancelled shipment under PA-000311 and takes no second one."
    )


def test_credentials_refused_say_to_enter_the_keys_again_and_never_show_them(server, sendcloud):
    server.fail_next("unauthorized")
    with pytest.raises(CarrierAuthFailed) as failed:
        sendcloud.book(parcel())
    error = failed.value
    assert (error.status, error.fix, error.retryable) == (401, "Enter the account's API keys again.", False)
    assert error.carrier_text == "Invalid username/password."
    assert "sc-secret-91bd" not in f"{error.message} {error.carrier_text} {error.fix}"


def test_wrong_keys_are_refused_by_the_server_itself(server):
    connector = SendcloudConnector(
        credentials={"public_key": "sc-public-7f3a", "secret_key": "wrong"}, settings={"base_url": server.base_url}
    )
    with pytest.raises(CarrierAuthFailed):
        connector.methods()


@pytest.mark.parametrize(
    ("retry_after", "expected"), [("7", 7.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", 30.0)]
)
def test_rate_limited_carries_retry_after(server, sendcloud, retry_after, expected):
    server.fail_next("rate_limited", retry_after=retry_after)
    with pytest.raises(CarrierRateLimited) as limited:
        sendcloud.book(parcel())
    assert (limited.value.retry_after, limited.value.retryable, limited.value.status) == (expected, True, 429)
    assert limited.value.carrier_text == "Request was throttled. Expected available in 7 seconds."
    assert server.shipments == {}


def test_a_server_error_is_retryable_and_unknown_in_outcome_only_for_a_write(server, sendcloud):
    server.fail_next("server_error", times=2)
    with pytest.raises(CarrierUnavailable) as post:
        sendcloud.book(parcel())
    with pytest.raises(CarrierUnavailable) as get:
        sendcloud.find_booked("PA-000311")
    assert (post.value.status, post.value.retryable, post.value.outcome_unknown) == (500, True, True)
    assert (get.value.status, get.value.retryable, get.value.outcome_unknown) == (500, True, False)
    assert post.value.carrier_text == "A server error occurred."


def test_a_timeout_after_sending_is_an_unknown_outcome_and_find_booked_finds_the_booking(server, sendcloud):
    server.fail_next("hang", seconds=1.0)
    with pytest.raises(CarrierUnavailable) as timed_out:
        sendcloud.book(parcel())
    assert (timed_out.value.outcome_unknown, timed_out.value.retryable) == (True, True)
    assert timed_out.value.message == "Sendcloud did not answer in time (POST /api/v3/shipments/announce)."

    found = sendcloud.find_booked("PA-000311")
    shipment = next(iter(server.shipments.values()))
    assert found.carrier_reference == str(shipment["parcels"][0]["id"])
    assert server.last("/shipments").query == {"external_reference_id": "PA-000311"}


def test_a_malformed_answer_is_unavailable_and_named(server, sendcloud):
    server.fail_next("malformed")
    with pytest.raises(CarrierUnavailable) as malformed:
        sendcloud.methods()
    assert malformed.value.message == (
        "Sendcloud answered POST /api/v3/shipping-options with something that is not its JSON."
    )
    assert malformed.value.carrier_text == "<html>Bad gateway</html>"


def test_no_connection_is_retryable_with_a_known_outcome(server, sendcloud):
    server.stop()
    with pytest.raises(CarrierUnavailable) as down:
        sendcloud.book(parcel())
    assert (down.value.retryable, down.value.outcome_unknown, down.value.status) == (True, False, None)


# -- find_booked, label, void -------------------------------------------------------------------------------------
def test_find_booked_answers_none_for_an_unknown_reference_and_skips_cancelled_parcels(server, sendcloud):
    booked = sendcloud.book(parcel())
    assert sendcloud.find_booked("PA-999999") is None
    assert sendcloud.find_booked("PA-000311") == booked
    server.set_status(booked.carrier_reference, "CANCELLED", "Cancelled")
    assert sendcloud.find_booked("PA-000311") is None


@pytest.mark.parametrize(
    ("fmt", "paper", "size"),
    [(LabelFormat.PDF_A6, "A6", A6), (LabelFormat.PDF_4X6, "A6", A6), (LabelFormat.PDF_A4, "A4", A4)],
)
def test_label_pdf_at_the_asked_paper_size(server, sendcloud, fmt, paper, size):
    booked = sendcloud.book(parcel())
    pdf = sendcloud.label(booked, fmt)

    request = server.last("/documents/label")
    assert request.path == f"/api/v3/parcels/{booked.carrier_reference}/documents/label"
    assert request.query == {"paper_size": paper, "dpi": "72"}
    assert request.header("Accept") == "application/pdf"
    assert pdf.startswith(b"%PDF")
    assert media_box(pdf) == pytest.approx(size, abs=0.01)


def test_label_zpl_by_accept_header(server, sendcloud):
    booked = sendcloud.book(parcel())
    zpl = sendcloud.label(booked, LabelFormat.ZPL)
    assert server.last("/documents/label").header("Accept") == "application/zpl"
    assert server.last("/documents/label").query == {}
    assert zpl.startswith(b"^XA") and zpl.endswith(b"^XZ")
    assert booked.tracking_number.encode() in zpl


def test_label_of_an_unknown_parcel_is_refused(server, sendcloud):
    with pytest.raises(CarrierRefused) as refused:
        sendcloud.label(BookedParcel(carrier_reference="1", tracking_number="X"), LabelFormat.PDF_A6)
    assert (refused.value.status, refused.value.carrier_text) == (404, "No Parcel matches the given query.")


def test_void_a_ready_to_send_shipment_is_queued_then_a_second_void_is_refused(server, sendcloud):
    booked = sendcloud.book(parcel())
    shipment_id = next(iter(server.shipments))

    assert sendcloud.void(booked) == VoidResult(
        voided=True, message="Shipment cancellation has been queued", pending=True
    )
    assert server.last("/cancel").path == f"/api/v3/shipments/{shipment_id}/cancel"
    assert server.requests[-2].query == {"ids": booked.carrier_reference}
    assert sendcloud.void(booked) == VoidResult(voided=False, message="This shipment is already being cancelled.")


def test_void_an_announced_shipment_cancels_it_and_a_delivered_one_is_refused(server, sendcloud):
    booked = sendcloud.book(parcel())
    server.set_status(booked.carrier_reference, "ANNOUNCED", "Announced")
    assert sendcloud.void(booked) == VoidResult(voided=True, message="Shipment has been cancelled")

    other = sendcloud.book(parcel("PA-000312"))
    server.set_status(other.carrier_reference, "DELIVERED", "Delivered")
    assert sendcloud.void(other).voided is False


def test_void_of_a_parcel_sendcloud_does_not_know(server, sendcloud):
    result = sendcloud.void(BookedParcel(carrier_reference="77", tracking_number="X"))
    assert result == VoidResult(voided=False, message="Sendcloud has no shipment with parcel 77.")


# -- methods ------------------------------------------------------------------------------------------------------
def test_methods_are_the_shipping_options_with_their_weight_range(server, sendcloud):
    methods = sendcloud.methods()
    request = server.last("/shipping-options")
    assert (request.method, request.json) == ("POST", {})
    assert methods == [
        MethodInfo(code="postnl:standard", name="PostNL Standard", max_weight_kg=Decimal("23.001"),
                   min_weight_kg=Decimal("0.001")),
        MethodInfo(code="dhl_express:worldwide/incoterm=dap", name="DHL Express Worldwide DAP",
                   max_weight_kg=Decimal("70.000"), min_weight_kg=Decimal("0.001")),
    ]  # fmt: skip


# -- the fake speaks the documented API ---------------------------------------------------------------------------
def test_the_fakes_answers_have_the_documented_shapes(server, sendcloud):
    import httpx

    booked = sendcloud.book(parcel())
    client = httpx.Client(base_url=server.base_url, auth=FakeSendcloud.credentials)
    answers = {
        "announce_response.json": server.shipments and {"data": next(iter(server.shipments.values()))},
        "shipments_list.json": client.get("/api/v3/shipments", params={"external_reference_id": "PA-000311"}).json(),
        "parcel_tracking.json": client.get(f"/api/v3/parcels/tracking/{booked.tracking_number}").json(),
        "shipping_options.json": client.post("/api/v3/shipping-options", json={}).json(),
        "error_not_found.json": client.post("/api/v3/shipments/nope/cancel").json(),
    }
    for name, answer in answers.items():
        assert_same_shape(answer, payload("sendcloud", name)), name
    server.fail_announcement = True
    failed = client.post(
        "/api/v3/shipments/announce", json={**server.last("/announce").json, "external_reference_id": "PA-1"}
    )
    assert failed.status_code == 201
    assert_same_shape(failed.json(), payload("sendcloud", "announce_response_failed.json"))
    queued = client.post(f"/api/v3/shipments/{next(iter(server.shipments))}/cancel")
    assert (queued.status_code, queued.json()) == (202, payload("sendcloud", "cancel_queued.json"))
    headers, body = server.webhook(booked.carrier_reference, 11, "Delivered")
    assert_same_shape(json.loads(body), payload("sendcloud", "webhook_parcel_status_changed.json"))
