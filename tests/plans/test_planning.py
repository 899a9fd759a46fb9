"""The pure planning functions: FIFO draws and allocation, without a database."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderly.plans.planning import (
    AllocationRefused,
    Held,
    HoldDelta,
    Line,
    StockLot,
    allocate,
    fifo_draw,
    figures,
    held_after,
    outstanding,
)

D = Decimal


def lot(lot_id, day, available, key=1):
    return StockLot(lot_id, key, date(2026, 1, day), D(available))


def test_fifo_draw_takes_the_oldest_lot_first_and_reports_the_shortfall():
    draw = fifo_draw([lot(2, 5, "1"), lot(1, 9, "2"), lot(3, 1, "0.5")], D("2"))
    assert (draw.lots, draw.shortfall) == ([(3, D("0.5")), (2, D("1")), (1, D("0.5"))], D("0"))
    short = fifo_draw([lot(1, 1, "1")], D("2.25"))
    assert (short.lots, short.shortfall) == ([(1, D("1"))], D("1.25"))


def test_draws_that_share_stock_never_count_the_same_kg_twice():
    free = {}
    first = fifo_draw([lot(1, 1, "1")], D("0.75"), free)
    second = fifo_draw([lot(1, 1, "1")], D("0.75"), free)
    assert (first.shortfall, second.lots, second.shortfall) == (D("0"), [(1, D("0.25"))], D("0.5"))


def test_allocate_fills_lines_in_plan_order_from_the_oldest_lots():
    lines = [Line(10, 1, 3), Line(11, 1, 2)]
    deltas = allocate(lines, [lot(1, 2, "2"), lot(2, 1, "2")], [], {1: 4})
    assert deltas == [HoldDelta(2, 10, D("2")), HoldDelta(1, 10, D("1")), HoldDelta(1, 11, D("1"))]


def test_allocate_less_releases_from_the_last_line_newest_lot_first_and_spares_completed_orders():
    lines = [Line(10, 1, 2, locked=True), Line(11, 1, 3)]
    held = [
        Held(10, 1, date(2026, 1, 1), D("2")),
        Held(11, 1, date(2026, 1, 1), D("1")),
        Held(11, 2, date(2026, 1, 5), D("2")),
    ]
    assert allocate(lines, [], held, {1: 3}) == [HoldDelta(2, 11, D("-2"))]
    with pytest.raises(AllocationRefused) as refused:
        allocate(lines, [], held, {1: 1})
    assert refused.value.refusals[0].reason == "below_completed"


@pytest.mark.parametrize(("target", "reason"), [(6, "more_than_ordered"), (5, "more_than_available")])
def test_allocate_refuses_with_the_numbers(target, reason):
    with pytest.raises(AllocationRefused) as refused:
        allocate([Line(10, 1, 5)], [lot(1, 1, "3")], [Held(10, 9, date(2026, 1, 1), D("1"))], {1: target})
    r = refused.value.refusals[0]
    assert (r.reason, r.requested, r.ordered, r.allocated, r.available) == (reason, target, 5, 1, 3)


def test_outstanding_counts_what_is_not_held_nor_being_packed():
    lines = [Line(10, 1, 3), Line(11, 2, 4)]
    assert outstanding(lines, {10: 1}, {2: 1}) == {1: 2, 2: 3}


@given(
    ordered=st.lists(st.integers(1, 6), min_size=1, max_size=6),
    stock=st.lists(st.tuples(st.integers(1, 28), st.integers(0, 6)), max_size=6),
    share=st.integers(0, 100),
)
def test_allocate_reaches_any_allowed_target_exactly(ordered, stock, share):
    lines = [Line(100 + i, 1, quantity) for i, quantity in enumerate(ordered)]
    lots = [lot(i + 1, day, str(units)) for i, (day, units) in enumerate(stock)]
    fillable = figures(lines, lots, [])[1].fillable
    target = fillable * share // 100
    deltas = allocate(lines, lots, [], {1: target})
    after = held_after([], deltas)
    assert sum(after.values()) == target
    assert all(after.get(line.item_id, 0) <= line.ordered for line in lines)
    taken = {}
    for d in deltas:
        taken[d.lot_id] = taken.get(d.lot_id, 0) + d.quantity
    assert all(taken[lot.lot_id] <= lot.available for lot in lots if lot.lot_id in taken)
    # FIFO: a lot is only drawn while every older lot is used up
    used = sorted((lot for lot in lots if lot.lot_id in taken), key=lambda lot: (lot.lot_date, lot.lot_id))
    older = sorted(lots, key=lambda lot: (lot.lot_date, lot.lot_id))
    for candidate in older:
        if used and (candidate.lot_date, candidate.lot_id) < (used[-1].lot_date, used[-1].lot_id):
            assert taken.get(candidate.lot_id, 0) == candidate.available
