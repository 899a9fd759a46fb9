"""Every write of the carriers area goes through these services.

Carriers is an area of its own, above shipping, not part of it: it talks to outside systems with credentials, takes
their webhooks and polls them in the worker, while shipping stays the plain record of what left the warehouse.
Keyword-only; `actor` an orderly.core.actors.Actor; refusals raise DomainErrors and write nothing (a carrier's
refusal of a booking is the one exception: the attempt and the order's error are recorded, so people see why).

Locks, in the global order: the order, its items, the fulfillment, then its parcel. No carrier is called while a
row is locked (see services.booking).

    carrier_create(*, name, kind, actor, enabled=True, settings=None, credentials=None, methods=None,
        sender_address=None) -> CarrierAccount
    carrier_update(*, account, changes, actor) -> CarrierAccount
    carrier_delete(*, account, actor) -> None
    rule_create(*, data, actor) / rule_update(*, rule, data, actor) / rule_delete(*, rule, actor)
    shipping_method_resolve(*, order, channel=None) -> Resolved | None
    parcel_weight(lines) -> Decimal
    label_book(*, fulfillment, actor, carrier=None, method=None, fmt=None, parcel=None) -> Parcel
    label_reserve_held(*, order, fulfillment, lines, actor) -> Parcel   (label_book's reservation, in the transaction
        that has just made the fulfillment; label_book(parcel=…) books it after the commit)
    booking_session(*, max_age=60) -> context manager   (many bookings in a row: rules, packaging weight and each
        account's connector, with its open HTTP connection, read and made once; services.common)
    label_void(*, fulfillment, actor) -> Parcel
    fulfillment_cancel(*, fulfillment, actor) -> Fulfillment   (voids the label first; the API and pages use it)
    label_document(*, parcel, fmt) -> bytes
    label_documents(*, parcels, fmt) -> list[bytes]   (many labels: the kept ones read in one query)
    tracking_record(*, parcel, updates, actor, source="webhook") -> list[str]
    webhook_receive(*, account, headers, body) -> int
    parcels_poll_due(*, now=None, limit=50) -> int
    enqueue_tracking_polls(now=None) -> int   (services.scheduling: the channel scheduler calls it)
    packaging_weight_set(*, grams, actor) / label_printer_set(*, user, format, actor)

Decisions:
- Canceling a fulfillment voids its label first, here: shipping may not import carriers (layers), and a label
  must never stay live on a canceled fulfillment. The carrier refusing the void refuses the cancel.
- A label cannot be voided once the carrier has the parcel (tracking past announced).
- A delivered parcel changes no item counter: its units counted as shipped when the fulfillment was made, and so
  toward the order closing; delivery is recorded on the parcel, its timeline and the signal.
"""

from orderly.carriers.services.accounts import (
    carrier_create,
    carrier_delete,
    carrier_update,
    label_printer_set,
    packaging_weight_set,
)
from orderly.carriers.services.booking import (
    fulfillment_cancel,
    label_book,
    label_reserve_held,
    label_void,
    order_shipping_method,
)
from orderly.carriers.services.common import booking_session
from orderly.carriers.services.documents import label_document, label_documents
from orderly.carriers.services.rules import (
    parcel_weight,
    rule_create,
    rule_delete,
    rule_update,
    shipping_method_resolve,
)
from orderly.carriers.services.tracking import parcels_poll_due, tracking_record, webhook_receive

__all__ = [
    "booking_session",
    "carrier_create",
    "carrier_delete",
    "carrier_update",
    "fulfillment_cancel",
    "label_book",
    "label_document",
    "label_documents",
    "label_printer_set",
    "label_reserve_held",
    "label_void",
    "order_shipping_method",
    "packaging_weight_set",
    "parcel_weight",
    "parcels_poll_due",
    "rule_create",
    "rule_delete",
    "rule_update",
    "shipping_method_resolve",
    "tracking_record",
    "webhook_receive",
]
