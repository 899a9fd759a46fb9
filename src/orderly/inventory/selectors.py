"""Reads of stock: the overview per SKU and product, lots, the ledger.

    stock_overview(*, kind="", q="") -> list[StockRow]     a row per variant (packaged units), per product (loose
                                                          kg) and per raw lot (kg); only what has stock or had it
    lot_list(*, kind="", q="", sku="", include_empty=False) -> QuerySet[Lot]   FIFO order (lot date, id)
    lot_get(number) -> Lot                                NotFound when unknown
    ledger(*, lot="", sku="", kind="", reference="") -> QuerySet[Movement]   newest first
    available_lots(*, kind, variant_ids=(), product_ids=()) -> list[Lot]   FIFO, with something available
    holds_for(*, reference, order_item_ids=None) -> list[Hold]   with their lots and positions

Use orderly.core.paging.paginate on the querysets.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from orderly.core.exceptions import NotFound
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.status import UNIT_BY_KIND, LotKind


@dataclass(frozen=True)
class StockRow:
    kind: str
    sku: str | None  # packaged: the variant
    product: str  # the product's name; for raw stock the raw lot's name
    name: str  # the variant's name, the product's, or the raw lot's
    unit: str
    on_hand: Decimal
    held: Decimal
    available: Decimal
    lots: int


def plain(value) -> Decimal:
    """A sum of quantities the same on every database (SQLite sums 12.000 to 12): without trailing zeros, never in
    exponent form."""
    value = Decimal(value).quantize(Decimal("0.001"))
    return value.quantize(Decimal("1")) if value == value.to_integral_value() else value.normalize()


def stock_overview(*, kind: str = "", q: str = "") -> list[StockRow]:
    """Stock per SKU (packaged), per product (loose) and per raw lot, in one query; SKUs first, then products."""
    lots = Lot.objects.all()
    if kind:
        lots = lots.filter(kind=kind)
    if q:
        lots = lots.filter(
            Q(variant__sku__icontains=q)
            | Q(variant__name__icontains=q)
            | Q(product__name__icontains=q)
            | Q(variant__product__name__icontains=q)
            | Q(name__icontains=q)
        )
    grouped = (
        lots.values("kind", "variant__sku", "variant__name", "variant__product__name", "product__name", "name")
        .annotate(on_hand=Sum("on_hand"), held=Sum("held"), lots=Count("id"))
        .order_by()
    )
    rank = {LotKind.PACKAGED: 0, LotKind.LOOSE: 1, LotKind.RAW: 2}
    rows = []
    for g in grouped:
        if g["kind"] == LotKind.PACKAGED:
            sku, product, name = g["variant__sku"], g["variant__product__name"], g["variant__name"]
        elif g["kind"] == LotKind.LOOSE:
            sku, product, name = None, g["product__name"], g["product__name"]
        else:
            sku, product, name = None, g["name"], g["name"]
        rows.append(
            StockRow(
                kind=g["kind"], sku=sku, product=product, name=name, unit=UNIT_BY_KIND[LotKind(g["kind"])],
                on_hand=plain(g["on_hand"]), held=plain(g["held"]), available=plain(g["on_hand"] - g["held"]),
                lots=g["lots"],
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (rank[LotKind(r.kind)], r.sku or "", r.product))
    return rows


def lot_list(*, kind: str = "", q: str = "", sku: str = "", include_empty: bool = False) -> QuerySet[Lot]:
    lots = Lot.objects.select_related("variant__product", "product", "position", "warehouse")
    if kind:
        lots = lots.filter(kind=kind)
    if sku:
        lots = lots.filter(variant__sku=sku)
    if q:
        lots = lots.filter(
            Q(number__icontains=q)
            | Q(variant__sku__icontains=q)
            | Q(product__name__icontains=q)
            | Q(variant__product__name__icontains=q)
            | Q(name__icontains=q)
        )
    if not include_empty:
        lots = lots.filter(on_hand__gt=0)
    return lots.order_by("lot_date", "id")


def lot_get(number: str) -> Lot:
    try:
        return Lot.objects.select_related("variant__product", "product", "position", "warehouse").get(number=number)
    except Lot.DoesNotExist:
        raise NotFound(f"No lot {number!r}.", field="lot", resource="lot", key=number) from None


# The ledger's order, newest first; its lists page by cursor on these keys.
LEDGER_ORDER = ("-created_at", "-id")


def ledger(*, lot: str = "", sku: str = "", kind: str = "", reference: str = "") -> QuerySet[Movement]:
    movements = Movement.objects.select_related("lot")
    if lot:
        movements = movements.filter(lot__number=lot)
    if sku:
        movements = movements.filter(lot__variant__sku=sku)
    if kind:
        movements = movements.filter(kind=kind)
    if reference:
        movements = movements.filter(reference=reference)
    return movements.order_by(*LEDGER_ORDER)


def available_lots(*, kind: str, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> list[Lot]:
    """Lots with something available, first in first out (lot date, then id); not locked."""
    lots = Lot.objects.filter(kind=kind, on_hand__gt=F("held"))
    if kind == LotKind.PACKAGED:
        lots = lots.filter(variant_id__in=set(variant_ids))
    else:
        lots = lots.filter(product_id__in=set(product_ids))
    return list(lots.order_by("lot_date", "id"))


def holds_for(*, reference: str, order_item_ids: Iterable[int] | None = None) -> list[Hold]:
    holds = Hold.objects.select_related("lot__position").filter(reference=reference)
    if order_item_ids is not None:
        holds = holds.filter(order_item_id__in=set(order_item_ids))
    return list(holds.order_by("order_item_id", "lot__lot_date", "lot_id"))
