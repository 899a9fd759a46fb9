"""The one place where batches speak to the carriers area: resolve an order's shipping method, book its parcel,
read its label, compose a batch's labels into one document, and the user's label format.

Everything a batch needs of a carrier goes through these functions, so that the rest of the batch code (and
its tests) stands on this small surface. Booking is idempotent in the carriers area: booking the same fulfillment
again answers the parcel booked before and never buys a second label, which is what lets a worker that took over a
killed one simply book again.
"""

from dataclasses import dataclass

from orderly.carriers import selectors, services
from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.labels import compose
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict


@dataclass(frozen=True)
class Method:
    """The carrier account and shipping method a rule gives an order, by name."""

    carrier: str
    method: str

    def __str__(self) -> str:
        return f"{self.carrier} · {self.method}"


@dataclass(frozen=True)
class Booked:
    """What the batch keeps of a booked parcel."""

    parcel: str  # the carriers area's number of the parcel (PA-…)
    tracking_number: str
    tracking_url: str = ""


def session():
    """A context for a run of many bookings (a worker's share of a batch): what every booking reads alike (the
    shipping rules, the packaging weight, each carrier account's connection) is read and made once in it."""
    return services.booking_session()


def method_resolve(*, order) -> Method:
    """The carrier and shipping method a shipping rule gives `order`; raises the carriers area's ValidationError
    (`no_shipping_method`) naming the cause and the fix when no rule resolves."""
    account, method = services.order_shipping_method(order=order)
    return Method(carrier=account.name, method=method.name)


def parcel_reserve(*, order, fulfillment, lines, actor):
    """Reserve the parcel of `fulfillment`, made in the caller's transaction just now (`order` locked, `lines` the
    [(item, units)] it ships), for booking: the carrier and method its rule gives, its weight checked. A refusal
    raises the carriers area's DomainError and rolls the caller's transaction back. Returns what parcel_book books
    once that transaction has committed."""
    return services.label_reserve_held(order=order, fulfillment=fulfillment, lines=lines, actor=actor)


def parcel_book(*, fulfillment, actor, reserved=None) -> Booked:
    """Book `fulfillment`'s parcel with the carrier its rule gives (again: the same parcel, no second label);
    `reserved`: what parcel_reserve answered, committed since. A carrier's refusal is raised as its DomainError,
    its message the carrier's refusal in words, its detail with `fix` and `carrier_text`."""
    parcel = services.label_book(fulfillment=fulfillment, actor=actor, parcel=reserved)
    return Booked(parcel=parcel.number, tracking_number=parcel.tracking_number, tracking_url=parcel.tracking_url)


def label_document(*, fulfillment, fmt: LabelFormat) -> bytes:
    """The label of `fulfillment`'s parcel in `fmt` (one PDF page, or one ZPL block)."""
    parcel = selectors.parcel_of(fulfillment)
    if parcel is None:
        raise Conflict(
            f"Fulfillment {fulfillment.number} has no parcel booked.",
            code=ErrorCode.LABEL_NOT_BOOKED, fulfillment=fulfillment.number, label_status="none",
        )  # fmt: skip
    return services.label_document(parcel=parcel, fmt=fmt)


def label_documents(*, fulfillments, fmt: LabelFormat) -> list[bytes]:
    """label_document of each fulfillment, in their order: their parcels and the labels kept read in two queries
    whatever their number (a label not kept yet is fetched as label_document fetches it)."""
    parcels = selectors.parcels_of(fulfillments)
    for fulfillment in fulfillments:
        if fulfillment.pk not in parcels:
            raise Conflict(
                f"Fulfillment {fulfillment.number} has no parcel booked.",
                code=ErrorCode.LABEL_NOT_BOOKED, fulfillment=fulfillment.number, label_status="none",
            )  # fmt: skip
    return services.label_documents(parcels=[parcels[f.pk] for f in fulfillments], fmt=fmt)


def labels_compose(documents: list[bytes], fmt: LabelFormat) -> bytes:
    """One document of many labels: one per page for 4×6 and A6, four per A4 page, one ZPL file."""
    return compose(documents, fmt)


def label_format(user) -> LabelFormat:
    """The label printer format `user` chose (the carriers area keeps it per user; A6 until they choose)."""
    return selectors.label_format_of(user)
