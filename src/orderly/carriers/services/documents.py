"""A parcel as the carrier is asked for it, and its label documents: fetched once per format, kept, served again."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from orderly.carriers.connectors import base
from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.labels import compose
from orderly.carriers.models import LabelDocument, Parcel
from orderly.carriers.services.common import carrier_failure, close, connector_for
from orderly.orders.models import Order


def _address(data: dict) -> base.Address:
    data = data or {}
    return base.Address(
        name=data.get("name") or "", street=data.get("line1") or "", postal_code=data.get("postal_code") or "",
        city=data.get("city") or "", country=(data.get("country") or "").upper(), company=data.get("company") or "",
        street2=data.get("line2") or "", state=data.get("region") or "", email=data.get("email") or "",
        phone=data.get("phone") or "",
    )  # fmt: skip


def booking_reference(parcel: Parcel) -> str:
    """What the carrier books the parcel's current label under: Parcel.booking_reference (a new one after each
    void), except for an own label, which keeps the parcel number as its tracking number and barcode (no carrier
    holds the number, so it is free again once voided)."""
    return parcel.number if parcel.account.kind == "own" else parcel.booking_reference


def parcel_request(parcel: Parcel) -> base.ParcelRequest:
    """What the carrier is asked to carry: the fulfillment's address as it was shipped, the account's sender, the
    parcel's weight and method, and booking_reference as the carrier's reference."""
    fulfillment = parcel.fulfillment
    # the order as the booking's reservation read it (locked), or read now
    order = fulfillment.order if type(fulfillment).order.is_cached(fulfillment) else None
    order = order or Order.all_objects.get(pk=fulfillment.order_id)
    recipient = dict(fulfillment.shipping_address or {})
    recipient.setdefault("email", order.customer_email)
    return base.ParcelRequest(
        reference=booking_reference(parcel),
        order_number=order.external_ref or order.number,
        sender=_address(parcel.account.sender_address),
        recipient=_address(recipient),
        weight_kg=parcel.weight_kg,
        method_code=parcel.method_code,
        value=order.total or Decimal("0"),
        currency=order.currency,
    )


def booked_of(parcel: Parcel) -> base.BookedParcel:
    return base.BookedParcel(
        carrier_reference=parcel.carrier_reference, tracking_number=parcel.tracking_number,
        tracking_url=parcel.tracking_url,
    )  # fmt: skip


def fetch(parcel: Parcel, fmt: LabelFormat, *, connector=None) -> bytes:
    """The label in `fmt` from the carrier, or drawn for an own label. Called outside any transaction."""
    connector = connector or connector_for(parcel.account)
    if parcel.account.kind == "own":
        service = parcel.method.name if parcel.method else parcel.method_code
        return connector.draw(parcel_request(parcel), fmt, carrier_name=parcel.account.name, service=service,
                              shipped_on=timezone.localdate(parcel.fulfillment.created_at))  # fmt: skip
    try:
        document = connector.label(booked_of(parcel), fmt)
    except base.CarrierError as exc:
        raise carrier_failure(parcel.account, exc) from exc
    # a carrier answers A4 one label to a page: the labels package puts it in the first quarter of a four-up page
    return compose([document], fmt) if fmt == LabelFormat.PDF_A4 else document


def store(parcel: Parcel, fmt: LabelFormat, content: bytes) -> None:
    """Keep a label document (the first kept wins: two downloads at once store one)."""
    try:
        with transaction.atomic():
            LabelDocument.objects.get_or_create(parcel=parcel, format=fmt, defaults={"content": content})
    except IntegrityError:
        pass


def label_document(*, parcel: Parcel, fmt: LabelFormat) -> bytes:
    """The parcel's label in `fmt`: the one kept, or fetched now and kept. Needs a live label (the caller checks)."""
    kept = LabelDocument.objects.filter(parcel=parcel, format=fmt).values_list("content", flat=True).first()
    if kept is not None:
        return bytes(kept)
    return _fetched(parcel, fmt)


def label_documents(*, parcels: list[Parcel], fmt: LabelFormat) -> list[bytes]:
    """label_document of each parcel, in their order: the labels kept read in one query (a batch's thousand), any
    other fetched now and kept, one by one."""
    kept = dict(
        LabelDocument.objects.filter(parcel__in=[p.pk for p in parcels], format=fmt).values_list("parcel_id", "content")
    )
    return [bytes(kept[p.pk]) if p.pk in kept else _fetched(p, fmt) for p in parcels]


def _fetched(parcel: Parcel, fmt: LabelFormat) -> bytes:
    connector = connector_for(parcel.account)
    try:
        content = fetch(parcel, fmt, connector=connector)
    finally:
        close(connector)
    store(parcel, fmt, content)
    return content
