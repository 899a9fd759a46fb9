"""Turning an order item as given (by the API, a form or a shop's import) into clean values: every problem of the
item at once, each naming its field. The values' own checks (text, money, rates, dates) are in validation."""

from decimal import Decimal

from orderly.core.exceptions import Problems, ValidationError
from orderly.orders.services.validation import (
    MAX_ORDER_AMOUNT,
    ZERO_MONEY,
    choice,
    date,
    mapping,
    money,
    quantity,
    rate,
    tax_lines,
    text,
)
from orderly.orders.status import DeliveryType

ITEM_OPTIONS = ("allocate", "fulfil", "cover", "invoice")


def adjustments(value, *, field: str) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{field} must be a list of {{label, amount}}.", field=field)
    clean = []
    for i, entry in enumerate(value):
        path = f"{field}[{i}]"
        if not isinstance(entry, dict):
            raise ValidationError(f"{path} must be an object with label and amount.", field=path)
        clean.append(
            {
                "label": text(entry.get("label"), field=f"{path}.label", max_length=200, required=True),
                "amount": str(money(entry.get("amount"), field=f"{path}.amount", allow_negative=True)),
            }
        )
    return clean


def options(value, *, field: str) -> dict[str, bool]:
    if value in (None, ""):
        return {name: True for name in ITEM_OPTIONS}
    if not isinstance(value, dict):
        raise ValidationError(f"{field} must be an object of {', '.join(ITEM_OPTIONS)} flags.", field=field)
    unknown = set(value) - set(ITEM_OPTIONS)
    if unknown:
        raise ValidationError(f"{field} has unknown options: {', '.join(sorted(unknown))}.", field=field)
    return {name: bool(value.get(name, True)) for name in ITEM_OPTIONS}


def item(data, *, field: str, variant, price_required: bool = True) -> dict:
    """Clean one item. `variant` is the catalog variant for its SKU, or None when none matches. Every problem of
    the item is refused at once (an InvalidInput when there are several), each naming its field, in the order the
    fields are listed here. `price_required` False (the SKU was refused already) lets a missing unit price pass, so
    that only the item's other problems join the SKU's."""
    if not isinstance(data, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    get = data.get
    found = Problems()
    sku = found.check(text, get("sku"), field=f"{field}.sku", max_length=64, required=True)
    price = variant.price if variant else (None if price_required else ZERO_MONEY)
    clean = {
        "sku": sku,
        "variant": variant,
        "name": found.check(
            text, get("name") or (variant.name if variant else sku), field=f"{field}.name", max_length=200
        ),
        "quantity": found.check(quantity, get("quantity"), field=f"{field}.quantity"),
        "unit_price": found.check(money, get("unit_price"), field=f"{field}.unit_price", default=price),
        "tax_rate": found.check(
            rate, get("tax_rate"), field=f"{field}.tax_rate", default=variant.tax_rate if variant else Decimal(0)
        ),
        "tax_lines": found.check(tax_lines, get("tax_lines"), field=f"{field}.tax_lines"),
        "discount": found.check(money, get("discount"), field=f"{field}.discount", default=ZERO_MONEY),
        "identifiers": found.check(mapping, get("identifiers"), field=f"{field}.identifiers"),
    }
    # The rest is seldom given (a shop's import gives none of it): what is absent takes its default directly.
    for name, clean_one in _ITEM_OPTIONAL:
        value = get(name)
        clean[name] = found.check(clean_one, value, f"{field}.{name}") if value is not None else _ITEM_ABSENT[name]()
    opts = found.check(options, get("options"), field=f"{field}.options")
    found.raise_any()
    clean.update({f"option_{name}": flag for name, flag in opts.items()})
    gross = line_gross(clean)
    if gross > MAX_ORDER_AMOUNT:
        raise ValidationError(
            f"{field} comes to {gross}, more than an order may total ({MAX_ORDER_AMOUNT}).", field=field
        )
    if clean["discount"] > gross:
        raise ValidationError(
            f"{field}.discount {clean['discount']} is more than the line's {gross}.", field=f"{field}.discount"
        )
    return clean


_ITEM_OPTIONAL = (
    ("adjustments", lambda value, field: adjustments(value, field=field)),
    ("purchase_price", lambda value, field: money(value, field=field) if value != "" else None),
    ("commission", lambda value, field: money(value, field=field) if value != "" else None),
    ("position", lambda value, field: text(value, field=field, max_length=64)),
    ("delivery_type", lambda value, field: choice(value, field=field, choices=DeliveryType, default="ship")),
    ("delivery_method", lambda value, field: text(value, field=field, max_length=100)),
    ("expected_on", lambda value, field: date(value, field=field)),
    ("metadata", lambda value, field: mapping(value, field=field)),
)
_ITEM_ABSENT = {
    "adjustments": list,
    "purchase_price": lambda: None,
    "commission": lambda: None,
    "position": str,
    "delivery_type": lambda: "ship",
    "delivery_method": str,
    "expected_on": lambda: None,
    "metadata": dict,
}


def line_gross(item: dict) -> Decimal:
    """A cleaned item's amount before discount and tax: quantity × unit price plus adjustments."""
    gross = item["quantity"] * item["unit_price"]
    if item["adjustments"]:
        gross += sum((Decimal(a["amount"]) for a in item["adjustments"]), Decimal(0))
    return gross
