"""Request and response bodies of the inventory endpoints: stock per SKU and product, lots, the ledger, receipts
and adjustments.

Quantities are decimals: whole units for packaged stock, kg for loose and raw stock. Requests are checked here for
shape and type only; what a value may be (positive, known SKU, enough stock) is the inventory services' rule.
"""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from orderly.api.schemas.common import Amount, InputSchema, MoneyIn, OutputSchema, PagedQuery, PageMeta, page_meta
from orderly.inventory.status import LotKind, MovementKind

KINDS = LotKind.values
# Far beyond what a lot can hold (the services say so); longer numbers cannot even be rounded to grams.
MAX_DIGITS = 24
MOVEMENT_KINDS = tuple(MovementKind.values)
Kind = Literal["packaged", "loose", "raw"]

# ---- requests ------------------------------------------------------------------------------------------------


class ReceiptIn(InputSchema):
    kind: Kind = Field(
        description="packaged (units of `sku`), loose (kg of `product` or `product_id`) or raw (kg of green `lot`)"
    )
    sku: str | None = Field(None, description="For packaged stock: the variant's SKU.", examples=["ESP-250"])
    product: str | None = Field(None, description="For loose stock: the product's name.", examples=["Espresso blend"])
    product_id: int | None = Field(
        None, description="For loose stock: the product's id, as in /products/{id} (instead of, or with, its name)."
    )
    lot: str | None = Field(None, description="For raw stock: the green coffee lot's name.", examples=["Yirga 2026"])
    quantity: MoneyIn = Field(
        max_digits=MAX_DIGITS, description="Units for packaged stock, kg otherwise; more than zero.", examples=["12"]
    )
    lot_date: dt.date | None = Field(None, description="The lot's date for FIFO; today when left out.")
    position: str | None = Field(None, description="Warehouse position, e.g. A-01-3")
    note: str | None = Field(None, description="Kept with the ledger movement")


class StockAdjustmentIn(InputSchema):
    lot: str = Field(description="The number of the lot to adjust.", examples=["LOT-000001"])
    quantity: MoneyIn = Field(
        max_digits=MAX_DIGITS, description="The change: negative takes stock out, positive adds it.", examples=["-2"]
    )
    reason: str = Field(description="Why, for the ledger (counted, damaged, …).", examples=["Damaged bag"])


class InventoryQuery(Schema):
    kind: Literal["", "packaged", "loose", "raw"] = ""
    q: str = Field("", description="Part of a SKU, variant or product name")
    page: int = 1
    page_size: int = Field(50, description="1 to 200")


class LotQuery(Schema):
    kind: Literal["", "packaged", "loose", "raw"] = ""
    q: str = Field("", description="Part of a SKU, product or lot name")
    empty: bool = Field(False, description="Include lots with nothing on hand")
    page: int = 1
    page_size: int = Field(50, description="1 to 200")


class LedgerQuery(PagedQuery):
    lot: str = Field("", description="Only the movements of this lot (its number)")
    sku: str = Field("", description="Only the movements of this variant's lots")
    kind: Literal["", *MOVEMENT_KINDS] = Field("", description="Only movements of this kind")
    reference: str = Field("", description="Only movements caused by this plan or packaging plan (OF-…, PP-…)")


# ---- responses -----------------------------------------------------------------------------------------------


class StockRowOut(OutputSchema):
    kind: str = Field(json_schema_extra={"enum": KINDS})
    sku: str | None = Field(description="The variant, for packaged stock; null otherwise")
    product: str = Field(description="The product's name; for raw stock the raw lot's name")
    name: str = Field(description="The variant's name, the product's, or the raw lot's")
    unit: str = Field(description="units or kg")
    on_hand: Amount
    held: Amount
    available: Amount
    lots: int = Field(description="How many lots the figures add up")


class StockPage(PageMeta):
    items: list[StockRowOut]


class LotOut(OutputSchema):
    number: str
    kind: str = Field(json_schema_extra={"enum": KINDS})
    name: str = Field(description="What the lot holds: the SKU, the product or the green lot's name")
    sku: str | None
    product: str | None
    lot_date: dt.date
    position: str
    unit: str
    on_hand: Amount
    held: Amount
    available: Amount


class LotPage(PageMeta):
    items: list[LotOut]


class MovementOut(OutputSchema):
    id: int
    created_at: dt.datetime
    lot: str = Field(description="The lot's number")
    kind: str = Field(description="receipt, adjustment, consumption, output, hold, release, …")
    quantity: Amount = Field(description="The change to on-hand; negative took stock out")
    held_change: Amount = Field(description="The change to the held quantity")
    reason: str
    actor: str
    reference: str = Field(description="The plan or packaging plan that caused it, if any")


class MovementPage(PageMeta):
    items: list[MovementOut]


def _qty(value) -> str:
    """A quantity as its plain decimal string: "12" units, "2.5" kg (no exponent, no trailing zeros)."""
    text = format(value.normalize(), "f") if value is not None else "0"
    return text


def stock_page(page) -> dict:
    """A page of selector StockRows as plain data."""
    return {**page_meta(page), "items": [_stock_dict(row) for row in page.items]}


def _stock_dict(row) -> dict:
    return {
        "kind": row.kind,
        "sku": row.sku,
        "product": row.product,
        "name": row.name,
        "unit": row.unit,
        "on_hand": _qty(row.on_hand),
        "held": _qty(row.held),
        "available": _qty(row.available),
        "lots": row.lots,
    }


def _lot_dict(lot) -> dict:
    """Expects the lot's variant, product and position loaded."""
    return {
        "number": lot.number,
        "kind": lot.kind,
        "name": lot.item_label,
        "sku": lot.variant.sku if lot.variant_id else None,
        "product": (lot.variant.product.name if lot.variant_id else lot.product.name if lot.product_id else None),
        "lot_date": lot.lot_date,
        "position": lot.position.code if lot.position_id else "",
        "unit": lot.unit,
        "on_hand": _qty(lot.on_hand),
        "held": _qty(lot.held),
        "available": _qty(lot.available),
    }


def lot_out(lot) -> LotOut:
    return LotOut.model_validate(_lot_dict(lot))


def lot_page(page) -> dict:
    return {**page_meta(page), "items": [_lot_dict(lot) for lot in page.items]}


def movement_page(page, request=None) -> dict:
    return {**page_meta(page, request), "items": [_movement_dict(m) for m in page.items]}


def _movement_dict(movement) -> dict:
    return {
        "id": movement.id,
        "created_at": movement.created_at,
        "lot": movement.lot.number,
        "kind": movement.kind,
        "quantity": _qty(movement.quantity),
        "held_change": _qty(movement.held_change),
        "reason": movement.reason,
        "actor": movement.actor_name,
        "reference": movement.reference,
    }
