"""The contract between Orderly and a carrier: what a connector is given, what it answers, and how it fails.

A connector knows one carrier's API and nothing of Orderly's models: the carriers services turn a fulfillment into
a ParcelRequest, call the connector outside any database transaction, and record what it answers. Every failure
is a CarrierError subclass carrying the carrier's own words (`carrier_text`) and what the merchant can do about
it (`fix`); a connector never lets an httpx or JSON exception escape.

Idempotency: `ParcelRequest.reference` is Orderly's parcel number (`PA-000001`), or after a voided label one of
its own (`PA-000001-2`), unique per label and sent to the carrier as its external reference. Before booking again
after a failure whose outcome is unknown (a timeout, a 5xx after the request was sent), the service calls
`find_booked(reference)`, so a retry never buys a second label.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Protocol

import httpx


class LabelFormat(StrEnum):
    PDF_4X6 = "pdf-4x6"  # 4 × 6 in, for label printers
    PDF_A6 = "pdf-a6"  # A6 (105 × 148 mm), for label printers
    PDF_A4 = "pdf-a4"  # A4 with four labels per page, for office printers
    ZPL = "zpl"  # ZPL II, for thermal printers


class TrackingStatus(StrEnum):
    """Where a parcel is, in Orderly's words; each carrier's own statuses map onto these."""

    ANNOUNCED = "announced"  # booked, label made, not yet with the carrier
    HANDED_TO_CARRIER = "handed_to_carrier"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    EXCEPTION = "exception"  # delayed, address problem, damaged: the carrier's text says which
    RETURNED_TO_SENDER = "returned_to_sender"
    CANCELED = "canceled"  # the label was voided or the shipment canceled at the carrier


@dataclass(frozen=True)
class Address:
    name: str
    street: str  # street and house number, as one line
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    company: str = ""
    street2: str = ""
    state: str = ""  # state or province code where the country has them
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CustomsItem:
    description: str
    quantity: int
    weight_kg: Decimal  # per unit
    value: Decimal  # per unit, in `currency`
    currency: str
    hs_code: str = ""
    origin_country: str = ""
    sku: str = ""


@dataclass(frozen=True)
class ParcelRequest:
    reference: str  # Parcel.booking_reference, unique per label: the carrier's external reference
    order_number: str
    sender: Address
    recipient: Address
    weight_kg: Decimal
    method_code: str  # the carrier's code of the shipping method (Sendcloud shipping option, EasyPost service)
    value: Decimal = Decimal("0")
    currency: str = "EUR"
    customs: tuple[CustomsItem, ...] = ()  # filled when the parcel leaves the EU customs union


@dataclass(frozen=True)
class BookedParcel:
    carrier_reference: str  # the carrier's id of the shipment or parcel
    tracking_number: str
    tracking_url: str = ""
    status: TrackingStatus = TrackingStatus.ANNOUNCED
    carrier_status: str = ""  # the carrier's own status words
    price: Decimal | None = None  # what the label cost, where the carrier says
    currency: str = ""


@dataclass(frozen=True)
class TrackingUpdate:
    carrier_reference: str
    tracking_number: str
    status: TrackingStatus
    carrier_status: str  # the carrier's own words, shown on the timeline
    occurred_at: dt.datetime
    event_id: str = ""  # the carrier's id of this event where it has one: a replay is recognised by it
    tracking_url: str = ""


@dataclass(frozen=True)
class MethodInfo:
    """A shipping method the carrier offers for the account, to fill the account's methods from."""

    code: str
    name: str
    countries: tuple[str, ...] = ()  # ISO codes it serves; empty for all
    max_weight_kg: Decimal | None = None
    min_weight_kg: Decimal | None = None


@dataclass(frozen=True)
class VoidResult:
    voided: bool  # False when the carrier refused (the label was already scanned, say): `message` says why
    message: str = ""
    pending: bool = False  # the carrier accepted the request and confirms later (EasyPost refunds)


@dataclass
class CarrierError(Exception):
    """A call to a carrier failed. `message` is for the merchant; `fix` what to do; `carrier_text` the carrier's
    own words (its error body, shortened); `retryable` whether the same call may succeed later."""

    message: str
    fix: str = ""
    carrier_text: str = ""
    status: int | None = None  # the HTTP status the carrier answered, when it answered
    retryable: bool = False
    outcome_unknown: bool = False  # the request may have been acted on (timeout after sending): look before retrying
    field: str = ""  # the part of the parcel the carrier refused, as Orderly names it (`recipient.postal_code`)
    details: dict = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class CarrierRefused(CarrierError):
    """The carrier refused the request itself (an address it does not accept, a weight over the method's limit)."""


class CarrierAuthFailed(CarrierError):
    """The carrier refused the credentials (401/403): the account's keys must be entered again."""


@dataclass
class CarrierRateLimited(CarrierError):
    """429: `retry_after` seconds to wait, from the carrier's Retry-After (or a default)."""

    retry_after: float = 30.0


class CarrierUnavailable(CarrierError):
    """5xx, timeout or no connection: try again later."""


class WebhookSignatureRefused(Exception):
    """A webhook whose signature is missing or wrong: nothing may be written from it."""


class CarrierConnector(Protocol):
    """One carrier account's API. Made with the account's decrypted credentials and settings (base URL among them,
    so tests point it at a loopback server); an `httpx.Client` may be given (tests), else the connector makes one
    through orderly.core.egress.GuardedTransport with timeouts and no redirects."""

    kind: ClassVar[str]

    def __init__(self, *, credentials: dict, settings: dict, client: httpx.Client | None = None) -> None: ...

    def book(self, parcel: ParcelRequest) -> BookedParcel:
        """Create and announce the shipment and buy its label."""

    def find_booked(self, reference: str) -> BookedParcel | None:
        """The live shipment booked earlier under Orderly's `reference`, or None: asked before a retry."""

    def label(self, booked: BookedParcel, fmt: LabelFormat) -> bytes:
        """The label document in `fmt` (PDF bytes; ZPL as bytes, UTF-8). A format the carrier does not offer as
        such (A4 four-up) is answered in the nearest it does (one label per page) and composed by the caller."""

    def void(self, booked: BookedParcel) -> VoidResult:
        """Cancel the shipment / refund the label."""

    def track(self, booked: BookedParcel) -> list[TrackingUpdate]:
        """The parcel's tracking events so far, oldest first (the periodic poll)."""

    def parse_webhook(self, *, headers: dict[str, str], body: bytes, secret: str) -> list[TrackingUpdate]:
        """Verify the webhook's signature over the raw body (WebhookSignatureRefused when missing or wrong, before
        anything is parsed) and read its tracking updates; a webhook of another kind answers []."""

    def methods(self) -> list[MethodInfo]:
        """The shipping methods the account offers."""
