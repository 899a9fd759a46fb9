"""How an invoice's amounts are computed: pure rules, no ORM.

The rule, as a customer's accountant expects it:

1. Per line. A line is units of one order item, or one of the order's charges (shipping or a fee). Its subtotal is
   unit price × quantity (plus the item's adjustments), less its discount; its tax is that taxable amount × the tax
   rate, rounded half-up to the cent *once, per line* (never per unit: 3 × 1.59 at 21 % is 4.77 with 1.00 tax, not
   3 × 0.33 = 0.99) — unless the shop stated the tax itself (below); its total is taxable + tax.
2. Per rate. The tax summary groups the lines by tax rate: the base is the sum of the lines' net amounts (after
   discount, without tax) and the tax is the sum of the lines' (already rounded) taxes — never the base × rate
   rounded again, so the summary always agrees with the lines. A line that carries the shop's tax lines (Canada's
   GST and QST on one line) counts once under each of their rates, with the line's net amount as the base of each.
3. Totals are sums of the lines: subtotal, discount, tax and total. Nothing is rounded after step 1.

The shop's own figures are the truth. An item or a charge invoiced whole gets exactly its own amounts (the order's
line, the charge as the shop charged it, its tax lines included), so an order invoiced at once — shipping and fees
included — has an invoice whose totals equal the order's totals to the cent.

Prices that include tax. When the order's prices include tax (EU shops selling to consumers), the invoice keeps the
prices as the customer saw them: its lines and its totals carry `prices_include_tax`, and then
    line total = subtotal − discount          (the tax is inside: line tax is the part of it that is tax)
    invoice total = subtotal − discount       (tax_total is the tax contained, not added)
instead of total = subtotal − discount + tax. The database CHECKs read it so (billing/models.py). The net amount
of such a line, the tax summary's base, is its total less its tax; the PDF says "Prices include VAT" and shows the
tax contained per rate. We chose this over converting the lines to net prices because a net unit price would need
more than two decimals or would not multiply back to what the customer paid: the gross figures are the shop's own,
exact to the cent, and the accountant reads the net base and the tax from the summary.

Part of an item (some units now, the rest later, or units taken back by a credit note) gets the item's unit price
× its units, with the item's discount (and adjustments) prorated by units *cumulatively*: units a+1 … a+q of n get
round(X × (a+q) / n) − round(X × a / n) of the item's amount X. However an item is split, its parts' subtotals and
discounts add up to the item's exactly. The part's tax:
- where the shop stated the item's taxes (`tax_lines`), each tax line's amount is prorated the same cumulative
  way and the part's tax is their sum, so the parts' taxes add up to the item's line tax exactly (the shop's own
  figure) however the item is invoiced;
- otherwise each part's tax is computed on its own line as in step 1 (from the rate; with prices that include tax,
  taxable − taxable / (1 + rate)), so the taxes of a split item can differ by a cent from the item's single-line
  tax — which is what per-line rounding means.
Units are counted in order: an invoice takes the units after those already invoiced (net of credit notes), a
credit note takes back the last invoiced units, so a credit note that takes back an invoice's units mirrors it.
A charge is invoiced once and taken back whole, except for money the shop paid back for it (a refunded shipping
line): an invoice then bills what is left of it and a credit note takes back what was paid back, each an amount of
the charge's total (amount_of: its tax and discount in the same proportion, the tax lines kept exact).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from orderly.core.money import ZERO, to_money


@dataclass(frozen=True)
class LineAmounts:
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    discount: Decimal
    line_subtotal: Decimal
    line_tax: Decimal
    line_total: Decimal
    tax_included: bool = False
    # The shop's taxes of this line, [{"title", "rate", "amount"}] with the amounts of this line (prorated for a part).
    tax_lines: tuple = ()

    @property
    def taxable(self) -> Decimal:
        """After discount: without tax, or with the tax inside when prices include it."""
        return self.line_subtotal - self.discount

    @property
    def net(self) -> Decimal:
        """After discount and without tax: the tax summary's base."""
        return self.taxable - self.line_tax if self.tax_included else self.taxable


@dataclass(frozen=True)
class RateSummary:
    tax_rate: Decimal
    base: Decimal
    tax: Decimal
    title: str = ""  # the shop's name of the tax at this rate ("GST", "BTW"), when its tax lines named it


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax_total: Decimal
    total: Decimal


def _share(amount: Decimal, units: int, of: int) -> Decimal:
    return to_money(amount * units / of)


def _part(amount: Decimal, start: int, count: int, of: int) -> Decimal:
    """The cumulative share of `amount` for units start+1 … start+count of `of`."""
    return _share(amount, start + count, of) - _share(amount, start, of)


def rate_tax(taxable: Decimal, rate: Decimal, *, tax_included: bool = False) -> Decimal:
    """The tax of a taxable amount at `rate` percent, half-up to the cent: added to it, or contained in it."""
    rate = Decimal(rate)
    if tax_included:
        return to_money(taxable - taxable / (1 + rate / 100))
    return to_money(taxable * rate / 100)


def _stated(tax_lines) -> list[dict]:
    return [line for line in tax_lines or [] if isinstance(line, dict) and "amount" in line]


def _with_total(subtotal, discount, tax, tax_included: bool) -> Decimal:
    return subtotal - discount if tax_included else subtotal - discount + tax


def part_amounts(item, *, start: int, count: int, tax_included: bool = False) -> LineAmounts:
    """Amounts of units start+1 … start+count of `item` (anything with quantity, unit_price, tax_rate, discount,
    line_subtotal, line_tax, line_total and, optionally, tax_lines). The whole item gets its own amounts.
    `tax_included`: the order's prices include tax (the item's line_total is then subtotal − discount)."""
    n = item.quantity
    if not 0 < count <= n - start or start < 0:
        raise ValueError(f"units {start + 1}…{start + count} are not within 1…{n}")
    stated = _stated(getattr(item, "tax_lines", None))
    if start == 0 and count == n:
        subtotal, discount, tax = item.line_subtotal, item.discount, item.line_tax
        tax_lines = tuple(dict(line) for line in stated)
    else:
        subtotal = _part(item.line_subtotal, start, count, n)
        discount = _part(item.discount, start, count, n)
        # A cent of rounding must not make a part's discount larger than the part itself.
        discount = min(discount, max(subtotal, ZERO))
        if stated and to_money(sum((Decimal(line["amount"]) for line in stated), ZERO)) == item.line_tax:
            # The shop's own tax, prorated per tax line: the parts add up to each tax line, hence to the line's tax.
            tax_lines = tuple(
                {**line, "amount": str(_part(Decimal(line["amount"]), start, count, n))} for line in stated
            )
            tax = sum((Decimal(line["amount"]) for line in tax_lines), ZERO)
        elif stated:
            tax, tax_lines = _part(item.line_tax, start, count, n), ()
        else:
            tax, tax_lines = rate_tax(subtotal - discount, item.tax_rate, tax_included=tax_included), ()
    return LineAmounts(
        quantity=count,
        unit_price=item.unit_price,
        tax_rate=item.tax_rate,
        discount=discount,
        line_subtotal=subtotal,
        line_tax=tax,
        line_total=_with_total(subtotal, discount, tax, tax_included),
        tax_included=tax_included,
        tax_lines=tax_lines,
    )


def charge_amounts(charge, *, tax_included: bool = False) -> LineAmounts:
    """A charge (anything with amount, discount, tax_rate, tax, total and tax_lines) as one line of one unit, with
    exactly the amounts the shop charged."""
    return LineAmounts(
        quantity=1,
        unit_price=charge.amount,
        tax_rate=charge.tax_rate,
        discount=charge.discount,
        line_subtotal=charge.amount,
        line_tax=charge.tax,
        line_total=charge.total,
        tax_included=tax_included,
        tax_lines=tuple(dict(line) for line in _stated(charge.tax_lines)),
    )


def amount_of(whole: LineAmounts, total: Decimal) -> LineAmounts:
    """The part of one-unit line `whole` (a charge, or its invoice line) whose line total is `total`: its tax, its
    tax lines and its discount scaled by total / whole.line_total (half-up to the cent, the last tax line taking
    what rounding leaves), the subtotal what makes the line come to exactly `total`. The whole for its own total."""
    if total == whole.line_total or not whole.line_total:
        return whole
    ratio = total / whole.line_total
    tax = to_money(whole.line_tax * ratio)
    stated = _stated(whole.tax_lines)
    tax_lines = [dict(line, amount=str(to_money(Decimal(line["amount"]) * ratio))) for line in stated]
    if tax_lines:
        rest = tax - sum((Decimal(line["amount"]) for line in tax_lines[:-1]), ZERO)
        tax_lines[-1]["amount"] = str(rest)
    discount = to_money(whole.discount * ratio)
    subtotal = total + discount if whole.tax_included else total - tax + discount
    return LineAmounts(
        quantity=1,
        unit_price=subtotal,
        tax_rate=whole.tax_rate,
        discount=discount,
        line_subtotal=subtotal,
        line_tax=tax,
        line_total=total,
        tax_included=whole.tax_included,
        tax_lines=tuple(tax_lines),
    )


def reverse_charged(line: LineAmounts) -> LineAmounts:
    """The line at 0 % VAT, as an invoice that reverse charges the VAT bills it (billing/vat.py): the customer owes
    its net amount (after discount, without tax), which becomes its total, with no tax and no tax lines.

    Prices without tax keep their unit price, subtotal and discount. Prices that include tax have their tax taken
    out: the net is the line's amount less the tax it contains (the shop's tax where it stated it, the part
    computed per line otherwise), exactly; the unit price and the discount are divided by 1 + the rate (half-up to
    the cent: 12.10 at 21 % becomes 10.00), or scaled by net / amount where the shop stated the tax, and the
    subtotal is what makes the line come to the net exactly."""
    net = line.net
    unit_price, discount, subtotal = line.unit_price, line.discount, line.line_subtotal
    if line.tax_included and line.line_tax:
        rate, taxable = Decimal(line.tax_rate), line.taxable
        by_rate = rate and not line.tax_lines  # else the shop's own tax: the line's own proportion
        ratio = 1 / (1 + rate / 100) if by_rate else (net / taxable if taxable else Decimal(1))
        unit_price, discount = to_money(line.unit_price * ratio), to_money(line.discount * ratio)
        subtotal = net + discount
    return LineAmounts(
        quantity=line.quantity,
        unit_price=unit_price,
        tax_rate=ZERO,
        discount=discount,
        line_subtotal=subtotal,
        line_tax=ZERO,
        line_total=net,
        tax_included=False,
        tax_lines=(),
    )


def line_net(line) -> Decimal:
    """A line's amount after discount and without tax (anything with line_subtotal, discount, line_tax and,
    optionally, prices_include_tax / tax_included)."""
    taxable = line.line_subtotal - line.discount
    included = getattr(line, "prices_include_tax", None)
    if included is None:
        included = getattr(line, "tax_included", False)
    return taxable - line.line_tax if included else taxable


def _rate_key(value) -> Decimal:
    return Decimal(value).normalize() + 0  # 21, 21.0 and 21.00 are one rate


def tax_summary(lines: Iterable) -> list[RateSummary]:
    """Per tax rate, lowest first: the lines' net amounts and their taxes, summed. A line with the shop's tax lines
    counts under each of their rates, with that tax line's amount."""
    bases: dict[Decimal, Decimal] = {}
    taxes: dict[Decimal, Decimal] = {}
    titles: dict[Decimal, list[str]] = {}
    for line in lines:
        net = line_net(line)
        stated = _stated(getattr(line, "tax_lines", None))
        entries = [(line.tax_rate, line.line_tax, "")]
        if stated:
            entries = [(entry.get("rate") or 0, Decimal(entry["amount"]), entry.get("title", "")) for entry in stated]
        for rate, tax, title in entries:
            rate = _rate_key(rate)
            bases[rate] = bases.get(rate, ZERO) + net
            taxes[rate] = taxes.get(rate, ZERO) + tax
            names = titles.setdefault(rate, [])
            if title and title not in names:
                names.append(title)
    return [
        RateSummary(tax_rate=rate, base=bases[rate], tax=taxes[rate], title=" / ".join(titles[rate]))
        for rate in sorted(bases)
    ]


def totals(lines: Iterable) -> Totals:
    lines = list(lines)
    return Totals(
        subtotal=sum((line.line_subtotal for line in lines), ZERO),
        discount=sum((line.discount for line in lines), ZERO),
        tax_total=sum((line.line_tax for line in lines), ZERO),
        total=sum((line.line_total for line in lines), ZERO),
    )
