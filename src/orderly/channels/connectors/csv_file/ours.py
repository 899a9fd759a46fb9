"""Our own column format (channels/FORMATS.md, "CSV file"): one row per item, rows with the same `order_id` one order.

Every row is checked before anything is written; a file with any error is refused whole with each error's line
(as a spreadsheet numbers it, the header being line 1), column and reason.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from orderly.channels.connectors.base import ExternalOrder
from orderly.channels.connectors.csv_file import reading
from orderly.channels.connectors.csv_file.reading import CsvRejected, Sheet, error
from orderly.core.countries import COUNTRY_CODES, CURRENCY_CODES

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
NUMBERS = ("unit_price", "discount", "tax_rate")
MAX_AMOUNT = Decimal("999999999.99")


class _Reader:
    """The file's own choices (decimal comma, day-first dates), made once from all its values."""

    def __init__(self, sheet: Sheet, rows: list[tuple[int, dict]]):
        self.decimal_comma = reading.decide_decimal_comma(
            [values[c] for _, values in rows for c in NUMBERS if values.get(c)]
        )
        self.day_first = reading.decide_day_first([values.get("order_date", "") for _, values in rows])
        sheet.decimal_comma = self.decimal_comma

    def check(self, column: str, value: str) -> tuple[str, str | None]:
        """The value as we keep it (amounts with a point) and the reason it is wrong, if it is."""
        if column in REQUIRED and not value:
            return value, "is required"
        if not value:
            return value, None
        if column in LIMITS and len(value) > LIMITS[column]:
            return value, f"is longer than {LIMITS[column]} characters"
        if column == "quantity":
            if not reading.WHOLE.fullmatch(value) or not 0 < int(value) <= 1_000_000:
                return value, f"{value!r} is not a whole number from 1 to 1000000"
        elif column in NUMBERS:
            maximum = Decimal("100") if column == "tax_rate" else MAX_AMOUNT
            amount, reason = reading.money(value, decimal_comma=self.decimal_comma, maximum=maximum)
            if reason:
                return value, reason
            # A point-decimal value is kept as written (re-importing an old file changes nothing).
            return (value if "," not in value else str(amount)), None
        elif column == "ship_country" and value.upper() not in COUNTRY_CODES:
            return value, f"{value!r} is not an ISO 3166-1 country code (e.g. NL, DE)"
        elif column == "currency" and value.upper() not in CURRENCY_CODES:
            return value, f"{value!r} is not an ISO 4217 currency code (e.g. EUR)"
        elif column == "customer_type" and value not in ("retail", "wholesale"):
            return value, f"{value!r} must be retail or wholesale"
        elif column == "customer_email":
            try:
                validate_email(value)
            except DjangoValidationError:
                return value, f"{value!r} is not an e-mail address"
        elif column == "order_date":
            when, reason = reading.date(value, day_first=self.day_first)
            return (when or value), reason
        return value, None


def _header(sheet: Sheet) -> list[str]:
    header = [name.strip().lower() for name in sheet.header]
    line = sheet.header_line
    errors = []
    for name in header:
        if name not in COLUMNS:
            errors.append(error(line, name, "unknown column"))
        elif header.count(name) > 1:
            errors.append(error(line, name, "column appears more than once"))
    errors += [error(line, c, "required column is missing") for c in REQUIRED if c not in header]
    if errors:
        context = sheet.describe(numbers=False)
        if len(header) == 1 and sheet.delimiter == ",":
            context += " Only one column was found: separate the columns with commas, semicolons or tabs."
        raise CsvRejected(_unique(errors), context=context)
    return header


def _unique(errors: list[dict]) -> list[dict]:
    seen, out = set(), []
    for item in errors:
        key = (item["line"], item["column"], item["reason"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def parse(sheet: Sheet) -> list[tuple[int, ExternalOrder]]:
    """The file's orders with the line of each order's first row; raises CsvRejected listing every error."""
    header = _header(sheet)
    rows, errors = [], []
    for line, cells in sheet.rows:
        if len(cells) != len(header):
            errors.append(error(line, "", f"has {len(cells)} fields, the header {len(header)}"))
            continue
        rows.append((line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}))
    reader = _Reader(sheet, rows)
    for line, values in rows:
        for column in header:
            values[column], reason = reader.check(column, values[column])
            if reason:
                errors.append(error(line, column, reason))
        if len(errors) >= reading.MAX_ERRORS:
            break
    if not rows and not errors:
        errors.append(error(sheet.header_line + 1, "", "the file has no rows after the header"))
    groups: dict[str, list[tuple[int, dict]]] = {}
    for line, values in rows:
        groups.setdefault(values["order_id"], []).append((line, values))
    for group in groups.values():
        first_line, first = group[0]
        for line, values in group[1:]:
            for column in ORDER_COLUMNS:
                if column in values and values[column] != first[column]:
                    reason = f"differs from line {first_line} of the same order_id ({first[column]!r})"
                    errors.append(error(line, column, reason))
    if errors:
        order = {name: n for n, name in enumerate(COLUMNS)}
        errors.sort(key=lambda e: (e["line"], order.get(e["column"], -1)))
        raise CsvRejected(errors[: reading.MAX_ERRORS], context=sheet.describe())
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
        order_date=get("order_date") or None,
        customer=customer,
        shipping_address=shipping,
        currency=(get("currency", "") or "EUR").upper(),
        items=items,
        notes=get("notes", ""),
    )
