"""A Sendcloud v3 API on 127.0.0.1 for tests: `with FakeSendcloud() as sendcloud:` or the `sendcloud_server`
fixture, then `SendcloudConnector(credentials=sendcloud.connector_credentials, settings={"base_url":
sendcloud.base_url}, ...)`.

It speaks the documented endpoints with the documented bodies (its answers are filled from the corpus in
payloads/sendcloud, and test_sendcloud checks them against it): announce a shipment synchronously (validating
the addresses, the shipping option, the weight limit and the customs items outside the EU; a repeated
`external_reference_id` answered 409 with the shipment), list shipments by `external_reference_id` or parcel
`ids`, a parcel's label document (PDF at the asked `paper_size`, or ZPL by `Accept`), cancel a shipment (200,
202 for a ready-to-send one, 409 once cancelled or delivered), parcel tracking and shipping options.
Faults: see tests/carriers/fake_server.py. Tracking: `add_event(...)`; webhooks: `webhook(...)`.
"""

import copy
import datetime as dt
import hashlib
import hmac
import io
import itertools
import json
import re

import pytest
from reportlab.pdfgen import canvas

from tests.carriers.fake_server import Answer, FakeCarrier, Recorded, payload

EU = set(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()  # customs union
)
A6 = (297.64, 419.53)
A4 = (595.28, 841.89)
A5 = (419.53, 595.28)
ADDRESS_REQUIRED = ("name", "address_line_1", "postal_code", "city", "country_code")


def pdf_label(size: tuple[float, float], text: str) -> bytes:
    """A one-page PDF of `size` points showing `text`, as a carrier's label document is."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=size)
    page.setFont("Helvetica", 12)
    page.drawString(20, size[1] - 40, text)
    page.showPage()
    page.save()
    return out.getvalue()


pdf_label(A6, "warm-up")  # ReportLab loads its fonts once, here, not inside a client's timeout


def zpl_label(text: str) -> bytes:
    return f"^XA^CF0,30^FO40,40^FD{text}^FS^FO40,100^BCN,120,Y,N,N^FD{text}^FS^XZ".encode()


def sign(body: bytes, secret: str) -> str:
    """Sendcloud-Signature: the hex HMAC-SHA256 of the raw body with the secret key."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeSendcloud(FakeCarrier):
    public_key = "sc-public-7f3a"
    secret_key = "sc-secret-91bd"
    credentials = (public_key, secret_key)
    connector_credentials = {"public_key": public_key, "secret_key": secret_key}

    def __init__(self, *, lifetime: float = 120.0):
        super().__init__(lifetime=lifetime)
        self.shipments: dict[str, dict] = {}  # by shipment id
        self.events: dict[str, list[dict]] = {}  # by parcel id
        self.options = payload("sendcloud", "shipping_options.json")["data"]
        self.fail_announcement = False  # the next announce: 201 with ANNOUNCEMENT_FAILED, as the carrier answers
        self._ids = itertools.count(402118733)

    # -- faults in Sendcloud's words -------------------------------------------------------------------------
    def fault_answer(self, kind: str, options: dict) -> Answer:
        if kind == "unauthorized":
            return Answer(401, payload("sendcloud", "error_unauthorized.json"))
        if kind == "rate_limited":
            return Answer(429, payload("sendcloud", "error_rate_limited.json"), {"Retry-After": options["retry_after"]})
        if kind == "server_error":
            return Answer(500, payload("sendcloud", "error_server.json"))
        if kind == "refused":
            return Answer(400, payload("sendcloud", "error_invalid_address.json"))
        return Answer(200, b"<html>Bad gateway</html>", content_type="text/html")  # malformed

    # -- routes ----------------------------------------------------------------------------------------------
    def route(self, request: Recorded) -> Answer:
        path, method = request.path, request.method
        if method == "POST" and path == "/api/v3/shipments/announce":
            return self.announce(request)
        if method == "GET" and path == "/api/v3/shipments":
            return self.list_shipments(request)
        if method == "POST" and path == "/api/v3/shipping-options":
            return Answer(200, {"data": copy.deepcopy(self.options)})
        if match := re.fullmatch(r"/api/v3/shipments/([^/]+)/cancel", path):
            return self.cancel(match[1]) if method == "POST" else Answer(405, {"detail": "Method not allowed"})
        if method == "GET" and (match := re.fullmatch(r"/api/v3/parcels/(\d+)/documents/label", path)):
            return self.document(match[1], request)
        if method == "GET" and (match := re.fullmatch(r"/api/v3/parcels/tracking/([^/]+)", path)):
            return self.tracking(match[1])
        return Answer(404, payload("sendcloud", "error_not_found.json"))

    def invalid(self, pointer: str, detail: str, code: str = "invalid") -> Answer:
        return Answer(
            400, {"errors": [{"detail": detail, "status": "400", "source": {"pointer": pointer}, "code": code}]}
        )

    def validate(self, body: dict) -> Answer | None:
        for side in ("to_address", "from_address"):
            address = body.get(side) or {}
            for name in ADDRESS_REQUIRED:
                if not address.get(name):
                    return self.invalid(f"/{side}/{name}", "This field is required.", "required")
        code = ((body.get("ship_with") or {}).get("properties") or {}).get("shipping_option_code")
        option = next((o for o in self.options if o["code"] == code), None)
        if option is None:
            return self.invalid(
                "/ship_with/properties/shipping_option_code", f"Shipping option {code!r} is not available."
            )
        parcels = body.get("parcels") or []
        if not parcels:
            return self.invalid("/parcels", "This field is required.", "required")
        weight = float(((parcels[0].get("weight") or {}).get("value")) or 0)
        if weight <= 0 or weight > float(option["weight"]["max"]["value"]):
            return self.invalid(
                "/parcels/0/weight/value", f"Weight {weight} kg is outside the shipping option's range."
            )
        if body["to_address"]["country_code"] not in EU and not parcels[0].get("parcel_items"):
            return self.invalid(
                "/parcels/0/parcel_items", "Parcel items are required for shipments outside the EU.", "required"
            )
        return None

    def announce(self, request: Recorded) -> Answer:
        body = request.json or {}
        if refusal := self.validate(body):
            return refusal
        reference = body.get("external_reference_id")
        code = body["ship_with"]["properties"]["shipping_option_code"]
        option = next(o for o in self.options if o["code"] == code)
        for shipment in self.shipments.values():
            if reference and shipment["external_reference_id"] == reference:
                return Answer(409, {"data": copy.deepcopy(shipment)})
        template = payload("sendcloud", "announce_response.json")["data"]
        parcel_id = next(self._ids)
        parcel = template["parcels"][0]
        tracking = f"3SBRNO{parcel_id:09d}"
        parcel.update(
            {
                "id": parcel_id,
                "tracking_number": tracking,
                "tracking_url": f"https://tracking.example.sendcloud.sc/forward?code={tracking}",
                "weight": body["parcels"][0]["weight"],
                "parcel_items": body["parcels"][0].get("parcel_items") or [],
                "documents": [
                    {
                        "type": "label",
                        "size": "a6",
                        "link": f"{self.base_url}/api/v3/parcels/{parcel_id}/documents/label",
                    }
                ],
            }
        )
        shipment_id = f"7c1b2e64-5d0a-4f55-9c3e-{parcel_id:012d}"
        template.update(
            {
                "id": shipment_id,
                "order_number": body.get("order_number"),
                "total_order_price": body.get("total_order_price"),
                "external_reference_id": reference,
                "reference": body.get("reference"),
                "to_address": {**template["to_address"], **body["to_address"]},
                "from_address": {**template["from_address"], **body["from_address"]},
                "ship_with": {
                    **body["ship_with"],
                    "properties": {"contract_id": option["contract"]["id"], **body["ship_with"]["properties"]},
                },
                "customs_information": body.get("customs_information"),
            }
        )
        if self.fail_announcement:
            self.fail_announcement = False
            failed = payload("sendcloud", "announce_response_failed.json")["data"]
            template["errors"] = failed["errors"]
            parcel["status"] = failed["parcels"][0]["status"]
            parcel["documents"] = []
        self.shipments[shipment_id] = template
        self.events[str(parcel_id)] = [
            {
                "event_at": "2026-03-02T09:14:05Z",
                "event_type": "internal",
                "status_code": "announced",
                "status_description": "Parcel has been announced.",
                "status_type": "success",
                "sub_status_code": "none",
            }
        ]
        return Answer(201, {"data": copy.deepcopy(template)})

    def list_shipments(self, request: Recorded) -> Answer:
        found = list(self.shipments.values())
        if reference := request.query.get("external_reference_id"):
            found = [s for s in found if s["external_reference_id"] == reference]
        if ids := request.query.get("ids"):
            wanted = set(ids.split(","))
            found = [s for s in found if any(str(p["id"]) in wanted for p in s["parcels"])]
        return Answer(200, {"data": copy.deepcopy(found), "next_cursor": None, "previous_cursor": None})

    def parcel(self, parcel_id: str) -> tuple[dict, dict] | None:
        for shipment in self.shipments.values():
            for parcel in shipment["parcels"]:
                if str(parcel["id"]) == str(parcel_id):
                    return shipment, parcel
        return None

    def cancel(self, shipment_id: str) -> Answer:
        shipment = self.shipments.get(shipment_id)
        if shipment is None:
            return Answer(404, payload("sendcloud", "error_not_found.json"))
        parcel = shipment["parcels"][0]
        code = parcel["status"]["code"]
        if code in ("CANCELLED", "CANCELLATION_REQUESTED", "DELIVERED"):
            return Answer(409, payload("sendcloud", "cancel_rejected.json"))
        if code == "READY_TO_SEND":
            parcel["status"] = {"code": "CANCELLATION_REQUESTED", "message": "Cancellation requested"}
            return Answer(202, payload("sendcloud", "cancel_queued.json"))
        parcel["status"] = {"code": "CANCELLED", "message": "Cancelled"}
        return Answer(200, payload("sendcloud", "cancel_cancelled.json"))

    def document(self, parcel_id: str, request: Recorded) -> Answer:
        found = self.parcel(parcel_id)
        if found is None:
            return Answer(
                404,
                {"errors": [{"code": "not_found", "status": "404", "detail": "No Parcel matches the given query."}]},
            )
        tracking = found[1]["tracking_number"]
        if request.header("Accept") == "application/zpl":
            return Answer(200, zpl_label(tracking), content_type="application/zpl")
        size = {"A4": A4, "A5": A5, "A6": A6}.get(request.query.get("paper_size", "A6"))
        if size is None:
            return Answer(400, {"errors": [{"code": "invalid", "status": "400", "detail": "Invalid paper size."}]})
        return Answer(200, pdf_label(size, tracking), content_type="application/pdf")

    def tracking(self, tracking_number: str) -> Answer:
        for shipment in self.shipments.values():
            parcel = shipment["parcels"][0]
            if parcel["tracking_number"] != tracking_number:
                continue
            answer = payload("sendcloud", "parcel_tracking.json")
            answer["events"] = copy.deepcopy(self.events.get(str(parcel["id"]), []))
            answer["source_id"] = shipment["external_reference_id"]
            answer["tracking_numbers"] = [
                {"carrier_code": "postnl", "tracking_number": tracking_number, "tracking_url": parcel["tracking_url"]}
            ]
            return Answer(200, answer)
        return Answer(404, {"detail": "Parcel does not exist"})

    # -- test helpers ----------------------------------------------------------------------------------------
    def set_status(self, parcel_id: object, code: str, message: str) -> None:
        with self.lock:
            self.parcel(str(parcel_id))[1]["status"] = {"code": code, "message": message}

    def add_event(self, parcel_id: object, code: str, description: str, at: str) -> None:
        with self.lock:
            self.events.setdefault(str(parcel_id), []).append(
                {
                    "event_at": at,
                    "event_type": "carrier",
                    "status_code": code,
                    "status_description": description,
                    "status_type": "success",
                    "sub_status_code": "none",
                }
            )

    def webhook(
        self,
        parcel_id: object,
        status_id: int,
        message: str,
        *,
        secret: str | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """A signed `parcel_status_changed` delivery for a booked parcel: (headers, raw body)."""
        at = at or dt.datetime(2026, 3, 3, 13, 22, tzinfo=dt.UTC)
        event = payload("sendcloud", "webhook_parcel_status_changed.json")
        stamp = int(at.timestamp() * 1000)
        event["timestamp"] = stamp + 120
        event["carrier_status_change_timestamp"] = stamp
        with self.lock:
            found = self.parcel(str(parcel_id))
        if found is not None:
            shipment, parcel = found
            event["parcel"].update(
                {"id": parcel["id"], "tracking_number": parcel["tracking_number"], "shipment_uuid": shipment["id"]}
            )
        else:
            event["parcel"]["id"] = int(parcel_id)
        event["parcel"]["status"] = {"id": status_id, "message": message}
        body = json.dumps(event).encode()
        return {"Content-Type": "application/json", "Sendcloud-Signature": sign(body, secret or self.secret_key)}, body


@pytest.fixture
def sendcloud_server():
    with FakeSendcloud(lifetime=120) as server:
        yield server
