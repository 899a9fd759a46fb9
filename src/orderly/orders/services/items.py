"""An order's items as input: cleaning them (every problem at once), telling an edit from no change, refusing what
processing forbids, and writing them with the timeline's before and after. Used by editing and the shop's sync."""

from decimal import Decimal

from orderly.catalog.exceptions import InactiveVariant, UnknownSku
from orderly.catalog.selectors import variants_by_sku
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Problems, ValidationError
from orderly.orders.models import Order, OrderItem
from orderly.orders.rules import items_refusal
from orderly.orders.services import item_validation
from orderly.orders.services import validation as clean
from orderly.orders.services.totals import compute_line, compute_order

MAX_ITEMS = 500
ITEM_DIFF_FIELDS = ("sku", "name", "quantity", "unit_price", "tax_rate", "discount", "delivery_type", "position")
# An item's parameters (seed 002) that the timeline lists one by one when an edit changes them on a kept line;
# position and delivery type are in the items' summary too (which the shop's sync compares), but an edit of them
# alone reads as that line's parameter, not as a changed list of items.
ITEM_PARAMETER_FIELDS = (
    "position", "delivery_type", "delivery_method", "expected_on", "purchase_price", "commission", "adjustments",
    "identifiers", "metadata", "options",
)  # fmt: skip
ITEM_INPUT_FIELDS = (
    "sku", "name", "quantity", "unit_price", "tax_rate", "discount", "adjustments", "purchase_price", "commission",
    "identifiers", "position", "delivery_type", "delivery_method", "expected_on", "metadata", "tax_lines",
)  # fmt: skip
# An edit to one of these makes the shop's tax amounts of the line stale: its tax then follows the rate.
TAXED_FIELDS = ("quantity", "unit_price", "discount", "tax_rate", "adjustments")
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


def _sku_refusal(sku: str | None, variant, path: str) -> ValidationError | None:
    if sku and variant is None:
        return UnknownSku(sku, field=f"{path}.sku")
    if variant is not None and not variant.is_orderable:
        return InactiveVariant(sku, field=f"{path}.sku")
    return None


def clean_items(items, *, strict: bool, currency: str = "", field: str = "items") -> list[dict]:
    """The items as an order's items are stored, each checked; every problem of every item is refused at once
    (InvalidInput when there are several), each naming its item and field. `strict` refuses unknown or inactive
    SKUs instead of flagging them. Shared by editing and the shop's sync."""
    if not isinstance(items, list) or not items:
        raise ValidationError(f"{field}: an order needs at least one item.", field=field)
    if len(items) > MAX_ITEMS:
        raise ValidationError(f"An order may have at most {MAX_ITEMS} items.", field=field)
    skus = [entry.get("sku") for entry in items if isinstance(entry, dict) and isinstance(entry.get("sku"), str)]
    found_variants = variants_by_sku(sku.strip() for sku in skus)
    found = Problems()
    cleaned = []
    for i, entry in enumerate(items):
        path = f"{field}[{i}]"
        sku = entry.get("sku").strip() if isinstance(entry, dict) and isinstance(entry.get("sku"), str) else None
        variant = found_variants.get(sku) if sku else None
        refused = _sku_refusal(sku, variant, path) if strict else None
        if refused is not None:
            found.add(refused)
        data = found.check(item_validation.item, entry, field=path, variant=variant, price_required=refused is None)
        if data is None or refused is not None:
            continue
        if strict:  # typed in: a shop's own figures are taken as it charged them
            for name in ("unit_price", "discount"):
                found.check(clean.within_currency, data[name], currency, field=f"{path}.{name}")
        if isinstance(entry, dict) and entry.get("id") is not None:
            data["id"] = entry["id"]
        cleaned.append(data)
    found.raise_any()
    gross = sum((item_validation.line_gross(data) for data in cleaned), Decimal(0))
    if gross > clean.MAX_ORDER_AMOUNT:
        raise ValidationError(
            f"{field} come to {gross}, more than an order may total ({clean.MAX_ORDER_AMOUNT}).", field=field
        )
    return cleaned


def build_item(order: Order, line_no: int, data: dict, status: str) -> OrderItem:
    item = OrderItem(order=order, line_no=line_no, status=status, **{k: v for k, v in data.items() if k != "id"})
    compute_line(item, tax_included=order.prices_include_tax)
    return item


def with_current_values(order: Order, entries) -> list:
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


def units_processed(item: OrderItem) -> int:
    """The most units of the item any process has worked on (held, picked, shipped, …): what an edit may not go
    below."""
    return max(getattr(item, name) for name in PROCESSED_FIELDS)


def _processed_detail(item: OrderItem) -> dict:
    return {"line": item.line_no, "sku": item.sku, "processed": units_processed(item)}


def _processed_problems(existing: dict[int, OrderItem], item_data: list[dict]) -> list[ValidationError]:
    """Removing or repricing an item already shipped or invoiced, or ordering fewer units of it than were
    processed: each such change, naming its field."""
    problems = []
    kept = {data.get("id") for data in item_data}
    for item in existing.values():
        if item.id not in kept and units_processed(item):
            problems.append(
                ValidationError(
                    f"Line {item.line_no} ({item.sku}) has been shipped, returned or invoiced; it cannot be removed.",
                    code=ErrorCode.ITEM_PROCESSED,
                    field="items",
                    **_processed_detail(item),
                )
            )
    for index, data in enumerate(item_data):
        item = existing.get(data.get("id"))
        if item is None or not units_processed(item):
            continue
        for name in PRICED_FIELDS:
            if name in data and data[name] != getattr(item, name):
                problems.append(
                    ValidationError(
                        f"items[{index}].{name} cannot change: line {item.line_no} ({item.sku}) has been shipped, "
                        "returned or invoiced.",
                        code=ErrorCode.ITEM_PROCESSED,
                        field=f"items[{index}].{name}",
                        **_processed_detail(item),
                    )
                )
        if data.get("quantity", item.quantity) < units_processed(item):
            problems.append(
                ValidationError(
                    f"items[{index}].quantity cannot be less than {units_processed(item)}: that many units of line "
                    f"{item.line_no} ({item.sku}) have been processed.",
                    code=ErrorCode.ITEM_PROCESSED,
                    field=f"items[{index}].quantity",
                    **_processed_detail(item),
                )
            )
    return problems


def _id_problems(existing: dict[int, OrderItem], item_data: list[dict]) -> list[ValidationError]:
    """Entries naming an item twice, or an item of another order."""
    problems, seen = [], set()
    for index, data in enumerate(item_data):
        item_id = data.get("id")
        if item_id is None:
            continue
        if item_id in seen:
            problems.append(
                ValidationError(f"items[{index}].id {item_id!r} is listed twice.", field=f"items[{index}].id")
            )
        elif item_id not in existing:
            problems.append(
                ValidationError(
                    f"items[{index}].id {item_id!r} is not an item of this order.",
                    code=ErrorCode.UNKNOWN_REFERENCE,
                    field=f"items[{index}].id",
                    resource="item",
                    key=item_id,
                )
            )
        seen.add(item_id)
    return problems


def item_change_problems(existing: dict[int, OrderItem], item_data: list[dict]) -> list[ValidationError]:
    """Everything that refuses cleaned items as the order's new items, each naming its field."""
    return _processed_problems(existing, item_data) + _id_problems(existing, item_data)


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


def _parameter_value(item: OrderItem, name: str):
    """A parameter as the timeline stores it (text for amounts and dates, the object for the rest)."""
    value = item.options if name == "options" else getattr(item, name)
    return value if value is None or isinstance(value, dict | list | str) else str(value)


def _parameters(item: OrderItem) -> dict:
    return {name: _parameter_value(item, name) for name in ITEM_PARAMETER_FIELDS}


def _line_summary(summary: dict) -> dict:
    return {name: value for name, value in summary.items() if name not in ITEM_PARAMETER_FIELDS}


def replace_items(order: Order, item_data: list[dict], changes: dict) -> None:
    """Make the order's items what `item_data` says (see order_update); writes nothing when they already are.
    Item changes need an order whose items may still change (rules.items_refusal). Adds to `changes` the items
    before and after when the list of lines changed, and each changed parameter of a kept line under
    `line_<n>.<parameter>`."""
    existing = {item.id: item for item in order.items.all()}
    if not items_would_change(existing, item_data):
        return
    if (refused := items_refusal(order)) is not None:
        raise refused
    found = Problems()
    for problem in item_change_problems(existing, item_data):
        found.add(problem)
    found.raise_any()
    before = [item_summary(item) for item in existing.values()]
    parameters_before = {item.id: _parameters(item) for item in existing.values()}
    kept_ids = set()
    new_items = []
    for line_no, data in enumerate(item_data, start=1):
        item_id = data.get("id")
        if item_id is not None:
            item = existing[item_id]
            kept_ids.add(item_id)
            for name, value in data.items():
                if name != "id":
                    setattr(item, name, value)
            item.line_no = line_no
            compute_line(item, tax_included=order.prices_include_tax)
            item.save()
            _note_parameters(item, parameters_before[item_id], changes)
        else:
            item = build_item(order, line_no, data, order.status)
            item.save()
        new_items.append(item)
    order.items.filter(id__in=set(existing) - kept_ids).delete()
    after = [item_summary(item) for item in new_items]
    if [_line_summary(s) for s in before] != [_line_summary(s) for s in after]:
        changes["items"] = {"before": before, "after": after}
    compute_order(order, new_items)


def _note_parameters(item: OrderItem, before: dict, changes: dict) -> None:
    for name, after in _parameters(item).items():
        if after != before[name]:
            changes[f"line_{item.line_no}.{name}"] = {"before": before[name], "after": after}
