"""Timeline events of fulfillments and returns: one constructor per kind, each the Note of what happened to the
order's items, which the orders area writes with the change (orderly.orders.services.item_progress)."""

from orderly.orders.events import Note, units_text


class EventKind:
    FULFILLED = "fulfilled"
    FULFILLMENT_CANCELED = "fulfillment_canceled"
    PARCEL_LOST = "parcel_lost"
    TRACKING_CHANGED = "tracking_changed"
    RETURN_REGISTERED = "return_registered"


def fulfilled(fulfillment) -> Note:
    """The units shipped or handed over, as the orders area records them (services.item_progress)."""
    if fulfillment.external_id:
        how = "fulfilled in the shop" + (f" with {fulfillment.carrier}" if fulfillment.carrier else "")
        how += f", tracking {fulfillment.tracking_number}" if fulfillment.tracking_number else ""
    elif fulfillment.delivery == "collect":
        how = "handed over for collection"
    else:
        how = "shipped" + (f" with {fulfillment.carrier}" if fulfillment.carrier else "")
        how += f", tracking {fulfillment.tracking_number}" if fulfillment.tracking_number else ""
    return Note(
        EventKind.FULFILLED,
        lambda lines: f"Fulfillment {fulfillment.number}: {units_text(lines)} {how}.",
        {
            "fulfillment": fulfillment.number,
            "delivery": fulfillment.delivery,
            "carrier": fulfillment.carrier,
            "tracking_number": fulfillment.tracking_number,
            "from_shop": bool(fulfillment.external_id),
        },
    )


def fulfillment_canceled(fulfillment) -> Note:
    return Note(
        EventKind.FULFILLMENT_CANCELED,
        lambda lines: f"Fulfillment {fulfillment.number} canceled: {units_text(lines)} back in stock.",
        {"fulfillment": fulfillment.number},
    )


def parcel_lost(fulfillment) -> Note:
    return Note(
        EventKind.PARCEL_LOST,
        lambda lines: f"Parcel of fulfillment {fulfillment.number} lost: {units_text(lines)} must ship again.",
        {"fulfillment": fulfillment.number, "tracking_number": fulfillment.tracking_number},
    )


def return_registered(return_record) -> Note:
    fate = "restocked" if return_record.restock else "written off"
    return Note(
        EventKind.RETURN_REGISTERED,
        lambda lines: f"Return {return_record.number}: {units_text(lines)} {fate}. Reason: {return_record.reason}.",
        {"return": return_record.number, "reason": return_record.reason, "restock": return_record.restock},
    )


def tracking_changed(fulfillment) -> tuple[str, str, dict]:
    """(kind, message, data) of a fulfillment's carrier and tracking set or taken away (orders.events.record)."""
    if fulfillment.tracking_number:
        message = f"Fulfillment {fulfillment.number}: tracking {fulfillment.tracking_number}"
        message += f" with {fulfillment.carrier}." if fulfillment.carrier else "."
    else:
        message = f"Fulfillment {fulfillment.number}: tracking number removed."
    data = {
        "fulfillment": fulfillment.number,
        "carrier": fulfillment.carrier,
        "tracking_number": fulfillment.tracking_number,
    }
    return EventKind.TRACKING_CHANGED, message, data
