"""Timeline events of parcels: (kind, message, data) for orders.events.record, or a Note for a change to items."""

from orderly.orders.events import Note, units_text


class EventKind:
    LABEL_BOOKED = "label_booked"
    LABEL_FAILED = "label_failed"
    LABEL_VOIDED = "label_voided"
    PARCEL_TRACKING = "parcel_tracking"


def label_booked(parcel) -> Note:
    return Note(
        EventKind.LABEL_BOOKED,
        lambda lines: f"Label {parcel.number} booked with {parcel.account.name} ({parcel.method_code}), tracking "
        f"{parcel.tracking_number}" + (f": {units_text(lines)} labelled." if lines else "."),
        {"parcel": parcel.number, "fulfillment": parcel.fulfillment.number, "carrier": parcel.account.name,
         "method": parcel.method_code, "tracking_number": parcel.tracking_number},
    )  # fmt: skip


def label_voided(parcel) -> Note:
    return Note(
        EventKind.LABEL_VOIDED,
        lambda lines: f"Label {parcel.number} ({parcel.account.name}, tracking {parcel.tracking_number}) voided.",
        {"parcel": parcel.number, "fulfillment": parcel.fulfillment.number, "carrier": parcel.account.name,
         "tracking_number": parcel.tracking_number},
    )  # fmt: skip


def label_failed(parcel, message: str) -> tuple[str, str, dict]:
    return (
        EventKind.LABEL_FAILED,
        f"Label {parcel.number} for {parcel.fulfillment.number} not booked with {parcel.account.name}: {message}",
        {"parcel": parcel.number, "fulfillment": parcel.fulfillment.number, "carrier": parcel.account.name},
    )


def parcel_tracking(parcel, status: str, carrier_status: str, occurred_at) -> tuple[str, str, dict]:
    words = status.replace("_", " ")
    said = f" ({carrier_status})" if carrier_status and carrier_status.lower() != words else ""
    return (
        EventKind.PARCEL_TRACKING,
        f"Parcel {parcel.number} ({parcel.tracking_number}): {words}{said}.",
        {"parcel": parcel.number, "fulfillment": parcel.fulfillment.number, "status": status,
         "carrier_status": carrier_status, "occurred_at": occurred_at.isoformat()},
    )  # fmt: skip
