"""Every write to stock. Each change is a ledger movement and moves the lot's on-hand or held in the same
transaction; the database refuses a lot below zero or held beyond on-hand.

Public services (keyword-only; `actor` is an orderly.core.actors.Actor; quantities are Decimal, int or str):

    stock_receive(*, kind, quantity, actor, sku=None, product=None, lot_name=None, lot_date=None,
                  position=None, reason="") -> Lot
        kind "packaged" with `sku` (whole units), "loose" with `product` (a product name or Product; kg),
        "raw" with `lot_name` (kg; received into the raw lot of that name, made when new).
    stock_adjust(*, lot, quantity, reason, actor) -> Lot
        `lot` a Lot or its number; `quantity` the signed change; a reason is required; never below what is held.
    stock_move(*, lot, quantity, position, actor) -> Lot
        Moves available stock of a lot to another position of its warehouse: returns the lot at the new position
        (same kind, item and lot date). Moving the whole lot (nothing held) just changes its position.
    stock_output(*, variant, quantity, actor, lot_date=None, reference="", reason="") -> Lot
        A packaged lot made here (packing), with an "output" movement.
    lots_consume(*, draws, actor, reference="", reason="") -> None
        `draws`: [(lot_id, quantity)]; takes available (not held) stock out with "consumption" movements.
    lots_lock(*, kind, variant_ids=(), product_ids=()) -> list[Lot]
        Locks (inventory.locks, primary-key order) and returns the lots of those variants/products.
    lots_lock_held(*, reference) -> list[Lot]
        Locks every lot `reference` holds units of, in primary-key order.
    holds_change(*, changes, reference, actor) -> None
        `changes`: [HoldChange(lot_id, order_item_id, quantity)] with signed quantities; holds or releases units
        for order items on behalf of `reference`; refused (Conflict, nothing written) beyond what is available.
    holds_release(*, reference, actor, order_item_ids=None) -> Decimal
        Releases every hold of `reference` (or of those items only); returns the units released.
    stock_ship(*, requests, actor, reference, lots=None) -> list[ShipDraw]
        Ships units of order items: the item's own holds first (any reference), then available packaged stock FIFO;
        refused (Conflict naming the SKU, needed and available; nothing written) when there is not enough.
    stock_ship_held(*, requests, actor, reference, lots) -> list[ShipDraw]
        The same, its lots locked by the caller (shipping's fulfillment), in the caller's transaction without a
        savepoint of its own.
    stock_unship(*, draws, actor, reference, restore_holds=True) -> None
        Puts what stock_ship took back into the very same lots, and the holds back ("ship_reversal" movements).
    stock_return(*, variant_id, quantity, actor, reference="", reason="") -> Lot
        Returned units back into stock: a new packaged lot dated today with a "return" movement.
    raw_lots_lock(*, lot_ids) -> list[Lot]
        Locks raw lots in primary-key order.
    raw_hold(*, draws, reference, actor) -> None
        `draws`: [(lot_id, kg)]; sets kg of raw lots aside for `reference` (a roast batch), no order item;
        refused (Conflict, nothing written) beyond what is available.
    raw_holds(*, holds, actor) -> None
        `holds`: [(reference, [(lot_id, kg)])]; raw_hold for many references at once, the lots locked once.
    raw_release(*, reference, actor, reason="") -> Decimal
        Gives back every raw kg `reference` holds.
    raw_held(*, reference) -> dict[int, Decimal]
        Kg per raw lot `reference` holds.
    loose_output(*, product, quantity, actor, lot_date, reference="", reason="") -> Lot
        A loose lot made here (roasted kg) with an "output" movement.

Selectors are in orderly.inventory.selectors.
"""

from orderly.inventory.services.holds import HoldChange, holds_change, holds_release
from orderly.inventory.services.raw import loose_output, raw_held, raw_hold, raw_holds, raw_lots_lock, raw_release
from orderly.inventory.services.shipments import (
    ShipDraw,
    ShipRequest,
    stock_return,
    stock_ship,
    stock_ship_held,
    stock_unship,
)
from orderly.inventory.services.stock import (
    MAX_QUANTITY,
    default_warehouse,
    lots_consume,
    lots_lock,
    lots_lock_held,
    stock_adjust,
    stock_move,
    stock_output,
    stock_receive,
    to_quantity,
)

__all__ = [
    "MAX_QUANTITY",
    "HoldChange",
    "ShipDraw",
    "ShipRequest",
    "default_warehouse",
    "holds_change",
    "holds_release",
    "lots_consume",
    "lots_lock",
    "lots_lock_held",
    "loose_output",
    "raw_held",
    "raw_hold",
    "raw_holds",
    "raw_lots_lock",
    "raw_release",
    "stock_adjust",
    "stock_move",
    "stock_output",
    "stock_receive",
    "stock_return",
    "stock_ship",
    "stock_ship_held",
    "stock_unship",
    "to_quantity",
]
