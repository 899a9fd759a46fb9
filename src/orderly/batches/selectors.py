"""Reads of batches shared by the API and the web pages: lists, one batch with its orders, what is stuck, and the
contents of its documents (the pick list and the pack slips, in the order the shelves are walked)."""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from orderly.batches.models import Batch, BatchDocument, BatchOrder
from orderly.batches.status import BatchStatus, Outcome
from orderly.core.exceptions import NotFound, ValidationError
from orderly.orders.models import OrderItem
from orderly.shipping.models import Fulfillment, FulfillmentDraw, FulfillmentLine

# A batch still processing with no order claimed or finished for this long is shown as stuck.
STUCK_AFTER = dt.timedelta(minutes=5)
NO_POSITION = "~"  # sorts after every position code: units with no shelf are picked last


# The batches' order, newest first; their lists page by cursor on these keys.
BATCH_ORDER = ("-created_at", "-id")


def batch_list(*, status: str = "", q: str = "", created_by: str = "") -> QuerySet[Batch]:
    """Batches newest first, filtered by status, by part of the number, and by who created them."""
    batches = Batch.objects.all()
    if status:
        if status not in BatchStatus.values:
            raise ValidationError(f"status must be one of {', '.join(BatchStatus.values)}.", field="status")
        batches = batches.filter(status=status)
    if q := q.strip():
        batches = batches.filter(number__icontains=q)
    if created_by := created_by.strip():
        batches = batches.filter(created_by_name=created_by)
    return batches.order_by(*BATCH_ORDER)


def batch_get(number: str) -> Batch:
    number = str(number or "").strip().upper()
    batch = Batch.objects.select_related("created_by").filter(number=number).first()
    if batch is None:
        raise NotFound(f"No batch {number!r}.", resource="batch", key=number)
    return batch


def batch_entries(batch: Batch) -> list[BatchOrder]:
    """The batch's orders in selection order, with their order and fulfillment."""
    return list(
        BatchOrder.objects.filter(batch=batch).select_related("order", "fulfillment").order_by("position", "pk")
    )


@dataclass(frozen=True)
class Stuck:
    since: dt.datetime  # the last sign of progress
    for_seconds: int
    waiting: list[str]  # the order numbers still waiting


def batch_stuck(batch: Batch, entries: list[BatchOrder], now: dt.datetime | None = None) -> Stuck | None:
    """For a batch processing with no progress for STUCK_AFTER (its worker died, a shop is slow): since when, and
    which orders wait. None otherwise."""
    if batch.status != BatchStatus.PROCESSING:
        return None
    now = now or timezone.now()
    marks = [batch.processing_since] + [t for e in entries for t in (e.claimed_at, e.finished_at) if t]
    since = max(marks)
    if now - since < STUCK_AFTER:
        return None
    waiting = [e.order.number for e in entries if e.outcome == Outcome.WAITING]
    return Stuck(since=since, for_seconds=int((now - since).total_seconds()), waiting=waiting)


def succeeded_entries(batch: Batch) -> list[BatchOrder]:
    return [
        e
        for e in BatchOrder.objects.filter(batch=batch, outcome=Outcome.SUCCEEDED, fulfillment__isnull=False)
        .select_related("order", "fulfillment")
        .order_by("position", "pk")
    ]


def documents_digest(entries: list[BatchOrder]) -> str:
    """What a document of the batch shows, in one value: the succeeded orders, their fulfillments and parcels."""
    text = ";".join(f"{e.pk}:{e.fulfillment_id}:{e.parcel}" for e in sorted(entries, key=lambda e: e.pk))
    return hashlib.sha256(text.encode()).hexdigest()


def batch_documents(batch: Batch) -> dict[tuple[str, str], BatchDocument]:
    docs = BatchDocument.objects.filter(batch=batch).defer("content")
    return {(d.kind, d.format): d for d in docs}


# ---- the pick & pack list ------------------------------------------------------------------------------------


@dataclass
class PickRow:
    warehouse: str
    position: str  # "" when the stock has no shelf
    sku: str
    name: str
    quantity: int = 0
    lots: dict[str, int] = field(default_factory=dict)  # lot number → units

    @property
    def key(self) -> tuple:
        return (self.warehouse, self.position or NO_POSITION, self.sku)


@dataclass
class PackLine:
    sku: str
    name: str
    quantity: int
    position: str


@dataclass
class PackSlip:
    order: str
    reference: str
    customer: str
    address: dict
    fulfillment: str
    tracking_number: str
    lines: list[PackLine]
    missing: list[tuple[str, str, int, str]]  # (sku, name, units, why) of the order not in this parcel
    key: tuple = ()


def _why_not_here(item: OrderItem, in_parcel: int, shipped_before: int) -> list[tuple[int, str]]:
    reasons = []
    if item.qty_canceled:
        reasons.append((item.qty_canceled, "canceled"))
    if shipped_before > 0:
        reasons.append((shipped_before, "shipped earlier"))
    rest = item.quantity - in_parcel - item.qty_canceled - max(shipped_before, 0)
    if rest > 0:
        if item.delivery_type == "collect":
            why = "collected by the customer"
        elif not item.option_fulfil:
            why = "not shipped from this warehouse"
        else:
            why = "to follow in a later parcel"
        reasons.append((rest, why))
    return reasons


def pick_pack(batch: Batch) -> tuple[list[PickRow], list[PackSlip]]:
    """The pick list (units per warehouse, position and SKU, with their lots, in the order the shelves are walked)
    and one pack slip per succeeded order, in the same walking order (by the first position its parcel needs).
    A fixed number of queries whatever the batch's size."""
    entries = succeeded_entries(batch)
    fulfillment_ids = [e.fulfillment_id for e in entries]
    lines = list(
        FulfillmentLine.objects.filter(fulfillment_id__in=fulfillment_ids)
        .select_related("order_item")
        .order_by("fulfillment_id", "order_item__line_no", "pk")
    )
    draws = defaultdict(list)
    for draw in FulfillmentDraw.objects.filter(line__in=lines).select_related("lot__position", "lot__warehouse"):
        draws[draw.line_id].append(draw)
    by_fulfillment = defaultdict(list)
    for line in lines:
        by_fulfillment[line.fulfillment_id].append(line)
    items = defaultdict(list)
    for item in OrderItem.objects.filter(order_id__in=[e.order_id for e in entries]).order_by("line_no", "pk"):
        items[item.order_id].append(item)
    shipped = _shipped_elsewhere(entries)
    rows: dict[tuple, PickRow] = {}
    slips = []
    for entry in entries:
        slip_lines, keys = [], []
        for line in by_fulfillment[entry.fulfillment_id]:
            item = line.order_item
            line_draws = draws[line.pk] or [None]
            for draw in line_draws:
                warehouse = draw.lot.warehouse.code if draw else ""
                position = (draw.lot.position.code if draw and draw.lot.position_id else "") or item.position
                units = int(draw.quantity) if draw else line.quantity
                row = rows.setdefault(
                    (warehouse, position or NO_POSITION, item.sku),
                    PickRow(warehouse=warehouse, position=position, sku=item.sku, name=item.name),
                )
                row.quantity += units
                if draw:
                    row.lots[draw.lot.number] = row.lots.get(draw.lot.number, 0) + units
                keys.append(row.key)
            slip_lines.append(PackLine(item.sku, item.name, line.quantity, _positions(line_draws, item)))
        in_parcel = {line.order_item_id: line.quantity for line in by_fulfillment[entry.fulfillment_id]}
        missing = []
        for item in items[entry.order_id]:
            here = in_parcel.get(item.pk, 0)
            before = shipped.get(item.pk, 0)
            for units, why in _why_not_here(item, here, before):
                missing.append((item.sku, item.name, units, why))
        order = entry.order
        slips.append(
            PackSlip(
                order=order.number, reference=order.external_ref, customer=order.customer_name,
                address=entry.fulfillment.shipping_address, fulfillment=entry.fulfillment.number,
                tracking_number=entry.tracking_number or entry.fulfillment.tracking_number, lines=slip_lines,
                missing=missing, key=(min(keys) if keys else ("", NO_POSITION, ""), order.number),
            )
        )  # fmt: skip
    slips.sort(key=lambda slip: slip.key)
    return sorted(rows.values(), key=lambda row: row.key), slips


def _positions(draws, item: OrderItem) -> str:
    codes = sorted({d.lot.position.code for d in draws if d and d.lot.position_id})
    return ", ".join(codes) or item.position


def _shipped_elsewhere(entries: list[BatchOrder]) -> dict[int, int]:
    """Units of each item shipped by fulfillments other than the batch's, still standing."""
    ours = {e.fulfillment_id for e in entries}
    shipped: dict[int, int] = defaultdict(int)
    others = FulfillmentLine.objects.filter(
        fulfillment__order_id__in=[e.order_id for e in entries], fulfillment__status="fulfilled"
    ).exclude(fulfillment_id__in=ours)
    for item_id, quantity in others.values_list("order_item_id", "quantity"):
        shipped[item_id] += quantity
    return shipped


def pick_total(rows: list[PickRow]) -> Decimal:
    return Decimal(sum(row.quantity for row in rows))


def label_order(batch: Batch) -> list[Fulfillment]:
    """The fulfillments whose labels the batch prints, in pack-slip order."""
    _rows, slips = pick_pack(batch)
    by_number = {e.fulfillment.number: e.fulfillment for e in succeeded_entries(batch)}
    return [by_number[slip.fulfillment] for slip in slips]
