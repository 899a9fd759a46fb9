"""A plan's order conversion from the database, scheduling it, completing, canceling and editing roast batches."""

from datetime import date
from decimal import Decimal

import pytest

from orderly.core.exceptions import Conflict, TransitionNotAllowed, ValidationError
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services import stock_receive
from orderly.plans.models import PackagingPlan
from orderly.plans.services import allocation_save, packaging_plan_execute, plan_create
from orderly.production.figures import conversion_rows
from orderly.production.models import ConversionEdit, RoastBatch, RoastGreen
from orderly.production.selectors import weight_losses
from orderly.production.services import batches as roasts
from orderly.production.services import masterdata
from orderly.production.services.scheduling import conversion_edit, roast_schedule
from tests.plans.helpers import FULFILLMENT_DATE, order_of
from tests.production.helpers import ACTOR, green, roastery

D = Decimal
ROAST_DAY = date(2026, 11, 28)
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """Espresso blend, 0.25 kg bags; a plan of 100 bags (25 kg), 3 kg loose roasted on hand; a 12 → 10.2 kg
    profile on Probat 12 drawing Brazil Santos (100 kg green)."""
    product, profile, lot = roastery()
    stock_receive(kind="loose", product=product, quantity="3", lot_date="2026-11-01", actor=ACTOR)
    order = order_of(("ESP-250", 60), ("ESP-250", 40))
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=ACTOR)
    allocation_save(plan=plan, actor=ACTOR)
    return plan, product, profile, lot


def figures(row):
    return (row.product, row.remaining_kg, row.available_kg, row.scheduled_kg, row.to_roast_kg, row.batches,
            row.carryover_kg, row.profile, row.machine, row.green_lot, row.problems)  # fmt: skip


def test_conversion_of_a_plan(world):
    plan, product, profile, lot = world
    [row] = conversion_rows(plan)
    assert figures(row) == ("Espresso blend", D("25.000"), D("3.000"), D("0"), D("22.000"), 3, D("8.600"),
                            profile.name, "Probat 12", lot.number, [])  # fmt: skip


def test_schedule_holds_green_and_converting_again_proposes_nothing(world):
    plan, product, profile, lot = world
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    assert (batch.number, batch.status, batch.batches, batch.green_kg, batch.expected_kg, batch.machine.name) == (
        "RB-000001",
        "scheduled",
        3,
        D("36.000"),
        D("30.600"),
        "Probat 12",
    )
    lot.refresh_from_db()
    assert (lot.on_hand, lot.held) == (D("100.000"), D("36.000"))
    assert list(Hold.objects.filter(reference="RB-000001").values_list("lot_id", "order_item_id", "quantity")) == [
        (lot.pk, None, D("36.000"))
    ]
    # its own roasts count first (30.6 kg for 25): the 3 kg loose are left for other plans
    [row] = conversion_rows(plan)
    assert (row.available_kg, row.scheduled_kg, row.to_roast_kg, row.batches) == (D("0"), D("25.000"), D("0"), 0)
    with pytest.raises(Conflict) as refused:
        roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    assert refused.value.code == "nothing_to_schedule"
    assert RoastBatch.objects.count() == 1


def test_complete_consumes_green_makes_a_loose_lot_and_conserves_mass(world):
    plan, product, profile, lot = world
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    done = roasts.roast_batch_complete(batch=batch.number, green_used_kg="36.2", roasted_out_kg="30.45", actor=ACTOR)
    lot.refresh_from_db()
    assert (lot.on_hand, lot.held) == (D("63.800"), D("0.000"))
    consumed = -sum(Movement.objects.filter(lot=lot, kind="consumption").values_list("quantity", flat=True))
    roasted = done.lot
    assert (roasted.kind, roasted.product_id, roasted.lot_date, roasted.on_hand) == (
        "loose",
        product.pk,
        ROAST_DAY,
        D("30.450"),
    )
    assert consumed == roasted.on_hand + done.loss_kg == D("36.200")
    assert (done.status, done.inconsistent, done.green_used_kg, done.roasted_out_kg) == (
        "completed",
        False,
        D("36.200"),
        D("30.450"),
    )
    assert list(RoastGreen.objects.filter(batch=done).values_list("lot_id", "planned_kg", "used_kg")) == [
        (lot.pk, D("36.000"), D("36.200"))
    ]
    assert Movement.objects.get(lot=roasted).reason == f"Roasted in RB-000001 from Brazil Santos 2026 ({lot.number})"
    # the roasted kg now cover the packaging plan, which executes as before
    packaging = PackagingPlan.objects.get(plan=plan)
    packaging_plan_execute(packaging=packaging, actor=ACTOR)
    [row] = conversion_rows(plan)
    assert (row.remaining_kg, row.to_roast_kg) == (D("0"), D("0"))
    # a profile without its own weight loss would now take this roast's
    profile.end_kg = None
    assert weight_losses([profile]) == {profile.pk: D("15.88")}


def test_complete_beyond_two_percent_is_inconsistent_not_refused(world):
    plan, *_ = world
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    done = roasts.roast_batch_complete(batch=batch, green_used_kg="36", roasted_out_kg="29.9", actor=ACTOR)
    assert done.inconsistent is True


def test_complete_with_more_green_than_the_lots_have_is_refused(world):
    plan, product, profile, lot = world
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    before = (list(Lot.objects.values_list("number", "on_hand", "held")), Movement.objects.count())
    with pytest.raises(Conflict) as refused:
        roasts.roast_batch_complete(batch=batch, green_used_kg="100.001", roasted_out_kg="80", actor=ACTOR)
    assert refused.value.field == "green_used_kg"
    with pytest.raises(ValidationError) as refused:
        roasts.roast_batch_complete(batch=batch, green_used_kg="30", roasted_out_kg="31", actor=ACTOR)
    assert refused.value.field == "roasted_out_kg"
    assert (list(Lot.objects.values_list("number", "on_hand", "held")), Movement.objects.count()) == before
    assert RoastBatch.objects.get().status == "scheduled"


def test_complete_draws_the_next_lot_fifo_when_the_planned_one_runs_out(world):
    plan, product, profile, lot = world
    second = green("Brazil Cerrado", 50, lot_date="2026-02-01")
    masterdata.profile_update(profile=profile, changes={"green_lots": [lot.number, second.number]})
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    done = roasts.roast_batch_complete(batch=batch, green_used_kg="110", roasted_out_kg="93.5", actor=ACTOR)
    assert sorted(RoastGreen.objects.filter(batch=done).values_list("lot__name", "used_kg")) == [
        ("Brazil Cerrado", D("10.000")),
        ("Brazil Santos 2026", D("100.000")),
    ]
    assert done.inconsistent is True


def test_cancel_releases_and_cannot_complete_after(world):
    plan, product, profile, lot = world
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    roasts.roast_batch_cancel(batch=batch, actor=ACTOR)
    lot.refresh_from_db()
    assert (lot.held, Hold.objects.count()) == (D("0.000"), 0)
    with pytest.raises(TransitionNotAllowed) as refused:
        roasts.roast_batch_complete(batch=batch, green_used_kg="36", roasted_out_kg="30", actor=ACTOR)
    assert (refused.value.current, refused.value.attempted) == ("canceled", "completed")
    [row] = conversion_rows(plan)
    assert (row.scheduled_kg, row.batches) == (D("0"), 3)


def test_edit_a_scheduled_batch_moves_its_hold(world):
    plan, product, profile, lot = world
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    changes = {"batches": 2, "batch_kg": "14", "date": date(2026, 11, 29)}
    edited = roasts.roast_batch_update(batch=batch, changes=changes, actor=ACTOR)
    assert (edited.batches, edited.green_kg, edited.expected_kg, edited.date) == (
        2,
        D("28.000"),
        D("23.800"),
        date(2026, 11, 29),
    )
    lot.refresh_from_db()
    assert lot.held == D("28.000")
    with pytest.raises(ValidationError) as refused:
        roasts.roast_batch_update(batch=batch, changes={"batch_kg": "16"}, actor=ACTOR)
    assert refused.value.field == "batch_kg"
    with pytest.raises(Conflict):
        roasts.roast_batch_update(batch=batch, changes={"batches": 9}, actor=ACTOR)  # 108 kg of 100
    lot.refresh_from_db()
    assert lot.held == D("28.000")


def test_edits_change_rows_and_refuse_a_profile_of_another_group(world):
    plan, product, profile, lot = world
    conversion_edit(plan=plan, rows=[{"product": "Espresso blend", "batch_kg": "10", "weight_loss": "20"}], actor=ACTOR)
    [row] = conversion_rows(plan)
    assert (row.batch_kg, row.end_kg, row.batches, row.edited) == (D("10.000"), D("8.000"), 3, True)
    other, other_profile, _ = roastery_other()
    with pytest.raises(ValidationError) as refused:
        conversion_edit(plan=plan, rows=[{"product": "Espresso blend", "profile": other_profile.name}], actor=ACTOR)
    assert refused.value.field == "rows[0].profile"
    refusals = [
        ({"batch_kg": "20"}, "rows[0].batch_kg"),
        ({"weight_loss": "45"}, "rows[0].weight_loss"),
        ({"product": "Tea"}, "rows[0].product"),
        ({"machine": "Loring"}, "rows[0].machine"),
    ]
    for bad, field in refusals:
        with pytest.raises(ValidationError) as refused:
            conversion_edit(plan=plan, rows=[{"product": "Espresso blend", **bad}], actor=ACTOR)
        assert refused.value.field == field
    assert list(ConversionEdit.objects.values_list("batch_kg", "end_kg")) == [(D("10.000"), D("8.000"))]
    # a row given when scheduling replaces the row's edit (here: the profile's batch size, 4 batches); then spent
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR, rows=[{"product": "Espresso blend", "batches": 4}])
    assert (batch.batches, batch.green_kg, batch.expected_kg) == (4, D("48.000"), D("40.800"))
    assert ConversionEdit.objects.count() == 0


def roastery_other():
    from orderly.production.models import Machine
    from tests.production.helpers import roasted_product

    product = roasted_product(name="Filter roast", sku="FIL-250")
    masterdata.profile_group_create(data={"name": "Filter roast", "product": "Filter roast"})
    lot = green("Kenya AA", 30)
    profile = masterdata.profile_create(
        data={
            "group": "Filter roast",
            "name": "Filter light",
            "batch_kg": "12",
            "machines": [Machine.objects.get().name],
            "green_lots": [lot.number],
        }
    )
    return product, profile, lot


def test_a_flagged_row_cannot_be_scheduled(world):
    plan, product, profile, lot = world
    Lot.objects.filter(pk=lot.pk).update(on_hand=D("30"))  # 36 kg needed
    [row] = conversion_rows(plan)
    assert row.problems == ["green_short"]
    with pytest.raises(Conflict) as refused:
        roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR, rows=[{"product": "Espresso blend"}])
    assert refused.value.code == "conversion_problems"
    assert (RoastBatch.objects.count(), Hold.objects.count()) == (0, 0)
    # fixed by fewer batches: two of 12 kg
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR, rows=[{"product": "Espresso blend", "batches": 2}])
    assert batch.green_kg == D("24.000")
