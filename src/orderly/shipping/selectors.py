"""Reads of fulfillments and returns, shared by the API and the pages."""

from dataclasses import dataclass

from django.db.models import Prefetch

from orderly.core.exceptions import NotFound
from orderly.orders.models import Order, OrderItem
from orderly.shipping.models import Fulfillment, FulfillmentLine, Return, ReturnLine
from orderly.shipping.rules import open_quantity, returnable_quantity

MAX_ID = 2**63 - 1


def fulfillments_of(order: Order) -> list[Fulfillment]:
    """The order's fulfillments, oldest first, with their lines and items loaded (three queries)."""
    lines = FulfillmentLine.objects.select_related("order_item").order_by("order_item__line_no", "pk")
    return list(order.fulfillments.prefetch_related(Prefetch("lines", queryset=lines)).order_by("pk"))


def returns_of(order: Order) -> list[Return]:
    """The order's returns, oldest first, with their lines, items and restocked lots loaded."""
    lines = ReturnLine.objects.select_related("order_item", "lot").order_by("order_item__line_no", "pk")
    return list(order.returns.prefetch_related(Prefetch("lines", queryset=lines)).order_by("pk"))


def fulfillment_get(reference) -> Fulfillment:
    """A fulfillment by its number (`FF-000001`) or its id, of an order that is not deleted; NotFound otherwise."""
    value = str(reference or "").strip().upper()
    found = Fulfillment.objects.select_related("order")
    if value.isdigit():
        fulfillment = found.filter(pk=int(value)).first() if int(value) <= MAX_ID else None
    else:
        fulfillment = found.filter(number=value).first()
    if fulfillment is None or fulfillment.order.deleted_at is not None:
        raise NotFound(f"No fulfillment {reference!r}.", field="fulfillment", resource="fulfillment", key=reference)
    return fulfillment


@dataclass(frozen=True)
class ItemToFulfil:
    item: OrderItem
    ordered: int
    fulfilled: int
    canceled: int
    open: int


def items_to_fulfil(order: Order) -> list[ItemToFulfil]:
    """Each item Orderly fulfils, with what was ordered, fulfilled, canceled and is still open (the Manual
    fulfillment page)."""
    items = order.items.filter(option_fulfil=True).order_by("line_no", "pk")
    return [
        ItemToFulfil(item, item.quantity, item.qty_handed_to_carrier, item.qty_canceled, open_quantity(item))
        for item in items
    ]


@dataclass(frozen=True)
class ItemToReturn:
    item: OrderItem
    fulfilled: int
    returned: int
    returnable: int


def items_to_return(order: Order) -> list[ItemToReturn]:
    """Each item with units fulfilled and not yet returned, with how many (the Register return page)."""
    items = order.items.order_by("line_no", "pk")
    return [
        ItemToReturn(item, item.qty_handed_to_carrier, item.qty_returned, returnable_quantity(item))
        for item in items
        if returnable_quantity(item) > 0
    ]
