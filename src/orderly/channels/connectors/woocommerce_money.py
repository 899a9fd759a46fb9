"""WooCommerce money: the shop's amounts read exactly, and the figures built from them so that our totals come to the
shop's own `total` to the cent.

WooCommerce reports every line (product, shipping, fee) as an amount excluding tax (`subtotal` before coupons,
`total` after) plus its tax (`subtotal_tax`, `total_tax`, and per rate in `taxes`), whatever `prices_include_tax`
says. Line amounts come rounded to the shop's decimals; the per-rate `taxes` may not be (with "round tax at subtotal
level" they carry four or more decimals), and then the order's `tax_lines` hold the per-rate totals as rounded once
for the whole order. `settle` moves such rounding residue (never more than a cent per share) onto the shares that
were rounded furthest, so the lines' taxes add up to the shop's per-rate totals.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from orderly.channels.connectors import parsing
from orderly.channels.connectors.parsing import BadPayload

CENT = Decimal("0.01")
ZERO = Decimal(0)
LIMIT = Decimal(10) ** 12  # no real order amount comes near; beyond it the value is garbage, not money


def exact(value, *, what: str) -> Decimal:
    """A WooCommerce amount ("12.50", "-10.00", "0.4545" or a JSON number) as an exact Decimal; null and "" are 0."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadPayload(f"{what} {value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadPayload(f"{what} {value!r} is not a number") from None
    if not number.is_finite():
        raise BadPayload(f"{what} {value!r} is not a number")
    if abs(number) >= LIMIT:
        raise BadPayload(f"{what} {value!r} is too large")
    return number


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """An amount as our money string: two decimals, no negative zero."""
    rounded = cents(value)
    return "0.00" if rounded == 0 else str(rounded)


def percent(value) -> str:
    """A rate as a percent string with at least two decimals and at most four ("21.00", "9.975"); "" when unknown."""
    if value is None or value == "" or isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return ""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return ""
    if not number.is_finite() or not 0 <= number <= 100:
        return ""
    number = number.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
    if -number.as_tuple().exponent < 2:
        number = number.quantize(CENT)
    return str(number)


def unit_and_discount(quantity: int, gross: Decimal, net: Decimal) -> tuple[Decimal, Decimal]:
    """A line's unit price and discount such that quantity × unit − discount is `net` exactly.

    The unit price is `gross` (the line before coupons) over the quantity, rounded up to the cent when it does not
    divide: the few cents that rounding adds go into the discount, which therefore never turns negative. A line the
    shop priced above its own subtotal (`net` > `gross`, which plugins can do) is priced from `net` instead.
    """
    top = max(gross, net)
    unit = (top / quantity).quantize(CENT, rounding=ROUND_CEILING)
    return unit, unit * quantity - net


@dataclass
class Share:
    """One rate's tax on one line (product, shipping or fee): the shop's figure, and ours in cents."""

    rate_id: str | None  # the order's tax_lines[].rate_id it names; None when the line named no rate
    exact: Decimal
    amount: Decimal


def rate_key(value) -> str | None:
    if value is None or value == "" or isinstance(value, bool | dict | list):
        return None
    return str(value).strip()


def line_shares(taxes, total_tax: Decimal, *, what: str, only_rate: str | None) -> list[Share]:
    """A line's taxes per rate from its `taxes` [{id, total, subtotal}], rounded to cents and settled to the line's
    own `total_tax`. A line with tax but no `taxes` detail gets one share of its `total_tax` (on the order's only
    rate when it has exactly one)."""
    if taxes is None:
        taxes = []
    if not isinstance(taxes, list):
        raise BadPayload(f"{what}.taxes is not a list")
    shares = []
    for n, tax in enumerate(taxes):
        if not isinstance(tax, dict):
            raise BadPayload(f"{what}.taxes[{n}] is not an object")
        value = exact(tax.get("total"), what=f"{what}.taxes[{n}].total")
        if value:
            shares.append(Share(rate_key(tax.get("id")), value, cents(value)))
    stated = cents(total_tax)
    if not shares:
        return [Share(only_rate, total_tax, stated)] if stated else []
    settle(shares, stated)
    return shares


def settle(shares: list[Share], target: Decimal) -> None:
    """Make the shares' amounts add up to `target` when they miss it by rounding alone (at most a cent per share):
    each missing cent goes to the share its rounding moved furthest the other way. A larger gap is the shop's own
    inconsistency and is left for the import's check of our total against the shop's."""
    gap = target - sum((s.amount for s in shares), ZERO)
    steps = int(abs(gap) / CENT)
    if not gap or steps > len(shares):
        return
    step = CENT if gap > 0 else -CENT
    ranked = sorted(shares, key=lambda s: (s.exact - s.amount) * (1 if gap > 0 else -1), reverse=True)
    for share in ranked[:steps]:
        share.amount += step


def settle_rates(shares: list[Share], totals: dict[str, Decimal]) -> None:
    """Settle the shares naming each rate to the order's total for that rate (tax_lines[].tax_total for products and
    fees, shipping_tax_total for shipping)."""
    by_rate = defaultdict(list)
    for share in shares:
        if share.rate_id is not None:
            by_rate[share.rate_id].append(share)
    for rate_id, group in by_rate.items():
        if rate_id in totals:
            settle(group, cents(totals[rate_id]))


def text(data: dict, key: str, limit: int = 200) -> str:
    """A scalar field as text (objects, lists and booleans read as empty)."""
    value = data.get(key)
    return parsing.text(value, limit) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


def objects(entry: dict, key: str) -> list[tuple[str, dict]]:
    """The entries of one of the order's lists with their path for messages; each must be an object."""
    value = entry.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadPayload(f"{key} is not a list")
    found = []
    for n, item in enumerate(value):
        if not isinstance(item, dict):
            raise BadPayload(f"{key}[{n}] is not an object")
        found.append((f"{key}[{n}]", item))
    return found


def quantity(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadPayload(f"{what} {value!r} is not a whole number of units")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadPayload(f"{what} {value!r} is not a whole number of units") from None
    if not number.is_finite() or number != number.to_integral_value() or not 0 < number <= 10**9:
        raise BadPayload(f"{what} {value!r} is not a whole number of units above 0")
    return int(number)


class Rates:
    """The order's tax_lines by rate id: the label and percent a line's taxes name, and the per-rate totals."""

    def __init__(self, entry: dict):
        self.info: dict[str, tuple[str, str]] = {}
        self.items: dict[str, Decimal] = {}
        self.shipping: dict[str, Decimal] = {}
        for where, line in objects(entry, "tax_lines"):
            key = rate_key(line.get("rate_id"))
            items = exact(line.get("tax_total"), what=f"{where}.tax_total")
            shipping = exact(line.get("shipping_tax_total"), what=f"{where}.shipping_tax_total")
            if key is None:
                continue
            title = text(line, "label") or text(line, "rate_code") or "Tax"
            self.info[key] = (title, percent(line.get("rate_percent")))
            self.items[key] = self.items.get(key, ZERO) + items
            self.shipping[key] = self.shipping.get(key, ZERO) + shipping
        self.only = next(iter(self.info)) if len(self.info) == 1 else None

    def tax_lines(self, shares: list[Share]) -> list[dict]:
        """A line's taxes as the contract's [{title, rate, amount}]."""
        found = []
        for share in shares:
            if share.amount:
                title, rate = self.info.get(share.rate_id, ("Tax", ""))
                found.append({"title": title, "rate": rate, "amount": money(share.amount)})
        return found


class Line:
    """A line_items / shipping_lines / fee_lines entry: its amounts (excluding tax, as WooCommerce reports them
    whatever prices_include_tax says) and its taxes per rate."""

    def __init__(self, where: str, data: dict, rates: Rates, *, product: bool):
        self.where, self.data = where, data
        self.quantity = quantity(data.get("quantity"), f"{where}.quantity") if product else 1
        self.total = cents(exact(data.get("total"), what=f"{where}.total"))
        self.subtotal = cents(exact(data.get("subtotal"), what=f"{where}.subtotal")) if product else self.total
        self.subtotal_tax = cents(exact(data.get("subtotal_tax"), what=f"{where}.subtotal_tax"))
        total_tax = exact(data.get("total_tax"), what=f"{where}.total_tax")
        self.shares = line_shares(data.get("taxes"), total_tax, what=where, only_rate=rates.only)

    @property
    def tax(self) -> Decimal:
        return sum((s.amount for s in self.shares), ZERO)

    def amounts(self, include_tax: bool) -> tuple[Decimal, Decimal]:
        """The line before and after its coupons, on the order's tax basis; `after` is what the shop charged for it
        (its total plus, when prices include tax, its tax)."""
        if include_tax:
            return self.subtotal + self.subtotal_tax, self.total + self.tax
        return self.subtotal, self.total

    def tax_rate(self, rates: Rates) -> str:
        """The sum of the named rates' percents; when a rate is not stated (WooCommerce before 5.7 sends no
        rate_percent), the line's tax over its amount."""
        if not self.shares:
            return "0"
        named = [rates.info.get(s.rate_id, ("", ""))[1] for s in self.shares]
        if all(named):
            return percent(sum((Decimal(r) for r in named), ZERO)) or "0"
        if self.total <= 0:
            return "0"
        return percent(cents(self.tax / self.total * 100)) or "0"
