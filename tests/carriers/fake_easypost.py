"""An EasyPost v2 API on 127.0.0.1 for tests: `with FakeEasyPost() as easypost:` or the `easypost_server` fixture,
then `EasyPostConnector(credentials=easypost.connector_credentials, settings={"base_url": easypost.base_url})`.

It speaks the documented endpoints with the documented bodies (filled from the corpus in payloads/easypost, and
test_easypost checks them against it): create a shipment (rates for USPS Express, Priority and GroundAdvantage),
buy a rate, the label in PDF or ZPL (the answer names the file's address; the file is served under /files/
without credentials, as EasyPost's file storage does), refund, list shipments newest first with `before_id`
paging, retrieve a shipment or a tracker, and the carriers' service levels. Faults: see
tests/carriers/fake_server.py. Tracking: `add_tracking(...)`; webhooks: `webhook(...)`.
"""

import copy
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import unicodedata

import pytest

from tests.carriers.fake_sendcloud import pdf_label, zpl_label
from tests.carriers.fake_server import Answer, FakeCarrier, Recorded, payload

FOUR_BY_SIX = (288.0, 432.0)
ADDRESS_REQUIRED = ("street1", "city", "zip", "country")


def sign(body: bytes, secret: str) -> str:
    """X-Hmac-Signature: `hmac-sha256-hex=` and the hex HMAC-SHA256 of the raw body, keyed with the NFKD secret."""
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def error(code: str, message: str, errors: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "errors": errors or []}}


class FakeEasyPost(FakeCarrier):
    api_key = "EZTK-fake-4c1e9b"
    credentials = (api_key, "")
    connector_credentials = {"api_key": api_key}
    webhook_secret = "wébhook-sécret"  # not ASCII: the signature keys it as NFKD

    def __init__(self, *, lifetime: float = 120.0):
        super().__init__(lifetime=lifetime)
        self.shipments: dict[str, dict] = {}  # by id, oldest first
        self.files: dict[str, tuple[bytes, str]] = {}
        self._ids = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):032x}"

    # -- faults in EasyPost's words --------------------------------------------------------------------------
    def fault_answer(self, kind: str, options: dict) -> Answer:
        if kind == "unauthorized":
            return Answer(401, payload("easypost", "error_unauthorized.json"))
        if kind == "rate_limited":
            return Answer(429, payload("easypost", "error_rate_limited.json"), {"Retry-After": options["retry_after"]})
        if kind == "server_error":
            return Answer(500, payload("easypost", "error_server.json"))
        if kind == "refused":
            return Answer(422, payload("easypost", "error_address.json"))
        return Answer(200, b'{"shipment": ', content_type="application/json")  # malformed: cut off

    def needs_auth(self, request: Recorded) -> bool:
        return not request.path.startswith("/files/")

    # -- routes ----------------------------------------------------------------------------------------------
    def route(self, request: Recorded) -> Answer:
        path, method = request.path, request.method
        if path == "/v2/shipments":
            return self.create(request) if method == "POST" else self.list(request)
        if method == "GET" and path == "/v2/metadata/carriers":
            return Answer(200, payload("easypost", "metadata_carriers.json"))
        if method == "GET" and path.startswith("/files/"):
            if path not in self.files:
                return Answer(404, b"NoSuchKey", content_type="application/xml")
            content, kind = self.files[path]
            return Answer(200, content, content_type=kind)
        if method == "GET" and (match := re.fullmatch(r"/v2/trackers/(trk_\w+)", path)):
            tracker = next(
                (s["tracker"] for s in self.shipments.values() if (s["tracker"] or {}).get("id") == match[1]), None
            )
            return Answer(200, copy.deepcopy(tracker)) if tracker else self.not_found("tracker")
        match = re.fullmatch(r"/v2/shipments/(shp_\w+)(?:/(buy|label|refund))?", path)
        if not match:
            return self.not_found("resource")
        shipment = self.shipments.get(match[1])
        if shipment is None:
            return self.not_found("shipment")
        action = match[2]
        if action is None and method == "GET":
            return Answer(200, copy.deepcopy(shipment))
        if action == "buy" and method == "POST":
            return self.buy(shipment, request)
        if action == "label" and method == "GET":
            return self.label(shipment, request)
        if action == "refund" and method == "POST":
            return self.refund(shipment)
        return Answer(405, error("METHOD.NOT_ALLOWED", "Method not allowed."))

    @staticmethod
    def not_found(what: str) -> Answer:
        return Answer(404, error("NOT_FOUND", f"The requested {what} could not be found."))

    def create(self, request: Recorded) -> Answer:
        body = (request.json or {}).get("shipment") or {}
        for side in ("to_address", "from_address"):
            address = body.get(side) or {}
            missing = [name for name in ADDRESS_REQUIRED if not address.get(name)]
            if missing:
                errors = [
                    {"field": f"{side}.{name}", "message": "cannot be blank", "suggestion": None} for name in missing
                ]
                return Answer(422, error("ADDRESS.VERIFY.FAILURE", "Invalid address.", errors))
        weight = (body.get("parcel") or {}).get("weight")
        if not isinstance(weight, int | float) or weight <= 0:
            return Answer(
                422,
                error(
                    "PARCEL.WEIGHT.INVALID",
                    "Parcel weight must be greater than zero.",
                    [{"field": "parcel.weight", "message": "must be greater than 0", "suggestion": None}],
                ),
            )
        shipment = payload("easypost", "shipment_create.json")
        shipment_id = self._id("shp")
        shipment.update(
            {
                "id": shipment_id,
                "reference": body.get("reference"),
                "options": {**shipment["options"], **(body.get("options") or {})},
            }
        )
        for side, copies in (("to_address", ("buyer_address",)), ("from_address", ("return_address",))):
            address = {**shipment[side], **body[side], "id": self._id("adr")}
            shipment[side] = address
            for other in copies:
                shipment[other] = copy.deepcopy(address)
        shipment["parcel"] = {**shipment["parcel"], "id": self._id("prcl"), **body["parcel"]}
        if customs := body.get("customs_info"):
            info = {**shipment["customs_info"], **customs, "id": self._id("cstinfo")}
            template_item = shipment["customs_info"]["customs_items"][0]
            info["customs_items"] = [
                {**template_item, **item, "id": self._id("cstitem")} for item in customs.get("customs_items") or []
            ]
            shipment["customs_info"] = info
        else:
            shipment["customs_info"] = None
        for rate in shipment["rates"]:
            rate.update({"id": self._id("rate"), "shipment_id": shipment_id})
        self.shipments[shipment_id] = shipment
        return Answer(201, copy.deepcopy(shipment))

    def buy(self, shipment: dict, request: Recorded) -> Answer:
        if shipment["postage_label"]:
            return Answer(422, error("SHIPMENT.POSTAGE.EXISTS", "This shipment already has postage."))
        rate_id = ((request.json or {}).get("rate") or {}).get("id")
        rate = next((r for r in shipment["rates"] if r["id"] == rate_id), None)
        if rate is None:
            return Answer(
                422,
                error(
                    "SHIPMENT.RATE.INVALID",
                    "The rate is not one of the shipment's rates.",
                    [{"field": "rate", "message": "is invalid", "suggestion": None}],
                ),
            )
        bought = payload("easypost", "shipment_buy.json")
        number = f"94001{next(self._ids):017d}"
        tracker = {
            **bought["tracker"],
            "id": self._id("trk"),
            "tracking_code": number,
            "shipment_id": shipment["id"],
            "public_url": f"https://track.easypost.example/{number}",
            "tracking_details": [],
        }
        label = {
            **bought["postage_label"],
            "id": self._id("pl"),
            "label_url": f"{self.base_url}/files/postage_label/{shipment['id']}.png",
        }
        for side in ("to_address", "buyer_address"):  # buying verifies the destination
            shipment[side]["verifications"] = copy.deepcopy(bought[side]["verifications"])
        shipment.update(
            {
                "tracking_code": number,
                "selected_rate": copy.deepcopy(rate),
                "postage_label": label,
                "tracker": tracker,
                "fees": bought["fees"],
            }
        )
        return Answer(200, copy.deepcopy(shipment))

    def label(self, shipment: dict, request: Recorded) -> Answer:
        if not shipment["postage_label"]:
            return Answer(422, error("SHIPMENT.POSTAGE.REQUIRED", "This shipment has no postage."))
        file_format = request.query.get("file_format", "").upper()
        if file_format not in ("PDF", "ZPL", "EPL2", "PNG"):
            return Answer(422, error("SHIPMENT.LABEL.FORMAT.INVALID", f"Invalid file format {file_format!r}."))
        path = f"/files/postage_label/{shipment['id']}.{file_format.lower()}"
        if file_format == "ZPL":
            self.files[path] = (zpl_label(shipment["tracking_code"]), "application/zpl")
            shipment["postage_label"]["label_zpl_url"] = self.base_url + path
        else:
            self.files[path] = (pdf_label(FOUR_BY_SIX, shipment["tracking_code"]), "application/pdf")
            shipment["postage_label"]["label_pdf_url"] = self.base_url + path
        return Answer(200, copy.deepcopy(shipment))

    def refund(self, shipment: dict) -> Answer:
        if not shipment["postage_label"] or (shipment["tracker"] or {}).get("status") in ("delivered", "in_transit"):
            return Answer(422, payload("easypost", "error_refund.json"))
        if shipment["refund_status"]:
            return Answer(422, error("SHIPMENT.REFUND.EXISTS", "A refund was already requested for this shipment."))
        shipment["refund_status"] = "submitted"
        return Answer(200, copy.deepcopy(shipment))

    def list(self, request: Recorded) -> Answer:
        newest_first = list(reversed(self.shipments.values()))
        if before := request.query.get("before_id"):
            ids = [s["id"] for s in newest_first]
            newest_first = newest_first[ids.index(before) + 1 :] if before in ids else []
        size = int(request.query.get("page_size", 20))
        page = newest_first[:size]
        return Answer(200, {"shipments": copy.deepcopy(page), "has_more": len(newest_first) > size})

    # -- test helpers ----------------------------------------------------------------------------------------
    def add_tracking(self, shipment_id: str, status: str, status_detail: str, message: str, at: str) -> None:
        """A carrier scan on the shipment's tracker, as EasyPost records it."""
        with self.lock:
            tracker = self.shipments[shipment_id]["tracker"]
            tracker["tracking_details"].append(
                {
                    "object": "TrackingDetail",
                    "message": message,
                    "description": message,
                    "status": status,
                    "status_detail": status_detail,
                    "datetime": at,
                    "source": "USPS",
                    "carrier_code": "",
                    "est_delivery_date": None,
                    "tracking_location": {
                        "object": "TrackingLocation",
                        "city": "SACRAMENTO",
                        "state": "CA",
                        "country": "US",
                        "zip": "95816",
                    },
                }
            )
            tracker.update({"status": status, "status_detail": status_detail, "updated_at": at})

    def webhook(
        self, shipment_id: str, *, secret: str | None = None, at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """A signed `tracker.updated` Event for a bought shipment: (headers, raw body)."""
        event = payload("easypost", "event_tracker_updated.json")
        with self.lock:
            event["result"] = {**event["result"], **copy.deepcopy(self.shipments[shipment_id]["tracker"])}
        event["id"] = self._id("evt")
        stamp = (at or dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        event["created_at"] = event["updated_at"] = stamp
        body = json.dumps(event, separators=(",", ":")).encode()
        return {"Content-Type": "application/json", "X-Hmac-Signature": sign(body, secret or self.webhook_secret)}, body


@pytest.fixture
def easypost_server():
    with FakeEasyPost(lifetime=120) as server:
        yield server
