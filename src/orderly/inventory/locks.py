"""Locking stock: lots, the fourth table of the global order (orderly.core.locks), after orders and their items.

Holds are written only while their lots are locked (and their items, by whoever changes what an item holds), so
they are never locked by themselves. Selectors never lock.
"""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from orderly.core.locks import lock_row, lock_rows, lock_values
from orderly.inventory.models import Hold, Lot
from orderly.inventory.status import LotKind


def lock_lots(ids: Iterable[int], *, kind: str | None = None) -> list[Lot]:
    """These lots (or those a subquery gives; of `kind`, when given) locked in primary-key order."""
    lots = Lot.objects.filter(pk__in=ids if isinstance(ids, QuerySet) else set(ids))
    return lock_rows(lots.filter(kind=kind) if kind else lots)


def lock_lots_of(*, kind: str, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> list[Lot]:
    """Every lot of these variants (packaged) or products (loose), locked in primary-key order: what an
    allocation or a shipment may draw from."""
    lots = Lot.objects.filter(kind=kind)
    if kind == LotKind.PACKAGED:
        return lock_rows(lots.filter(variant_id__in=set(variant_ids)))
    return lock_rows(lots.filter(product_id__in=set(product_ids)))


def lock_stock(
    *, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = (), held_by: str = "", lot_ids: Iterable[int] = ()
) -> list[int]:
    """In one statement, so all in primary-key order: the packaged lots of `variant_ids`, the loose lots of
    `product_ids`, the lots `held_by` (a plan's number) holds units of, and `lot_ids`. What a plan's work may
    touch, locked before the plan; returns their ids (the work reads the lots it needs itself)."""
    wanted = Q(pk__in=set(lot_ids))
    if variant_ids := set(variant_ids):
        wanted |= Q(kind=LotKind.PACKAGED, variant_id__in=variant_ids)
    if product_ids := set(product_ids):
        wanted |= Q(kind=LotKind.LOOSE, product_id__in=product_ids)
    if held_by:
        wanted |= Q(pk__in=Hold.objects.filter(reference=held_by).values("lot_id"))
    return [row["id"] for row in lock_values(Lot.objects.filter(wanted))]


def lock_lots_held(*, reference: str) -> list[Lot]:
    """Every lot `reference` (a plan, a roast batch) holds units of, locked in primary-key order."""
    return lock_rows(Lot.objects.filter(pk__in=Hold.objects.filter(reference=reference).values("lot_id")))


def lock_lot_by_number(number: str, *, related: tuple[str, ...] = ()) -> Lot | None:
    """The lot with this number locked (its `related` rows loaded, not locked), or None."""
    return lock_row(Lot.objects.filter(number=number).select_related(*related))


def lock_raw_lot_by_name(name: str) -> Lot | None:
    """The raw lot of this name locked, or None."""
    return lock_row(Lot.objects.filter(kind=LotKind.RAW, name=name))
