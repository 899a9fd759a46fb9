"""Fulfillments and returns on the order page, and whether an order may be fulfilled now (for its buttons)."""

from django import template

from orderly.carriers import selectors as carrier_selectors
from orderly.carriers.status import LabelStatus
from orderly.shipping import selectors
from orderly.shipping.rules import fulfill_refusal, returnable_quantity

register = template.Library()


@register.filter
def fulfillable(order) -> bool:
    """True when *Fulfill order* / *Mark as fulfilled* is offered: the same rule the service refuses by, read from
    the order's own fields (no query per row of an overview)."""
    return fulfill_refusal(order) is None


@register.simple_tag
def order_shipping(order) -> dict:
    """The order's fulfillments (each with its parcel as `label`, or None) and returns, whether a return can be
    registered, and whether a label can be booked (a fixed number of queries)."""
    fulfillments = selectors.fulfillments_of(order)
    parcels = carrier_selectors.parcels_of(fulfillments)
    for fulfillment in fulfillments:
        fulfillment.label = parcels.get(fulfillment.pk)
    to_label = [
        f for f in fulfillments
        if f.status == "fulfilled" and f.delivery == "ship"
        and getattr(f.label, "label_status", "") not in (LabelStatus.BOOKED, LabelStatus.BOOKING)
    ]  # fmt: skip
    return {
        "fulfillments": fulfillments,
        "to_label": to_label,
        "method_choices": carrier_selectors.method_choices() if to_label else [],
        "returns": selectors.returns_of(order),
        "returnable": not order.is_archived and any(returnable_quantity(item) > 0 for item in order.items.all()),
    }
