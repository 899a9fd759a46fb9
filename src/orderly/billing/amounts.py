"""How an invoice's amounts are computed: pure rules, no ORM.

The rule, as a customer's accountant expects it:

1. Per line. A line is units of one order item. Its subtotal is unit price × quantity (plus the item's
   adjustments), less its discount; its tax is that taxable amount × the tax rate, rounded half-up to the cent
   *once, per line* (never per unit: 3 × 1.59 at 21 % is 4.77 with 1.00 tax, not 3 × 0.33 = 0.99); its total is
   taxable + tax.
2. Per rate. The tax summary groups the lines by tax rate: the base is the sum of the lines' taxable amounts and
   the tax is the sum of the lines' (already rounded) taxes — never the base × rate rounded again, so the summary
   always agrees with the lines.
3. Totals are sums of the lines: subtotal, discount, tax and total. Nothing is rounded after step 1.

An item invoiced whole gets exactly the item's own amounts (the order's line), so an order invoiced at once has an
invoice whose totals equal the order's totals to the cent.

Part of an item (some units now, the rest later, or units taken back by a credit note) gets the item's unit price
× its units, with the item's discount (and adjustments) prorated by units *cumulatively*: units a+1 … a+q of n get
round(X × (a+q) / n) − round(X × a / n) of the item's amount X. However an item is split, its parts' subtotals and
discounts add up to the item's exactly; each part's tax is then rounded on its own line as in step 1, so the taxes
of a split item can differ by a cent from the item's single-line tax — which is what per-line rounding means.
Units are counted in order: an invoice takes the units after those already invoiced (net of credit notes), a
credit note takes back the last invoiced units, so a credit note that takes back an invoice's units mirrors it.
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

    @property
    def taxable(self) -> Decimal:
        return self.line_subtotal - self.discount


@dataclass(frozen=True)
class RateSummary:
    tax_rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax_total: Decimal
    total: Decimal


def _share(amount: Decimal, units: int, of: int) -> Decimal:
    return to_money(amount * units / of)


def part_amounts(item, *, start: int, count: int) -> LineAmounts:
    """Amounts of units start+1 … start+count of `item` (anything with quantity, unit_price, tax_rate, discount,
    line_subtotal, line_tax, line_total). The whole item gets its own amounts."""
    n = item.quantity
    if not 0 < count <= n - start or start < 0:
        raise ValueError(f"units {start + 1}…{start + count} are not within 1…{n}")
    if start == 0 and count == n:
        subtotal, discount, tax = item.line_subtotal, item.discount, item.line_tax
    else:
        subtotal = _share(item.line_subtotal, start + count, n) - _share(item.line_subtotal, start, n)
        discount = _share(item.discount, start + count, n) - _share(item.discount, start, n)
        # A cent of rounding must not make a part's discount larger than the part itself.
        discount = min(discount, max(subtotal, ZERO))
        tax = to_money((subtotal - discount) * item.tax_rate / 100)
    return LineAmounts(
        quantity=count,
        unit_price=item.unit_price,
        tax_rate=item.tax_rate,
        discount=discount,
        line_subtotal=subtotal,
        line_tax=tax,
        line_total=subtotal - discount + tax,
    )


def tax_summary(lines: Iterable) -> list[RateSummary]:
    """Per tax rate, lowest first: the lines' taxable amounts and their taxes, summed."""
    bases: dict[Decimal, Decimal] = {}
    taxes: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = Decimal(line.tax_rate).normalize() + 0  # 21, 21.0 and 21.00 are one rate
        bases[rate] = bases.get(rate, ZERO) + line.line_subtotal - line.discount
        taxes[rate] = taxes.get(rate, ZERO) + line.line_tax
    return [RateSummary(tax_rate=rate, base=bases[rate], tax=taxes[rate]) for rate in sorted(bases)]


def totals(lines: Iterable) -> Totals:
    lines = list(lines)
    return Totals(
        subtotal=sum((line.line_subtotal for line in lines), ZERO),
        discount=sum((line.discount for line in lines), ZERO),
        tax_total=sum((line.line_tax for line in lines), ZERO),
        total=sum((line.line_total for line in lines), ZERO),
    )
