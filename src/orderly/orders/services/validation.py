"""Turning order input (from the API, a form or an import) into clean values, or a ValidationError naming the field."""

import datetime as dt
import functools
import json
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from orderly.core.countries import (
    COUNTRY_CODES,
    CURRENCY_CODES,
    EU_VAT_FORMATS,
    NO_POSTAL_CODE,
    REGION_REQUIRED,
    ZERO_DECIMAL_CURRENCIES,
    vat_number_country,
)
from orderly.core.exceptions import Problems, ValidationError
from orderly.orders.models import ADDRESS_FIELDS
from orderly.orders.status import ChargeKind, CustomerType

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
MAX_TAX_LINES = 10
MAX_CHARGES = 50
MAX_QUANTITY = 1_000_000
MAX_MONEY = Decimal("9999999999.99")
ZERO_MONEY = Decimal("0")
# Line and order totals are stored with 12 digits before the point; amounts up to a billion, with up to 100% tax on
# top, always fit. A bigger order is refused here rather than failing (or, on SQLite, being stored unreadable).
MAX_ORDER_AMOUNT = Decimal("999999999.99")


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


@functools.lru_cache(maxsize=1024)
def is_email(value: str) -> bool:
    """Django's e-mail check, remembered: an order gives the customer's address two or three times."""
    try:
        validate_email(value)
    except DjangoValidationError:
        return False
    return True


def email(value, *, field: str, required: bool = False) -> str:
    value = text(value, field=field, max_length=254, required=required)
    if value and not is_email(value):
        raise ValidationError(f"{field} {value!r} is not a valid e-mail address.", field=field)
    return value


def money(value, *, field: str, default: Decimal | None = None, allow_negative: bool = False) -> Decimal:
    if type(value) is str and (known := _MONEY.get(value)) is not None:
        return known  # amounts repeat across lines and orders; only valid, non-negative ones are remembered
    number = _money(value, field, default, allow_negative)
    if type(value) is str and value and number >= 0 and len(_MONEY) < 4096:
        _MONEY[value] = number
    return number


_MONEY: dict[str, Decimal] = {}


def _money(value, field: str, default: Decimal | None, allow_negative: bool) -> Decimal:
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


def within_currency(amount: Decimal, currency: str, *, field: str) -> Decimal:
    """The amount, refused when it has more decimals than the currency has (a fraction of a yen)."""
    if currency in ZERO_DECIMAL_CURRENCIES and amount != amount.to_integral_value():
        raise ValidationError(f"{field} {amount} has decimals, and {currency} amounts are whole numbers.", field=field)
    return amount


def percent(value, *, field: str, default: Decimal) -> Decimal:
    number = money(value, field=field, default=default)
    if number > 100:
        raise ValidationError(f"{field} must be between 0 and 100.", field=field)
    return number


def rate(value, *, field: str, default: Decimal) -> Decimal:
    """A tax rate in percent, 0 – 100, with up to 4 decimals (Quebec's 9.975 %, Canada's 14.975 % together)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValidationError(f"{field} must be a number.", field=field)
    if isinstance(value, str) and (known := _RATES.get(value)) is not None:
        return known  # an order's few rates repeat on every line
    number = _rate(value, field)
    if isinstance(value, str) and len(_RATES) < 1024:
        _RATES[value] = number
    return number


_RATES: dict[str, Decimal] = {}


def _rate(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} must be a number, not {value!r}.", field=field) from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise ValidationError(f"{field} must be between 0 and 100.", field=field)
    if number != number.quantize(Decimal("0.0001")):
        raise ValidationError(f"{field} has more than 4 decimals.", field=field)
    return number.quantize(Decimal("0.0001"))


def tax_lines(value, *, field: str, allow_negative: bool = False) -> list[dict]:
    """The shop's taxes on a line or charge: [{"title", "rate" (percent), "amount" (for the whole line)}]."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{field} must be a list of {{title, rate, amount}}.", field=field)
    if len(value) > MAX_TAX_LINES:
        raise ValidationError(f"{field} has more than {MAX_TAX_LINES} taxes.", field=field)
    clean = []
    for i, entry in enumerate(value):
        path = f"{field}[{i}]"
        if not isinstance(entry, dict):
            raise ValidationError(f"{path} must be an object with title, rate and amount.", field=path)
        clean.append(
            {
                "title": text(entry.get("title"), field=f"{path}.title", max_length=100),
                "rate": format(rate(entry.get("rate"), field=f"{path}.rate", default=Decimal(0)).normalize(), "f"),
                "amount": str(money(entry.get("amount"), field=f"{path}.amount", allow_negative=allow_negative)),
            }
        )
    return clean


def taxes_of(lines: list[dict]) -> Decimal:
    return sum((Decimal(line["amount"]) for line in lines), Decimal(0))


def quantity(value, *, field: str) -> int:
    if type(value) is int and 0 < value <= MAX_QUANTITY:
        return value
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


MAX_MAPPING_TEXT = 10_000
MAPPING_EXAMPLE = '{"colour": "black", "size": "250 g"}'


def mapping(value, *, field: str) -> dict:
    """Free names and values (identifiers, metadata): an object, or its JSON text as a form sends it."""
    if isinstance(value, str):
        value = _json_object(value, field=field)
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    if len(str(value)) > MAX_MAPPING_TEXT:
        raise ValidationError(f"{field} is too large.", field=field)
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _json_object(typed: str, *, field: str) -> dict:
    typed = typed.strip()
    if not typed:
        return {}
    if len(typed) > MAX_MAPPING_TEXT:
        raise ValidationError(f"{field} is too large: at most {MAX_MAPPING_TEXT} characters.", field=field)
    try:
        value = json.loads(typed, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{field} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
            f"Write an object such as {MAPPING_EXAMPLE}.",
            field=field,
        ) from None
    except (ValueError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise ValidationError(f"{field} is not valid JSON: {reason}.", field=field) from None
    if not isinstance(value, dict):
        raise ValidationError(
            f"{field} must be a JSON object of names and values such as {MAPPING_EXAMPLE}, "
            f"not {type(value).__name__ if value is not None else 'null'}.",
            field=field,
        )
    return value


def customer(data, *, field: str = "customer") -> dict:
    """The customer's fields cleaned; every problem refused at once, each naming its field."""
    if not isinstance(data, dict):
        raise ValidationError(f"{field} must be an object with name, email and type.", field=field)
    found = Problems()
    fields = {
        "customer_name": found.check(text, data.get("name"), field=f"{field}.name", max_length=200, required=True),
        "customer_email": found.check(email, data.get("email"), field=f"{field}.email"),
        "customer_type": found.check(
            choice, data.get("type"), field=f"{field}.type", choices=CustomerType, default="retail"
        ),
        "customer_vat_number": found.check(vat_number, data.get("vat_number"), field=f"{field}.vat_number"),
    }
    found.raise_any()
    return fields


VAT_NUMBER = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,13}")
EU_VAT_NUMBERS = {prefix: re.compile(pattern) for prefix, (pattern, _words) in EU_VAT_FORMATS.items()}


def vat_number(value, *, field: str) -> str:
    """A VAT number as written on invoices: upper case, without the spaces, dots and dashes people type in it, its
    country's two letters first (NL123456789B01, DE123456789; Greece's are EL). An EU member state's number must
    have that state's shape (EU_VAT_FORMATS: DE and 9 digits); another country's, 2 to 13 letters or digits after
    its two letters. Empty when not given."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be text.", field=field)
    cleaned = re.sub(r"[\s.\-]", "", value).upper()
    if not cleaned:
        return ""
    if not VAT_NUMBER.fullmatch(cleaned):
        raise ValidationError(
            f"{field} {value!r} is not a VAT number: it is the country's two letters and 2 to 13 letters or digits, "
            "e.g. DE123456789.",
            field=field,
        )
    prefix, rest = cleaned[:2], cleaned[2:]
    if prefix == "GR":
        raise ValidationError(
            f"{field} {value!r} is not a VAT number: Greek VAT numbers start with EL, e.g. EL123456789.", field=field
        )
    if not vat_number_country(prefix):
        raise ValidationError(
            f"{field} {value!r} is not a VAT number: {prefix} is no country's two letters (e.g. DE123456789).",
            field=field,
        )
    if prefix in EU_VAT_NUMBERS and not EU_VAT_NUMBERS[prefix].fullmatch(rest):
        raise ValidationError(
            f"{field} {value!r} is not a VAT number of {prefix}: after {prefix} come {EU_VAT_FORMATS[prefix][1]}.",
            field=field,
        )
    return cleaned


def address_problem(data: dict, *, field: str) -> ValidationError | None:
    """What the address's country rules refuse in an address already cleaned loosely: the first missing part, or
    None. A postal code is needed except where the country has none; a region where carriers need one."""
    if not data.get("name") and not data.get("company"):
        return ValidationError(f"{field}.name (or a company) is required.", field=f"{field}.name")
    for name in ("line1", "city"):
        if not data.get(name):
            return ValidationError(f"{field}.{name} is required.", field=f"{field}.{name}")
    code = data.get("country", "")
    if code not in COUNTRY_CODES:
        return ValidationError(
            f"{field}.country {code!r} is not an ISO 3166-1 country code (e.g. NL, DE, US).", field=f"{field}.country"
        )
    if not data.get("postal_code") and code not in NO_POSTAL_CODE:
        return ValidationError(
            f"{field}.postal_code is required for an address in {code}.", field=f"{field}.postal_code"
        )
    if not data.get("region") and code in REGION_REQUIRED:
        return ValidationError(
            f"{field}.region (state or province) is required for an address in {code}.", field=f"{field}.region"
        )
    return None


def address_loose(data, *, field: str) -> dict:
    """An address as a shop sent it, kept even when its country's rules refuse it (the order then carries an
    error naming the field): text cut to its column, the country upper-cased, an e-mail that is not one dropped.
    Only a value that is not an object at all is refused."""
    if not isinstance(data, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    clean = {}
    for name in ADDRESS_FIELDS:
        value = data.get(name)
        value = "" if value is None else str(value).strip()[: ADDRESS_LIMITS[name]]
        clean[name] = value
    clean["country"] = clean["country"].upper()
    if clean["email"] and not is_email(clean["email"]):
        clean["email"] = ""
    return clean


def _address_part(data: dict, name: str, path: str, country_code: str):
    if name == "country":
        return country(data.get(name), field=path)
    if name == "email":
        return email(data.get(name), field=path)
    required = name in ADDRESS_REQUIRED and not (name == "postal_code" and country_code in NO_POSTAL_CODE)
    return text(data.get(name), field=path, max_length=ADDRESS_LIMITS[name], required=required)


def address_problems(data, *, field: str) -> tuple[dict, list[ValidationError]]:
    """The address cleaned, and every reason to refuse it, each naming its field: first each part's own check in
    form order, then the country's rules (a form shows them all at once, as `address` refuses them)."""
    if not isinstance(data, dict):
        return {}, [ValidationError(f"{field} must be an object.", field=field)]
    unknown = set(data) - set(ADDRESS_FIELDS)
    if unknown:
        message = f"{field} has unknown fields: {', '.join(sorted(unknown))}."
        return {}, [ValidationError(message, field=f"{field}.{min(unknown)}")]
    # read before the loop (which reports the fields in form order): whether the country uses postal codes
    country_code = str(data.get("country") or "").strip().upper()
    clean, problems = {}, []
    for name in ADDRESS_FIELDS:
        try:
            clean[name] = _address_part(data, name, f"{field}.{name}", country_code)
        except ValidationError as refused:
            problems.append(refused)
            clean[name] = "?"  # reported already; the country's rules below judge the other parts
    reported = {problem.field for problem in problems}
    while (problem := address_problem(clean, field=field)) and problem.field not in reported:
        problems.append(problem)
        reported.add(problem.field)
        clean[problem.field.rsplit(".", 1)[1]] = "?"
    return clean, problems


def address(data, *, field: str) -> dict:
    """The address cleaned; every problem of it refused at once (InvalidInput when there are several, reading as
    the first)."""
    clean, problems = address_problems(data, field=field)
    found = Problems()
    for problem in problems:
        found.add(problem)
    found.raise_any()
    return clean


def charge(data, *, field: str) -> dict:
    """Clean one charge (shipping or a fee) as the shop charged it."""
    if not isinstance(data, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    kind = choice(data.get("kind"), field=f"{field}.kind", choices=ChargeKind, default=ChargeKind.SHIPPING)
    # a negative fee (a discount as a fee line) carries negative tax
    taxes = tax_lines(data.get("tax_lines"), field=f"{field}.tax_lines", allow_negative=kind == ChargeKind.FEE)
    clean = {
        "kind": kind,
        "title": text(data.get("title"), field=f"{field}.title", max_length=200) or ChargeKind(kind).label,
        "code": text(data.get("code"), field=f"{field}.code", max_length=100),
        "amount": money(data.get("amount"), field=f"{field}.amount", allow_negative=kind == ChargeKind.FEE),
        "discount": money(data.get("discount"), field=f"{field}.discount", default=Decimal("0")),
        "tax_lines": taxes,
        "tax_rate": rate(
            data.get("tax_rate", sum((Decimal(t["rate"]) for t in taxes), Decimal(0))),
            field=f"{field}.tax_rate",
            default=Decimal(0),
        ),
    }
    if clean["amount"] >= 0 and clean["discount"] > clean["amount"]:
        raise ValidationError(
            f"{field}.discount {clean['discount']} is more than the charge's {clean['amount']}.",
            field=f"{field}.discount",
        )
    if abs(clean["amount"]) > MAX_ORDER_AMOUNT:
        raise ValidationError(f"{field}.amount is more than an order may total.", field=f"{field}.amount")
    return clean


def charges(value, *, field: str = "charges") -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{field} must be a list of charges.", field=field)
    if len(value) > MAX_CHARGES:
        raise ValidationError(f"An order may have at most {MAX_CHARGES} charges.", field=field)
    return [charge(entry, field=f"{field}[{i}]") for i, entry in enumerate(value)]


def discount_codes(value, *, field: str = "discount_codes") -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > 50:
        raise ValidationError(f"{field} must be a list of at most 50 {{code, type, amount}}.", field=field)
    clean = []
    for i, entry in enumerate(value):
        path = f"{field}[{i}]"
        if not isinstance(entry, dict):
            raise ValidationError(f"{path} must be an object with code, type and amount.", field=path)
        clean.append(
            {
                "code": text(entry.get("code"), field=f"{path}.code", max_length=100),
                "type": text(entry.get("type"), field=f"{path}.type", max_length=40),
                "amount": str(money(entry.get("amount"), field=f"{path}.amount", default=Decimal("0"))),
            }
        )
    return clean
