"""Raw material (green coffee) set aside, released, consumed; and loose stock made here (roasted kg).

Raw holds carry no order item: they are kg of a raw lot reserved for `reference` (a roast batch number), so that
two schedules never count on the same kg.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from orderly.catalog.models import Product
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services.stock import _lot_create, _movement, default_warehouse, to_quantity
from orderly.inventory.status import LotKind, MovementKind


def raw_lots_lock(*, lot_ids) -> list[Lot]:
    """Lock these raw lots in primary-key order (call inside a transaction): the first step of every write that
    holds, releases or consumes green coffee, so two such writes wait for each other and never deadlock."""
    return list(Lot.objects.select_for_update().filter(kind=LotKind.RAW, pk__in=set(lot_ids)).order_by("pk"))


@transaction.atomic
def raw_hold(*, draws: Sequence[tuple[int, Decimal]], reference: str, actor: Actor) -> None:
    """Set aside kg of raw lots for `reference`: [(lot id, kg)]. Refused (Conflict naming the lot, what is wanted
    and what is available; nothing written) beyond a lot's available kg."""
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for lot_id, quantity in draws:
        wanted[lot_id] += Decimal(quantity)
    wanted = {lot_id: kg for lot_id, kg in wanted.items() if kg > 0}
    if not wanted:
        return
    lots = {lot.pk: lot for lot in raw_lots_lock(lot_ids=wanted)}
    existing = {h.lot_id: h for h in Hold.objects.filter(reference=reference, order_item_id__isnull=True)}
    for lot_id, kg in sorted(wanted.items()):
        lot = lots.get(lot_id)
        if lot is None:
            raise NotFound(f"No raw lot with id {lot_id}.", field="green_lot", resource="lot", key=str(lot_id))
        if kg > lot.available:
            raise Conflict(
                f"Cannot reserve {kg} kg of green lot {lot.name} ({lot.number}): only {lot.available} kg available.",
                code=ErrorCode.GREEN_SHORT, field="green_lot", lot=lot.number, requested=str(kg),
                available=str(lot.available),
            )  # fmt: skip
    for lot_id, kg in sorted(wanted.items()):
        hold = existing.get(lot_id)
        if hold is None:
            Hold.objects.create(lot_id=lot_id, order_item_id=None, reference=reference, quantity=kg)
        else:
            Hold.objects.filter(pk=hold.pk).update(quantity=F("quantity") + kg)
        Lot.objects.filter(pk=lot_id).update(held=F("held") + kg)
        _movement(lots[lot_id], MovementKind.HOLD, actor, held_change=kg, reference=reference).save()


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
            _movement(lots[hold.lot_id], MovementKind.RELEASE, actor, held_change=-hold.quantity, reference=reference,
                      reason=reason)
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


@transaction.atomic
def loose_output(
    *, product: Product, quantity, actor: Actor, lot_date: date, reference: str = "", reason: str = ""
) -> Lot:
    """A loose lot of `product` made here (roasted kg), dated `lot_date`, with an "output" movement; the caller
    consumes what it was made from in the same transaction."""
    quantity = to_quantity(quantity, field="roasted_out_kg")
    return _lot_create(
        kind=LotKind.LOOSE, quantity=quantity, actor=actor, lot_date=lot_date, warehouse=default_warehouse(),
        position=None, product=product, reason=reason, reference=reference, movement=MovementKind.OUTPUT,
    )  # fmt: skip
