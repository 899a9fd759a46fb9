"""Fulfillments the shop made itself (a parcel sent from the shop's own admin, a point-of-sale hand-over): recorded
here so the units are never shipped again, with the shop's tracking, and never told back to the shop."""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from orderly.core.actors import Actor
from orderly.core.exceptions import DomainError
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.inventory.locks import lock_lots_of
from orderly.inventory.status import LotKind
from orderly.orders.events import record
from orderly.orders.models import Order, OrderItem
from orderly.orders.status import DeliveryType, OrderStatus
from orderly.shipping.models import Fulfillment
from orderly.shipping.rules import open_quantity
from orderly.shipping.services.common import items_for_update
from orderly.shipping.services.common import order_for_update as lock_order
from orderly.shipping.services.fulfilling import PREFIX, record_lines, ship_requests, take_stock
from orderly.shipping.status import Delivery

MAX_TEXT = 100


def _units_asked(items: dict[int, OrderItem], lines: list[dict]) -> list[tuple[OrderItem, int]]:
    """The (item, units) a shop fulfillment names, by the shop's line id, each capped at what is still open here;
    no lines means every open unit."""
    if not lines:
        return [(item, open_quantity(item)) for item in items.values() if open_quantity(item) > 0]
    by_line = {str(item.identifiers.get("line_id", "")): item for item in items.values() if item.identifiers}
    asked = defaultdict(int)
    for line in lines:
        item = by_line.get(str(line.get("line_id", "")))
        if item is not None and isinstance(line.get("quantity"), int) and line["quantity"] > 0:
            asked[item.pk] += line["quantity"]
    chosen = []
    for item_id, units in sorted(asked.items()):
        item = items[item_id]
        if (units := min(units, open_quantity(item))) > 0:
            chosen.append((item, units))
    return chosen


def _stock_to_draw(chosen, draw_stock: bool) -> tuple[list | None, list, str]:
    """What a shop's fulfillment takes from stock (None: nothing), with those lots locked before its number is
    taken (number sequences lock last); or why it can take none."""
    if not draw_stock:
        return None, [], ""
    try:
        requests = ship_requests(chosen)
    except DomainError as exc:
        return None, [], exc.message
    lots = lock_lots_of(kind=LotKind.PACKAGED, variant_ids={r.variant_id for r in requests}) if requests else []
    return requests, lots, ""


def _draws(fulfillment: Fulfillment, requests, lots, actor: Actor) -> tuple[dict, str]:
    if requests is None:
        return defaultdict(list), ""
    try:
        with transaction.atomic():
            return take_stock(fulfillment, requests, lots, actor), ""
    except DomainError as exc:  # the shop shipped it: the parcel is gone whether our stock figures agree or not
        return defaultdict(list), exc.message


@retry_on_conflict
@transaction.atomic
def fulfillment_record_from_shop(
    *,
    order: Order,
    external_id: str,
    lines: list[dict],
    actor: Actor,
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    draw_stock: bool = False,
) -> Fulfillment | None:
    """Record a fulfillment the shop made: its units count as fulfilled here and are never shipped again.

    Needs the shop's id of the fulfillment (recording it twice does nothing: None) and its lines as
    [{"line_id": the shop's line id, "quantity"}] (empty: every open unit). Units beyond what is still open here
    are left out, and so are draft-less states that cannot ship (a canceled order: None). Takes stock only when
    `draw_stock` (the channel says the shop ships from our stock); a shortage then records the fulfillment anyway
    and says so on the timeline. Guarantees, all or nothing: a fulfillment `FF-…` marked as the shop's (never
    pushed back to it), its indicator changes per line, a `fulfilled` event, and the order settled. It sends no
    `tracking_assigned`: the shop told its customer itself, so Orderly must not e-mail them about it too.
    """
    order = lock_order(order)
    external_id = str(external_id)[:MAX_TEXT]
    if order.status == OrderStatus.CANCELED or order.fulfillments.filter(external_id=external_id).exists():
        return None
    chosen = _units_asked(items_for_update(order), lines)
    if not chosen:
        return None
    collect = all(item.delivery_type == DeliveryType.COLLECT for item, _ in chosen)
    requests, lots, unshippable = _stock_to_draw(chosen, draw_stock)
    now = timezone.now()
    fulfillment = Fulfillment.objects.create(
        order=order, number=next_number(PREFIX), delivery=Delivery.COLLECT if collect else Delivery.SHIP,
        carrier=str(carrier or "")[:MAX_TEXT], tracking_number=str(tracking_number or "")[:MAX_TEXT],
        tracking_url=str(tracking_url or "")[:500], external_id=external_id, created_by=actor.name[:150],
        shipping_address=order.shipping_address.as_dict() if order.shipping_address else {}, pushed_at=now,
    )  # fmt: skip
    draws, shortage = _draws(fulfillment, requests, lots, actor)
    shortage = shortage or unshippable
    if shortage:
        record(order, actor, "stock_not_drawn", f"No stock was taken for {fulfillment.number}: {shortage}")
    labelled = bool(fulfillment.tracking_number or fulfillment.carrier)
    record_lines(fulfillment, chosen, draws, labelled=labelled, actor=actor)
    return fulfillment
