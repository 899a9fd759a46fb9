"""Holds: units of lots set aside for order items, released, or shipped as they are."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound
from orderly.core.money import quantity_text
from orderly.core.retry import retry_on_conflict
from orderly.inventory.bulk import bulk_insert
from orderly.inventory.locks import lock_lots
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services.stock import new_movement
from orderly.inventory.status import MovementKind


@dataclass(frozen=True)
class HoldChange:
    lot_id: int
    order_item_id: int
    quantity: Decimal  # more than zero holds, less than zero releases


# ---------------------------------------------------------------------------------------------- input checks


@retry_on_conflict
@transaction.atomic
def holds_change(*, changes: Sequence[HoldChange], reference: str, actor: Actor) -> None:
    """Hold (positive) or release (negative) units of lots for order items, in a fixed number of queries.

    Locks the lots in primary-key order; refused with a Conflict, writing nothing, when a lot has not enough
    available units or an item holds fewer units than released.
    """
    merged: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for change in changes:
        merged[(change.lot_id, change.order_item_id)] += Decimal(change.quantity)
    merged = {key: quantity for key, quantity in merged.items() if quantity != 0}
    if not merged:
        return
    lot_ids = {lot_id for lot_id, _ in merged}
    item_ids = {item_id for _, item_id in merged}
    lots = {lot.pk: lot for lot in lock_lots(lot_ids)}
    holds = {
        (hold.lot_id, hold.order_item_id): hold
        for hold in Hold.objects.filter(lot_id__in=lot_ids, order_item_id__in=item_ids)
    }
    to_create, to_update, to_delete = [], [], []
    # the ledger gets one hold and one release line per lot (what changed for which item is in the holds)
    per_lot: dict[tuple[int, str], list] = defaultdict(lambda: [Decimal("0"), 0])
    for (lot_id, item_id), quantity in sorted(merged.items()):
        lot = lots.get(lot_id)
        if lot is None:
            raise NotFound(f"No lot with id {lot_id}.", field="lot", resource="lot", key=lot_id)
        hold = holds.get((lot_id, item_id))
        current = hold.quantity if hold else Decimal("0")
        if hold is not None and hold.reference != reference:
            raise Conflict(
                f"Lot {lot.number} is held for item {item_id} by {hold.reference}, not {reference}.",
                code=ErrorCode.HOLD_OWNED_ELSEWHERE, lot=lot.number, item=item_id, reference=reference,
                held_by=hold.reference,
            )  # fmt: skip
        if quantity > 0 and quantity > lot.available:
            raise Conflict(
                f"Cannot hold {quantity} {lot.unit} of lot {lot.number}: only {lot.available} available.",
                code=ErrorCode.LOT_SHORT,
                lot=lot.number,
                requested=quantity_text(quantity),
                available=quantity_text(lot.available),
            )
        if current + quantity < 0:
            raise Conflict(
                f"Cannot release {-quantity} of lot {lot.number}: item {item_id} holds {current}.",
                code=ErrorCode.RELEASE_EXCEEDS_HOLD, lot=lot.number, item=item_id, release=quantity_text(-quantity),
                held=quantity_text(current),
            )  # fmt: skip
        lot.held += quantity
        line = per_lot[(lot_id, MovementKind.HOLD if quantity > 0 else MovementKind.RELEASE)]
        line[0] += quantity
        line[1] += 1
        if hold is None:
            to_create.append(Hold(lot_id=lot_id, order_item_id=item_id, reference=reference, quantity=quantity))
        elif current + quantity == 0:
            to_delete.append(hold.pk)
        else:
            hold.quantity = current + quantity
            to_update.append(hold)
    if to_delete:
        Hold.objects.filter(pk__in=to_delete).delete()
    if to_update:
        Hold.objects.bulk_update(to_update, ["quantity"])
    bulk_insert(Hold, to_create)
    # one UPDATE per distinct change (relative, so it stays right whatever was read): the count follows the lots'
    # sizes, not the number of lines
    by_change: dict[Decimal, list[int]] = defaultdict(list)
    net: dict[int, Decimal] = defaultdict(Decimal)
    for (lot_id, _kind), (quantity, _items) in per_lot.items():
        net[lot_id] += quantity
    for lot_id, change in net.items():
        if change:
            by_change[change].append(lot_id)
    for change, lot_ids in sorted(by_change.items()):
        Lot.objects.filter(pk__in=lot_ids).update(held=F("held") + change)
    bulk_insert(
        Movement,
        [
            new_movement(lots[lot_id], kind, actor, held_change=quantity, reference=reference,
                      reason=f"{count} order item{'s' if count != 1 else ''}")
            for (lot_id, kind), (quantity, count) in sorted(per_lot.items())
        ]
    )  # fmt: skip


def _holds_of(reference: str, order_item_ids) -> list[Hold]:
    holds = Hold.objects.filter(reference=reference)
    if order_item_ids is not None:
        holds = holds.filter(order_item_id__in=set(order_item_ids))
    return list(holds.order_by("pk"))


@retry_on_conflict
@transaction.atomic
def holds_release(*, reference: str, actor: Actor, order_item_ids: Iterable[int] | None = None) -> Decimal:
    """Give back every unit `reference` holds (or holds for those items); returns how many."""
    holds = _holds_of(reference, order_item_ids)
    holds_change(
        changes=[HoldChange(h.lot_id, h.order_item_id, -h.quantity) for h in holds], reference=reference, actor=actor
    )
    return sum((h.quantity for h in holds), Decimal("0"))


# ---------------------------------------------------------------------------------------------- shipping
