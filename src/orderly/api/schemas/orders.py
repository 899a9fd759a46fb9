"""Request and response bodies of the orders endpoints.

Requests are checked here for shape and type only; what a value may be (lengths, e-mail, country, quantity,
SKU) is the services' rule, and their errors name the field in the same dotted form.
"""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from orderly.api.schemas.common import (
    MAX_ID,
    InputSchema,
    JsonObject,
    Money,
    MoneyIn,
    OutputSchema,
    PageMeta,
    UtcDateTime,
    page_meta,
)
from orderly.core.money import rate_text
from orderly.orders.models import Order, OrderEvent, OrderItem
from orderly.orders.rules import allowed_actions
from orderly.orders.selectors import DEFAULT_SORT, SORTS, OrderFilters
from orderly.orders.status import CustomerType, DeliveryType, FulfillmentStatus, OrderStatus, PaymentStatus, Stage

# ---- requests ------------------------------------------------------------------------------------------------


class CustomerIn(InputSchema):
    name: str = Field(examples=["Anna de Vries"])
    email: str | None = Field(None, examples=["anna@example.com"])
    type: str | None = Field(
        None, description="retail (default) or wholesale", json_schema_extra={"enum": CustomerType.values}
    )


class CustomerPatch(InputSchema):
    name: str | None = None
    email: str | None = None
    type: str | None = Field(None, json_schema_extra={"enum": CustomerType.values})


class AddressIn(InputSchema):
    name: str
    company: str | None = None
    line1: str
    line2: str | None = None
    postal_code: str
    city: str
    region: str | None = None
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. NL", examples=["NL"])
    phone: str | None = None
    email: str | None = None


class AdjustmentIn(InputSchema):
    label: str = Field(examples=["Gift wrap"])
    amount: MoneyIn = Field(description="May be negative.")


class ItemOptionsIn(InputSchema):
    allocate: bool = True
    fulfil: bool = True
    cover: bool = Field(True, description="Payment is tracked")
    invoice: bool = True


class ItemIn(InputSchema):
    sku: str = Field(description="The SKU of an active catalog variant.", examples=["ESP-250"])
    quantity: int = Field(strict=True, description="Whole units, more than zero.", examples=[2])
    name: str | None = Field(None, description="Defaults to the variant's name.")
    unit_price: MoneyIn | None = Field(None, description="Defaults to the variant's price.")
    tax_rate: MoneyIn | None = Field(None, description="Percent; defaults to the variant's.")
    discount: MoneyIn | None = None
    adjustments: list[AdjustmentIn] | None = None
    purchase_price: MoneyIn | None = None
    commission: MoneyIn | None = None
    identifiers: JsonObject | None = Field(None, examples=[{"colour": "black", "size": "250 g"}])
    position: str | None = Field(None, description="Warehouse position")
    options: ItemOptionsIn | None = None
    delivery_type: str | None = Field(None, json_schema_extra={"enum": DeliveryType.values})
    delivery_method: str | None = None
    expected_on: dt.date | None = None
    metadata: JsonObject | None = None


class ItemPatch(ItemIn):
    id: int | None = Field(None, ge=1, le=MAX_ID, description="Keep and change this item; leave out to add a new one.")
    sku: str | None = Field(None, description="Required for a new item; an existing one keeps its own when left out.")
    quantity: int | None = Field(None, strict=True, description="Required for a new item.")


class OrderCreate(InputSchema):
    customer: CustomerIn
    shipping_address: AddressIn
    billing_address: AddressIn | None = None
    currency: str = Field("EUR", description="ISO 4217 code")
    items: list[ItemIn]
    status: str = Field(
        OrderStatus.OPEN, description="draft or open", json_schema_extra={"enum": [OrderStatus.DRAFT, OrderStatus.OPEN]}
    )
    notes: str = ""
    external_ref: str = ""
    order_date: UtcDateTime | None = None


class OrderPatch(InputSchema):
    """Only the fields sent change. `items`, when sent, replaces the order's items: an entry with an `id` keeps and
    changes that item, one without adds an item, and items left out are removed."""

    customer: CustomerPatch | None = None
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = Field(None, description="null removes the billing address")
    currency: str | None = None
    notes: str | None = None
    external_ref: str | None = None
    order_date: UtcDateTime | None = None
    items: list[ItemPatch] | None = None


class NoteIn(InputSchema):
    text: str = Field(examples=["Customer called: leave at the neighbours."])


class OrderQuery(Schema):
    q: str = Field("", description="Part of the number, external reference, customer name or e-mail")
    status: str = Field("", json_schema_extra={"enum": ["", *OrderStatus.values]})
    stage: str = Field("", json_schema_extra={"enum": ["", *Stage.values]})
    fulfillment_status: str = Field("", json_schema_extra={"enum": ["", *FulfillmentStatus.values]})
    payment_status: str = Field("", json_schema_extra={"enum": ["", *PaymentStatus.values]})
    channel: int | None = Field(None, ge=1, le=MAX_ID, description="Sales channel id")
    customer_type: str = Field("", json_schema_extra={"enum": ["", *CustomerType.values]})
    has_error: bool | None = None
    archived: Literal["false", "true", "all"] = Field("false", description="false hides archived orders")
    test: Literal["false", "true", "all"] = Field("false", description="The shops' test orders: false hides them")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = Field(DEFAULT_SORT, json_schema_extra={"enum": list(SORTS)})
    page: int = 1
    page_size: int = Field(50, description="1 to 200")

    def filters(self) -> OrderFilters:
        return OrderFilters(
            q=self.q,
            status=self.status,
            stage=self.stage,
            fulfillment_status=self.fulfillment_status,
            payment_status=self.payment_status,
            channel=self.channel,
            customer_type=self.customer_type,
            has_error=self.has_error,
            archived={"false": False, "true": True, "all": None}[self.archived],
            test={"false": False, "true": True, "all": None}[self.test],
            date_from=self.date_from,
            date_to=self.date_to,
            sort=self.sort,
        )


class PageQuery(Schema):
    page: int = 1
    page_size: int = Field(50, description="1 to 200")


# ---- responses -----------------------------------------------------------------------------------------------


class ChannelOut(OutputSchema):
    id: int
    name: str
    kind: str


class CustomerOut(OutputSchema):
    name: str
    email: str
    type: str = Field(json_schema_extra={"enum": CustomerType.values})


class AddressOut(OutputSchema):
    name: str
    company: str
    line1: str
    line2: str
    postal_code: str
    city: str
    region: str
    country: str
    phone: str
    email: str


class OrderErrorOut(OutputSchema):
    code: str
    message: str
    fix: str = Field(description="What to do about it")


class TotalsOut(OutputSchema):
    subtotal: Money
    discount: Money
    tax: Money
    total: Money


class AdjustmentOut(OutputSchema):
    label: str
    amount: Money


class ItemOptionsOut(OutputSchema):
    allocate: bool
    fulfil: bool
    cover: bool
    invoice: bool


class ItemIndicatorsOut(OutputSchema):
    """Units of the item in each state of seed 002; part of an item can be in one state and the rest in another."""

    available: int = Field(description="Units allocated (held) from stock")
    expected_in_stock: int = Field(description="Units a waiting packaging plan will make")
    lost: int = Field(description="Units in parcels reported lost")
    on_pick_list: int
    packed: int
    label_applied: int
    costs_paid: int = Field(description="Units covered by the order's payments")
    approved_for_shipment: int
    released_for_shipment: int
    picked: int
    sorted: int
    handed_to_carrier: int = Field(description="Units shipped or handed over (fulfilled)")
    canceled: int
    returned: int
    invoiced: int


class ItemOut(OutputSchema):
    id: int
    line_no: int
    sku: str
    variant_id: int | None
    name: str
    quantity: int
    unit_price: Money
    tax_rate: Money
    discount: Money
    adjustments: list[AdjustmentOut]
    purchase_price: Money | None
    commission: Money | None
    identifiers: JsonObject
    position: str
    options: ItemOptionsOut
    indicators: ItemIndicatorsOut
    delivery_type: str = Field(json_schema_extra={"enum": DeliveryType.values})
    delivery_method: str
    expected_on: dt.date | None
    metadata: JsonObject
    status: str = Field(json_schema_extra={"enum": OrderStatus.values})
    line_subtotal: Money
    line_tax: Money
    line_total: Money


class OrderOut(OutputSchema):
    number: str = Field(examples=["OR-000123"])
    status: str = Field(json_schema_extra={"enum": OrderStatus.values})
    stage: str = Field(json_schema_extra={"enum": Stage.values})
    fulfillment_status: str = Field(json_schema_extra={"enum": FulfillmentStatus.values})
    payment_status: str = Field(json_schema_extra={"enum": PaymentStatus.values})
    amount_paid: Money = Field(description="Payments received less refunds")
    amount_due: Money = Field(description="What the customer owes for the items they keep")
    error: OrderErrorOut | None
    archived: bool
    channel: ChannelOut
    external_ref: str
    external_id: str
    external_status: str
    order_date: dt.datetime
    customer: CustomerOut
    shipping_address: AddressOut | None
    billing_address: AddressOut | None
    currency: str
    totals: TotalsOut
    notes: str
    allowed_actions: list[str] = Field(description="What the order's current state allows")
    created_at: dt.datetime
    updated_at: dt.datetime
    items: list[ItemOut]


class OrderPage(PageMeta):
    items: list[OrderOut]


class ActorOut(OutputSchema):
    kind: str = Field(json_schema_extra={"enum": ["user", "channel", "system"]})
    name: str


class EventOut(OutputSchema):
    id: int
    created_at: dt.datetime
    kind: str
    actor: ActorOut
    message: str
    data: JsonObject


class EventPage(PageMeta):
    items: list[EventOut]


def _money(value) -> str | None:
    return None if value is None else str(value)


def item_out(item: OrderItem) -> dict:
    return {
        "id": item.id,
        "line_no": item.line_no,
        "sku": item.sku,
        "variant_id": item.variant_id,
        "name": item.name,
        "quantity": item.quantity,
        "unit_price": str(item.unit_price),
        "tax_rate": rate_text(item.tax_rate),
        "discount": str(item.discount),
        "adjustments": [{"label": a.get("label", ""), "amount": str(a.get("amount", "0"))} for a in item.adjustments],
        "purchase_price": _money(item.purchase_price),
        "commission": _money(item.commission),
        "identifiers": item.identifiers,
        "position": item.position,
        "options": item.options,
        "indicators": item.indicators,
        "delivery_type": item.delivery_type,
        "delivery_method": item.delivery_method,
        "expected_on": item.expected_on,
        "metadata": item.metadata,
        "status": item.status,
        "line_subtotal": str(item.line_subtotal),
        "line_tax": str(item.line_tax),
        "line_total": str(item.line_total),
    }


def order_out(order: Order) -> OrderOut:
    """The API's view of an order; expects its channel, addresses and items loaded (see the selectors)."""
    return OrderOut.model_validate(_order_dict(order))


def _order_dict(order: Order) -> dict:
    error = {"code": order.error_code, "message": order.error_message, "fix": order.error_fix}
    return {
        "number": order.number,
        "status": order.status,
        "stage": order.stage,
        "fulfillment_status": order.fulfillment_status,
        "payment_status": order.payment_status,
        "amount_paid": str(order.amount_paid),
        "amount_due": str(order.amount_due),
        "error": error if order.error_code else None,
        "archived": order.is_archived,
        "channel": {"id": order.channel.id, "name": order.channel.name, "kind": order.channel.kind},
        "external_ref": order.external_ref,
        "external_id": order.external_id,
        "external_status": order.external_status,
        "order_date": order.order_date,
        "customer": {"name": order.customer_name, "email": order.customer_email, "type": order.customer_type},
        "shipping_address": order.shipping_address.as_dict() if order.shipping_address else None,
        "billing_address": order.billing_address.as_dict() if order.billing_address else None,
        "currency": order.currency,
        "totals": {
            "subtotal": str(order.subtotal),
            "discount": str(order.discount_total),
            "tax": str(order.tax_total),
            "total": str(order.total),
        },
        "notes": order.notes,
        "allowed_actions": allowed_actions(order),
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "items": [item_out(item) for item in order.items.all()],
    }


def order_page(page) -> dict:
    """The page as plain data: the router's response schema validates it once, on the way out."""
    return {**page_meta(page), "items": [_order_dict(order) for order in page.items]}


def event_page(page) -> dict:
    return {**page_meta(page), "items": [_event_dict(event) for event in page.items]}


def _event_dict(event: OrderEvent) -> dict:
    return {
        "id": event.id,
        "created_at": event.created_at,
        "kind": event.kind,
        "actor": {"kind": event.actor_kind, "name": event.actor_name},
        "message": event.message,
        "data": event.data,
    }
