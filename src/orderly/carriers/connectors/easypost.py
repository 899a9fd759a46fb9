"""EasyPost, through its v2 REST API (https://api.easypost.com/v2), HTTP Basic auth with the API key as user and
an empty password.

- book: `POST /shipments` with the addresses, the parcel's weight in ounces (EasyPost's unit, to 0.1 oz),
  `reference` = the parcel's booking reference and `options.label_format` PDF; customs items (`customs_info`) when the
  parcel carries them, each with its line's total value and total weight in ounces as EasyPost documents. The
  rate whose `carrier` and `service` match the method code (`USPS:Priority`; a code without `:` matches the
  service alone) is bought with `POST /shipments/{id}/buy`. A shipment created but not bought costs nothing, so
  only the buy can leave a label behind after a failure.
- `carrier_reference` is the shipment id (`shp_…`), which trackers name as `shipment_id`.
- find_booked: EasyPost's shipment list has no filter by reference, so the latest pages of `GET /shipments`
  (newest first, `before_id` paging) are searched for a bought, unrefunded shipment with the reference.
- label: `GET /shipments/{id}/label?file_format=PDF|ZPL` converts the label and answers the shipment with the
  file's address (`postage_label.label_pdf_url` / `label_zpl_url`); the file is downloaded from there without
  the API key. EasyPost makes 4×6 in labels: pdf-a6 and pdf-a4 get that page, for the caller to place.
- void: `POST /shipments/{id}/refund`: `submitted` is accepted and confirmed later (pending), `refunded` is done,
  `rejected` / `not_applicable` are refused.
- track: the shipment's tracker (`GET /shipments/{id}`, then `GET /trackers/{id}` when the embedded tracker
  lacks its details); webhooks: `Event` objects of `tracker.created` / `tracker.updated`, signed in
  `X-Hmac-Signature` as `hmac-sha256-hex=` + hex HMAC-SHA256 of the raw body, keyed with the webhook secret
  normalised to NFKD and encoded as UTF-8 (as EasyPost's own client library checks it).
- A tracker carries its whole history, so every detail becomes an update with an id made of the tracker id, its
  time and status, which a later webhook repeats for the old details; the earliest `in_transit` detail is the
  hand-over to the carrier.
- methods: `GET /metadata/carriers?types=service_levels` (limited to `settings["carriers"]` when given): one
  method per carrier service level, coded `USPS:Priority`, its maximum weight converted from ounces.
"""

import datetime as dt
import hashlib
import hmac
import json
import re
import unicodedata
from decimal import ROUND_CEILING, Decimal
from typing import ClassVar

import httpx

from orderly.carriers.connectors.base import (
    Address,
    BookedParcel,
    CarrierRefused,
    LabelFormat,
    MethodInfo,
    ParcelRequest,
    TrackingStatus,
    TrackingUpdate,
    VoidResult,
    WebhookSignatureRefused,
)
from orderly.carriers.connectors.http import CarrierHttp, header, mapping, shorten, timeout_of

DEFAULT_BASE_URL = "https://api.easypost.com"
API = "/v2"
OUNCES_PER_KG = Decimal("35.27396195")
FIND_PAGES = 5  # pages of 100 shipments searched by find_booked
SIGNATURE_PREFIX = "hmac-sha256-hex="

ADDRESS_FIELDS = {
    "name": "name",
    "company": "company",
    "street1": "street",
    "street2": "street2",
    "city": "city",
    "state": "state",
    "zip": "postal_code",
    "country": "country",
    "phone": "phone",
    "email": "email",
}

STATUSES: dict[str, TrackingStatus | None] = {
    "pre_transit": TrackingStatus.ANNOUNCED,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "out_for_delivery": TrackingStatus.IN_TRANSIT,
    "available_for_pickup": TrackingStatus.IN_TRANSIT,
    "delivered": TrackingStatus.DELIVERED,
    "return_to_sender": TrackingStatus.RETURNED_TO_SENDER,
    "failure": TrackingStatus.EXCEPTION,
    "error": TrackingStatus.EXCEPTION,
    "cancelled": TrackingStatus.CANCELED,
    "unknown": None,
}


def ounces(kg: Decimal) -> float:
    """kg in ounces, rounded up to 0.1 oz (never 0: EasyPost refuses a weightless parcel)."""
    value = (kg * OUNCES_PER_KG).quantize(Decimal("0.1"), rounding=ROUND_CEILING)
    return float(max(value, Decimal("0.1")))


def field_of(name: str) -> str:
    """Orderly's name for the field an EasyPost error names: `street1`, `to_address.zip`, `parcel.weight`."""
    parts = [part for part in name.replace("[", ".").replace("]", "").split(".") if part]
    if not parts:
        return ""
    who = "recipient"
    if parts[0] in ("to_address", "from_address", "address"):
        who = "sender" if parts[0] == "from_address" else "recipient"
        parts = parts[1:]
        if not parts:
            return who
    if parts[0] in ("parcel", "weight"):
        return "weight_kg"
    if parts[0] in ("customs_info", "customs_items"):
        return "customs"
    if parts[0] in ("rate", "service", "carrier"):
        return "method_code"
    mapped = ADDRESS_FIELDS.get(parts[0])
    return f"{who}.{mapped}" if mapped else ""


def read_error(body) -> tuple[str, str]:
    """EasyPost's `{"error": {"code", "message", "errors": [{"field", "message"}]}}`: message and each field's
    message, and the first field Orderly knows."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):
        return error, ""
    if not isinstance(error, dict):
        return "", ""
    texts = [str(error.get("message") or error.get("code") or "")]
    field = ""
    items = error.get("errors")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            name = str(item.get("field") or "")
            field = field or field_of(name)
            message = str(item.get("message") or "")
            if message and f"{name}: {message}" not in texts and message not in texts:
                texts.append(f"{name}: {message}" if name else message)
        elif isinstance(item, str):
            texts.append(item)
    return "; ".join(text for text in texts if text), field


def _when(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _plain(words: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(words or "").lower())


def _rate_matches(rate: dict, code: str) -> bool:
    """Whether a rate is the method `code` names (`USPS:Priority`, `dhl_express:ExpressWorldwide`): carrier and
    service compared without case, spaces or punctuation."""
    carrier, _, service = code.rpartition(":")
    if _plain(rate.get("service")) != _plain(service):
        return False
    return not carrier or _plain(rate.get("carrier")) == _plain(carrier)


class EasyPostConnector:
    kind: ClassVar[str] = "easypost"
    name: ClassVar[str] = "EasyPost"
    timeout: ClassVar[httpx.Timeout] = httpx.Timeout(20.0, connect=5.0)

    def __init__(self, *, credentials: dict, settings: dict, client: httpx.Client | None = None) -> None:
        self.settings = settings or {}
        self.http = CarrierHttp(
            name=self.name,
            base_url=str(self.settings.get("base_url") or DEFAULT_BASE_URL),
            auth=(str((credentials or {}).get("api_key") or ""), ""),
            read_error=read_error,
            client=client,
            timeout=timeout_of(self.settings.get("timeout"), self.timeout),
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "EasyPostConnector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- booking ---------------------------------------------------------------------------------------------
    @staticmethod
    def address(address: Address) -> dict:
        body = {
            "name": address.name,
            "street1": address.street,
            "city": address.city,
            "zip": address.postal_code,
            "country": address.country.upper(),
        }
        optional = {
            "company": address.company,
            "street2": address.street2,
            "state": address.state,
            "phone": address.phone,
            "email": address.email,
        }
        body.update({key: value for key, value in optional.items() if value})
        return body

    def shipment_body(self, parcel: ParcelRequest) -> dict:
        shipment = {
            "reference": parcel.reference,
            "to_address": self.address(parcel.recipient),
            "from_address": self.address(parcel.sender),
            "parcel": {"weight": ounces(parcel.weight_kg)},
            "options": {"label_format": "PDF", "label_size": "4x6", "print_custom_1": parcel.order_number},
        }
        if parcel.customs:
            shipment["customs_info"] = {
                "contents_type": "merchandise",
                "customs_certify": True,
                "customs_signer": parcel.sender.name,
                "non_delivery_option": "return",
                "restriction_type": "none",
                "eel_pfc": "NOEEI 30.37(a)",
                "customs_items": [
                    {
                        "description": item.description,
                        "quantity": item.quantity,
                        "value": f"{item.value * item.quantity:.2f}",
                        "currency": item.currency,
                        "weight": ounces(item.weight_kg * item.quantity),
                        **({"hs_tariff_number": item.hs_code} if item.hs_code else {}),
                        **({"origin_country": item.origin_country.upper()} if item.origin_country else {}),
                        **({"code": item.sku} if item.sku else {}),
                    }
                    for item in parcel.customs
                ],
            }
        return {"shipment": shipment}

    def book(self, parcel: ParcelRequest) -> BookedParcel:
        created = self.http.send("POST", f"{API}/shipments", json_body=self.shipment_body(parcel))
        # Creating buys nothing: a failure to read it is not an unknown outcome.
        shipment = self.http.json(created, mutating=False)
        shipment_id = shipment.get("id")
        if not shipment_id:
            raise self.http.malformed(created, "the shipment's id")
        rates = [rate for rate in shipment.get("rates") or [] if isinstance(rate, dict)]
        rate = next((rate for rate in rates if _rate_matches(rate, parcel.method_code)), None)
        if rate is None:
            offered = ", ".join(f"{r.get('carrier')}:{r.get('service')}" for r in rates) or "none"
            notes = "; ".join(
                f"{m.get('carrier')}: {m.get('message')}" for m in shipment.get("messages") or [] if isinstance(m, dict)
            )
            raise CarrierRefused(
                f"EasyPost offers no rate {parcel.method_code!r} for this parcel (offered: {offered}).",
                fix="Choose one of the offered methods, or check the address and weight.",
                carrier_text=shorten(notes),
                field="method_code",
                details={"offered": offered, "shipment_id": str(shipment_id)},
            )
        bought = self.http.send("POST", f"{API}/shipments/{shipment_id}/buy", json_body={"rate": {"id": rate["id"]}})
        return self.booked_from(self.http.json(bought), response=bought)

    def booked_from(self, shipment: dict, *, response: httpx.Response) -> BookedParcel:
        tracking = shipment.get("tracking_code")
        if not shipment.get("id") or not tracking:
            raise self.http.malformed(response, "the shipment's id and tracking code")
        tracker = mapping(shipment.get("tracker"))
        selected = mapping(shipment.get("selected_rate"))
        try:
            price = Decimal(str(selected["rate"])) if selected.get("rate") not in (None, "") else None
        except ArithmeticError:
            price = None
        status = str(tracker.get("status") or "pre_transit")
        return BookedParcel(
            carrier_reference=str(shipment["id"]),
            tracking_number=str(tracking),
            tracking_url=str(tracker.get("public_url") or ""),
            status=STATUSES.get(status) or TrackingStatus.ANNOUNCED,
            carrier_status=str(tracker.get("status_detail") or status),
            price=price,
            currency=str(selected.get("currency") or "") if price is not None else "",
        )

    def find_booked(self, reference: str) -> BookedParcel | None:
        params: dict = {"page_size": 100}
        for _ in range(FIND_PAGES):
            response = self.http.send("GET", f"{API}/shipments", params=params)
            body = self.http.json(response)
            shipments = body.get("shipments")
            if not isinstance(shipments, list):
                raise self.http.malformed(response, "the list of shipments")
            for shipment in shipments:
                if not isinstance(shipment, dict) or shipment.get("reference") != reference:
                    continue
                if shipment.get("tracking_code") and shipment.get("refund_status") in (None, "", "rejected"):
                    return self.booked_from(shipment, response=response)
            last = shipments[-1] if shipments and isinstance(shipments[-1], dict) else {}
            if not body.get("has_more") or not last.get("id"):
                return None
            params = {"page_size": 100, "before_id": last["id"]}
        return None

    # -- label, void -----------------------------------------------------------------------------------------
    def label(self, booked: BookedParcel, fmt: LabelFormat) -> bytes:
        fmt = LabelFormat(fmt)
        zpl = fmt == LabelFormat.ZPL
        response = self.http.send(
            "GET", f"{API}/shipments/{booked.carrier_reference}/label", params={"file_format": "ZPL" if zpl else "PDF"}
        )
        label = mapping(self.http.json(response, mutating=False).get("postage_label"))
        url = label.get("label_zpl_url" if zpl else "label_pdf_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise self.http.malformed(response, f"the label's {'ZPL' if zpl else 'PDF'} address")
        # The file lives on EasyPost's file storage: the API key is not sent there.
        file = self.http.send("GET", url, authenticate=False, headers={"Accept": "*/*"})
        content = file.content
        if (zpl and b"^XA" not in content[:200]) or (not zpl and not content.startswith(b"%PDF")):
            raise self.http.malformed(file, f"a {'ZPL' if zpl else 'PDF'} label")
        return content

    def void(self, booked: BookedParcel) -> VoidResult:
        try:
            response = self.http.send("POST", f"{API}/shipments/{booked.carrier_reference}/refund")
        except CarrierRefused as refused:
            return VoidResult(voided=False, message=refused.carrier_text or refused.message)
        shipment = self.http.json(response, mutating=False)
        status = str(shipment.get("refund_status") or "")
        if status == "submitted":
            return VoidResult(voided=True, pending=True, message="EasyPost submitted the refund to the carrier.")
        if status == "refunded":
            return VoidResult(voided=True, message="EasyPost refunded the label.")
        return VoidResult(voided=False, message=f"EasyPost did not refund the label ({status or 'no refund status'}).")

    # -- tracking --------------------------------------------------------------------------------------------
    def track(self, booked: BookedParcel) -> list[TrackingUpdate]:
        response = self.http.send("GET", f"{API}/shipments/{booked.carrier_reference}")
        tracker = self.http.json(response).get("tracker")
        if not isinstance(tracker, dict) or not tracker.get("id"):
            return []
        if not isinstance(tracker.get("tracking_details"), list):
            response = self.http.send("GET", f"{API}/trackers/{tracker['id']}")
            tracker = self.http.json(response)
        return self.updates_of(tracker, shipment_id=booked.carrier_reference)

    @staticmethod
    def updates_of(tracker: dict, *, shipment_id: str = "") -> list[TrackingUpdate]:
        """A tracker's history as updates, oldest first."""
        reference = str(tracker.get("shipment_id") or shipment_id or "")
        common = {
            "carrier_reference": reference,
            "tracking_number": str(tracker.get("tracking_code") or ""),
            "tracking_url": str(tracker.get("public_url") or ""),
        }
        details = [d for d in tracker.get("tracking_details") or [] if isinstance(d, dict) and _when(d.get("datetime"))]
        details.sort(key=lambda d: _when(d["datetime"]))
        updates, handed = [], False
        for detail in details:
            status = STATUSES.get(str(detail.get("status") or ""), TrackingStatus.EXCEPTION)
            if status is None:
                continue
            if status == TrackingStatus.IN_TRANSIT and detail.get("status") == "in_transit" and not handed:
                status = TrackingStatus.HANDED_TO_CARRIER
            handed = handed or status in (TrackingStatus.HANDED_TO_CARRIER, TrackingStatus.IN_TRANSIT)
            when = _when(detail["datetime"])
            updates.append(
                TrackingUpdate(
                    status=status,
                    carrier_status=str(detail.get("message") or detail.get("status_detail") or detail.get("status")),
                    occurred_at=when,
                    event_id=f"{tracker.get('id')}:{when.isoformat()}:{detail.get('status')}:{detail.get('status_detail')}",
                    **common,
                )
            )
        current = STATUSES.get(str(tracker.get("status") or ""), TrackingStatus.EXCEPTION)
        when = _when(tracker.get("updated_at"))
        if not updates and current is not None and when is not None:
            updates.append(
                TrackingUpdate(
                    status=current,
                    carrier_status=str(tracker.get("status_detail") or tracker.get("status")),
                    occurred_at=when,
                    event_id=f"{tracker.get('id')}:{when.isoformat()}:{tracker.get('status')}",
                    **common,
                )
            )
        return updates

    def parse_webhook(self, *, headers: dict[str, str], body: bytes, secret: str) -> list[TrackingUpdate]:
        given = header(headers, "X-Hmac-Signature").strip()
        if not given or not secret:
            raise WebhookSignatureRefused("The EasyPost webhook has no X-Hmac-Signature header.")
        key = unicodedata.normalize("NFKD", secret).encode()
        expected = SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookSignatureRefused("The EasyPost webhook's signature does not match its body.")
        try:
            event = json.loads(body)
        except (ValueError, RecursionError):
            raise CarrierRefused("EasyPost's webhook body is not JSON.") from None
        if not isinstance(event, dict) or event.get("description") not in ("tracker.updated", "tracker.created"):
            return []
        tracker = event.get("result")
        if not isinstance(tracker, dict) or tracker.get("object") != "Tracker":
            raise CarrierRefused("EasyPost's tracker event carries no Tracker.")
        return self.updates_of(tracker)

    # -- methods ---------------------------------------------------------------------------------------------
    def methods(self) -> list[MethodInfo]:
        params = {"types": "service_levels"}
        if carriers := self.settings.get("carriers"):
            params["carriers"] = ",".join(str(c) for c in carriers) if isinstance(carriers, list) else str(carriers)
        response = self.http.send("GET", f"{API}/metadata/carriers", params=params)
        carriers = self.http.json(response).get("carriers")
        if not isinstance(carriers, list):
            raise self.http.malformed(response, "the list of carriers")
        methods = []
        for carrier in carriers:
            if not isinstance(carrier, dict):
                continue
            carrier_name = str(carrier.get("human_readable") or carrier.get("name") or "")
            for level in carrier.get("service_levels") or []:
                if not isinstance(level, dict) or not level.get("name") or not carrier_name:
                    continue
                limit = level.get("max_weight")  # ounces
                methods.append(
                    MethodInfo(
                        code=f"{carrier_name}:{level['name']}",
                        name=f"{carrier_name} {level.get('human_readable') or level['name']}",
                        max_weight_kg=_kg_of_ounces(limit),
                    )
                )
        return methods


def _kg_of_ounces(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return (Decimal(str(value)) / OUNCES_PER_KG).quantize(Decimal("0.001"))
