"""Fulfillments and returns on the order page, and whether an order may be fulfilled now (for its buttons)."""

from django import template

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
    """The order's fulfillments and returns, and whether a return can be registered (a fixed number of queries)."""
    return {
        "fulfillments": selectors.fulfillments_of(order),
        "returns": selectors.returns_of(order),
        "returnable": not order.is_archived and any(returnable_quantity(item) > 0 for item in order.items.all()),
    }
