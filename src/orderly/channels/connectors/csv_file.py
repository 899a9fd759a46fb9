"""CSV file: orders uploaded as a file in our column format (see channels/FORMATS.md), checked whole first.

One row per item; rows with the same `order_id` make one order (its order columns taken from its first row).
Every row is checked before anything is written; a file with any error is refused whole with each error's line
(as a spreadsheet numbers it, the header being line 1), column and reason.
"""

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.dateparse import parse_date, parse_datetime

from orderly.channels.connectors.base import BaseConnector, ExternalOrder
from orderly.core.countries import COUNTRY_CODES, CURRENCY_CODES
from orderly.core.exceptions import ValidationError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS = 500

REQUIRED = (
    "order_id", "customer_name", "sku", "quantity", "unit_price",
    "ship_name", "ship_line1", "ship_postal_code", "ship_city", "ship_country",
)  # fmt: skip
OPTIONAL = (
    "order_number", "order_date", "status", "customer_email", "customer_type", "currency", "item_name", "tax_rate",
    "discount", "ship_company", "ship_line2", "ship_region", "ship_phone", "notes",
)  # fmt: skip
COLUMNS = REQUIRED + OPTIONAL
LIMITS = {
    "order_id": 100, "order_number": 100, "status": 64, "customer_name": 200, "customer_email": 254, "sku": 64,
    "item_name": 200, "ship_name": 200, "ship_company": 200, "ship_line1": 200, "ship_line2": 200,
    "ship_postal_code": 20, "ship_city": 100, "ship_region": 100, "ship_phone": 40, "notes": 5000,
}  # fmt: skip
# Columns that belong to the order: every row of one order must agree on them.
ORDER_COLUMNS = ("order_number", "order_date", "status", "customer_name", "customer_email", "currency", "ship_country")


class CsvRejected(ValidationError):
    """The file has errors; nothing was imported. `errors`: [{"line", "column", "reason"}]."""

    code = "csv_rejected"

    def __init__(self, errors: list[dict]):
        first = errors[0]
        where = f"line {first['line']}" + (f", column {first['column']}" if first["column"] else "")
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"The file was not imported: {len(errors)} error(s). First: {where}: {first['reason']}{more}.",
            field="file",
        )
        self.errors = errors


def _money(value: str, *, maximum: Decimal | None = None) -> str | None:
    """None when fine, else the reason."""
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return f"{value!r} is not a number (use a point for decimals, e.g. 12.50)"
    if not number.is_finite() or number < 0:
        return f"{value!r} must be zero or more"
    if number != number.quantize(Decimal("0.01")):
        return f"{value!r} has more than 2 decimals"
    if maximum is not None and number > maximum:
        return f"{value!r} is more than {maximum}"
    return None


def _check_value(column: str, value: str) -> str | None:
    if column in REQUIRED and not value:
        return "is required"
    if not value:
        return None
    if column in LIMITS and len(value) > LIMITS[column]:
        return f"is longer than {LIMITS[column]} characters"
    if column == "quantity":
        if not value.isdigit() or not 0 < int(value) <= 1_000_000:
            return f"{value!r} is not a whole number from 1 to 1000000"
    elif column in ("unit_price", "discount"):
        return _money(value, maximum=Decimal("999999999.99"))
    elif column == "tax_rate":
        return _money(value, maximum=Decimal("100"))
    elif column == "ship_country" and value.upper() not in COUNTRY_CODES:
        return f"{value!r} is not an ISO 3166-1 country code (e.g. NL, DE)"
    elif column == "currency" and value.upper() not in CURRENCY_CODES:
        return f"{value!r} is not an ISO 4217 currency code (e.g. EUR)"
    elif column == "customer_type" and value not in ("retail", "wholesale"):
        return f"{value!r} must be retail or wholesale"
    elif column == "customer_email":
        try:
            validate_email(value)
        except DjangoValidationError:
            return f"{value!r} is not an e-mail address"
    elif column == "order_date" and _date(value) is None:
        return f"{value!r} is not a date (YYYY-MM-DD) or ISO 8601 time with zone"
    return None


def _date(value: str) -> str | None:
    try:
        when = parse_datetime(value)
        if when is not None:
            return when.astimezone(dt.UTC).isoformat() if when.tzinfo else None
        day = parse_date(value)
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).isoformat() if day else None


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        text = content
    else:
        if len(content) > MAX_BYTES:
            raise CsvRejected([{"line": 0, "column": "", "reason": f"the file is larger than {MAX_BYTES} bytes"}])
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CsvRejected([{"line": 0, "column": "", "reason": f"the file is not UTF-8 text ({exc.reason})"}])
    if "\x00" in text:
        raise CsvRejected([{"line": 0, "column": "", "reason": "the file contains NUL characters; is it a CSV?"}])
    return text


def _header(reader) -> list[str]:
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise CsvRejected([{"line": 1, "column": "", "reason": "the file is empty; a header row is required"}])
    errors = []
    for name in header:
        if name not in COLUMNS:
            errors.append({"line": 1, "column": name, "reason": "unknown column"})
        elif header.count(name) > 1:
            errors.append({"line": 1, "column": name, "reason": "column appears more than once"})
    errors += [{"line": 1, "column": c, "reason": "required column is missing"} for c in REQUIRED if c not in header]
    if errors:
        raise CsvRejected(_unique(errors))
    return header


def _unique(errors: list[dict]) -> list[dict]:
    seen, out = set(), []
    for error in errors:
        key = (error["line"], error["column"], error["reason"])
        if key not in seen:
            seen.add(key)
            out.append(error)
    return out


def parse_csv(content: bytes | str) -> list[tuple[int, ExternalOrder]]:
    """The file's orders with the line of each order's first row; raises CsvRejected listing every error."""
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    try:
        header = _header(reader)
        rows, errors = [], []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                errors.append(
                    {"line": line, "column": "", "reason": f"has {len(row)} fields, the header {len(header)}"}
                )
                continue
            values = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
            for column in header:
                if reason := _check_value(column, values[column]):
                    errors.append({"line": line, "column": column, "reason": reason})
            rows.append((line, values))
            if len(rows) > MAX_ROWS:
                raise CsvRejected([{"line": line, "column": "", "reason": f"more than {MAX_ROWS} rows"}])
            if len(errors) >= MAX_ERRORS:
                break
    except csv.Error as exc:
        raise CsvRejected([{"line": reader.line_num, "column": "", "reason": f"not readable as CSV: {exc}"}])
    if not rows and not errors:
        errors.append({"line": 2, "column": "", "reason": "the file has no rows after the header"})
    groups: dict[str, list[tuple[int, dict]]] = {}
    for line, values in rows:
        groups.setdefault(values["order_id"], []).append((line, values))
    for group in groups.values():
        first = group[0][1]
        for line, values in group[1:]:
            for column in ORDER_COLUMNS:
                if column in values and values[column] != first[column]:
                    errors.append(
                        {
                            "line": line,
                            "column": column,
                            "reason": f"differs from line {group[0][0]} of the same order_id ({first[column]!r})",
                        }
                    )
    if errors:
        raise CsvRejected(
            sorted(errors, key=lambda e: (e["line"], COLUMNS.index(e["column"]) if e["column"] in COLUMNS else -1))
        )
    return [(group[0][0], _order(group)) for group in groups.values()]


def _order(group: list[tuple[int, dict]]) -> ExternalOrder:
    first = group[0][1]
    get = first.get
    shipping = {
        "name": get("ship_name"),
        "company": get("ship_company", ""),
        "line1": get("ship_line1"),
        "line2": get("ship_line2", ""),
        "postal_code": get("ship_postal_code"),
        "city": get("ship_city"),
        "region": get("ship_region", ""),
        "country": get("ship_country").upper(),
        "phone": get("ship_phone", ""),
        "email": get("customer_email", ""),
    }
    items = []
    for _, values in group:
        item = {"sku": values["sku"], "quantity": int(values["quantity"]), "unit_price": values["unit_price"]}
        for column, key in (("item_name", "name"), ("tax_rate", "tax_rate"), ("discount", "discount")):
            if values.get(column):
                item[key] = values[column]
        items.append(item)
    customer = {"name": get("customer_name"), "email": get("customer_email", "")}
    if get("customer_type"):
        customer["type"] = get("customer_type")
    return ExternalOrder(
        external_id=get("order_id"),
        external_ref=get("order_number", "") or get("order_id"),
        external_status=get("status", "") or "open",
        order_date=_date(get("order_date")) if get("order_date") else None,
        customer=customer,
        shipping_address=shipping,
        currency=(get("currency", "") or "EUR").upper(),
        items=items,
        notes=get("notes", ""),
    )


class Connector(BaseConnector):
    kind = "csv"
