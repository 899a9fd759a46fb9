"""The trace of a lot or an order item: green lots, roast batches, roasted lots, packaged lots, orders."""

import datetime as dt

from orderly.api.schemas.common import Amount, OutputSchema
from orderly.inventory.selectors import plain


class TraceLot(OutputSchema):
    number: str
    kind: str
    item: str  # a green lot's name, a roasted lot's product, a packaged lot's SKU
    lot_date: dt.date
    on_hand: Amount
    made_by: str | None  # the roast batch (RB-…) or packaging plan (PP-…) that made it


class TraceGreen(OutputSchema):
    green_lot: str
    kg: Amount  # used when completed, planned while scheduled


class TraceBatch(OutputSchema):
    number: str
    status: str
    date: dt.date
    profile: str
    machine: str
    product: str
    green: list[TraceGreen]
    lot: str | None  # the roasted lot it made


class TraceOrder(OutputSchema):
    order: str
    item: int
    sku: str
    quantity: Amount
    how: str  # shipped or held
    reference: str  # the fulfillment (FF-…) it shipped in, or the plan (OF-…) that holds it
    lot: str  # the packaged lot


class TraceOut(OutputSchema):
    lot: TraceLot | None  # where the trace starts; null from an order item
    green_lots: list[TraceLot]
    roast_batches: list[TraceBatch]
    roasted_lots: list[TraceLot]
    packaged_lots: list[TraceLot]
    orders: list[TraceOrder]


def _lot(lot, made_by) -> dict:
    item = lot.name if lot.kind == "raw" else (lot.product.name if lot.kind == "loose" else lot.variant.sku)
    return {"number": lot.number, "kind": lot.kind, "item": item, "lot_date": lot.lot_date,
            "on_hand": str(plain(lot.on_hand)), "made_by": made_by.get(lot.pk)}  # fmt: skip


def trace_out(trace) -> TraceOut:
    completed = "completed"
    batches = [
        {"number": b.number, "status": b.status, "date": b.date, "profile": b.profile.name, "machine": b.machine.name,
         "product": b.product.name, "lot": b.lot.number if b.lot_id else None,
         "green": [{"green_lot": g.lot.number, "kg": str(plain(g.used_kg if b.status == completed else g.planned_kg))}
                   for g in trace.roast_greens.get(b.pk, [])]}
        for b in trace.roast_batches
    ]  # fmt: skip
    return TraceOut.model_validate(
        {
            "lot": _lot(trace.lot, trace.made_by) if trace.lot is not None else None,
            "green_lots": [_lot(lot, trace.made_by) for lot in trace.green_lots],
            "roast_batches": batches,
            "roasted_lots": [_lot(lot, trace.made_by) for lot in trace.roasted_lots],
            "packaged_lots": [_lot(lot, trace.made_by) for lot in trace.packaged_lots],
            "orders": [{**u.__dict__, "quantity": str(plain(u.quantity))} for u in trace.orders],
        }
    )
