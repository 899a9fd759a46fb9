"""Pure allocation and FIFO planning: dataclasses in, dataclasses out, no database.

The services load what is needed (locked), call these functions, and write what they return.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class Line:
    """An order item of the plan to be allocated packaged units of `variant_id`, in plan order."""

    item_id: int
    variant_id: int
    ordered: int
    locked: bool = False  # its order is completed on the pick list: its holds stay as they are


@dataclass(frozen=True)
class StockLot:
    """A lot's free stock (on hand minus held), keyed by what it holds (a variant or a product id)."""

    lot_id: int
    key: int
    lot_date: date
    available: Decimal


@dataclass(frozen=True)
class Held:
    item_id: int
    lot_id: int
    lot_date: date
    quantity: Decimal


@dataclass(frozen=True)
class VariantFigures:
    variant_id: int
    ordered: int
    allocated: int  # held for this plan
    available: int  # free packaged stock, not held by anyone
    locked: int = 0  # held for orders already completed on the pick list

    @property
    def remaining(self) -> int:
        """Remaining to be packaged: ordered minus allocated."""
        return max(0, self.ordered - self.allocated)

    @property
    def fillable(self) -> int:
        """What *Allocate all stock* asks for: as much of the order as is here."""
        return min(self.ordered, self.allocated + self.available)


@dataclass(frozen=True)
class HoldDelta:
    lot_id: int
    item_id: int
    quantity: Decimal  # more than zero holds, less than zero releases


@dataclass(frozen=True)
class Refusal:
    variant_id: int
    reason: str  # "more_than_ordered", "more_than_available", "below_completed"
    requested: int
    ordered: int
    allocated: int
    available: int
    locked: int


class AllocationRefused(Exception):
    def __init__(self, refusals: list[Refusal]):
        super().__init__(refusals)
        self.refusals = refusals


@dataclass
class Draw:
    lots: list[tuple[int, Decimal]] = field(default_factory=list)  # (lot id, quantity), FIFO
    shortfall: Decimal = ZERO


def _fifo(lots: Iterable[StockLot]) -> list[StockLot]:
    return sorted(lots, key=lambda lot: (lot.lot_date, lot.lot_id))


def fifo_draw(lots: Iterable[StockLot], needed: Decimal, free: dict[int, Decimal] | None = None) -> Draw:
    """Draw `needed` from `lots` oldest first. `free` (lot id → what is left) is used and updated when given, so
    several draws in a row share the same stock."""
    free = free if free is not None else {}
    draw = Draw()
    for lot in _fifo(lots):
        if needed <= 0:
            break
        left = free.setdefault(lot.lot_id, lot.available)
        take = min(left, needed)
        if take > 0:
            draw.lots.append((lot.lot_id, take))
            free[lot.lot_id] = left - take
            needed -= take
    draw.shortfall = max(needed, ZERO)
    return draw


def figures(lines: Sequence[Line], lots: Sequence[StockLot], held: Sequence[Held]) -> dict[int, VariantFigures]:
    """Per variant of the lines: ordered, allocated, available, locked."""
    variant_of = {line.item_id: line.variant_id for line in lines}
    locked_items = {line.item_id for line in lines if line.locked}
    ordered: dict[int, int] = defaultdict(int)
    for line in lines:
        ordered[line.variant_id] += line.ordered
    allocated: dict[int, Decimal] = defaultdict(Decimal)
    locked: dict[int, Decimal] = defaultdict(Decimal)
    for h in held:
        if h.item_id in variant_of:
            allocated[variant_of[h.item_id]] += h.quantity
            if h.item_id in locked_items:
                locked[variant_of[h.item_id]] += h.quantity
    available: dict[int, Decimal] = defaultdict(Decimal)
    for lot in lots:
        available[lot.key] += lot.available
    return {
        v: VariantFigures(v, ordered[v], int(allocated[v]), int(available[v]), int(locked[v])) for v in sorted(ordered)
    }


def allocate(
    lines: Sequence[Line], lots: Sequence[StockLot], held: Sequence[Held], targets: Mapping[int, int]
) -> list[HoldDelta]:
    """The hold changes that bring each variant in `targets` to its target number of allocated units.

    More is held lot by lot, oldest lot first, line by line in plan order, each line up to what it ordered; less is
    released from the last lines first, newest lot first. Lines of completed orders are not touched. Raises
    AllocationRefused (every refused variant, with its numbers) for a target above what is ordered, above what
    is allocated plus available, or below what completed orders hold.
    """
    per_variant = figures(lines, lots, held)
    refusals = []
    for variant_id, target in sorted(targets.items()):
        f = per_variant.get(variant_id) or VariantFigures(variant_id, 0, 0, 0)
        reason = None
        if target > f.ordered:
            reason = "more_than_ordered"
        elif target - f.allocated > f.available:
            reason = "more_than_available"
        elif target < f.locked:
            reason = "below_completed"
        if reason:
            refusals.append(Refusal(variant_id, reason, target, f.ordered, f.allocated, f.available, f.locked))
    if refusals:
        raise AllocationRefused(refusals)

    held_by_item: dict[int, list[Held]] = defaultdict(list)
    for h in held:
        held_by_item[h.item_id].append(h)
    lots_by_variant: dict[int, list[StockLot]] = defaultdict(list)
    for lot in lots:
        lots_by_variant[lot.key].append(lot)
    lines_by_variant: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        lines_by_variant[line.variant_id].append(line)

    deltas: list[HoldDelta] = []
    free: dict[int, Decimal] = {}
    for variant_id, target in sorted(targets.items()):
        change = target - per_variant[variant_id].allocated if variant_id in per_variant else 0
        open_lines = [line for line in lines_by_variant[variant_id] if not line.locked]
        if change > 0:
            for line in open_lines:
                lacking = line.ordered - sum(h.quantity for h in held_by_item[line.item_id])
                want = min(Decimal(change), max(lacking, ZERO))
                if want <= 0:
                    continue
                draw = fifo_draw(lots_by_variant[variant_id], want, free)
                deltas.extend(HoldDelta(lot_id, line.item_id, quantity) for lot_id, quantity in draw.lots)
                change -= int(want - draw.shortfall)
                if change <= 0:
                    break
        elif change < 0:
            release = Decimal(-change)
            for line in reversed(open_lines):
                for h in sorted(held_by_item[line.item_id], key=lambda h: (h.lot_date, h.lot_id), reverse=True):
                    if release <= 0:
                        break
                    take = min(h.quantity, release)
                    deltas.append(HoldDelta(h.lot_id, line.item_id, -take))
                    release -= take
                if release <= 0:
                    break
    return deltas


def held_after(held: Sequence[Held], deltas: Sequence[HoldDelta]) -> dict[int, int]:
    """Units held per item once `deltas` are applied."""
    per_item: dict[int, Decimal] = defaultdict(Decimal)
    for h in held:
        per_item[h.item_id] += h.quantity
    for d in deltas:
        per_item[d.item_id] += d.quantity
    return {item_id: int(quantity) for item_id, quantity in per_item.items()}


def outstanding(
    lines: Sequence[Line], held_per_item: Mapping[int, int], in_packing: Mapping[int, int]
) -> dict[int, int]:
    """Units per variant still to be packaged: ordered minus allocated minus what packaging in progress makes."""
    per_variant: dict[int, int] = defaultdict(int)
    for line in lines:
        per_variant[line.variant_id] += max(0, line.ordered - held_per_item.get(line.item_id, 0))
    return {v: max(0, units - in_packing.get(v, 0)) for v, units in sorted(per_variant.items())}


def expected_per_item(
    lines: Sequence[Line], held_per_item: Mapping[int, int], coming: Mapping[int, int]
) -> dict[int, int]:
    """Units of each line that packaging plans not yet done will make (the *expected in stock* indicator): what a
    variant's packaging plans make goes to the lines still lacking units, in plan order."""
    left = dict(coming)
    expected: dict[int, int] = {}
    for line in lines:
        lacking = max(0, line.ordered - held_per_item.get(line.item_id, 0))
        units = min(lacking, left.get(line.variant_id, 0))
        expected[line.item_id] = units
        if units:
            left[line.variant_id] -= units
    return expected
