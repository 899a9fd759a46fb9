"""The own-label kind: a merchant's own courier, or a carrier without an API. No network: Orderly numbers the parcel
itself (the tracking number is the parcel number), draws the label, and tracking moves only by hand or webhook.

Settings: `tracking_url` (optional, with `{tracking_number}` where the number goes), `carrier_name` (what the
label prints; the account's name when not set). Credentials: `webhook_secret`, when the courier posts tracking
updates (HMAC-SHA256 of the raw body, hex, in `X-Orderly-Signature`, optionally as `sha256=<hex>`).
"""

import datetime as dt
import hashlib
import hmac
import json
from typing import ClassVar

import httpx

from orderly.carriers.connectors.base import (
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
from orderly.carriers.labels import OwnLabel, draw_pdf, draw_zpl

SIGNATURE_HEADER = "x-orderly-signature"


class OwnConnector:
    kind: ClassVar[str] = "own"

    def __init__(self, *, credentials: dict, settings: dict, client: httpx.Client | None = None) -> None:
        self.credentials = credentials or {}
        self.settings = settings or {}

    def _tracking_url(self, number: str) -> str:
        template = str(self.settings.get("tracking_url") or "")
        return template.replace("{tracking_number}", number) if "{tracking_number}" in template else ""

    def book(self, parcel: ParcelRequest) -> BookedParcel:
        return self._booked(parcel.reference)

    def _booked(self, reference: str) -> BookedParcel:
        return BookedParcel(
            carrier_reference=reference,
            tracking_number=reference,
            tracking_url=self._tracking_url(reference),
            status=TrackingStatus.ANNOUNCED,
            carrier_status="Label printed",
        )

    def find_booked(self, reference: str) -> BookedParcel | None:
        # Booking makes nothing outside Orderly, so a booking whose answer was lost can always be made again.
        return None

    def label(self, booked: BookedParcel, fmt: LabelFormat) -> bytes:
        raise CarrierRefused(
            "An own label is drawn from the parcel's own data; ask draw() with the parcel.",
            fix="Download the label from the fulfillment.",
        )

    def draw(self, parcel: ParcelRequest, fmt: LabelFormat, *, carrier_name: str, service: str,
             shipped_on: dt.date | None = None) -> bytes:  # fmt: skip
        """The own label of `parcel` in `fmt`: sender, recipient, order number, the parcel number as a Code128
        barcode, weight and service."""
        name = str(self.settings.get("carrier_name") or carrier_name)
        return draw_own_label(parcel, LabelFormat(fmt), carrier_name=name, service=service, shipped_on=shipped_on)

    def void(self, booked: BookedParcel) -> VoidResult:
        return VoidResult(voided=True, message="Own label voided.")

    def track(self, booked: BookedParcel) -> list[TrackingUpdate]:
        return []  # nothing to ask: an own courier tells Orderly by webhook, or someone records it

    def parse_webhook(self, *, headers: dict[str, str], body: bytes, secret: str) -> list[TrackingUpdate]:
        """`{"events": [{"tracking_number", "status", "carrier_status", "occurred_at", "event_id"}]}`, signed with
        the account's webhook secret: HMAC-SHA256 of the raw body, hex, in X-Orderly-Signature."""
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "").strip().lower()
        given = given.removeprefix("sha256=")  # as the channels' generic webhook writes it
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() if secret else ""
        if not secret or not given or not hmac.compare_digest(given, expected):
            raise WebhookSignatureRefused("The X-Orderly-Signature header is missing or does not match the body.")
        try:
            events = json.loads(body).get("events")
        except (ValueError, AttributeError):
            raise CarrierRefused("The webhook body is not the JSON object expected.") from None
        if not isinstance(events, list):
            raise CarrierRefused("The webhook body has no list of events.")
        return [self._update(index, event) for index, event in enumerate(events)]

    def _update(self, index: int, event) -> TrackingUpdate:
        where = f"events[{index}]"
        if not isinstance(event, dict):
            raise CarrierRefused(f"{where} is not an object.", field=where)
        number = str(event.get("tracking_number") or "")
        try:
            status = TrackingStatus(event.get("status"))
            occurred = dt.datetime.fromisoformat(str(event.get("occurred_at")))
            occurred = (occurred if occurred.tzinfo else occurred.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        except (ValueError, OverflowError):
            raise CarrierRefused(f"{where} has no known status or no ISO time in range.", field=where) from None
        return TrackingUpdate(
            carrier_reference=number,
            tracking_number=number,
            status=status,
            carrier_status=str(event.get("carrier_status") or status.value.replace("_", " "))[:200],
            occurred_at=occurred,
            event_id=str(event.get("event_id") or "")[:200],
        )

    def methods(self) -> list[MethodInfo]:
        return [MethodInfo(code="standard", name="Standard")]


def draw_own_label(
    parcel: ParcelRequest, fmt: LabelFormat, *, carrier_name: str, service: str, shipped_on: dt.date | None = None
) -> bytes:
    """The own label of `parcel` in `fmt`, drawn by the labels package (PDF 4×6 in, A6, A4 quarter; ZPL II)."""
    label = OwnLabel(
        sender=parcel.sender, recipient=parcel.recipient, order_number=parcel.order_number,
        parcel_number=parcel.reference, weight_kg=parcel.weight_kg, service=service, carrier=carrier_name,
        shipped_on=shipped_on or dt.date.today(),
    )  # fmt: skip
    return draw_zpl(label) if fmt == LabelFormat.ZPL else draw_pdf(label, fmt)
