"""The amounts rule, without the database: per line half-up, per rate summed from lines, totals summed."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderly.billing.amounts import part_amounts, reverse_charged, tax_summary, totals

D = Decimal
CENT = D("0.01")


@dataclass
class Item:
    """Amounts as orders/services/totals.py keeps them on an order item."""

    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    discount: Decimal = D("0")
    adjustments: Decimal = D("0")

    def __post_init__(self):
        self.line_subtotal = (self.quantity * self.unit_price + self.adjustments).quantize(CENT, ROUND_HALF_UP)
        self.line_tax = ((self.line_subtotal - self.discount) * self.tax_rate / 100).quantize(CENT, ROUND_HALF_UP)
        self.line_total = self.line_subtotal - self.discount + self.line_tax


def test_a_whole_item_gets_its_own_amounts():
    item = Item(3, D("1.59"), D("21"))
    line = part_amounts(item, start=0, count=3)
    assert (line.line_subtotal, line.discount, line.line_tax, line.line_total) == (
        D("4.77"),
        D("0"),
        D("1.00"),
        D("5.77"),
    )


def test_an_item_split_in_three_shares_its_discount_by_thirds_and_rounds_each_part_s_tax_on_its_own_line():
    # A discount of 1.00 over 3 units is 0.333… each: the parts get 0.33, 0.34, 0.33 and add up to 1.00.
    item = Item(3, D("1.59"), D("21"), discount=D("1.00"))
    parts = [part_amounts(item, start=start, count=1) for start in range(3)]
    assert [p.discount for p in parts] == [D("0.33"), D("0.34"), D("0.33")]
    assert sum(p.discount for p in parts) == item.discount
    assert sum(p.line_subtotal for p in parts) == item.line_subtotal
    # Each part's tax is its own base × 21 %, half-up: 1.26 → 0.26, 1.25 → 0.26 (0.2625), 1.26 → 0.26.
    assert [p.line_tax for p in parts] == [D("0.26"), D("0.26"), D("0.26")]


def test_tax_summary_sums_the_lines_per_rate_and_treats_21_and_21_00_as_one_rate():
    lines = [
        part_amounts(Item(1, D("1.59"), D("21")), start=0, count=1),
        part_amounts(Item(1, D("1.59"), D("21.00")), start=0, count=1),
        part_amounts(Item(2, D("8.50"), D("9")), start=0, count=2),
    ]
    summary = [(s.tax_rate, s.base, s.tax) for s in tax_summary(lines)]
    assert summary == [(D("9"), D("17.00"), D("1.53")), (D("21"), D("3.18"), D("0.66"))]
    total = totals(lines)
    assert (total.subtotal, total.tax_total, total.total) == (D("20.18"), D("2.19"), D("22.37"))


def test_units_outside_the_item_are_refused():
    with pytest.raises(ValueError):
        part_amounts(Item(2, D("1"), D("0")), start=1, count=2)


prices = st.decimals(min_value=0, max_value=1000, places=2)
rates = st.sampled_from([D("0"), D("6"), D("9"), D("19"), D("20"), D("21"), D("25.5")])


@given(
    quantity=st.integers(1, 40),
    price=prices,
    rate=rates,
    discount_share=st.integers(0, 100),
    cuts=st.lists(st.integers(1, 39), max_size=6),
)
def test_however_an_item_is_split_its_parts_add_up_to_it(quantity, price, rate, discount_share, cuts):
    gross = (quantity * price).quantize(CENT)
    item = Item(quantity, price, rate, discount=(gross * discount_share / 100).quantize(CENT, ROUND_HALF_UP))
    bounds = sorted({0, quantity, *(c for c in cuts if c < quantity)})
    parts = [part_amounts(item, start=a, count=b - a) for a, b in zip(bounds, bounds[1:], strict=False)]

    assert sum(p.quantity for p in parts) == quantity
    assert sum(p.line_subtotal for p in parts) == item.line_subtotal
    assert sum(p.discount for p in parts) == item.discount
    for part in parts:
        assert part.line_tax == (part.taxable * rate / 100).quantize(CENT, ROUND_HALF_UP)
        assert part.line_total == part.line_subtotal - part.discount + part.line_tax
        assert part.taxable >= 0
    # Per-line rounding may move the split item's tax by at most half a cent per extra part.
    assert abs(sum(p.line_tax for p in parts) - item.line_tax) <= D("0.005") * len(parts) + D("0.005")


@dataclass
class ShopItem:
    """An item whose tax the shop stated (tax_lines, amounts for the whole line), on either tax basis."""

    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    tax_lines: list
    discount: Decimal = D("0")
    included: bool = False

    def __post_init__(self):
        self.line_subtotal = self.quantity * self.unit_price
        self.line_tax = sum((D(line["amount"]) for line in self.tax_lines), D("0"))
        taxable = self.line_subtotal - self.discount
        self.line_total = taxable if self.included else taxable + self.line_tax


def test_a_part_of_an_item_with_the_shop_s_tax_lines_gets_its_share_of_each_tax_line():
    taxes = [{"title": "GST", "rate": "5", "amount": "1.50"}, {"title": "QST", "rate": "9.975", "amount": "2.99"}]
    item = ShopItem(3, D("10.00"), D("14.975"), taxes)
    parts = [part_amounts(item, start=start, count=1) for start in range(3)]
    assert [p.line_tax for p in parts] == [D("1.50"), D("1.49"), D("1.50")]
    assert [[t["amount"] for t in p.tax_lines] for p in parts] == [["0.50", "1.00"], ["0.50", "0.99"], ["0.50", "1.00"]]
    assert [t["title"] for t in parts[0].tax_lines] == ["GST", "QST"]
    summary = [(s.tax_rate, s.title, s.base, s.tax) for s in tax_summary(parts)]
    assert summary == [(D("5"), "GST", D("30.00"), D("1.50")), (D("9.975"), "QST", D("30.00"), D("2.99"))]


def test_with_prices_that_include_tax_a_part_s_total_is_its_price_and_the_tax_is_inside():
    item = ShopItem(3, D("12.10"), D("21"), [], included=True)
    item.line_tax = D("6.30")
    part = part_amounts(item, start=0, count=2, tax_included=True)
    assert (part.line_subtotal, part.line_tax, part.line_total, part.net) == (
        D("24.20"),
        D("4.20"),
        D("24.20"),
        D("20.00"),
    )
    summary = tax_summary([part])
    assert [(s.tax_rate, s.base, s.tax) for s in summary] == [(D("21"), D("20.00"), D("4.20"))]
    total = totals([part])
    assert (total.subtotal, total.tax_total, total.total) == (D("24.20"), D("4.20"), D("24.20"))


@given(
    quantity=st.integers(1, 40),
    price=prices,
    included=st.booleans(),
    shares=st.lists(st.integers(0, 3000), min_size=1, max_size=3),
    cuts=st.lists(st.integers(1, 39), max_size=6),
)
def test_however_an_item_with_the_shop_s_tax_is_split_its_parts_add_up_to_its_tax_exactly(
    quantity, price, included, shares, cuts
):
    gross = quantity * price
    taxes = [
        {"title": f"T{n}", "rate": "1", "amount": str((gross * share / 10000).quantize(CENT))}
        for n, share in enumerate(shares)
    ]
    item = ShopItem(quantity, price, D("1"), taxes, included=included)
    bounds = sorted({0, quantity, *(c for c in cuts if c < quantity)})
    parts = [
        part_amounts(item, start=a, count=b - a, tax_included=included)
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]

    assert sum(p.line_tax for p in parts) == item.line_tax
    assert sum(p.line_total for p in parts) == item.line_total
    for n, tax in enumerate(taxes):
        assert sum(D(p.tax_lines[n]["amount"]) for p in parts) == D(tax["amount"])


@given(
    quantity=st.integers(1, 40),
    price=prices,
    rate=rates,
    discount_share=st.integers(0, 100),
    included=st.booleans(),
    cuts=st.lists(st.integers(1, 39), max_size=6),
)
def test_a_reverse_charged_line_is_its_net_at_zero_percent(quantity, price, rate, discount_share, included, cuts):
    """However an item is split and on either tax basis, each part reverse charged comes to its net amount exactly,
    with no tax, a discount not above its subtotal, and its unit price the net unit price to the cent."""
    gross = (quantity * price).quantize(CENT)
    item = Item(quantity, price, rate, discount=(gross * discount_share / 100).quantize(CENT, ROUND_HALF_UP))
    if included:  # the same figures as a shop whose prices include tax keeps them (orders/services/totals.py)
        taxable = item.line_subtotal - item.discount
        item.line_tax = (taxable - taxable / (1 + rate / 100)).quantize(CENT, ROUND_HALF_UP)
        item.line_total = taxable
    bounds = sorted({0, quantity, *(c for c in cuts if c < quantity)})
    for a, b in zip(bounds, bounds[1:], strict=False):
        part = part_amounts(item, start=a, count=b - a, tax_included=included)
        line = reverse_charged(part)

        assert (line.tax_rate, line.line_tax, line.tax_lines, line.tax_included) == (0, 0, (), False)
        assert line.line_total == part.net == line.line_subtotal - line.discount
        assert 0 <= line.discount <= max(line.line_subtotal, D("0"))
        if not included or not part.line_tax:
            assert (line.unit_price, line.line_subtotal, line.discount) == (price, part.line_subtotal, part.discount)
        else:  # the net unit price, to the cent
            assert abs(line.unit_price - price / (1 + rate / 100)) <= CENT / 2
