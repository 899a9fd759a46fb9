"""Raw material (green coffee) set aside, released, consumed; and loose stock made here (roasted kg).

Raw holds carry no order item: they are kg of a raw lot reserved for `reference` (a roast batch number), so that
two schedules never count on the same kg.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, Value, When

from orderly.catalog.models import Product
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound
from orderly.core.retry import retry_on_conflict
from orderly.inventory.locks import lock_lots
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services.stock import default_warehouse, lot_create, new_movement, to_quantity
from orderly.inventory.status import LotKind, MovementKind


def raw_lots_lock(*, lot_ids) -> list[Lot]:
    """Lock these raw lots in primary-key order (call inside a transaction): the first step of every write that
    holds, releases or consumes green coffee, so two such writes wait for each other and never deadlock."""
    return lock_lots(lot_ids, kind=LotKind.RAW)


@retry_on_conflict
@transaction.atomic
def raw_hold(*, draws: Sequence[tuple[int, Decimal]], reference: str, actor: Actor) -> None:
    """Set aside kg of raw lots for `reference`: [(lot id, kg)]. Refused (Conflict naming the lot, what is wanted
    and what is available; nothing written) beyond a lot's available kg."""
    raw_holds(holds=[(reference, draws)], actor=actor)


@retry_on_conflict
@transaction.atomic
def raw_holds(*, holds: Sequence[tuple[str, Sequence[tuple[int, Decimal]]]], actor: Actor) -> None:
    """raw_hold for many references at once (the roast batches of one schedule): [(reference, [(lot id, kg)])].
    The lots are locked once, and each lot must have what all the references together want of it; refused as a
    whole (Conflict naming the lot, the kg wanted in all and available; nothing written) otherwise. A fixed
    number of queries, whatever the number of references and lots."""
    wanted: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for reference, draws in holds:
        for lot_id, quantity in draws:
            wanted[(reference, lot_id)] += Decimal(quantity)
    wanted = {key: kg for key, kg in wanted.items() if kg > 0}
    if not wanted:
        return
    per_lot: dict[int, Decimal] = defaultdict(Decimal)
    for (_, lot_id), kg in wanted.items():
        per_lot[lot_id] += kg
    lots = {lot.pk: lot for lot in raw_lots_lock(lot_ids=per_lot)}
    for lot_id, kg in sorted(per_lot.items()):
        lot = lots.get(lot_id)
        if lot is None:
            raise NotFound(f"No raw lot with id {lot_id}.", field="green_lot", resource="lot", key=str(lot_id))
        if kg > lot.available:
            raise Conflict(
                f"Cannot reserve {kg} kg of green lot {lot.name} ({lot.number}): only {lot.available} kg available.",
                code=ErrorCode.GREEN_SHORT, field="green_lot", lot=lot.number, requested=str(kg),
                available=str(lot.available),
            )  # fmt: skip
    references = {reference for reference, _ in wanted}
    existing = {
        (h.reference, h.lot_id): h
        for h in Hold.objects.filter(reference__in=references, order_item_id__isnull=True, lot_id__in=per_lot)
    }
    new_holds, movements = [], []
    for (reference, lot_id), kg in sorted(wanted.items(), key=lambda entry: (entry[0][1], entry[0][0])):
        hold = existing.get((reference, lot_id))
        if hold is None:
            new_holds.append(Hold(lot_id=lot_id, order_item_id=None, reference=reference, quantity=kg))
        else:
            Hold.objects.filter(pk=hold.pk).update(quantity=F("quantity") + kg)
        movements.append(new_movement(lots[lot_id], MovementKind.HOLD, actor, held_change=kg, reference=reference))
    Hold.objects.bulk_create(new_holds)
    # one UPDATE for every lot, each by its own kg (the lots are locked already)
    Lot.objects.filter(pk__in=per_lot).update(
        held=F("held")
        + Case(
            *(When(pk=lot_id, then=Value(kg)) for lot_id, kg in per_lot.items()),
            output_field=DecimalField(max_digits=14, decimal_places=3),
        )
    )
    Movement.objects.bulk_create(movements)


@retry_on_conflict
@transaction.atomic
def raw_release(*, reference: str, actor: Actor, reason: str = "") -> Decimal:
    """Give back every kg of raw lots `reference` holds; returns how many."""
    holds = list(Hold.objects.filter(reference=reference, order_item_id__isnull=True).order_by("lot_id"))
    if not holds:
        return Decimal("0")
    lots = {lot.pk: lot for lot in raw_lots_lock(lot_ids=[h.lot_id for h in holds])}
    movements = []
    for hold in holds:
        Lot.objects.filter(pk=hold.lot_id).update(held=F("held") - hold.quantity)
        movements.append(
            new_movement(lots[hold.lot_id], MovementKind.RELEASE, actor, held_change=-hold.quantity,
                         reference=reference, reason=reason)
        )  # fmt: skip
    Hold.objects.filter(pk__in=[h.pk for h in holds]).delete()
    Movement.objects.bulk_create(movements)
    return sum((h.quantity for h in holds), Decimal("0"))


def raw_held(*, reference: str) -> dict[int, Decimal]:
    """Kg of each raw lot `reference` holds (lot id → kg)."""
    return {
        h["lot_id"]: h["quantity"]
        for h in Hold.objects.filter(reference=reference, order_item_id__isnull=True).values("lot_id", "quantity")
    }


@retry_on_conflict
@transaction.atomic
def loose_output(
    *, product: Product, quantity, actor: Actor, lot_date: date, reference: str = "", reason: str = ""
) -> Lot:
    """A loose lot of `product` made here (roasted kg), dated `lot_date`, with an "output" movement; the caller
    consumes what it was made from in the same transaction."""
    quantity = to_quantity(quantity, field="roasted_out_kg")
    return lot_create(
        kind=LotKind.LOOSE, quantity=quantity, actor=actor, lot_date=lot_date, warehouse=default_warehouse(),
        position=None, product=product, reason=reason, reference=reference, movement=MovementKind.OUTPUT,
    )  # fmt: skip
