"""Traceability through the stock ledger, both ways.

A lot feeds another when one ledger reference (a roast batch RB-…, a packaging plan PP-…) consumes from the first
and produces the second. From a lot we walk back along those links to the green coffee it came from, and forward
to the lots made from it and the orders its packaged units went to (shipped, or held for them).

    lot_trace(number) -> Trace          from a green, roasted or packaged lot
    item_trace(item) -> Trace           from an order item: the packaged lots it drew, back to the green coffee

One query per step of the walk (a chain is at most green → roasted → packaged), then one per kind of result.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from orderly.core.exceptions import NotFound
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.status import LotKind, MovementKind
from orderly.orders.models import OrderItem
from orderly.production.models import RoastBatch, RoastGreen
from orderly.shipping.models import FulfillmentDraw

MAX_STEPS = 6  # more than any chain has (green → roasted → packaged), so a strange ledger cannot loop for ever


@dataclass
class OrderUse:
    order: str
    item: int
    sku: str
    quantity: Decimal
    how: str  # "shipped" (in fulfillment `reference`) or "held" (allocated by plan `reference`)
    reference: str
    lot: str


@dataclass
class Trace:
    lot: Lot | None  # where the trace starts (None: from an order item)
    green_lots: list[Lot] = field(default_factory=list)
    roast_batches: list[RoastBatch] = field(default_factory=list)
    roast_greens: dict[int, list[RoastGreen]] = field(default_factory=dict)  # batch id → its green lots used
    roasted_lots: list[Lot] = field(default_factory=list)
    packaged_lots: list[Lot] = field(default_factory=list)
    made_by: dict[int, str] = field(default_factory=dict)  # lot id → the reference that made it (RB-…, PP-…)
    orders: list[OrderUse] = field(default_factory=list)


def _walk(start: set[int], *, forward: bool) -> set[int]:
    """Every lot reachable from `start` (not included) one way along the ledger's references."""
    seen, frontier = set(start), set(start)
    take, give = (
        (MovementKind.CONSUMPTION, MovementKind.OUTPUT) if forward else (MovementKind.OUTPUT, MovementKind.CONSUMPTION)
    )
    for _ in range(MAX_STEPS):
        refs = Movement.objects.filter(lot_id__in=frontier, kind=take).exclude(reference="").values("reference")
        frontier = set(Movement.objects.filter(reference__in=refs, kind=give).values_list("lot_id", flat=True)) - seen
        if not frontier:
            break
        seen |= frontier
    return seen - set(start)


def _orders(packaged: list[int], only_item: int | None = None) -> list[OrderUse]:
    """Who the packaged lots' units went to: shipped in a fulfillment, or held for an order item."""
    draws = FulfillmentDraw.objects.filter(lot_id__in=packaged).select_related(
        "lot", "line__fulfillment", "line__order_item__order"
    )
    if only_item is not None:
        draws = draws.filter(line__order_item_id=only_item)
    uses = [
        OrderUse(d.line.order_item.order.number, d.line.order_item_id, d.line.order_item.sku, Decimal(d.quantity),
                 "shipped", d.line.fulfillment.number, d.lot.number)
        for d in draws.order_by("id")
    ]  # fmt: skip
    holds = Hold.objects.filter(lot_id__in=packaged, order_item_id__isnull=False).select_related("lot")
    if only_item is not None:
        holds = holds.filter(order_item_id=only_item)
    holds = list(holds.order_by("id"))
    items = OrderItem.objects.select_related("order").in_bulk([h.order_item_id for h in holds])
    uses += [
        OrderUse(items[h.order_item_id].order.number, h.order_item_id, items[h.order_item_id].sku, h.quantity, "held",
                 h.reference, h.lot.number)
        for h in holds if h.order_item_id in items
    ]  # fmt: skip
    return sorted(uses, key=lambda u: (u.order, u.item, u.how, u.lot))


def _trace(start_lot: Lot | None, start: set[int], *, downstream: bool, only_item: int | None = None) -> Trace:
    ids = _walk(start, forward=False) | (_walk(start, forward=True) if downstream else set()) | start
    lots = list(Lot.objects.select_related("product", "variant").filter(pk__in=ids).order_by("lot_date", "id"))
    made_by = dict(
        Movement.objects.filter(lot_id__in=ids, kind=MovementKind.OUTPUT)
        .exclude(reference="")
        .values_list("lot_id", "reference")
    )
    by_kind = defaultdict(list)
    for lot in lots:
        by_kind[lot.kind].append(lot)
    roasted_ids = [lot.pk for lot in by_kind[LotKind.LOOSE]]
    batches = list(
        RoastBatch.objects.select_related("profile", "machine", "lot", "product")
        .filter(lot_id__in=roasted_ids)
        .order_by("date", "id")
    )
    if start_lot is not None and start_lot.kind == LotKind.RAW:  # scheduled batches drawing it count too
        batches += list(
            RoastBatch.objects.select_related("profile", "machine", "lot", "product")
            .filter(greens__lot=start_lot, lot__isnull=True)
            .order_by("date", "id")
        )
    greens = defaultdict(list)
    for g in RoastGreen.objects.select_related("lot").filter(batch__in=[b.pk for b in batches]).order_by("id"):
        greens[g.batch_id].append(g)
    packaged = [lot.pk for lot in by_kind[LotKind.PACKAGED]]
    orders_from = packaged if downstream or only_item is not None else []
    return Trace(
        lot=start_lot, green_lots=by_kind[LotKind.RAW], roast_batches=batches, roast_greens=dict(greens),
        roasted_lots=by_kind[LotKind.LOOSE], packaged_lots=by_kind[LotKind.PACKAGED], made_by=made_by,
        orders=_orders(orders_from, only_item) if orders_from else [],
    )  # fmt: skip


def lot_trace(number: str) -> Trace:
    """From a lot: back to the green coffee it came from, forward to what was made of it and the orders it went
    to."""
    lot = Lot.objects.filter(number=str(number or "").strip().upper()).first()
    if lot is None:
        raise NotFound(f"No lot {number!r}.", resource="lot", key=str(number), field="lot")
    return _trace(lot, {lot.pk}, downstream=True)


def item_trace(item: OrderItem) -> Trace:
    """From an order item: the packaged lots it shipped from or holds, and the roasts and green coffee behind them."""
    lots = set(FulfillmentDraw.objects.filter(line__order_item=item).values_list("lot_id", flat=True))
    lots |= set(Hold.objects.filter(order_item_id=item.pk).values_list("lot_id", flat=True))
    return _trace(None, lots, downstream=False, only_item=item.pk)
