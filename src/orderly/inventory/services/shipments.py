"""Stock leaving with a fulfillment (held units first, then oldest lots), coming back when it is canceled, and
returned by customers."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orderly.catalog.models import Variant
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound
from orderly.core.money import quantity_text
from orderly.core.retry import retry_on_conflict
from orderly.inventory.bulk import bulk_insert, bulk_set
from orderly.inventory.locks import lock_lots
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services.stock import (
    check_lot_fits,
    default_warehouse,
    lot_create,
    lots_lock,
    new_movement,
    to_quantity,
)
from orderly.inventory.status import LotKind, MovementKind


@dataclass(frozen=True)
class ShipRequest:
    order_item_id: int
    variant_id: int
    quantity: Decimal  # whole units


@dataclass(frozen=True)
class ShipDraw:
    """Units a shipment took from one lot for one order item: out of the item's hold under `hold_reference`, or out
    of available stock when that is empty. The shipping area keeps these so that a cancel puts back exactly."""

    order_item_id: int
    lot_id: int
    quantity: Decimal
    hold_reference: str = ""


def _plan_ship(request: ShipRequest, lots: list[Lot], holds: list[Hold], taken: dict) -> list[ShipDraw]:
    """Which units of `lots` (the variant's, FIFO order) one request takes: its holds first, then available stock.
    `taken` carries what earlier requests of the same shipment took from available stock, per lot."""
    needed = Decimal(request.quantity)
    draws = []
    order = {lot.pk: index for index, lot in enumerate(lots)}
    for hold in sorted(holds, key=lambda h: (order[h.lot_id], h.pk)):
        if needed <= 0:
            break
        quantity = min(hold.quantity, needed)
        draws.append(ShipDraw(request.order_item_id, hold.lot_id, quantity, hold.reference))
        needed -= quantity
    for lot in lots:
        if needed <= 0:
            break
        free = lot.available - taken[lot.pk]
        if free > 0:
            quantity = min(free, needed)
            taken[lot.pk] += quantity
            draws.append(ShipDraw(request.order_item_id, lot.pk, quantity))
            needed -= quantity
    if needed > 0:
        held = sum((h.quantity for h in holds), Decimal("0"))
        free = sum((lot.available - taken[lot.pk] for lot in lots), Decimal("0"))
        sku = Variant.objects.filter(pk=request.variant_id).values_list("sku", flat=True).first() or "?"
        available = held + free + sum((d.quantity for d in draws if not d.hold_reference), Decimal("0"))
        needed, available, held = (quantity_text(d) for d in (request.quantity, available, held))
        raise Conflict(
            f"Not enough stock of {sku}: {needed} needed, {available} available ({held} held for the item).",
            code=ErrorCode.INSUFFICIENT_STOCK,
            sku=sku,
            needed=needed,
            available=available,
        )
    return draws


@retry_on_conflict
@transaction.atomic
def stock_ship(
    *, requests: Sequence[ShipRequest], actor: Actor, reference: str, lots: Sequence[Lot] | None = None
) -> list[ShipDraw]:
    """Take the units of order items out of packaged stock as they leave the warehouse.

    Needs whole-unit quantities of packaged variants. Each item takes the units held for it first (under any
    reference, oldest lot first), then available packaged stock of its variant FIFO by lot date. Locks the
    variants' lots in primary-key order. Guarantees: on-hand and held drop together for held units, one "shipment"
    movement per draw, emptied holds deleted; when any item is short a Conflict names the SKU, what is needed and
    what is available, and nothing is written. Returns the draws, to be kept for stock_unship. `lots`: the
    variants' lots when the caller locked them already (inventory.locks.lock_lots_of), before the number it
    records as the reference (number sequences lock last).
    """
    if not requests:
        return []
    if lots is None:
        lots = lots_lock(kind=LotKind.PACKAGED, variant_ids={r.variant_id for r in requests})
    return stock_ship_held(requests=requests, actor=actor, reference=reference, lots=lots)


def stock_ship_held(
    *,
    requests: Sequence[ShipRequest],
    actor: Actor,
    reference: str,
    lots: Sequence[Lot],
    holds: Sequence[Hold] | None = None,
) -> list[ShipDraw]:
    """stock_ship for a caller that holds `lots` (every packaged lot of the requests' variants) locked in its
    transaction, as shipping's fulfillment does: the same draws, checks and writes, in the caller's transaction
    without a savepoint of its own. A shortage raises and leaves what it wrote to the caller's rollback: a caller
    that goes on after a refusal puts its own savepoint around the call. `holds`: every hold of the requests'
    items on `lots`, when the caller has read them under the lots' locks (read here otherwise)."""
    if not requests:
        return []
    fifo = sorted(lots, key=lambda lot: (lot.lot_date, lot.pk))
    by_lot = {lot.pk: lot for lot in lots}
    if holds is None:
        holds = Hold.objects.filter(order_item_id__in={r.order_item_id for r in requests}, lot_id__in=by_lot)
    holds = sorted(holds, key=lambda hold: hold.pk)
    taken: dict[int, Decimal] = defaultdict(Decimal)
    draws: list[ShipDraw] = []
    for request in requests:
        variant_lots = [lot for lot in fifo if lot.variant_id == request.variant_id]
        item_holds = [
            h
            for h in holds
            if h.order_item_id == request.order_item_id and by_lot[h.lot_id].variant_id == request.variant_id
        ]
        draws += _plan_ship(request, variant_lots, item_holds, taken)
    _apply_ship(draws, by_lot, holds, actor, reference)
    return draws


def _apply_ship(draws: list[ShipDraw], lots: dict[int, Lot], holds: list[Hold], actor: Actor, reference: str):
    hold_of = {(h.lot_id, h.order_item_id): h for h in holds}
    movements, changed_holds = [], set()
    for draw in draws:
        lot = lots[draw.lot_id]
        lot.on_hand -= draw.quantity
        held_change = Decimal("0")
        if draw.hold_reference:
            held_change = -draw.quantity
            lot.held -= draw.quantity
            hold = hold_of[(draw.lot_id, draw.order_item_id)]
            hold.quantity -= draw.quantity
            changed_holds.add(hold.pk)
        movements.append(
            new_movement(lot, MovementKind.SHIPMENT, actor, quantity=-draw.quantity, held_change=held_change,
                      reference=reference, reason=draw.hold_reference and f"Held for {draw.hold_reference}")
        )  # fmt: skip
    touched = [lots[lot_id] for lot_id in sorted({d.lot_id for d in draws})]
    bulk_set(Lot, touched, ["on_hand", "held"])
    emptied = [h.pk for h in holds if h.pk in changed_holds and h.quantity == 0]
    kept = [h for h in holds if h.pk in changed_holds and h.quantity > 0]
    if emptied:
        Hold.objects.filter(pk__in=emptied).delete()
    bulk_set(Hold, kept, ["quantity"])
    bulk_insert(Movement, movements)


@retry_on_conflict
@transaction.atomic
def stock_unship(*, draws: Sequence[ShipDraw], actor: Actor, reference: str, restore_holds: bool = True) -> None:
    """Put shipped units back exactly where stock_ship took them from (a canceled fulfillment).

    Needs the draws stock_ship returned. Each draw's units go back into the same lot ("ship_reversal" movement);
    a draw taken from a hold is held again for the same item under the same reference — unless `restore_holds` is
    False (the caller knows that reference no longer holds anything for the item), when the units come back as
    available stock. Locks the lots in primary-key order. A hold of the item on that lot under another reference
    keeps the units available rather than mixing two references on one hold.
    """
    if not draws:
        return
    lots = {lot.pk: lot for lot in lock_lots({d.lot_id for d in draws})}
    holds = {
        (h.lot_id, h.order_item_id): h
        for h in Hold.objects.filter(lot_id__in=lots, order_item_id__in={d.order_item_id for d in draws})
    }
    movements, new_holds, changed = [], [], {}
    for draw in draws:
        lot = lots[draw.lot_id]
        quantity = Decimal(draw.quantity)
        check_lot_fits(lot, quantity)
        lot.on_hand += quantity
        key = (draw.lot_id, draw.order_item_id)
        hold = holds.get(key)
        rehold = restore_holds and draw.hold_reference and (hold is None or hold.reference == draw.hold_reference)
        if rehold:
            lot.held += quantity
            if hold is None:
                hold = holds[key] = Hold(lot_id=draw.lot_id, order_item_id=draw.order_item_id,
                                         reference=draw.hold_reference, quantity=quantity)  # fmt: skip
                new_holds.append(hold)
            else:
                hold.quantity += quantity
                if hold.pk:
                    changed[hold.pk] = hold
        movements.append(
            new_movement(lot, MovementKind.SHIP_REVERSAL, actor, quantity=quantity,
                      held_change=quantity if rehold else Decimal("0"), reference=reference,
                      reason=f"Held again for {draw.hold_reference}" if rehold else "")
        )  # fmt: skip
    Lot.objects.bulk_update(list(lots.values()), ["on_hand", "held"])
    if changed:
        Hold.objects.bulk_update(list(changed.values()), ["quantity"])
    Hold.objects.bulk_create(new_holds)
    Movement.objects.bulk_create(movements)


@retry_on_conflict
@transaction.atomic
def stock_return(*, variant_id: int, quantity, actor: Actor, reference: str = "", reason: str = "") -> Lot:
    """Units a customer returned, back in stock: a new packaged lot of the variant dated today (a returned unit is
    not the same age as the lot it left, and a lot of its own keeps it apart for a check) with a "return" movement."""
    variant = Variant.objects.filter(pk=variant_id).first()
    if variant is None:
        raise NotFound(f"No product variant with id {variant_id}.", field="variant", resource="variant", key=variant_id)
    return lot_create(
        kind=LotKind.PACKAGED, quantity=to_quantity(quantity, whole=True), actor=actor,
        lot_date=timezone.now().date(), warehouse=default_warehouse(), position=None, variant=variant,
        reason=reason, reference=reference, movement=MovementKind.RETURN,
    )  # fmt: skip
