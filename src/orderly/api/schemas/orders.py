"""Request and response bodies of the orders endpoints.

Requests are checked here for shape and type only; what a value may be (lengths, e-mail, country, quantity,
SKU) is the services' rule, and their errors name the field in the same dotted form.
"""

import datetime as dt
from typing import Literal

from django.db.models import QuerySet
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
from orderly.orders.models import ADDRESS_FIELDS, ITEM_INDICATORS, ITEM_OPTIONS, Order, OrderEvent, balance_of
from orderly.orders.rules import allowed_actions_in
from orderly.orders.selectors import DEFAULT_SORT, SORTS, OrderFilters, charge_rows, item_rows, order_row
from orderly.orders.status import (
    ChargeKind,
    CustomerType,
    DeliveryType,
    FulfillmentStatus,
    OrderStatus,
    PaymentStatus,
    Stage,
)

# ---- requests ------------------------------------------------------------------------------------------------


class CustomerIn(InputSchema):
    name: str = Field(examples=["Anna de Vries"])
    email: str | None = Field(None, examples=["anna@example.com"])
    type: str | None = Field(
        None, description="retail (default) or wholesale", json_schema_extra={"enum": CustomerType.values}
    )
    vat_number: str | None = Field(
        None, description="A business customer's VAT number, printed on its invoices", examples=["DE123456789"]
    )


class CustomerPatch(InputSchema):
    name: str | None = None
    email: str | None = None
    type: str | None = Field(None, json_schema_extra={"enum": CustomerType.values})
    vat_number: str | None = Field(None, description="The VAT number; empty text removes it")


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


class OrderAdjustmentIn(InputSchema):
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
    adjustments: list[OrderAdjustmentIn] | None = None
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
    page: int = Field(1, description="A page by its number; for deep pages follow `next` (by cursor) instead")
    page_size: int = Field(50, description="1 to 200")
    cursor: str = Field(
        "",
        max_length=1000,
        description="The page a `next` or `previous` link points at; stable while orders are added. Keep the "
        "filters and sort of the request that gave it.",
    )
    count: Literal["", "exact"] = Field(
        "", description="exact: count every match (slower); by default `total` stops at 10,000"
    )

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


class OrderChannelOut(OutputSchema):
    id: int
    name: str
    kind: str


class CustomerOut(OutputSchema):
    name: str
    email: str
    type: str = Field(json_schema_extra={"enum": CustomerType.values})
    vat_number: str = Field(description="The business customer's VAT number; empty when none")


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
    subtotal: Money = Field(description="The items' amounts before discount")
    discount: Money = Field(description="All discounts, items and charges")
    tax: Money = Field(description="All tax, items and charges (contained in the amounts when prices include tax)")
    charges_total: Money = Field(description="Shipping and fees, after their discounts, with their tax")
    total: Money


class TaxLineOut(OutputSchema):
    """One of the shop's taxes on a line or charge, as it charged it."""

    title: str = Field(examples=["GST"])
    rate: Money = Field(description="Percent", examples=["5.00"])
    amount: Money = Field(description="For the whole line or charge")


class ChargeOut(OutputSchema):
    """Shipping or a fee on the order, as the shop charged it."""

    id: int
    kind: str = Field(json_schema_extra={"enum": ChargeKind.values})
    title: str = Field(examples=["DHL Express"])
    code: str = Field(description="The shop's code for it (its delivery method)")
    amount: Money = Field(description="Before its discount, on the order's tax basis; a fee may be negative")
    discount: Money
    tax_rate: Money = Field(description="Percent")
    tax_lines: list[TaxLineOut]
    tax: Money = Field(description="Added to the amount, or contained in it when prices include tax")
    total: Money
    refunded: Money = Field(description="What the shop paid back for it (in the terms of total): no longer owed")
    credited: bool = Field(description="Taken back by a credit note and not billed again: not owed meanwhile")


class DiscountCodeOut(OutputSchema):
    code: str = Field(examples=["WELCOME10"])
    type: str = Field(examples=["percentage"])
    amount: Money = Field(description="Already in the lines' and charges' discounts")


class ShopMoneyOut(OutputSchema):
    """The shop's own figures in its currency, when the customer paid in another one."""

    currency: str = Field(examples=["CAD"])
    total: Money | None = None
    tax: Money | None = None
    subtotal: Money | None = None
    discount: Money | None = None
    shipping: Money | None = None


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
    tax_lines: list[TaxLineOut] = Field(description="The shop's taxes on the whole line, when it stated them")
    line_subtotal: Money
    line_tax: Money = Field(description="The shop's tax lines summed when given; contained when prices include tax")
    line_total: Money


class OrderOut(OutputSchema):
    number: str = Field(examples=["OR-000123"])
    status: str = Field(json_schema_extra={"enum": OrderStatus.values})
    stage: str = Field(json_schema_extra={"enum": Stage.values})
    fulfillment_status: str = Field(json_schema_extra={"enum": FulfillmentStatus.values})
    payment_status: str = Field(json_schema_extra={"enum": PaymentStatus.values})
    amount_paid: Money = Field(description="Payments received less refunds")
    amount_due: Money = Field(
        description="The whole amount the customer owes for the items they keep and the charges, paid or not; "
        "without their VAT when vat_reverse_charged"
    )
    balance_due: Money = Field(description="What is left to pay: amount_due less amount_paid (negative: refund due)")
    vat_reverse_charged: bool = Field(
        description="Invoiced with the VAT reverse charged (an intra-EU supply to a business): the customer owes the "
        "amounts without VAT"
    )
    error: OrderErrorOut | None
    archived: bool
    channel: OrderChannelOut
    external_ref: str
    external_id: str
    external_status: str
    order_date: dt.datetime
    customer: CustomerOut
    shipping_address: AddressOut | None
    billing_address: AddressOut | None
    currency: str
    prices_include_tax: bool = Field(description="Unit prices and charges include their tax")
    stated_total: Money | None = Field(description="The shop's own total of the order (what it charged)")
    is_test: bool = Field(description="A test order from the shop")
    delivery_method: str = Field(description="The shop's delivery method")
    discount_codes: list[DiscountCodeOut] = Field(description="The codes the customer used")
    shop_money: ShopMoneyOut | None = Field(
        description="The shop's own figures in its currency, when the customer paid in another one"
    )
    totals: TotalsOut
    notes: str
    allowed_actions: list[str] = Field(description="What the order's current state allows")
    created_at: dt.datetime
    updated_at: dt.datetime
    items: list[ItemOut]
    charges: list[ChargeOut] = Field(description="Shipping and fees, in the shop's order")


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


def tax_lines_out(tax_lines) -> list[dict]:
    return [
        {
            "title": str(line.get("title", "")),
            "rate": rate_text(line.get("rate") or 0),
            "amount": str(line.get("amount", "0")),
        }
        for line in tax_lines or []
        if isinstance(line, dict)
    ]


def _discount_codes(codes) -> list[dict]:
    return [
        {"code": str(code.get("code", "")), "type": str(code.get("type", "")), "amount": str(code.get("amount", "0"))}
        for code in codes or []
        if isinstance(code, dict)
    ]


SHOP_MONEY_FIGURES = ("total", "tax", "subtotal", "discount", "shipping")


def _shop_money(data) -> dict | None:
    if not isinstance(data, dict) or not data:
        return None
    figures = {name: _money(data.get(name)) for name in SHOP_MONEY_FIGURES}
    return {"currency": str(data.get("currency", "")), **figures}


# The columns an answer shows, read as plain rows (no model instances): an order with its channel and addresses in
# one query, then the items and the charges of all the orders answered in one query each.
_SHIPPING = tuple(f"shipping_address__{field}" for field in ADDRESS_FIELDS)
_BILLING = tuple(f"billing_address__{field}" for field in ADDRESS_FIELDS)
ORDER_COLUMNS = (
    "id",
    "number",
    "status",
    "stage",
    "fulfillment_status",
    "payment_status",
    "amount_paid",
    "amount_due",
    "vat_reverse_charged",
    "error_code",
    "error_message",
    "error_fix",
    "is_archived",
    "channel_id",
    "channel__name",
    "channel__kind",
    "external_ref",
    "external_id",
    "external_status",
    "order_date",
    "customer_name",
    "customer_email",
    "customer_type",
    "customer_vat_number",
    "shipping_address_id",
    *_SHIPPING,
    "billing_address_id",
    *_BILLING,
    "currency",
    "prices_include_tax",
    "stated_total",
    "is_test",
    "delivery_method",
    "discount_codes",
    "shop_money",
    "subtotal",
    "discount_total",
    "tax_total",
    "charges_total",
    "total",
    "notes",
    "created_at",
    "updated_at",
)
_INDICATORS = tuple((name, field) for name, (field, _label) in ITEM_INDICATORS.items())
_OPTIONS = tuple(ITEM_OPTIONS.items())
ITEM_COLUMNS = (
    "id",
    "line_no",
    "sku",
    "variant_id",
    "name",
    "quantity",
    "unit_price",
    "tax_rate",
    "discount",
    "adjustments",
    "purchase_price",
    "commission",
    "identifiers",
    "position",
    *(field for _name, field in _OPTIONS),
    *(field for _name, field in _INDICATORS),
    "delivery_type",
    "delivery_method",
    "expected_on",
    "metadata",
    "status",
    "tax_lines",
    "line_subtotal",
    "line_tax",
    "line_total",
)
CHARGE_COLUMNS = (
    "id",
    "kind",
    "title",
    "code",
    "amount",
    "discount",
    "tax_rate",
    "tax_lines",
    "tax",
    "total",
    "refunded",
    "credited",
)


def _address(row: dict, present: str, columns: tuple[str, ...]) -> dict | None:
    if row[present] is None:
        return None
    return {field: row[column] for field, column in zip(ADDRESS_FIELDS, columns, strict=True)}


def _item_dict(item: dict) -> dict:
    return {
        "id": item["id"],
        "line_no": item["line_no"],
        "sku": item["sku"],
        "variant_id": item["variant_id"],
        "name": item["name"],
        "quantity": item["quantity"],
        "unit_price": str(item["unit_price"]),
        "tax_rate": rate_text(item["tax_rate"]),
        "discount": str(item["discount"]),
        "adjustments": [
            {"label": adjustment.get("label", ""), "amount": str(adjustment.get("amount", "0"))}
            for adjustment in item["adjustments"]
        ],
        "purchase_price": _money(item["purchase_price"]),
        "commission": _money(item["commission"]),
        "identifiers": item["identifiers"],
        "position": item["position"],
        "options": {name: item[field] for name, field in _OPTIONS},
        "indicators": {name: item[field] for name, field in _INDICATORS},
        "delivery_type": item["delivery_type"],
        "delivery_method": item["delivery_method"],
        "expected_on": item["expected_on"],
        "metadata": item["metadata"],
        "status": item["status"],
        "tax_lines": tax_lines_out(item["tax_lines"]),
        "line_subtotal": str(item["line_subtotal"]),
        "line_tax": str(item["line_tax"]),
        "line_total": str(item["line_total"]),
    }


def _charge_dict(charge: dict) -> dict:
    return {
        "id": charge["id"],
        "kind": charge["kind"],
        "title": charge["title"],
        "code": charge["code"],
        "amount": str(charge["amount"]),
        "discount": str(charge["discount"]),
        "tax_rate": rate_text(charge["tax_rate"]),
        "tax_lines": tax_lines_out(charge["tax_lines"]),
        "tax": str(charge["tax"]),
        "total": str(charge["total"]),
        "refunded": str(charge["refunded"]),
        "credited": charge["credited"],
    }


def _order_dict(row: dict, items: list[dict], charges: list[dict]) -> dict:
    """OrderOut's plain data from an order's row (ORDER_COLUMNS) and its item and charge rows."""
    error = {"code": row["error_code"], "message": row["error_message"], "fix": row["error_fix"]}
    return {
        "number": row["number"],
        "status": row["status"],
        "stage": row["stage"],
        "fulfillment_status": row["fulfillment_status"],
        "payment_status": row["payment_status"],
        "amount_paid": str(row["amount_paid"]),
        "amount_due": str(row["amount_due"]),
        "balance_due": str(balance_of(amount_due=row["amount_due"], amount_paid=row["amount_paid"])),
        "vat_reverse_charged": row["vat_reverse_charged"],
        "error": error if row["error_code"] else None,
        "archived": row["is_archived"],
        "channel": {"id": row["channel_id"], "name": row["channel__name"], "kind": row["channel__kind"]},
        "external_ref": row["external_ref"],
        "external_id": row["external_id"],
        "external_status": row["external_status"],
        "order_date": row["order_date"],
        "customer": {
            "name": row["customer_name"],
            "email": row["customer_email"],
            "type": row["customer_type"],
            "vat_number": row["customer_vat_number"],
        },
        "shipping_address": _address(row, "shipping_address_id", _SHIPPING),
        "billing_address": _address(row, "billing_address_id", _BILLING),
        "currency": row["currency"],
        "prices_include_tax": row["prices_include_tax"],
        "stated_total": _money(row["stated_total"]),
        "is_test": row["is_test"],
        "delivery_method": row["delivery_method"],
        "discount_codes": _discount_codes(row["discount_codes"]),
        "shop_money": _shop_money(row["shop_money"]),
        "totals": {
            "subtotal": str(row["subtotal"]),
            "discount": str(row["discount_total"]),
            "tax": str(row["tax_total"]),
            "charges_total": str(row["charges_total"]),
            "total": str(row["total"]),
        },
        "notes": row["notes"],
        "allowed_actions": list(allowed_actions_in(row["status"], row["stage"], row["is_archived"])),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "items": [_item_dict(item) for item in items],
        "charges": [_charge_dict(charge) for charge in charges],
    }


def _orders_dicts(rows: list[dict]) -> list[dict]:
    ids = [row["id"] for row in rows]
    items, charges = item_rows(ids, ITEM_COLUMNS), charge_rows(ids, CHARGE_COLUMNS)
    return [_order_dict(row, items.get(row["id"], []), charges.get(row["id"], [])) for row in rows]


def order_data(number: str) -> dict:
    """The visible order `number` as OrderOut's plain data, built in one pass from its rows in three queries:
    answers send it as it is (`orderly.api.answers`); the tests hold it to OrderOut. Raises OrderNotFound."""
    return _orders_dicts([order_row(number, ORDER_COLUMNS)])[0]


def order_out(number: str) -> OrderOut:
    """The API's view of the visible order `number`, validated into OrderOut (for the answers that store it)."""
    return OrderOut.model_validate(order_data(number))


def order_rows(orders: QuerySet[Order]) -> QuerySet[dict]:
    """The orders as the plain rows an answer is built from, to page through (`orderly.core.paging`)."""
    return orders.values(*ORDER_COLUMNS)


def order_page(page, request=None) -> dict:
    """A page of `order_rows` as OrderPage's plain data, with links to the pages next to it when the request is
    given."""
    return {**page_meta(page, request), "items": _orders_dicts(page.items)}


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
