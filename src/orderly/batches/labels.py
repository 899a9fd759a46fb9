"""The one place where batches speak to the carriers area: resolve an order's shipping method, book its parcel,
read its label, compose a batch's labels into one document, and the user's label format.

Everything a batch needs of a carrier goes through these five functions, so that the rest of the batch code (and
its tests) stands on this small surface. Booking is idempotent in the carriers area: booking the same fulfillment
again answers the parcel booked before and never buys a second label, which is what lets a worker that took over a
killed one simply book again.
"""

from dataclasses import dataclass

from orderly.carriers.connectors.base import LabelFormat

DEFAULT_FORMAT = LabelFormat.PDF_A6


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


def method_resolve(*, order) -> Method:
    """The carrier and shipping method a shipping rule gives `order`; raises the carriers area's ValidationError
    naming the cause and the fix when no rule resolves."""
    from orderly.carriers import services

    carrier, method = services.shipping_method_resolve(order=order)
    return Method(carrier=str(carrier), method=str(getattr(method, "name", method)))


def parcel_book(*, fulfillment, actor) -> Booked:
    """Book `fulfillment`'s parcel with the carrier its rule gives (again: the same parcel, no second label).
    A carrier's refusal is raised as its DomainError, its message the carrier's refusal in words, its detail with
    `fix` and `carrier_text`."""
    from orderly.carriers import services

    parcel = services.label_book(fulfillment=fulfillment, actor=actor)
    return Booked(parcel=parcel.number, tracking_number=parcel.tracking_number, tracking_url=parcel.tracking_url)


def label_document(*, fulfillment, fmt: LabelFormat) -> bytes:
    """The label of `fulfillment`'s parcel in `fmt` (one PDF page, or one ZPL block)."""
    from orderly.carriers import selectors

    return selectors.label_document(fulfillment=fulfillment, fmt=fmt)


def labels_compose(documents: list[bytes], fmt: LabelFormat) -> bytes:
    """One document of many labels: one per page for 4×6 and A6, four per A4 page, one ZPL file."""
    from orderly.carriers.labels import compose

    return compose(documents, fmt)


def label_format(user) -> LabelFormat:
    """The label printer format `user` chose (the carriers area keeps it per user), else A6."""
    try:
        from orderly.carriers.selectors import label_format_for
    except ImportError:
        return DEFAULT_FORMAT
    return LabelFormat(label_format_for(user) or DEFAULT_FORMAT)
