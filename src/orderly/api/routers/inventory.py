"""/inventory: stock per SKU and product, lots, the ledger; receiving (operators) and adjusting (managers) stock."""

from django.http import HttpRequest
from ninja import Query, Router

from orderly.api.auth import can_change_catalog, can_change_orders, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.inventory import (
    InventoryQuery,
    LedgerQuery,
    LotOut,
    LotPage,
    LotQuery,
    MovementPage,
    ReceiptIn,
    StockAdjustmentIn,
    StockPage,
    lot_out,
    lot_page,
    movement_page,
    stock_page,
)
from orderly.core.actors import Actor
from orderly.core.paging import paginate
from orderly.inventory import selectors, services

router = Router(tags=["inventory"])


class Rows(list):
    """A list the pager can count and slice like a queryset (the stock overview is grouped in Python)."""

    def count(self, *args) -> int:
        return len(self)


LIST_ERRORS = error_responses(401, 403, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


@router.get("", response={200: StockPage, **LIST_ERRORS}, auth=can_read, summary="Stock per SKU and product")
def list_stock(request: HttpRequest, query: Query[InventoryQuery]):
    """A row per variant for packaged units and a row per product for loose kg: on hand, held, available."""
    rows = selectors.stock_overview(kind=query.kind, q=query.q)
    return stock_page(paginate(Rows(rows), page=query.page, page_size=query.page_size))


@router.get("/lots", response={200: LotPage, **LIST_ERRORS}, auth=can_read, summary="Lots")
def list_lots(request: HttpRequest, query: Query[LotQuery]):
    """Every lot with stock (or, with `empty`, every lot), oldest first, as FIFO draws them."""
    lots = selectors.lot_list(kind=query.kind, q=query.q, include_empty=query.empty)
    return lot_page(paginate(lots, page=query.page, page_size=query.page_size))


@router.get("/ledger", response={200: MovementPage, **LIST_ERRORS}, auth=can_read, summary="The stock ledger")
def list_movements(request: HttpRequest, query: Query[LedgerQuery]):
    """Every stock movement, newest first: receipts, adjustments, holds and releases, packing, shipments.

    Follow `next` for the following page: it pages by cursor, as fast deep in the list as at its start, and nothing
    is skipped or repeated when rows are added meanwhile. `total` stops at 10,000 (`total_exact` false) unless
    `count=exact` asks for the full count."""
    movements = selectors.ledger(lot=query.lot, sku=query.sku, kind=query.kind, reference=query.reference)
    return movement_page(paginate(movements, **query.paging(selectors.LEDGER_ORDER)), request)


@router.post("/receipts", response={201: LotOut, **WRITE_ERRORS}, auth=can_change_orders, summary="Receive stock")
def receive(request: HttpRequest, payload: ReceiptIn, idempotency_key: str | None = IdempotencyKey):
    """Packaged units of a `sku`, loose kg of a product (its name in `product` or its id in `product_id`), or raw
    kg into the named `lot`. Packaged and loose stock arrives as a new lot dated `lot_date`; raw stock adds to its
    lot. One receipt movement in the ledger."""

    def run():
        lot = services.stock_receive(
            kind=payload.kind,
            quantity=payload.quantity,
            sku=payload.sku,
            product=payload.product,
            product_id=payload.product_id,
            lot_name=payload.lot,
            lot_date=payload.lot_date,
            position=payload.position,
            reason=payload.note or "",
            actor=Actor.for_user(request.auth),
        )
        return lot_out(selectors.lot_get(lot.number))

    return respond(request, idempotency_key, run=run, schema=LotOut, status=201)


@router.post("/adjustments", response={201: LotOut, **WRITE_ERRORS}, auth=can_change_catalog, summary="Adjust stock")
def adjust(request: HttpRequest, payload: StockAdjustmentIn, idempotency_key: str | None = IdempotencyKey):
    """Change a lot's on-hand by a signed `quantity` with a `reason` (managers). Refused, writing nothing, when it
    would take the lot below zero or below what is held."""

    def run():
        lot = services.stock_adjust(
            lot=payload.lot, quantity=payload.quantity, reason=payload.reason, actor=Actor.for_user(request.auth)
        )
        return lot_out(selectors.lot_get(lot.number))

    return respond(request, idempotency_key, run=run, schema=LotOut, status=201)
