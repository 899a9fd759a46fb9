"""Request and response bodies of the fulfillment and return endpoints.

Requests are checked here for shape and type only; which items and how many units may be fulfilled or returned,
and what an address may hold, are the shipping services' rules, whose errors name the field the same way.
"""

import datetime as dt

from pydantic import Field

from orderly.api.schemas.common import MAX_ID, InputSchema, OutputSchema
from orderly.api.schemas.orders import AddressIn, AddressOut
from orderly.shipping.models import Fulfillment, Return
from orderly.shipping.status import Delivery, FulfillmentStatus

# ---- requests ------------------------------------------------------------------------------------------------


class LineIn(InputSchema):
    item: int = Field(strict=True, ge=1, le=MAX_ID, description="The order item's id (see the order's items)")
    quantity: int = Field(strict=True, ge=1, le=2_000_000_000, description="Units", examples=[1])


class FulfillmentCreate(InputSchema):
    items: list[LineIn] | None = Field(
        None, description="Items and units to fulfill; every open unit of every item to fulfil when left out."
    )
    shipping_address: AddressIn | None = Field(
        None, description="A corrected shipping address for the order (recorded on its timeline)"
    )
    carrier: str | None = Field(None, description="Ship items only", examples=["PostNL"])
    tracking_number: str | None = Field(None, description="Ship items only", examples=["3SABC1234567"])


class ReturnCreate(InputSchema):
    items: list[LineIn] = Field(description="Items and units sent back; each at most fulfilled and not returned")
    reason: str = Field(examples=["Damaged in transit"])
    restock: bool = Field(description="true puts the units back into stock; false writes them off")


# ---- responses -----------------------------------------------------------------------------------------------


class FulfillmentLineOut(OutputSchema):
    item: int
    line_no: int
    sku: str
    quantity: int


class FulfillmentOut(OutputSchema):
    id: int
    number: str = Field(examples=["FF-000001"])
    order: str = Field(examples=["OR-000123"])
    status: str = Field(json_schema_extra={"enum": FulfillmentStatus.values})
    delivery: str = Field(json_schema_extra={"enum": Delivery.values})
    carrier: str
    tracking_number: str
    shipping_address: AddressOut | None
    created_by: str
    created_at: dt.datetime
    canceled_at: dt.datetime | None
    lost_at: dt.datetime | None
    pushed_at: dt.datetime | None = Field(description="When its tracking was handed to the shop's outbox")
    lines: list[FulfillmentLineOut]


class FulfillmentList(OutputSchema):
    items: list[FulfillmentOut]


class ReturnLineOut(OutputSchema):
    item: int
    line_no: int
    sku: str
    quantity: int
    lot: str | None = Field(description="The lot the units were restocked into; null when written off")


class ReturnOut(OutputSchema):
    id: int
    number: str = Field(examples=["RT-000001"])
    order: str
    reason: str
    restock: bool
    credit_note: str | None = Field(description="The credit note for the invoiced units among them, if any")
    created_by: str
    created_at: dt.datetime
    lines: list[ReturnLineOut]


class ReturnList(OutputSchema):
    items: list[ReturnOut]


def fulfillment_out(fulfillment: Fulfillment) -> dict:
    """Expects the lines and their items loaded (shipping.selectors.fulfillments_of)."""
    return {
        "id": fulfillment.pk,
        "number": fulfillment.number,
        "order": fulfillment.order.number,
        "status": fulfillment.status,
        "delivery": fulfillment.delivery,
        "carrier": fulfillment.carrier,
        "tracking_number": fulfillment.tracking_number,
        "shipping_address": fulfillment.shipping_address or None,
        "created_by": fulfillment.created_by,
        "created_at": fulfillment.created_at,
        "canceled_at": fulfillment.canceled_at,
        "lost_at": fulfillment.lost_at,
        "pushed_at": fulfillment.pushed_at,
        "lines": [
            {
                "item": ln.order_item_id,
                "line_no": ln.order_item.line_no,
                "sku": ln.order_item.sku,
                "quantity": ln.quantity,
            }
            for ln in fulfillment.lines.all()
        ],
    }


def return_out(record: Return) -> dict:
    return {
        "id": record.pk,
        "number": record.number,
        "order": record.order.number,
        "reason": record.reason,
        "restock": record.restock,
        "credit_note": record.credit_note or None,
        "created_by": record.created_by,
        "created_at": record.created_at,
        "lines": [
            {
                "item": ln.order_item_id,
                "line_no": ln.order_item.line_no,
                "sku": ln.order_item.sku,
                "quantity": ln.quantity,
                "lot": ln.lot.number if ln.lot_id else None,
            }
            for ln in record.lines.all()
        ],
    }
