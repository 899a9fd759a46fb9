"""Order conversion, pure: kg counted once across plans, batches through weight loss and batch size, problems."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orderly.production.conversion import (
    BATCH_SIZE_OUT_OF_RANGE,
    GREEN_SHORT,
    NO_GREEN_LOT,
    NO_MACHINE,
    NO_PROFILE,
    PROFILE_NOT_IN_GROUP,
    ConversionInput,
    GreenDraw,
    GreenSpec,
    MachineSpec,
    Need,
    ProfileSpec,
    RowEdit,
    Scheduled,
    Share,
    batches_for,
    convert,
    shares,
)

D = Decimal
Z = D("0")
PROBAT = MachineSpec("Probat", D("5"), D("15"))
MEDIUM = ProfileSpec("Medium", D("12"), D("10.2"), ("Probat",), (GreenSpec("LOT-1"),))


def test_a_plan_alone_counts_loose_stock_then_roasts_the_rest():
    result = shares([Need(1, 7, D("30"))], {7: D("12.5")}, [])
    assert result == {(1, 7): Share(D("30"), D("12.5"), Z, D("17.5"))}


def test_loose_stock_goes_to_the_plan_needed_first_and_is_not_counted_twice():
    needs = [Need(2, 7, D("10"), (2, 2)), Need(1, 7, D("10"), (1, 1))]
    result = shares(needs, {7: D("10")}, [])
    assert result[(1, 7)] == Share(D("10"), D("10"), Z, Z)
    assert result[(2, 7)] == Share(D("10"), Z, Z, D("10"))


def test_own_scheduled_roasts_count_first_and_their_surplus_serves_others():
    needs = [Need(1, 7, D("10"), (1,)), Need(2, 7, D("8"), (2,))]
    result = shares(needs, {7: D("3")}, [Scheduled(2, 7, D("12"))])
    # plan 2 covers itself with its batch (12 for 8: 4 spare); plan 1 takes the loose 3, then the spare 4
    assert result[(2, 7)] == Share(D("8"), Z, D("8"), Z)
    assert result[(1, 7)] == Share(D("10"), D("3"), D("4"), D("3"))


def test_other_products_do_not_mix():
    result = shares([Need(1, 7, D("5")), Need(1, 8, D("5"))], {8: D("9")}, [Scheduled(1, 8, D("1"))])
    assert result[(1, 7)] == Share(D("5"), Z, Z, D("5"))
    assert result[(1, 8)] == Share(D("5"), D("4"), D("1"), Z)


def test_batches_round_up_and_none_for_nothing():
    assert [batches_for(D(x), D("10.2")) for x in ("0", "0.001", "10.2", "10.201", "30.6")] == [0, 1, 1, 2, 3]


def one(to_roast, **kw):
    base = dict(
        products={7: "Espresso blend"}, shares={7: Share(to_roast, Z, Z, to_roast)}, profiles={7: [MEDIUM]},
        machines={"Probat": PROBAT}, green_free={"LOT-1": D("100")},
    )  # fmt: skip
    base.update(kw)
    return convert(ConversionInput(**base))[0]


def test_row_from_the_profile():
    row = one(D("25"))
    assert (row.batches, row.expected_kg, row.green_kg, row.carryover_kg) == (3, D("30.6"), D("36"), D("5.6"))
    assert (row.profile, row.machine, row.green_lot, row.weight_loss, row.problems) == (
        "Medium",
        "Probat",
        "LOT-1",
        D("15.00"),
        [],
    )
    assert row.green == [GreenDraw("LOT-1", D("36"))]
    assert row.schedulable is True


def test_nothing_to_roast_is_no_batch_and_no_problem():
    row = one(Z, profiles={})
    assert (row.batches, row.problems, row.schedulable) == (0, [], False)


def test_missing_profile_machine_and_green_are_flagged():
    assert one(D("5"), profiles={}).problems == [NO_PROFILE]
    bare = ProfileSpec("Bare", D("12"), D("10.2"))
    assert one(D("5"), profiles={7: [bare]}).problems == [NO_MACHINE, NO_GREEN_LOT]
    assert one(D("5"), green_free={"LOT-1": D("11.999")}).problems == [GREEN_SHORT]
    row = one(D("5"), edits={7: RowEdit(batch_kg=D("20"))})
    assert (row.problems, row.end_kg, row.batches) == ([BATCH_SIZE_OUT_OF_RANGE], D("17.000"), 1)
    assert one(D("5"), edits={7: RowEdit(profile="Other")}).problems == [PROFILE_NOT_IN_GROUP]


def test_the_next_preferred_lot_is_taken_when_the_first_is_short():
    profile = ProfileSpec("Medium", D("12"), D("10.2"), ("Probat",), (GreenSpec("LOT-1"), GreenSpec("LOT-2")))
    row = one(D("15"), profiles={7: [profile]}, green_free={"LOT-1": D("20"), "LOT-2": D("24")})
    assert (row.green_lot, row.green_kg, row.problems) == ("LOT-2", D("24"), [])


def test_rows_do_not_count_on_the_same_green_coffee():
    inp = ConversionInput(
        products={7: "A", 8: "B"}, shares={7: Share(D("10"), Z, Z, D("10")), 8: Share(D("10"), Z, Z, D("10"))},
        profiles={7: [MEDIUM], 8: [ProfileSpec("B medium", D("12"), D("10.2"), ("Probat",), (GreenSpec("LOT-1"),))]},
        machines={"Probat": PROBAT}, green_free={"LOT-1": D("20")},
    )  # fmt: skip
    first, second = convert(inp)
    assert (first.problems, second.problems) == ([], [GREEN_SHORT])


def test_edits_change_the_row():
    row = one(D("25"), edits={7: RowEdit(batch_kg=D("10"), end_kg=D("8"), batches=4)})
    assert (row.batches, row.weight_loss, row.expected_kg, row.green_kg, row.carryover_kg, row.edited) == (
        4,
        D("20.00"),
        D("32"),
        D("40"),
        D("7"),
        True,
    )


def test_blend_draws_each_component_by_its_weight():
    blend = ProfileSpec(
        "Blend", D("10"), D("8.5"), ("Probat",), (GreenSpec("A", D("3.333")), GreenSpec("B", D("6.667")))
    )
    row = one(D("17"), profiles={7: [blend]}, green_free={"A": D("100"), "B": D("100")})
    assert (row.batches, row.green) == (2, [GreenDraw("A", D("6.666")), GreenDraw("B", D("13.334"))])
    row = one(D("17"), profiles={7: [blend]}, green_free={"A": D("100"), "B": D("100")},
              edits={7: RowEdit(batch_kg=D("7"))})  # fmt: skip
    assert sum(d.kg for d in row.green) == row.green_kg == D("7") * row.batches


# ---------------------------------------------------------------------------------------------- properties

kg = st.decimals(min_value=0, max_value=500, places=3)


@st.composite
def worlds(draw):
    plans = draw(st.integers(1, 4))
    products = draw(st.integers(1, 3))
    needs = [
        Need(plan, product, draw(kg), (draw(st.integers(0, 3)), plan))
        for plan in range(plans) for product in range(products) if draw(st.booleans())
    ]  # fmt: skip
    loose = {product: draw(kg) for product in range(products)}
    scheduled = [
        Scheduled(draw(st.integers(0, plans)), draw(st.integers(0, products - 1)), draw(kg) + D("0.001"))
        for _ in range(draw(st.integers(0, 4)))
    ]
    batch = draw(st.decimals(min_value=5, max_value=15, places=3))
    loss = draw(st.decimals(min_value=0, max_value=40, places=2))
    end = (batch * (100 - loss) / 100).quantize(D("0.001"))
    return (
        needs,
        loose,
        scheduled,
        products,
        ProfileSpec("P", batch, max(end, D("0.001")), ("Probat",), (GreenSpec("LOT"),)),
    )


def _convert(plan, products, result, profile):
    return convert(ConversionInput(
        products={p: f"P{p}" for p in range(products)},
        shares={p: s for (pl, p), s in result.items() if pl == plan}, profiles={p: [profile] for p in range(products)},
        machines={"Probat": PROBAT}, green_free={"LOT": D("1000000")},
    ))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_kg_are_counted_once_and_nothing_is_overproduced(world):
    needs, loose, scheduled, products, profile = world
    result = shares(needs, loose, scheduled)
    for share in result.values():
        assert share.to_roast_kg >= 0 and share.available_kg >= 0 and share.scheduled_kg >= 0
        assert share.available_kg + share.scheduled_kg + share.to_roast_kg == share.remaining_kg
    for product in range(products):
        mine = [s for (_, p), s in result.items() if p == product]
        need = sum((s.remaining_kg for s in mine), Z)
        made = sum((s.expected_kg for s in scheduled if s.product == product), Z)
        # over all plans: loose kg counted at most once, scheduled kg at most once, and no more roasted than lacks
        assert sum((s.available_kg for s in mine), Z) <= loose[product]
        assert sum((s.scheduled_kg for s in mine), Z) <= made
        assert sum((s.to_roast_kg for s in mine), Z) == max(need - loose[product] - made, Z)


@settings(max_examples=300, deadline=None)
@given(worlds(), st.integers(0, 3))
def test_scheduling_the_proposal_then_converting_again_proposes_nothing(world, plan):
    needs, loose, scheduled, products, profile = world
    rows = _convert(plan, products, shares(needs, loose, scheduled), profile)
    for row in rows:
        assert row.batches == batches_for(row.to_roast_kg, profile.end_kg)
        if row.batches:  # the fewest batches that cover it: one less would not
            assert row.expected_kg >= row.to_roast_kg > row.expected_kg - profile.end_kg
    more = [Scheduled(plan, row.product_id, row.expected_kg) for row in rows if row.batches]
    again = _convert(plan, products, shares(needs, loose, scheduled + more), profile)
    assert [(row.to_roast_kg, row.batches) for row in again] == [(Z, 0)] * len(again)
