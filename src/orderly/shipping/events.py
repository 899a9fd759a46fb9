"""Timeline events of fulfillments and returns: one constructor per kind, each writing one OrderEvent row. Call
inside the change's transaction."""

from orderly.core.actors import Actor
from orderly.orders.events import record
from orderly.orders.models import Order, OrderEvent


class EventKind:
    FULFILLED = "fulfilled"
    FULFILLMENT_CANCELED = "fulfillment_canceled"
    PARCEL_LOST = "parcel_lost"
    RETURN_REGISTERED = "return_registered"


def _units(lines: list[dict]) -> str:
    return ", ".join(f"{line['quantity']} × {line['sku']}" for line in lines)


def fulfilled(order: Order, actor: Actor, fulfillment, lines: list[dict]) -> OrderEvent:
    """`lines` as {"item", "sku", "quantity"}."""
    if fulfillment.external_id:
        how = "fulfilled in the shop" + (f" with {fulfillment.carrier}" if fulfillment.carrier else "")
        how += f", tracking {fulfillment.tracking_number}" if fulfillment.tracking_number else ""
    elif fulfillment.delivery == "collect":
        how = "handed over for collection"
    else:
        how = "shipped" + (f" with {fulfillment.carrier}" if fulfillment.carrier else "")
        how += f", tracking {fulfillment.tracking_number}" if fulfillment.tracking_number else ""
    return record(
        order,
        actor,
        EventKind.FULFILLED,
        f"Fulfillment {fulfillment.number}: {_units(lines)} {how}.",
        {
            "fulfillment": fulfillment.number,
            "delivery": fulfillment.delivery,
            "carrier": fulfillment.carrier,
            "tracking_number": fulfillment.tracking_number,
            "from_shop": bool(fulfillment.external_id),
            "lines": lines,
        },
    )


def fulfillment_canceled(order: Order, actor: Actor, fulfillment, lines: list[dict]) -> OrderEvent:
    return record(
        order,
        actor,
        EventKind.FULFILLMENT_CANCELED,
        f"Fulfillment {fulfillment.number} canceled: {_units(lines)} back in stock.",
        {"fulfillment": fulfillment.number, "lines": lines},
    )


def parcel_lost(order: Order, actor: Actor, fulfillment, lines: list[dict]) -> OrderEvent:
    return record(
        order,
        actor,
        EventKind.PARCEL_LOST,
        f"Parcel of fulfillment {fulfillment.number} lost: {_units(lines)} must ship again.",
        {"fulfillment": fulfillment.number, "tracking_number": fulfillment.tracking_number, "lines": lines},
    )


def return_registered(order: Order, actor: Actor, return_record, lines: list[dict]) -> OrderEvent:
    fate = "restocked" if return_record.restock else "written off"
    credit = f" Credit note {return_record.credit_note}." if return_record.credit_note else ""
    return record(
        order,
        actor,
        EventKind.RETURN_REGISTERED,
        f"Return {return_record.number}: {_units(lines)} {fate}. Reason: {return_record.reason}.{credit}",
        {
            "return": return_record.number,
            "reason": return_record.reason,
            "restock": return_record.restock,
            "credit_note": return_record.credit_note,
            "lines": lines,
        },
    )
