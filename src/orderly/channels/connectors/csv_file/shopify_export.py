"""The Shopify admin's "Export orders" CSV (Orders › Export, "Plain CSV file"), recognized by its header.

One row per line item. The first row of an order carries the order's columns (Name, Email, Financial Status, …,
Subtotal, Shipping, Taxes, Total, Discount Code, Discount Amount, the addresses, Tax 1–5 Name/Value, Id, …); the
order's later rows repeat Name and leave the order's columns empty. Quoted values may run over several lines.

Shopify's figures are taken as stated: Subtotal is after all line discounts (order-level discount codes included)
and before shipping and taxes; Total = Subtotal + Shipping (− a shipping discount) + Taxes (when prices exclude
tax) + Duties. The export states discounts and taxes per order only, so we spread them over the lines (see
`allocation`) in cents that add up to the shop's Discount Amount and Taxes exactly. See FORMATS.md.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.text import slugify

from orderly.channels.connectors import parsing
from orderly.channels.connectors.base import ExternalOrder
from orderly.channels.connectors.csv_file import allocation, reading
from orderly.channels.connectors.csv_file.allocation import Receiver, Tax
from orderly.channels.connectors.csv_file.reading import CsvRejected, Sheet, error
from orderly.core.countries import CURRENCY_CODES

REQUIRED = (
    "Name", "Currency", "Subtotal", "Shipping", "Taxes", "Total",
    "Lineitem quantity", "Lineitem name", "Lineitem price",
)  # fmt: skip
MARKERS = {"financial status", "lineitem quantity", "lineitem name", "lineitem price", "lineitem sku", "paid at"}
ORDER_MONEY = ("Subtotal", "Shipping", "Taxes", "Total")
OPTIONAL_MONEY = ("Discount Amount", "Refunded Amount", "Duties") + tuple(f"Tax {n} Value" for n in range(1, 6))
LINE_MONEY = ("Lineitem price", "Lineitem discount")
# Order columns that a later row of the same order, when it fills them at all, must repeat unchanged.
REPEATED = ("Id", "Currency", "Subtotal", "Shipping", "Taxes", "Total")
UNPAID = ("pending", "authorized", "voided", "expired")
MAX_AMOUNT = Decimal("999999999.99")
ZERO = Decimal(0)


def recognizes(header: list[str]) -> bool:
    return len({name.strip().lower() for name in header} & MARKERS) >= 3


class _Order:
    """One order's rows read and checked; `errors` collects what is wrong with them."""

    def __init__(self, rows: list[tuple[int, dict]], decimal_comma: bool, day_first: bool | None):
        self.rows, self.decimal_comma, self.day_first = rows, decimal_comma, day_first
        self.line, self.first = rows[0]
        self.errors: list[dict] = []

    def text(self, row: dict, column: str, limit: int = 200) -> str:
        return parsing.text(row.get(column.lower()), limit)

    def amount(self, line: int, row: dict, column: str, *, required=False, negative=False) -> Decimal:
        value = row.get(column.lower(), "")
        if not value:
            if required:
                self.errors.append(error(line, column, "is required on the order's first row"))
            return ZERO
        amount, reason = reading.money(value, decimal_comma=self.decimal_comma, maximum=MAX_AMOUNT, negative=negative)
        if reason:
            self.errors.append(error(line, column, reason))
            return ZERO
        return amount

    def when(self, column: str) -> str:
        value = self.first.get(column.lower(), "")
        if not value:
            return ""
        when, reason = reading.date(value, day_first=self.day_first)
        if reason:
            self.errors.append(error(self.line, column, reason))
        return when or ""

    def flag(self, line: int, row: dict, column: str) -> bool:
        value = row.get(column.lower(), "").strip().lower()
        if value in ("", "true", "yes", "1", "wahr", "vrai"):
            return True
        if value in ("false", "no", "0", "falsch", "faux"):
            return False
        self.errors.append(error(line, column, f"{value!r} is not true or false"))
        return True

    def lines(self) -> list[dict]:
        lines = []
        for n, (line, row) in enumerate(self.rows, start=1):
            quantity = row.get("lineitem quantity", "")
            whole = bool(reading.WHOLE.fullmatch(quantity))
            if not whole or not 0 < int(quantity) <= 1_000_000:
                reason = f"{quantity!r} is not a whole number from 1 to 1000000"
                self.errors.append(error(line, "Lineitem quantity", reason))
            name = self.text(row, "Lineitem name")
            if not name:
                self.errors.append(error(line, "Lineitem name", "is required"))
            lines.append(
                {
                    "n": n,
                    "line": line,
                    "name": name,
                    "sku": self.text(row, "Lineitem sku", 64) or _title_sku(name),
                    "quantity": int(quantity) if whole else 0,
                    "price": self.amount(line, row, "Lineitem price", required=True),
                    "discount": self.amount(line, row, "Lineitem discount"),
                    "ships": self.flag(line, row, "Lineitem requires shipping"),
                    "taxable": self.flag(line, row, "Lineitem taxable"),
                    "fulfilled": self.text(row, "Lineitem fulfillment status").lower() == "fulfilled",
                }
            )
        for line, row in self.rows[1:]:
            for column in REPEATED:
                value = row.get(column.lower(), "")
                if value and value != self.first.get(column.lower(), ""):
                    was = self.first.get(column.lower(), "")
                    reason = f"differs from line {self.line}, the order's first row ({was!r})"
                    self.errors.append(error(line, column, reason))
        return lines


def _title_sku(name: str) -> str:
    return ("shopify-title-" + (slugify(name) or "line"))[:64]


def _address(row: dict, prefix: str) -> dict | None:
    def get(column: str, limit: int = 200) -> str:
        return parsing.text(row.get(f"{prefix} {column}".lower()), limit)

    address = {
        "name": get("Name"),
        "company": get("Company"),
        "line1": get("Address1") or get("Street"),
        "line2": get("Address2"),
        "postal_code": get("Zip", 20).removeprefix("'"),  # Shopify writes '1011 so spreadsheets keep the zeros
        "city": get("City", 100),
        "region": get("Province", 100),
        "country": get("Country", 2).upper(),
        "phone": get("Phone", 40),
        "email": "",
    }
    return address if any(address[k] for k in ("line1", "city", "postal_code", "country")) else None


def _money(value: Decimal) -> str:
    return parsing.decimal(value, what="amount")


def _build(order: _Order) -> ExternalOrder | None:
    first, line = order.first, order.line
    currency = order.text(first, "Currency", 3).upper()
    if currency not in CURRENCY_CODES:
        order.errors.append(error(line, "Currency", f"{currency!r} is not an ISO 4217 currency code (e.g. EUR)"))
    subtotal, shipping, taxes, total = (order.amount(line, first, c, required=True) for c in ORDER_MONEY)
    discount_amount, refunded, duties = (order.amount(line, first, c) for c in OPTIONAL_MONEY[:3])
    outstanding = order.amount(line, first, "Outstanding Balance", negative=True)
    email = order.text(first, "Email", 254)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            order.errors.append(error(line, "Email", f"{email!r} is not an e-mail address"))
    created, fulfilled_at = order.when("Created at"), order.when("Fulfilled at")
    lines = order.lines()
    taxes_named = [
        Tax(order.text(first, f"Tax {n} Name") or "Tax", None, order.amount(line, first, f"Tax {n} Value"))
        for n in range(1, 6)
    ]
    if order.errors:
        return None

    # Discounts: what the lines lack to come to Subtotal is the order-level discount (codes) on them.
    nets = [ln["quantity"] * ln["price"] - ln["discount"] for ln in lines]
    for ln, net in zip(lines, nets, strict=True):
        if net < 0:
            order.errors.append(error(ln["line"], "Lineitem discount", f"{ln['discount']} is more than the line's"))
    on_lines = sum(nets, ZERO) - subtotal
    if on_lines < 0:
        order.errors.append(
            error(
                line,
                "Subtotal",
                f"{subtotal} is more than the lines come to ({sum(nets, ZERO)}: quantity × price − "
                "Lineitem discount); the export's Subtotal is after discounts",
            )
        )
    if order.errors:
        return None
    spread = allocation.split(on_lines, nets)
    discounts = [ln["discount"] + extra for ln, extra in zip(lines, spread, strict=True)]
    # Shipping discount and tax basis: the reading of the shop's figures under which they add up to Total.
    line_discounts = sum(discounts, ZERO)
    rest = discount_amount - line_discounts
    candidates = [ZERO] + ([rest] if ZERO < rest <= shipping else [])
    reading_ = next(
        (
            (ship_discount, inside)
            for ship_discount in candidates
            for inside in (False, True)
            if subtotal + shipping - ship_discount + duties + (ZERO if inside else taxes) == total
        ),
        None,
    )
    if reading_ is None:
        extra = f" + Duties {duties}" if duties else ""
        on_top = subtotal + shipping + taxes + duties
        order.errors.append(
            error(
                line,
                "Total",
                f"{total} does not add up: Subtotal {subtotal} + Shipping {shipping} + Taxes {taxes}{extra} = {on_top} "
                f"(taxes on top), or {on_top - taxes} without Taxes (prices including tax)",
            )
        )
        return None
    ship_discount, inside = reading_
    figures = _Figures(
        currency, subtotal, shipping, taxes, total, discount_amount, refunded, duties, outstanding, email, created,
        fulfilled_at,
    )  # fmt: skip
    return _external(order, lines, discounts, ship_discount, inside, taxes_named, figures)


@dataclass
class _Figures:
    currency: str
    subtotal: Decimal
    shipping: Decimal
    taxes: Decimal
    total: Decimal
    discount_amount: Decimal
    refunded: Decimal
    duties: Decimal
    outstanding: Decimal
    email: str
    created: str
    fulfilled_at: str


def _external(order, lines, discounts, ship_discount, inside, taxes_named, f: "_Figures") -> ExternalOrder | None:
    first, line = order.first, order.line
    named = [t for t in taxes_named if t.value]
    for tax in named:
        tax.rate = allocation.rate_in(tax.title)
    stated = sum((t.value for t in named), ZERO)
    if stated > f.taxes:
        order.errors.append(error(line, "Taxes", f"{f.taxes} is less than Tax 1–5 Value together ({stated})"))
        return None
    if f.taxes > stated:
        named.append(Tax(title="Tax", rate=None, value=f.taxes - stated))
    method = order.text(first, "Shipping Method")
    has_shipping = bool(f.shipping or method)
    receivers = [
        Receiver(base=ln["quantity"] * ln["price"] - d, taxable=ln["taxable"])
        for ln, d in zip(lines, discounts, strict=True)
    ]
    if has_shipping:
        receivers.append(Receiver(base=f.shipping - ship_discount, taxable=True, shipping=True))
    tax_lines = allocation.allocate(named, receivers, inside=inside)
    external_id = order.text(first, "Id", 100) or order.text(first, "Name", 100)
    items = []
    for ln, discount, lines_tax in zip(lines, discounts, tax_lines[: len(lines)], strict=True):
        item = {
            "sku": ln["sku"],
            "name": ln["name"],
            "quantity": ln["quantity"],
            "unit_price": _money(ln["price"]),
            "discount": _money(discount),
            "tax_rate": allocation.percent(sum((Decimal(t["rate"]) for t in lines_tax), ZERO)),
            "tax_lines": lines_tax,
            "identifiers": {"line_id": str(ln["n"])},
        }
        if not ln["ships"]:
            item["options"] = {"allocate": False, "fulfil": False}
        items.append(item)
    charges = []
    if has_shipping:
        charges.append(
            {
                "kind": "shipping",
                "title": method or "Shipping",
                "code": method,
                "amount": _money(f.shipping),
                "discount": _money(ship_discount),
                "tax_lines": tax_lines[-1],
            }
        )
    if f.duties:
        charges.append(
            {
                "kind": "fee",
                "title": "Duties",
                "code": "duties",
                "amount": _money(f.duties),
                "discount": "0.00",
                "tax_lines": [],
            }
        )
    status = order.text(first, "Financial Status", 64).lower()
    payment = None
    if status:
        paid = ZERO if status in UNPAID else max(f.total - f.outstanding, ZERO)
        payment = {"state": status, "paid": _money(paid), "refunded": _money(f.refunded)}
    shipping_address, billing_address = _address(first, "Shipping"), _address(first, "Billing")
    name = order.text(first, "Billing Name") or order.text(first, "Shipping Name") or "Guest"
    code = order.text(first, "Discount Code", 100)
    notes = "\n".join(filter(None, (order.text(first, "Notes", 5000), order.text(first, "Note Attributes", 5000))))
    return ExternalOrder(
        external_id=external_id,
        external_ref=order.text(first, "Name", 100),
        external_status="cancelled" if order.text(first, "Cancelled at") else status,
        order_date=f.created or None,
        customer={"name": name, "email": f.email},
        shipping_address=shipping_address,
        billing_address=billing_address,
        currency=f.currency,
        items=items,
        notes=notes[:5000],
        prices_include_tax=inside,
        charges=charges,
        discount_codes=[{"code": code, "type": "", "amount": _money(f.discount_amount)}] if code else [],
        stated_total=_money(f.total),
        stated_tax=_money(f.taxes),
        payment=payment,
        fulfillments=_fulfillments(order.text(first, "Fulfillment Status").lower(), lines, f.fulfilled_at),
        is_test="bogus" in order.text(first, "Payment Method").lower(),
        delivery_method=method[:100],
    )


def _fulfillments(status: str, lines: list[dict], when: str) -> list[dict]:
    """Fulfillment Status "fulfilled": every line in full; "partial": the lines whose own status is fulfilled."""
    if status == "fulfilled":
        done = []
    elif status == "partial":
        done = [{"line_id": str(ln["n"]), "quantity": ln["quantity"]} for ln in lines if ln["fulfilled"]]
        if not done:
            return []
    else:
        return []
    parcel = {"external_id": "", "carrier": "", "tracking_number": "", "tracking_url": "", "created_at": when}
    return [{**parcel, "lines": done}]


def parse(sheet: Sheet) -> list[tuple[int, ExternalOrder]]:
    """The export's orders with the line of each order's first row; raises CsvRejected listing every error."""
    header = [name.strip().lower() for name in sheet.header]
    missing = [c for c in REQUIRED if c.lower() not in header]
    if missing:
        errors = [error(sheet.header_line, c, "required column of Shopify's orders export is missing") for c in missing]
        context = "The header looks like Shopify's orders export. " + sheet.describe(numbers=False)
        raise CsvRejected(errors, context=context)
    errors, rows = [], []
    for line, cells in sheet.rows:
        if len(cells) != len(header):
            errors.append(error(line, "", f"has {len(cells)} fields, the header {len(header)}"))
            continue
        rows.append((line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}))
    money = [c.lower() for c in ORDER_MONEY + OPTIONAL_MONEY + LINE_MONEY + ("Outstanding Balance",)]
    sheet.decimal_comma = reading.decide_decimal_comma([row[c] for _, row in rows for c in money if row.get(c)])
    day_first = reading.decide_day_first([row.get(c, "") for _, row in rows for c in ("created at", "fulfilled at")])
    groups: list[list[tuple[int, dict]]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        name = row["name"]
        if not name:
            errors.append(error(line, "Name", "is required (every row of an order repeats it)"))
        elif groups and groups[-1][0][1]["name"] == name:
            groups[-1].append((line, row))
        elif name in seen:
            reason = f"order {name} appears again after other orders (first at line {seen[name]})"
            errors.append(error(line, "Name", reason))
        else:
            seen[name] = line
            groups.append([(line, row)])
    if not rows and not errors:
        errors.append(error(sheet.header_line + 1, "", "the file has no rows after the header"))
    orders = []
    for group in groups:
        order = _Order(group, sheet.decimal_comma, day_first)
        built = _build(order)
        errors += order.errors
        if built is not None:
            orders.append((order.line, built))
    if errors:
        errors.sort(key=lambda e: e["line"])
        raise CsvRejected(errors[: reading.MAX_ERRORS], context="Read as Shopify's orders export. " + sheet.describe())
    return orders
