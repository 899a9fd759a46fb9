"""Creating and editing orders."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orderly.catalog.exceptions import InactiveVariant, UnknownSku
from orderly.catalog.selectors import variants_by_sku
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError
from orderly.core.locks import held_already
from orderly.core.logs import logs_order
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.orders import events
from orderly.orders.exceptions import OrderLocked
from orderly.orders.locks import lock_order
from orderly.orders.models import ADDRESS_FIELDS, Address, Order, OrderCharge, OrderItem
from orderly.orders.rules import refusal
from orderly.orders.services import validation as clean
from orderly.orders.services.checks import apply_checks
from orderly.orders.services.settling import order_settle
from orderly.orders.services.totals import TOTAL_FIELDS, compute_charge, compute_line, compute_order
from orderly.orders.status import ITEM_TRANSITIONS, Action, ItemStatus, OrderStatus, Stage

MAX_ITEMS = 500
ITEM_DIFF_FIELDS = ("sku", "name", "quantity", "unit_price", "tax_rate", "discount", "delivery_type", "position")


def clean_items(items, *, strict: bool, currency: str = "", field: str = "items") -> list[dict]:
    """The items as an order's items are stored, each checked (ValidationError naming the item and field); `strict`
    refuses unknown or inactive SKUs instead of flagging them. Shared by editing and the shop's sync."""
    if not isinstance(items, list) or not items:
        raise ValidationError(f"{field}: an order needs at least one item.", field=field)
    if len(items) > MAX_ITEMS:
        raise ValidationError(f"An order may have at most {MAX_ITEMS} items.", field=field)
    skus = [entry.get("sku") for entry in items if isinstance(entry, dict) and isinstance(entry.get("sku"), str)]
    found = variants_by_sku(sku.strip() for sku in skus)
    cleaned = []
    for i, entry in enumerate(items):
        path = f"{field}[{i}]"
        sku = entry.get("sku").strip() if isinstance(entry, dict) and isinstance(entry.get("sku"), str) else None
        variant = found.get(sku) if sku else None
        if strict and sku and variant is None:
            raise UnknownSku(sku, field=f"{path}.sku")
        if strict and variant is not None and not variant.is_orderable:
            raise InactiveVariant(sku, field=f"{path}.sku")
        data = clean.item(entry, field=path, variant=variant)
        if strict:  # typed in: a shop's own figures are taken as it charged them
            for name in ("unit_price", "discount"):
                clean.within_currency(data[name], currency, field=f"{path}.{name}")
        if isinstance(entry, dict) and entry.get("id") is not None:
            data["id"] = entry["id"]
        cleaned.append(data)
    gross = sum((clean.line_gross(data) for data in cleaned), Decimal(0))
    if gross > clean.MAX_ORDER_AMOUNT:
        raise ValidationError(
            f"{field} come to {gross}, more than an order may total ({clean.MAX_ORDER_AMOUNT}).", field=field
        )
    return cleaned


def save_address(data: dict | None, existing: Address | None = None) -> Address | None:
    """Save `data` into `existing` (or a new address) and return it; None for no address."""
    if data is None:
        return None
    address = existing or Address()
    for name, value in data.items():
        setattr(address, name, value)
    address.save()
    return address


def _build_item(order: Order, line_no: int, data: dict, status: str) -> OrderItem:
    item = OrderItem(order=order, line_no=line_no, status=status, **{k: v for k, v in data.items() if k != "id"})
    compute_line(item, tax_included=order.prices_include_tax)
    return item


def build_charges(order: Order, charge_data: list[dict]) -> list[OrderCharge]:
    """Unsaved charges of `order` from cleaned charge data, with their tax and totals."""
    charges = []
    for position, data in enumerate(charge_data, start=1):
        charge = OrderCharge(order=order, position=position, **data)
        compute_charge(charge, tax_included=order.prices_include_tax)
        charges.append(charge)
    return charges


def shop_figures(
    *,
    charges=None,
    prices_include_tax: bool = False,
    is_test: bool = False,
    delivery_method: str = "",
    discount_codes=None,
    shop_money=None,
    stated_total=None,
) -> dict:
    """What a shop said of an order beyond its lines, cleaned: the charges (as data) and the order's fields."""
    return {
        "charges": clean.charges(charges),
        "prices_include_tax": bool(prices_include_tax),
        "is_test": bool(is_test),
        "delivery_method": clean.text(delivery_method, field="delivery_method", max_length=100),
        "discount_codes": clean.discount_codes(discount_codes),
        "shop_money": clean.mapping(shop_money, field="shop_money"),
        "stated_total": clean.money(stated_total, field="stated_total", allow_negative=False)
        if stated_total not in (None, "")
        else None,
    }


@retry_on_conflict
def order_create(
    *,
    channel,
    customer: dict,
    items: list[dict],
    shipping_address: dict | None,
    billing_address: dict | None = None,
    currency: str = "EUR",
    status: str = OrderStatus.OPEN,
    order_date=None,
    notes: str = "",
    external_id: str = "",
    external_ref: str = "",
    external_status: str = "",
    actor: Actor,
    strict: bool = True,
    shop: dict | None = None,
) -> Order:
    """Create an order with its items, charges, totals and a timeline event, all or nothing.

    `strict` (manual entry) refuses unknown SKUs and inactive products with a ValidationError naming the
    item; without it (imports) the order is recorded anyway and flagged with an error saying how to fix it, and
    an address its country's rules refuse is kept with an error naming the field. `shop` holds what a shop said
    beyond the lines (shop_figures' keywords: charges, prices_include_tax, is_test, delivery_method,
    discount_codes, shop_money, stated_total).
    """
    if status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
        raise ValidationError(f"status of a new order must be draft or open, not {status!r}.", field="status")
    customer_fields = clean.customer(customer)
    read_address = clean.address if strict else clean.address_loose
    shipping = read_address(shipping_address, field="shipping_address") if shipping_address is not None else None
    if strict and shipping is None:
        raise ValidationError("shipping_address is required.", field="shipping_address")
    billing = read_address(billing_address, field="billing_address") if billing_address is not None else None
    figures = shop_figures(**(shop or {}))
    charge_data = figures.pop("charges")
    currency_code = clean.currency(currency)
    notes = clean.text(notes, field="notes", max_length=5000)
    external_id = clean.text(external_id, field="external_id", max_length=100)
    external_ref = clean.text(external_ref, field="external_ref", max_length=100)
    external_status = clean.text(external_status, field="external_status", max_length=64)
    item_data = clean_items(items, strict=strict, currency=currency_code)

    with transaction.atomic():
        order = Order(
            number=next_number("OR"),
            channel=channel,
            external_id=external_id,
            external_ref=external_ref,
            external_status=external_status,
            order_date=order_date or timezone.now(),
            currency=currency_code,
            status=status,
            stage=Stage.NEW,
            notes=notes,
            shipping_address=save_address(shipping),
            billing_address=save_address(billing),
            **customer_fields,
            **figures,
        )
        order.save()
        line_items = [_build_item(order, n, data, status) for n, data in enumerate(item_data, start=1)]
        OrderItem.objects.bulk_create(line_items)
        for row in (order, *line_items):  # new rows: locking them again waits for no one
            held_already(row)
        charges = OrderCharge.objects.bulk_create(build_charges(order, charge_data))
        compute_order(order, line_items, charges)
        order.save(update_fields=[*TOTAL_FIELDS])
        (events.imported if actor.kind == "channel" else events.created)(order, actor)
        apply_checks(order, actor)
    return order


def ensure_editable(order: Order, *, items: bool = False) -> None:
    """Refuse edits to archived, closed or canceled orders, and item edits once processing began."""
    if (refused := refusal(order, Action.EDIT)) is not None:
        raise refused
    if items and order.stage != Stage.NEW:
        raise OrderLocked(
            f"Order {order.number} is {order.get_stage_display().lower()}; its items can change only while it is new.",
            order=order,
            action="edit_items",
        )


def diff_address(name: str, before: Address | None, after: dict | None, changes: dict) -> None:
    """Add to `changes` what differs between the address before and `after`, under `name`, for the timeline."""
    old = before.as_dict() if before else None
    if after is not None and old is not None:
        after = {key: after.get(key, "") for key in ADDRESS_FIELDS}
    if old != after:
        changes[name] = {"before": old, "after": after}


ITEM_INPUT_FIELDS = (
    "sku", "name", "quantity", "unit_price", "tax_rate", "discount", "adjustments", "purchase_price", "commission",
    "identifiers", "position", "delivery_type", "delivery_method", "expected_on", "metadata", "tax_lines",
)  # fmt: skip
# An edit to one of these makes the shop's tax amounts of the line stale: its tax then follows the rate.
TAXED_FIELDS = ("quantity", "unit_price", "discount", "tax_rate", "adjustments")


def _with_current_values(order: Order, entries) -> list:
    """Fill what an entry for an existing item leaves out with that item's current values, so an edit that
    sends only `{"id": 7, "quantity": 3}` changes the quantity and nothing else. An entry that changes the SKU
    describes another product: nothing of the old one is carried over."""
    if not isinstance(entries, list):
        return entries
    existing = {item.id: item for item in order.items.all()}
    merged = []
    for entry in entries:
        item = existing.get(entry.get("id")) if isinstance(entry, dict) else None
        if item is None or entry.get("sku", item.sku) != item.sku:
            merged.append(entry)
            continue
        current = {name: getattr(item, name) for name in ITEM_INPUT_FIELDS}
        current["options"] = item.options
        if "tax_lines" not in entry and any(
            name in entry and str(entry[name]) != str(current[name]) for name in TAXED_FIELDS
        ):
            current["tax_lines"] = []
        merged.append({**current, **entry})
    return merged


def item_summary(item: OrderItem) -> dict:
    """An item's fields as the timeline's change lines show them."""
    return {name: str(getattr(item, name)) for name in ITEM_DIFF_FIELDS}


# Quantities a process (fulfillment, returns, invoices) has recorded against an item: such an item keeps its
# price and SKU (invoices and shipments refer to them) and cannot shrink below what was processed.
PROCESSED_FIELDS = (
    "qty_handed_to_carrier",
    "qty_lost",
    "qty_returned",
    "qty_invoiced",
    "qty_canceled",
    "qty_picked",
    "qty_packed",
)
PRICED_FIELDS = ("unit_price", "tax_rate", "discount")


def units_processed(item: OrderItem) -> int:
    """The most units of the item any process has worked on (held, picked, shipped, …): what an edit may not go
    below."""
    return max(getattr(item, name) for name in PROCESSED_FIELDS)


def _processed_detail(item: OrderItem) -> dict:
    return {"line": item.line_no, "sku": item.sku, "processed": units_processed(item)}


def _refuse_processed_changes(existing: dict[int, OrderItem], item_data: list[dict]) -> None:
    """Refuse, before anything is written, removing or repricing an item already shipped or invoiced, or
    ordering fewer units of it than were processed."""
    kept = {data.get("id") for data in item_data}
    for item in existing.values():
        if item.id not in kept and units_processed(item):
            raise ValidationError(
                f"Line {item.line_no} ({item.sku}) has been shipped, returned or invoiced; it cannot be removed.",
                code=ErrorCode.ITEM_PROCESSED,
                field="items",
                **_processed_detail(item),
            )
    for index, data in enumerate(item_data):
        item = existing.get(data.get("id"))
        if item is None or not units_processed(item):
            continue
        for name in PRICED_FIELDS:
            if name in data and data[name] != getattr(item, name):
                raise ValidationError(
                    f"items[{index}].{name} cannot change: line {item.line_no} ({item.sku}) has been shipped, "
                    "returned or invoiced.",
                    code=ErrorCode.ITEM_PROCESSED,
                    field=f"items[{index}].{name}",
                    **_processed_detail(item),
                )
        if data.get("quantity", item.quantity) < units_processed(item):
            raise ValidationError(
                f"items[{index}].quantity cannot be less than {units_processed(item)}: that many units of line "
                f"{item.line_no} ({item.sku}) have been processed.",
                code=ErrorCode.ITEM_PROCESSED,
                field=f"items[{index}].quantity",
                **_processed_detail(item),
            )


def items_would_change(existing: dict[int, OrderItem], item_data: list[dict]) -> bool:
    """Whether cleaned item entries differ from the order's items: an entry without an id, an item left out, a
    line moved, or any given field with another value. An edit that sends the items back as they are is no
    change to them, so it is allowed whatever the order's stage."""
    if len(item_data) != len(existing) or any(data.get("id") not in existing for data in item_data):
        return True
    for line_no, data in enumerate(item_data, start=1):
        item = existing[data["id"]]
        if item.line_no != line_no or any(getattr(item, name) != value for name, value in data.items() if name != "id"):
            return True
    return False


def replace_items(order: Order, item_data: list[dict], changes: dict) -> None:
    """Make the order's items what `item_data` says (see order_update); writes nothing when they already are.
    Item changes need an order whose items may still change (ensure_editable with items)."""
    existing = {item.id: item for item in order.items.all()}
    if not items_would_change(existing, item_data):
        return
    ensure_editable(order, items=True)
    _refuse_processed_changes(existing, item_data)
    before = [item_summary(item) for item in existing.values()]
    kept_ids = set()
    new_items = []
    for line_no, data in enumerate(item_data, start=1):
        item_id = data.get("id")
        if item_id is not None:
            if item_id in kept_ids:
                raise ValidationError(
                    f"items[{line_no - 1}].id {item_id!r} is listed twice.", field=f"items[{line_no - 1}].id"
                )
            if item_id not in existing:
                raise ValidationError(
                    f"items[{line_no - 1}].id {item_id!r} is not an item of this order.",
                    code=ErrorCode.UNKNOWN_REFERENCE,
                    field=f"items[{line_no - 1}].id",
                    resource="item",
                    key=item_id,
                )
            item = existing[item_id]
            kept_ids.add(item_id)
            for name, value in data.items():
                if name != "id":
                    setattr(item, name, value)
            item.line_no = line_no
            compute_line(item, tax_included=order.prices_include_tax)
            item.save()
            new_items.append(item)
        else:
            item = _build_item(order, line_no, data, order.status)
            item.save()
            new_items.append(item)
    order.items.filter(id__in=set(existing) - kept_ids).delete()
    after = [item_summary(item) for item in new_items]
    if before != after:
        changes["items"] = {"before": before, "after": after}
    compute_order(order, new_items)


@retry_on_conflict
@logs_order
def order_update(*, order: Order, changes: dict, actor: Actor) -> Order:
    """Edit an order's customer, addresses, currency, notes, reference or items.

    Records one `edited` event listing each changed field with its value before and after; nothing is written
    when the input is invalid or changes nothing. Items given replace the order's items: an entry with an `id`
    updates that item, one without adds a new item, items left out are removed. Items may change only while the
    order is new (OrderLocked otherwise); items sent back unchanged are no change, at any stage.
    """
    allowed = {
        "customer",
        "shipping_address",
        "billing_address",
        "currency",
        "notes",
        "external_ref",
        "order_date",
        "items",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.", field=min(unknown))
    with transaction.atomic():
        order = lock_order(order)
        ensure_editable(order)
        diff: dict[str, dict] = {}
        if "customer" in changes:
            apply_customer(order, changes["customer"], diff)
        for name in ("shipping_address", "billing_address"):
            if name in changes:
                data = clean.address(changes[name], field=name) if changes[name] is not None else None
                if data is None and name == "shipping_address":
                    raise ValidationError("shipping_address cannot be removed.", field=name)
                current = getattr(order, name)
                diff_address(name, current, data, diff)
                if name in diff:
                    setattr(order, name, save_address(data, current) if data else None)
        simple = {
            "currency": lambda v: clean.currency(v),
            "notes": lambda v: clean.text(v, field="notes", max_length=5000),
            "external_ref": lambda v: clean.text(v, field="external_ref", max_length=100),
        }
        for name, cleaner in simple.items():
            if name in changes:
                value = cleaner(changes[name])
                if getattr(order, name) != value:
                    diff[name] = {"before": getattr(order, name), "after": value}
                    setattr(order, name, value)
        if "order_date" in changes and changes["order_date"] and changes["order_date"] != order.order_date:
            diff["order_date"] = {"before": order.order_date.isoformat(), "after": changes["order_date"].isoformat()}
            order.order_date = changes["order_date"]
        if "items" in changes:
            entries = _with_current_values(order, changes["items"])
            replace_items(order, clean_items(entries, strict=True, currency=order.currency), diff)
        if not diff:
            return order
        order.save()
        events.edited(order, actor, diff)
        apply_checks(order, actor)
        if "items" in diff and (order.amount_paid or any(units_processed(item) for item in order.items.all())):
            # the items' processes already began: their statuses follow the new quantities and amounts
            order = order_settle(order=order, actor=actor)
    return order


def apply_customer(order: Order, customer: dict | None, diff: dict) -> None:
    """Set the customer fields given (cleaned; the others kept) and note each change with its before and after."""
    fields = clean.customer({**_customer_dict(order), **(customer or {})})
    for name, value in fields.items():
        if getattr(order, name) != value:
            diff[name] = {"before": getattr(order, name), "after": value}
            setattr(order, name, value)


def _customer_dict(order: Order) -> dict:
    return {
        "name": order.customer_name,
        "email": order.customer_email,
        "type": order.customer_type,
        "vat_number": order.customer_vat_number,
    }


def item_status_follow(order: Order, status: str) -> None:
    """Move the order's items that are not yet done to `status` along with the order, each along ITEM_TRANSITIONS
    (TransitionNotAllowed naming the item otherwise, nothing moved)."""
    moving = order.items.exclude(status__in=[ItemStatus.CANCELED, ItemStatus.CLOSED, status])
    for line_no, sku, current in moving.order_by("line_no", "pk").values_list("line_no", "sku", "status"):
        key = f"{order.number} line {line_no} ({sku})"
        check_transition(ITEM_TRANSITIONS, resource="order_item", key=key, current=current, attempted=status)
    moving.update(status=status)
