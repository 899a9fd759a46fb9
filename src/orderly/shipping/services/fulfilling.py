"""Manual fulfillment (seed 001): ship or hand over chosen units of an open order, taking their stock."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from orderly.catalog.exceptions import UnknownSku
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, ValidationError
from orderly.core.numbering import next_number
from orderly.core.queue import enqueue
from orderly.core.retry import retry_on_conflict
from orderly.inventory.bulk import bulk_insert
from orderly.inventory.locks import lock_lots_of
from orderly.inventory.services import ShipRequest, stock_ship_held
from orderly.inventory.status import LotKind
from orderly.orders import events as order_events
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import order_items_progress, order_update
from orderly.orders.services.item_progress import Shipped, items_progress_held
from orderly.orders.status import DeliveryType
from orderly.shipping import events
from orderly.shipping.models import Fulfillment, FulfillmentDraw, FulfillmentLine
from orderly.shipping.rules import fulfill_refusal, open_quantity
from orderly.shipping.services.common import (
    fulfillment_for_update,
    items_by_id,
    items_for_update,
    order_for_update,
    requested_lines,
    text,
)
from orderly.shipping.status import Delivery, FulfillmentStatus

PREFIX = "FF"
SHIPPED_EMAIL_TASK = "orderly.notifications.tasks.queue_shipped_email"


def _fulfillable(order: Order) -> Order:
    if (refused := fulfill_refusal(order)) is not None:
        raise refused
    return order


def _chosen(order: Order, items: dict[int, OrderItem], requested) -> list[tuple[OrderItem, int]]:
    """The (item, units) to fulfill: those requested, or every open unit of every item to fulfil."""
    if requested is None:
        chosen = [(item, open_quantity(item)) for item in items.values() if open_quantity(item) > 0]
        if not chosen:
            raise Conflict(
                f"Order {order.number} has nothing left to fulfill.",
                code=ErrorCode.NOTHING_TO_FULFILL,
                order=order.number,
            )
        return chosen
    chosen = []
    for index, item, quantity in items_by_id(requested, items, order):
        if problem := item_quantity_problem(index, item, quantity):
            raise problem
        chosen.append((item, quantity))
    return chosen


def item_quantity_problem(index: int, item: OrderItem, quantity: int) -> ValidationError | None:
    """Why `quantity` units of `item` (the `index`th requested) cannot be fulfilled now, or None. A form asks it of
    every row before fulfilling, to show every refusal at once."""
    path = f"items[{index}].quantity"
    if not item.option_fulfil:
        return ValidationError(
            f"items[{index}].item: {item.sku} is not fulfilled by Orderly (its fulfil option is off).",
            field=f"items[{index}].item",
        )
    if quantity > open_quantity(item):
        return ValidationError(
            f"{path}: {quantity} of {item.sku} asked, but only {open_quantity(item)} of {item.quantity} are open "
            f"({item.qty_handed_to_carrier} fulfilled, {item.qty_canceled} canceled).",
            code=ErrorCode.QUANTITY_EXCEEDS,
            field=path,
            sku=item.sku,
            requested=quantity,
            allowed=open_quantity(item),
        )
    return None


def _delivery(chosen, carrier: str, tracking: str) -> str:
    kinds = {item.delivery_type for item, _ in chosen}
    if len(kinds) > 1:
        raise ValidationError(
            "items mixes items to ship and items to collect; fulfill each kind separately.", field="items"
        )
    if kinds == {DeliveryType.COLLECT}:
        for field, value in (("carrier", carrier), ("tracking_number", tracking)):
            if value:
                raise ValidationError(
                    f"{field}: collected items are handed over, not given to a carrier; leave it empty.", field=field
                )
        return Delivery.COLLECT
    return Delivery.SHIP


def ship_requests(chosen) -> list[ShipRequest]:
    """What the chosen (item, units) take out of stock: items whose stock Orderly keeps, each of a known variant."""
    requests = []
    for item, quantity in chosen:
        if not item.option_allocate:
            continue  # Orderly does not keep this item's stock
        if item.variant_id is None:
            raise UnknownSku(item.sku, message=f"{item.sku} is not one of our products; map it before fulfilling.")
        requests.append(ShipRequest(item.pk, item.variant_id, Decimal(quantity)))
    return requests


def take_stock(
    fulfillment: Fulfillment, requests: list[ShipRequest], lots, actor: Actor, *, holds: list | None = None
) -> dict[int, list]:
    """Take the requested units out of stock for the fulfillment (its number as the ledger's reference), from `lots`
    as locked by the caller (and `holds`, the items' holds on them, when the caller has read them); the draws per
    order item."""
    draws = defaultdict(list)
    shipped = stock_ship_held(requests=requests, actor=actor, reference=fulfillment.number, lots=lots, holds=holds)
    for draw in shipped:
        draws[draw.order_item_id].append(draw)
    return draws


@retry_on_conflict
@transaction.atomic
def fulfillment_create(
    *,
    order: Order,
    actor: Actor,
    items: list[dict] | None = None,
    shipping_address: dict | None = None,
    carrier: str | None = "",
    tracking_number: str | None = "",
) -> Fulfillment:
    """Ship (or hand over, for collected items) units of an open order: a fulfillment `FF-…` with its lines.

    Needs an order that fulfill_refusal allows; `items` as [{"item": id, "quantity": units}] (every open unit of
    every item to fulfil when None), each at most its open quantity. A `shipping_address` given replaces the
    order's (validated as the order's, an `edited` event). Items to allocate take their units out of stock — the
    units held for them first, then packaged stock FIFO — and a shortage is refused naming the SKU, needed and
    available. Guarantees, in one transaction or not at all: the stock taken and the indicator changes recorded
    per line (so fulfillment_cancel undoes them exactly), a `fulfilled` event, and the order settled (its
    fulfillment status follows; a fully done order closes). A parcel shipped with a tracking number queues
    the customer's shipped e-mail (announce_tracking).
    """
    carrier = text(carrier, field="carrier")
    tracking = text(tracking_number, field="tracking_number")
    requested = None if items is None else requested_lines(items)
    order = _fulfillable(order_for_update(order))
    if shipping_address is not None:
        order_update(order=order, changes={"shipping_address": shipping_address}, actor=actor)
        order = _fulfillable(order_for_update(order))  # the edit runs the order's checks again
    locked = items_for_update(order)
    chosen = _chosen(order, locked, requested)
    return _write(order, locked, chosen, actor=actor, carrier=carrier, tracking=tracking)


def fulfillment_write(
    *,
    order: Order,
    items: list[OrderItem],
    lines: list[tuple[OrderItem, int]],
    actor: Actor,
    carrier: str = "",
    lots: list | None = None,
    holds: list | None = None,
) -> Fulfillment:
    """fulfillment_create for a caller that holds the locks already, in its transaction: `order` (its shipping
    address loaded) and every one of its `items` locked (order_for_update, items_for_update), and `lots` when given
    (inventory.locks.lock_lots_of: every packaged lot of the variants shipped), with `holds` when given (every hold
    of the items shipped on those lots, read under their locks). Ships `lines`, [(item, units)] of those items,
    with the same checks and guarantees, without locking or reading anything of that again: a batch checks the
    order under these locks and fulfills it in one go. The item instances take the counters written."""
    _fulfillable(order)
    by_id = {item.pk: item for item in items}
    for index, (item, units) in enumerate(lines):
        if by_id.get(item.pk) is not item:
            raise ValueError(f"lines[{index}]: {item.sku} is not one of the locked items given")
        if problem := item_quantity_problem(index, item, units):
            raise problem
    if not lines:
        raise Conflict(
            f"Order {order.number} has nothing left to fulfill.", code=ErrorCode.NOTHING_TO_FULFILL, order=order.number
        )
    carrier = text(carrier, field="carrier")
    return _write(order, by_id, lines, actor=actor, carrier=carrier, tracking="", lots=lots, holds=holds)


def _write(order: Order, items: dict[int, OrderItem], chosen, *, actor: Actor, carrier: str, tracking: str,
           lots: list | None = None, holds: list | None = None) -> Fulfillment:  # fmt: skip
    """The fulfillment of `chosen` units, its order and items locked (and `lots`, when given)."""
    delivery = _delivery(chosen, carrier, tracking)
    address = order.shipping_address.as_dict() if order.shipping_address else {}
    requests = ship_requests(chosen)
    if lots is None:
        # the stock it may draw from is locked before the fulfillment's number: number sequences lock last
        variants = {r.variant_id for r in requests}
        lots = lock_lots_of(kind=LotKind.PACKAGED, variant_ids=variants) if requests else []
    fulfillment = Fulfillment.objects.create(
        order=order, number=next_number(PREFIX), delivery=delivery, carrier=carrier, tracking_number=tracking,
        shipping_address=address, created_by=actor.name[:150],
    )  # fmt: skip
    draws = take_stock(fulfillment, requests, lots, actor, holds=holds)
    labelled = delivery == Delivery.SHIP and bool(carrier or tracking)
    with order_events.recorded_together():  # the `fulfilled` event and the settling's, in one statement
        record_lines(fulfillment, chosen, draws, labelled=labelled, actor=actor, held=(order, list(items.values())))
    if delivery == Delivery.SHIP and tracking:
        announce_tracking(fulfillment)
    return fulfillment


@transaction.atomic
def fulfillment_tracking_set(
    *, fulfillment: Fulfillment, actor: Actor, carrier: str, tracking_number: str, tracking_url: str = ""
) -> Fulfillment:
    """Give a shipped fulfillment its carrier and tracking (a label booked for it), or take them away (its label
    voided: all empty). Needs the fulfillment fulfilled and shipped (Conflict otherwise), its order locked first.
    Guarantees a `tracking_changed` event, `pushed_at` cleared so a new number reaches the shop through the outbox
    again, and the shipped e-mail queued when a number was given (announce_tracking)."""
    order, _items, fulfillment = fulfillment_for_update(fulfillment)
    return fulfillment_tracking_write(
        order=order, fulfillment=fulfillment, actor=actor, carrier=carrier, tracking_number=tracking_number,
        tracking_url=tracking_url,
    )  # fmt: skip


def fulfillment_tracking_write(
    *, order: Order, fulfillment: Fulfillment, actor: Actor, carrier: str, tracking_number: str, tracking_url: str = ""
) -> Fulfillment:
    """fulfillment_tracking_set for a caller that holds the locks already (fulfillment_for_update gave it `order`
    and `fulfillment` in this transaction): the same checks and guarantees, without locking everything again."""
    if fulfillment.status != FulfillmentStatus.FULFILLED or fulfillment.delivery != Delivery.SHIP:
        raise Conflict(
            f"Fulfillment {fulfillment.number} is {fulfillment.status} ({fulfillment.delivery}); only a fulfilled, "
            "shipped one takes a tracking number.",
            code=ErrorCode.TRANSITION_NOT_ALLOWED,
            resource="fulfillment", key=fulfillment.number, current=fulfillment.status, attempted="tracking",
        )  # fmt: skip
    carrier = text(carrier, field="carrier")
    tracking = text(tracking_number, field="tracking_number")
    fulfillment.carrier, fulfillment.tracking_number = carrier, tracking
    fulfillment.tracking_url = (tracking_url or "")[:500]
    fulfillment.pushed_at = None
    fulfillment.save(update_fields=["carrier", "tracking_number", "tracking_url", "pushed_at"])
    order_events.record(order, actor, *events.tracking_changed(fulfillment))
    if tracking:
        announce_tracking(fulfillment)
    return fulfillment


def announce_tracking(fulfillment: Fulfillment) -> None:
    """Queue the customer's shipped e-mail for the fulfillment with the tracking number just recorded: the task
    (notifications, above shipping, named by its path) is written in this transaction, so it exists exactly when
    the number does, and the worker queues the e-mail once."""
    enqueue(SHIPPED_EMAIL_TASK, fulfillment.pk)


def record_lines(
    fulfillment: Fulfillment,
    chosen,
    draws: dict,
    *,
    labelled: bool,
    actor: Actor,
    held: tuple[Order, list[OrderItem]] | None = None,
) -> None:
    """Tell the orders area the units shipped (held ones out of the items' holds; it writes the `fulfilled` event
    and settles the order), then save the fulfillment's lines with what that moved and the lots they drew from.
    `held`: the order and every one of its items, locked in this transaction and read as they are now, so that
    the orders area need not lock and read them again."""
    shipped = [
        Shipped(
            item=item.pk,
            units=quantity,
            held=int(sum(d.quantity for d in draws[item.pk] if d.hold_reference)),
            labelled=labelled,
        )
        for item, quantity in chosen
    ]
    note = events.fulfilled(fulfillment)
    if held is None:
        moved = order_items_progress(changes=shipped, actor=actor, note=note)
    else:
        moved = items_progress_held(order=held[0], items=held[1], changes=shipped, actor=actor, note=note)
    # two inserts per fulfillment, whatever its number of lines (the lines' ids come back for their draws)
    lines = FulfillmentLine.objects.bulk_create(
        FulfillmentLine(
            fulfillment=fulfillment, order_item=item, quantity=quantity, indicator_changes=moved.get(item.pk, {})
        )
        for item, quantity in chosen
    )
    bulk_insert(
        FulfillmentDraw,
        [
            FulfillmentDraw(line=line, lot_id=d.lot_id, quantity=int(d.quantity), hold_reference=d.hold_reference)
            for line, (item, _quantity) in zip(lines, chosen, strict=True)
            for d in draws[item.pk]
        ],
    )
