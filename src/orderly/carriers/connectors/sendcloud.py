"""Sendcloud, through its v3 REST API (https://panel.sendcloud.sc/api/v3), HTTP Basic auth with the integration's
public key as user and secret key as password.

- book: `POST /shipments/announce` (create and announce synchronously) with the addresses, one parcel with its
  weight in kg, the shipping option code (and the account's contract id when set), `external_reference_id` =
  the request's reference (the parcel number; after a voided label, one of its own, see
  Parcel.booking_reference). Outside the EU the parcel's `parcel_items` (description, quantity, weight, price,
  HS code, origin country) and `customs_information` go with it. Sendcloud answers a repeated
  `external_reference_id` with 409 and the shipment booked under it, which is taken as the booking (unless it
  was cancelled: Sendcloud takes no second shipment under the reference, so that is refused).
  The label is announced as PDF: a label bought as native ZPL cannot be had in another format later, while a
  PDF-announced label can still be downloaded as ZPL.
- `carrier_reference` is Sendcloud's parcel id: webhooks, documents and tracking all name the parcel.
- find_booked: `GET /shipments?external_reference_id=…`, the first parcel not cancelled.
- label: `GET /parcels/{id}/documents/label`, `paper_size` A6 (for pdf-a6 and pdf-4x6, the nearest Sendcloud
  offers) or A4, `Accept: application/pdf`; ZPL with `Accept: application/zpl`.
- void: the v3 cancel works on the shipment, so its id is found with `GET /shipments?ids={parcel id}`, then
  `POST /shipments/{id}/cancel`: 200 cancelled, 202 queued (Sendcloud cancels a ready-to-send shipment when it
  is not handed over within 14 days: accepted, pending), 409 refused with its reason.
- track: `GET /parcels/tracking/{tracking number}` (v3 parcel tracking), its events oldest first.
- webhooks: `parcel_status_changed`, `Sendcloud-Signature` = hex HMAC-SHA256 of the raw body with the
  integration's secret key. The webhook payload is still the v2 parcel object (numeric status id and message);
  Sendcloud has no event id, so one is made of parcel id, status id and time, which a replay repeats.
- methods: `POST /shipping-options` with no filters (the v3 shipping options list), each option's code, name
  and weight range.
"""

import datetime as dt
import hashlib
import hmac
import json
import re
from decimal import Decimal, InvalidOperation
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
from orderly.carriers.connectors.sendcloud_status import status_of

DEFAULT_BASE_URL = "https://panel.sendcloud.sc"
API = "/api/v3"

# Sendcloud's address fields, as Orderly's Address names them.
ADDRESS_FIELDS = {
    "name": "name",
    "company_name": "company",
    "address_line_1": "street",
    "house_number": "street",
    "address_line_2": "street2",
    "postal_code": "postal_code",
    "city": "city",
    "country_code": "country",
    "state_province_code": "state",
    "email": "email",
    "phone_number": "phone",
}
ITEM_FIELDS = {
    "description": "description",
    "quantity": "quantity",
    "weight": "weight_kg",
    "price": "value",
    "hs_code": "hs_code",
    "origin_country": "origin_country",
    "sku": "sku",
}
# A house number at the end of the street line (`Veemkade 300`, `Hauptstr. 5a`); Sendcloud takes it separately.
HOUSE_NUMBER = re.compile(r"\S\s+(\d+\s?[A-Za-z]?(?:[-/]\w+)?)$")
FAILED_CODES = {"ANNOUNCEMENT_FAILED"}
CANCELLED_CODES = {"CANCELLED", "CANCELLED_UPSTREAM", "CANCELLATION_REQUESTED", "SUBMITTING_CANCELLATION_REQUEST"}


def field_of(pointer: str) -> str:
    """Orderly's name for the part of the request a Sendcloud error pointer names (`/to_address/postal_code` →
    `recipient.postal_code`); '' when it names nothing Orderly sends."""
    parts = [part for part in pointer.split("/") if part]
    if not parts:
        return ""
    head, rest = parts[0], parts[1:]
    if head in ("to_address", "from_address"):
        who = "recipient" if head == "to_address" else "sender"
        return f"{who}.{ADDRESS_FIELDS.get(rest[0], rest[0])}" if rest else who
    if head == "ship_with":
        return "method_code"
    if head == "parcels":
        if "parcel_items" in rest:
            at = rest.index("parcel_items")
            index = rest[at + 1] if len(rest) > at + 1 else ""
            name = rest[at + 2] if len(rest) > at + 2 else ""
            return ".".join(["customs", *([index] if index else []), *([ITEM_FIELDS.get(name, name)] if name else [])])
        if "weight" in rest:
            return "weight_kg"
        return "parcel"
    if head == "customs_information":
        return "customs"
    return ""


def read_error(body) -> tuple[str, str]:
    """Sendcloud's error body `{"errors": [{"detail", "code", "source": {"pointer"}}]}`: its details joined, and
    the field the first pointer names."""
    if not isinstance(body, dict):
        return "", ""
    errors = body.get("errors")
    texts, field = ([errors] if isinstance(errors, str) else []), ""
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            texts.append(str(error) if error else "")
            continue
        detail = str(error.get("detail") or error.get("title") or error.get("code") or "")
        source = error.get("source")
        pointer = str(source.get("pointer") or "") if isinstance(source, dict) else ""
        named = field_of(pointer)
        field = field or named
        texts.append(f"{pointer.strip('/').replace('/', '.')}: {detail}" if pointer and detail else detail)
    if not texts and isinstance(body.get("detail"), str):
        texts.append(body["detail"])
    if not texts and isinstance(body.get("error"), dict):  # the v2 shape, still answered by some endpoints
        texts.append(str(body["error"].get("message") or ""))
    return "; ".join(text for text in texts if text), field


def _money(value: Decimal, currency: str) -> dict:
    return {"value": f"{value:.2f}", "currency": currency}


def _kg(value: Decimal) -> str:
    return f"{value:.3f}"


def _when(value: object) -> dt.datetime | None:
    """A Sendcloud time (ISO 8601, or a unix timestamp in seconds or milliseconds) as aware UTC; None if absent."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


class SendcloudConnector:
    kind: ClassVar[str] = "sendcloud"
    name: ClassVar[str] = "Sendcloud"
    timeout: ClassVar[httpx.Timeout] = httpx.Timeout(20.0, connect=5.0)

    def __init__(self, *, credentials: dict, settings: dict, client: httpx.Client | None = None) -> None:
        self.settings = settings or {}
        credentials = credentials or {}
        self.http = CarrierHttp(
            name=self.name,
            base_url=str(self.settings.get("base_url") or DEFAULT_BASE_URL),
            auth=(str(credentials.get("public_key") or ""), str(credentials.get("secret_key") or "")),
            read_error=read_error,
            client=client,
            timeout=timeout_of(self.settings.get("timeout"), self.timeout),
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "SendcloudConnector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- booking ---------------------------------------------------------------------------------------------
    def address(self, address: Address) -> dict:
        body = {
            "name": address.name,
            "address_line_1": address.street,
            **({"house_number": number[1]} if (number := HOUSE_NUMBER.search(address.street)) else {}),
            "postal_code": address.postal_code,
            "city": address.city,
            "country_code": address.country.upper(),
        }
        optional = {
            "company_name": address.company,
            "address_line_2": address.street2,
            "email": address.email,
            "phone_number": address.phone,
        }
        body.update({key: value for key, value in optional.items() if value})
        if address.state:  # Sendcloud wants ISO 3166-2 (`US-NY`)
            state = address.state.upper()
            body["state_province_code"] = state if "-" in state else f"{address.country.upper()}-{state}"
        return body

    def shipment_body(self, parcel: ParcelRequest) -> dict:
        ship_with: dict = {"shipping_option_code": parcel.method_code}
        if contract := self.settings.get("contract_id"):
            if not str(contract).strip().isdigit():
                raise CarrierRefused(
                    f"The account's Sendcloud contract id {str(contract)[:40]!r} is not a number.",
                    fix="Enter the contract id Sendcloud shows for the carrier contract, or leave it empty.",
                    field="settings.contract_id",
                )
            ship_with["contract_id"] = int(str(contract).strip())
        one = {"weight": {"value": _kg(parcel.weight_kg), "unit": "kg"}}
        body = {
            "label_details": {"mime_type": "application/pdf", "dpi": 72},
            "to_address": self.address(parcel.recipient),
            "from_address": self.address(parcel.sender),
            "ship_with": {"type": "shipping_option_code", "properties": ship_with},
            "order_number": parcel.order_number,
            "external_reference_id": parcel.reference,
            "reference": parcel.reference,
            "total_order_price": _money(parcel.value, parcel.currency),
            "parcels": [one],
        }
        if parcel.customs:
            one["parcel_items"] = [
                {
                    "description": item.description,
                    "quantity": item.quantity,
                    "weight": {"value": float(_kg(item.weight_kg)), "unit": "kg"},  # a number, as documented
                    "price": _money(item.value, item.currency),
                    **({"hs_code": item.hs_code} if item.hs_code else {}),
                    **({"origin_country": item.origin_country.upper()} if item.origin_country else {}),
                    **({"sku": item.sku, "item_id": item.sku} if item.sku else {}),
                }
                for item in parcel.customs
            ]
            body["customs_information"] = {
                "invoice_number": parcel.order_number or parcel.reference,
                "export_reason": "commercial_goods",
                "export_type": "private",
            }
        return body

    def book(self, parcel: ParcelRequest) -> BookedParcel:
        response = self.http.send(
            "POST", f"{API}/shipments/announce", json_body=self.shipment_body(parcel), accept=(409,)
        )
        body = self.http.json(response)
        shipment = body.get("data")
        if response.status_code == 409 and not isinstance(shipment, dict):
            text, field = read_error(body)
            raise CarrierRefused(
                f"Sendcloud refused the shipment: {text or 'a conflict'}",
                carrier_text=shorten(text),
                status=409,
                field=field,
            )
        if not isinstance(shipment, dict):
            raise self.http.malformed(response, "the shipment (`data`)")
        if response.status_code == 409 and any(
            str(mapping(p.get("status")).get("code")) in CANCELLED_CODES
            for p in shipment.get("parcels") or []
            if isinstance(p, dict)
        ):
            raise CarrierRefused(
                f"Sendcloud already has a cancelled shipment under {parcel.reference} and takes no second one.",
                fix="Book the parcel under a new parcel number.",
                status=409,
                field="reference",
            )
        return self.booked_from(shipment, response=response)

    def booked_from(self, shipment: dict, *, response: httpx.Response | None = None) -> BookedParcel:
        parcels = shipment.get("parcels") or []
        parcel = parcels[0] if parcels and isinstance(parcels[0], dict) else {}
        status = mapping(parcel.get("status"))
        errors = shipment.get("errors") or []
        if errors or status.get("code") in FAILED_CODES:
            text, field = read_error({"errors": errors})
            text = text or str(status.get("message") or "announcement failed")
            raise CarrierRefused(
                f"Sendcloud could not announce the shipment: {text}",
                fix="Check the addresses, weight and shipping option, then book again.",
                carrier_text=shorten(text),
                field=field,
                details={"shipment_id": str(shipment.get("id") or "")},
            )
        if parcel.get("id") in (None, "") or not parcel.get("tracking_number"):
            if response is not None:
                raise self.http.malformed(response, "the parcel's id and tracking number")
            raise CarrierRefused("Sendcloud's shipment has no announced parcel.")
        code = str(status.get("code") or "")
        message = str(status.get("message") or code)
        mapped = status_of(code=code, message=message) or TrackingStatus.ANNOUNCED
        return BookedParcel(
            carrier_reference=str(parcel["id"]),
            tracking_number=str(parcel["tracking_number"]),
            tracking_url=str(parcel.get("tracking_url") or ""),
            status=mapped,
            carrier_status=message,
        )

    def find_booked(self, reference: str) -> BookedParcel | None:
        response = self.http.send("GET", f"{API}/shipments", params={"external_reference_id": reference})
        body = self.http.json(response)
        shipments = body.get("data")
        if not isinstance(shipments, list):
            raise self.http.malformed(response, "the list of shipments (`data`)")
        for shipment in shipments:
            if not isinstance(shipment, dict) or shipment.get("external_reference_id") not in (None, reference):
                continue
            for parcel in shipment.get("parcels") or []:
                if not isinstance(parcel, dict):
                    continue
                code = str(mapping(parcel.get("status")).get("code") or "")
                if code in CANCELLED_CODES or code in FAILED_CODES:
                    continue
                return self.booked_from({**shipment, "parcels": [parcel], "errors": []}, response=response)
        return None

    # -- label, void -----------------------------------------------------------------------------------------
    def label(self, booked: BookedParcel, fmt: LabelFormat) -> bytes:
        fmt = LabelFormat(fmt)
        path = f"{API}/parcels/{booked.carrier_reference}/documents/label"
        if fmt == LabelFormat.ZPL:
            params, accept = {}, "application/zpl"
        else:
            params, accept = {"paper_size": "A4" if fmt == LabelFormat.PDF_A4 else "A6", "dpi": 72}, "application/pdf"
        response = self.http.send("GET", path, params=params, headers={"Accept": accept})
        content = response.content
        if fmt == LabelFormat.ZPL and b"^XA" not in content[:200]:
            raise self.http.malformed(response, "a ZPL label")
        if fmt != LabelFormat.ZPL and not content.startswith(b"%PDF"):
            raise self.http.malformed(response, "a PDF label")
        return content

    def shipment_id(self, booked: BookedParcel) -> str | None:
        response = self.http.send("GET", f"{API}/shipments", params={"ids": booked.carrier_reference})
        shipments = self.http.json(response).get("data")
        if not isinstance(shipments, list):
            raise self.http.malformed(response, "the list of shipments (`data`)")
        for shipment in (s for s in shipments if isinstance(s, dict)):
            parcel_ids = {str(parcel.get("id")) for parcel in shipment.get("parcels") or [] if isinstance(parcel, dict)}
            if booked.carrier_reference in parcel_ids and shipment.get("id"):
                return str(shipment["id"])
        return None

    def void(self, booked: BookedParcel) -> VoidResult:
        shipment = self.shipment_id(booked)
        if shipment is None:
            return VoidResult(
                voided=False, message=f"Sendcloud has no shipment with parcel {booked.carrier_reference}."
            )
        response = self.http.send("POST", f"{API}/shipments/{shipment}/cancel", accept=(404, 409))
        body = self.http.json(response, mutating=False)
        if response.status_code in (404, 409):
            text, _ = read_error(body)
            return VoidResult(voided=False, message=text or "Sendcloud refused the cancellation.")
        data = mapping(body.get("data"))
        message = str(data.get("message") or data.get("status") or "")
        return VoidResult(voided=True, message=message, pending=response.status_code == 202)

    # -- tracking --------------------------------------------------------------------------------------------
    def track(self, booked: BookedParcel) -> list[TrackingUpdate]:
        response = self.http.send("GET", f"{API}/parcels/tracking/{booked.tracking_number}")
        body = self.http.json(response)
        events = body.get("events")
        if not isinstance(events, list):
            raise self.http.malformed(response, "the parcel's events")
        urls = [n.get("tracking_url") for n in body.get("tracking_numbers") or [] if isinstance(n, dict)]
        url = next((u for u in urls if u), booked.tracking_url)
        updates = []
        for event in events:
            if not isinstance(event, dict):
                continue
            code = str(event.get("status_code") or "")
            text = str(event.get("status_description") or code)
            status = status_of(code=code, message=text)
            when = _when(event.get("event_at"))
            if status is None or when is None:
                continue
            updates.append(
                TrackingUpdate(
                    carrier_reference=booked.carrier_reference,
                    tracking_number=booked.tracking_number,
                    status=status,
                    carrier_status=text,
                    occurred_at=when,
                    event_id=f"{booked.carrier_reference}:{code}:{when.isoformat()}",
                    tracking_url=str(url or ""),
                )
            )
        return sorted(updates, key=lambda update: update.occurred_at)

    def parse_webhook(self, *, headers: dict[str, str], body: bytes, secret: str) -> list[TrackingUpdate]:
        given = header(headers, "Sendcloud-Signature").strip().lower()
        if not given or not secret:
            raise WebhookSignatureRefused("The Sendcloud webhook has no Sendcloud-Signature header.")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, expected):
            raise WebhookSignatureRefused("The Sendcloud webhook's signature does not match its body.")
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            raise CarrierRefused("Sendcloud's webhook body is not JSON.") from None
        if not isinstance(payload, dict) or payload.get("action") != "parcel_status_changed":
            return []
        parcel = payload.get("parcel")
        if not isinstance(parcel, dict) or parcel.get("id") in (None, ""):
            raise CarrierRefused("Sendcloud's parcel_status_changed webhook names no parcel.")
        status = mapping(parcel.get("status"))
        status_id = status.get("id")
        message = str(status.get("message") or "")
        mapped = status_of(status_id=status_id, message=message)
        stamp = payload.get("carrier_status_change_timestamp") or payload.get("timestamp")
        when = _when(stamp)
        if mapped is None or when is None:
            return []
        return [
            TrackingUpdate(
                carrier_reference=str(parcel["id"]),
                tracking_number=str(parcel.get("tracking_number") or ""),
                status=mapped,
                carrier_status=message,
                occurred_at=when,
                event_id=f"{parcel['id']}:{status_id}:{stamp}",
                tracking_url=str(parcel.get("tracking_url") or ""),
            )
        ]

    # -- methods ---------------------------------------------------------------------------------------------
    def methods(self) -> list[MethodInfo]:
        filters = {}
        if origin := self.settings.get("from_country"):
            filters["from_country_code"] = str(origin).upper()
        response = self.http.send("POST", f"{API}/shipping-options", json_body=filters)
        options = self.http.json(response, mutating=False).get("data")
        if not isinstance(options, list):
            raise self.http.malformed(response, "the list of shipping options (`data`)")
        methods = []
        for option in options:
            if not isinstance(option, dict) or not option.get("code"):
                continue
            weight = mapping(option.get("weight"))
            methods.append(
                MethodInfo(
                    code=str(option["code"]),
                    name=str(option.get("name") or option["code"]),
                    max_weight_kg=_weight_kg(weight.get("max")),
                    min_weight_kg=_weight_kg(weight.get("min")),
                )
            )
        return methods


def _weight_kg(weight: object) -> Decimal | None:
    """A Sendcloud weight object `{"value", "unit"}` in kg; None when absent or unreadable."""
    if not isinstance(weight, dict):
        return None
    try:
        value = Decimal(str(weight.get("value")))
    except (InvalidOperation, ValueError):
        return None
    factor = {"kg": Decimal(1), "g": Decimal("0.001"), "lbs": Decimal("0.45359237"), "oz": Decimal("0.028349523125")}
    unit = str(weight.get("unit") or "kg").lower()
    return (value * factor[unit]).quantize(Decimal("0.001")) if unit in factor and value.is_finite() else None
