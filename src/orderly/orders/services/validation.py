"""Turning order input (from the API, a form or an import) into clean values, or a ValidationError naming the field."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from orderly.core.countries import COUNTRY_CODES, CURRENCY_CODES
from orderly.core.exceptions import ValidationError
from orderly.orders.models import ADDRESS_FIELDS
from orderly.orders.status import CustomerType, DeliveryType

ADDRESS_LIMITS = {
    "name": 200,
    "company": 200,
    "line1": 200,
    "line2": 200,
    "postal_code": 20,
    "city": 100,
    "region": 100,
    "country": 2,
    "phone": 40,
    "email": 254,
}
ADDRESS_REQUIRED = ("name", "line1", "postal_code", "city", "country")
MAX_QUANTITY = 1_000_000
MAX_MONEY = Decimal("9999999999.99")
# Line and order totals are stored with 12 digits before the point; amounts up to a billion, with up to 100% tax on
# top, always fit. A bigger order is refused here rather than failing (or, on SQLite, being stored unreadable).
MAX_ORDER_AMOUNT = Decimal("999999999.99")
ITEM_OPTIONS = ("allocate", "fulfil", "cover", "invoice")


def text(value, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be text.", field=field)
    value = value.strip()
    if required and not value:
        raise ValidationError(f"{field} is required.", field=field)
    if len(value) > max_length:
        raise ValidationError(f"{field} is longer than {max_length} characters ({len(value)}).", field=field)
    return value


def email(value, *, field: str, required: bool = False) -> str:
    value = text(value, field=field, max_length=254, required=required)
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValidationError(f"{field} {value!r} is not a valid e-mail address.", field=field) from None
    return value


def money(value, *, field: str, default: Decimal | None = None, allow_negative: bool = False) -> Decimal:
    if value is None or value == "":
        if default is None:
            raise ValidationError(f"{field} is required.", field=field)
        return default
    if isinstance(value, bool) or isinstance(value, float) and value != value:
        raise ValidationError(f"{field} must be a number.", field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} must be a number, not {value!r}.", field=field) from None
    if not number.is_finite():
        raise ValidationError(f"{field} must be a finite number.", field=field)
    if number < 0 and not allow_negative:
        raise ValidationError(f"{field} must not be negative.", field=field)
    if abs(number) > MAX_MONEY:
        raise ValidationError(f"{field} is too large.", field=field)
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(f"{field} has more than 2 decimals.", field=field)
    return number.quantize(Decimal("0.01"))


def percent(value, *, field: str, default: Decimal) -> Decimal:
    number = money(value, field=field, default=default)
    if number > 100:
        raise ValidationError(f"{field} must be between 0 and 100.", field=field)
    return number


def quantity(value, *, field: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{field} must be a whole number of units.", field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} must be a whole number, not {value!r}.", field=field) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(f"{field} must be a whole number of units.", field=field)
    if number <= 0:
        raise ValidationError(f"{field} must be greater than zero.", field=field)
    if number > MAX_QUANTITY:
        raise ValidationError(f"{field} must be at most {MAX_QUANTITY}.", field=field)
    return int(number)


def choice(value, *, field: str, choices, default: str) -> str:
    if value is None or value == "":
        return default
    if value not in choices.values:
        raise ValidationError(f"{field} must be one of {', '.join(choices.values)}, not {value!r}.", field=field)
    return value


def country(value, *, field: str) -> str:
    code = text(value, field=field, max_length=2, required=True).upper()
    if code not in COUNTRY_CODES:
        raise ValidationError(f"{field} {value!r} is not an ISO 3166-1 country code (e.g. NL, DE, US).", field=field)
    return code


def currency(value, *, field: str = "currency") -> str:
    code = text(value, field=field, max_length=3, required=True).upper()
    if code not in CURRENCY_CODES:
        raise ValidationError(f"{field} {value!r} is not an ISO 4217 currency code (e.g. EUR, USD).", field=field)
    return code


def date(value, *, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{field} {value!r} is not a date (YYYY-MM-DD).", field=field) from None


def mapping(value, *, field: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    if len(str(value)) > 10_000:
        raise ValidationError(f"{field} is too large.", field=field)
    return value


def customer(data, *, field: str = "customer") -> dict:
    if not isinstance(data, dict):
        raise ValidationError(f"{field} must be an object with name, email and type.", field=field)
    return {
        "customer_name": text(data.get("name"), field=f"{field}.name", max_length=200, required=True),
        "customer_email": email(data.get("email"), field=f"{field}.email"),
        "customer_type": choice(data.get("type"), field=f"{field}.type", choices=CustomerType, default="retail"),
    }


def address(data, *, field: str) -> dict:
    if not isinstance(data, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    unknown = set(data) - set(ADDRESS_FIELDS)
    if unknown:
        raise ValidationError(
            f"{field} has unknown fields: {', '.join(sorted(unknown))}.", field=f"{field}.{min(unknown)}"
        )
    clean = {}
    for name in ADDRESS_FIELDS:
        path = f"{field}.{name}"
        if name == "country":
            clean[name] = country(data.get(name), field=path)
        elif name == "email":
            clean[name] = email(data.get(name), field=path)
        else:
            clean[name] = text(
                data.get(name), field=path, max_length=ADDRESS_LIMITS[name], required=name in ADDRESS_REQUIRED
            )
    return clean


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


def item(data, *, field: str, variant) -> dict:
    """Clean one item. `variant` is the catalog variant for its SKU, or None when none matches."""
    if not isinstance(data, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    sku = text(data.get("sku"), field=f"{field}.sku", max_length=64, required=True)
    clean = {
        "sku": sku,
        "variant": variant,
        "name": text(data.get("name") or (variant.name if variant else sku), field=f"{field}.name", max_length=200),
        "quantity": quantity(data.get("quantity"), field=f"{field}.quantity"),
        "unit_price": money(
            data.get("unit_price"), field=f"{field}.unit_price", default=variant.price if variant else None
        ),
        "tax_rate": percent(
            data.get("tax_rate"), field=f"{field}.tax_rate", default=variant.tax_rate if variant else Decimal(0)
        ),
        "discount": money(data.get("discount"), field=f"{field}.discount", default=Decimal("0")),
        "adjustments": adjustments(data.get("adjustments"), field=f"{field}.adjustments"),
        "purchase_price": money(data["purchase_price"], field=f"{field}.purchase_price")
        if data.get("purchase_price") not in (None, "")
        else None,
        "commission": money(data["commission"], field=f"{field}.commission")
        if data.get("commission") not in (None, "")
        else None,
        "identifiers": mapping(data.get("identifiers"), field=f"{field}.identifiers"),
        "position": text(data.get("position"), field=f"{field}.position", max_length=64),
        "delivery_type": choice(
            data.get("delivery_type"), field=f"{field}.delivery_type", choices=DeliveryType, default="ship"
        ),
        "delivery_method": text(data.get("delivery_method"), field=f"{field}.delivery_method", max_length=100),
        "expected_on": date(data.get("expected_on"), field=f"{field}.expected_on"),
        "metadata": mapping(data.get("metadata"), field=f"{field}.metadata"),
    }
    opts = options(data.get("options"), field=f"{field}.options")
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


def line_gross(item: dict) -> Decimal:
    """A cleaned item's amount before discount and tax: quantity × unit price plus adjustments."""
    return item["quantity"] * item["unit_price"] + sum((Decimal(a["amount"]) for a in item["adjustments"]), Decimal(0))
