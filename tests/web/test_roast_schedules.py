"""A plan's Roast schedules tab, Order conversion with its row edits and Schedule roasts, the Schedules overview
and a roast batch's page (Complete, Cancel, Edit); per role, refusals naming the field and changing nothing."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from orderly.inventory.models import Hold, Lot
from orderly.inventory.services import stock_receive
from orderly.plans.models import PackagingPlan
from orderly.plans.selectors import plan_orders
from orderly.plans.services import allocation_save, packaging_plan_execute, plan_create
from orderly.production.models import ConversionEdit, RoastBatch
from orderly.production.services import batches as roasts
from orderly.production.services import masterdata
from orderly.production.services.scheduling import roast_schedule
from tests.plans.helpers import FULFILLMENT_DATE, order_of
from tests.production.helpers import ACTOR, roastery
from tests.web.helpers import messages_of, text

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


def state() -> tuple:
    return (
        list(RoastBatch.objects.order_by("id").values_list("number", "status", "date", "batches", "green_kg")),
        list(Lot.objects.order_by("id").values_list("on_hand", "held")),
        Hold.objects.count(),
        list(ConversionEdit.objects.values_list("batch_kg", "end_kg", "batches")),
    )


def test_the_plan_has_a_roast_schedules_tab(viewer, world):
    plan = world[0]
    page = viewer.get(f"/plans/{plan.number}/").content.decode()
    assert f'href="/plans/{plan.number}/roast-schedules/">Roast schedules</a>' in page
    tab = text(viewer.get(f"/plans/{plan.number}/roast-schedules/"))
    assert "Roast schedules No roasts scheduled for this plan yet." in tab
    assert "Add schedules" not in tab


def test_order_conversion_shows_the_rows(op, world):
    plan, product, profile, lot = world
    assert (
        f'href="/plans/{plan.number}/order-conversion/"'
        in op.get(f"/plans/{plan.number}/roast-schedules/").content.decode()
    )
    page = text(op.get(f"/plans/{plan.number}/order-conversion/"))
    assert (
        "Schedule Product Remaining kg Available kg Scheduled kg To roast kg Batches Carry-over kg Profile Machine "
        f"Green lot Actions Schedule Espresso blend Espresso blend 25 3 0 22 3 8.6 Espresso blend medium Probat 12 "
        f"{lot.number} Edit Espresso blend"
    ) in page


def test_a_row_with_a_problem_shows_an_exclamation_mark_and_the_reason(op, world):
    plan, product, profile, lot = world
    masterdata.profile_update(profile=profile, changes={"green_lots": []})
    page = text(op.get(f"/plans/{plan.number}/order-conversion/"))
    assert "! Espresso blend Problem: No green lot: the profile names no green coffee. 25 3 0 22 3 8.6" in page


def test_schedule_roasts_on_a_date(op, world):
    plan, product, profile, lot = world
    response = op.post(
        f"/plans/{plan.number}/order-conversion/", {"date": "2026-11-28", "products": "Espresso blend"}, follow=True
    )
    assert messages_of(response) == ["Scheduled 1 roast batch: RB-000001."]
    assert "RB-000001 2026-11-28 Probat 12 Espresso blend medium Espresso blend 3 36 30.6 Scheduled" in text(response)
    assert state()[:3] == (
        [("RB-000001", "scheduled", ROAST_DAY, 3, D("36.000"))],
        [(D("100.000"), D("36.000")), (D("3.000"), D("0.000"))],
        1,
    )


def test_scheduling_without_a_date_is_refused_naming_it(op, world):
    plan = world[0]
    before = state()
    response = op.post(f"/plans/{plan.number}/order-conversion/", {"date": "28-11-2026", "products": "Espresso blend"})
    assert response.status_code == 422
    assert "Nothing was saved. Roast date '28-11-2026' is not a date (YYYY-MM-DD)." in text(response)
    assert 'id="f-date-error"' in response.content.decode()
    assert state() == before


def test_scheduling_a_plan_with_only_problems_is_refused(op, world):
    plan, product, profile, lot = world
    masterdata.profile_update(profile=profile, changes={"green_lots": []})
    before = state()
    response = op.post(f"/plans/{plan.number}/order-conversion/", {"date": "2026-11-28", "products": "Espresso blend"})
    assert response.status_code == 409
    assert "Nothing was saved. Cannot schedule: Espresso blend: no_green_lot. Fix the rows first." in text(response)
    # a flagged row cannot be ticked
    assert (
        f'<input type="checkbox" id="f-products-{product.pk}" name="products" value="Espresso blend" '
        'form="schedule-form" disabled>'
    ) in response.content.decode()
    assert state() == before


def test_edit_a_row_then_schedule_it(op, world):
    plan, product, profile, lot = world
    url = f"/plans/{plan.number}/order-conversion/{product.pk}/"
    form = text(op.get(url))
    assert "Edit Espresso blend" in form
    response = op.post(
        url,
        {"profile": profile.name, "green_lot": lot.number, "batch_kg": "11", "end_kg": "10.2", "weight_loss": "15",
         "machine": "Probat 12", "batches": "3"},
        follow=True,
    )  # fmt: skip
    assert messages_of(response) == ["Order conversion row Espresso blend saved."]
    # the batch size changed, the end weight follows the profile's weight loss: 11 × 0.85 = 9.35 kg
    assert list(ConversionEdit.objects.values_list("batch_kg", "end_kg", "batches")) == [(D("11.000"), None, None)]
    assert "Espresso blend (edited) 25 3 0 22 3 6.05" in text(response)
    # a second edit keeps the first
    op.post(url, {"profile": profile.name, "green_lot": lot.number, "batch_kg": "11", "end_kg": "9.35",
                  "weight_loss": "15", "machine": "Probat 12", "batches": "4"})  # fmt: skip
    assert list(ConversionEdit.objects.values_list("batch_kg", "end_kg", "batches")) == [(D("11.000"), None, 4)]
    op.post(f"/plans/{plan.number}/order-conversion/", {"date": "2026-11-28", "products": "Espresso blend"})
    assert list(RoastBatch.objects.values_list("batches", "batch_kg", "green_kg", "expected_kg")) == [
        (4, D("11.000"), D("44.000"), D("37.400"))
    ]


def test_a_row_edit_outside_the_machine_is_refused_naming_the_batch_size(op, world):
    plan, product, profile, lot = world
    before = state()
    response = op.post(
        f"/plans/{plan.number}/order-conversion/{product.pk}/",
        {"profile": profile.name, "green_lot": lot.number, "batch_kg": "20", "end_kg": "10.2", "weight_loss": "15",
         "machine": "Probat 12", "batches": "3"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Nothing was saved. A batch of 20.000 kg is outside machine Probat 12's range of 5.000–15.000 kg." in text(
        response
    )
    assert 'id="f-batch-kg-error"' in response.content.decode()
    assert state() == before


def test_a_row_edit_with_a_weight_loss_over_40_is_refused_naming_it(op, world):
    plan, product, profile, lot = world
    before = state()
    response = op.post(
        f"/plans/{plan.number}/order-conversion/{product.pk}/",
        {"profile": profile.name, "green_lot": lot.number, "batch_kg": "12", "end_kg": "10.2", "weight_loss": "41",
         "machine": "Probat 12", "batches": "3"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Weight loss % must be between 0 and 40 %, got 41." in text(response)
    assert 'id="f-weight-loss-error"' in response.content.decode()
    assert state() == before


def test_a_profile_of_another_group_is_refused_naming_the_profile(op, world):
    plan, product, profile, lot = world
    other = masterdata.profile_group_create(data={"name": "Filter", "product": roastery_product("Filter roast")})
    masterdata.profile_create(
        data={"group": other.name, "name": "Filter light", "machines": ["Probat 12"], "green_lots": [lot.number],
              "batch_kg": "10", "end_kg": "8.6"}
    )  # fmt: skip
    before = state()
    response = op.post(
        f"/plans/{plan.number}/order-conversion/{product.pk}/",
        {"profile": "Filter light", "green_lot": lot.number, "batch_kg": "12", "end_kg": "10.2", "weight_loss": "15",
         "machine": "Probat 12", "batches": "3"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Profile Filter light belongs to group Filter, which makes another product than Espresso blend." in text(
        response
    )
    assert 'id="f-profile-error"' in response.content.decode()
    assert state() == before


def roastery_product(name: str) -> str:
    from tests.production.helpers import roasted_product

    return roasted_product(name, "FIL-250").name


def test_use_the_profile_drops_the_edits(op, world):
    plan, product, profile, lot = world
    url = f"/plans/{plan.number}/order-conversion/{product.pk}/"
    op.post(url, {"batch_kg": "11", "profile": profile.name})
    assert ConversionEdit.objects.count() == 1
    op.post(url, {"reset": "1"})
    assert ConversionEdit.objects.count() == 0


def test_viewers_cannot_schedule_or_edit_rows(viewer, world):
    plan, product, profile, lot = world
    before = state()
    assert viewer.post(f"/plans/{plan.number}/order-conversion/", {"date": "2026-11-28"}).status_code == 403
    assert viewer.post(f"/plans/{plan.number}/order-conversion/{product.pk}/", {"batches": "9"}).status_code == 403
    assert "Schedule roasts" not in text(viewer.get(f"/plans/{plan.number}/order-conversion/"))
    assert state() == before


def test_an_unknown_row_is_404(op, world):
    plan = world[0]
    assert op.get(f"/plans/{plan.number}/order-conversion/999999/").status_code == 404
    assert op.get("/plans/OF-999999/order-conversion/").status_code == 404


# ---------------------------------------------------------------------------------------------- overview


def test_the_schedules_overview_with_filters_and_a_day_over_capacity(viewer, world):
    plan, product, profile, lot = world
    Lot.objects.filter(pk=lot.pk).update(on_hand=D("1000"))
    masterdata.machine_update(machine=profile.machines.get(), changes={"batches_per_day": 2})
    roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    page = text(viewer.get("/roasts/schedules/"))
    assert "1 roast batch." in page
    assert (
        f"RB-000001 2026-11-28 Probat 12 ! 3 of 2 batches that day Espresso blend medium Espresso blend {plan.number} "
        "3 36 30.6 Scheduled"
    ) in page
    assert "0 roast batches." in text(viewer.get("/roasts/schedules/?status=completed"))
    assert "1 roast batch." in text(viewer.get(f"/roasts/schedules/?plan={plan.number}&machine=Probat+12"))
    assert "0 roast batches." in text(viewer.get("/roasts/schedules/?date_from=2026-11-29"))


def test_bad_filters_are_named(viewer, world):
    response = viewer.get("/roasts/schedules/?date_from=tomorrow")
    assert response.status_code == 400
    assert "These filters cannot be used: date_from 'tomorrow' is not a date (YYYY-MM-DD)." in text(response)
    response = viewer.get("/roasts/schedules/?status=roasting")
    assert response.status_code == 400
    assert "status must be one of scheduled, completed, canceled, not 'roasting'." in text(response)


def test_the_overview_pages(viewer, world):
    plan, product, profile, lot = world
    Lot.objects.filter(pk=lot.pk).update(on_hand=D("100000"))
    for day in range(1, 53):
        RoastBatch.objects.create(
            number=f"RB-{day:06d}", plan=plan, product=product, profile=profile, machine=profile.machines.get(),
            date=date(2026, 12, 1 + day % 28), batch_kg=D("12"), green_kg=D("12"), expected_kg=D("10.2"),
        )  # fmt: skip
    first = text(viewer.get("/roasts/schedules/"))
    assert ("52 roast batches." in first, "Page 1 of 2 Next →" in first) == (True, True)
    assert first.count(" Scheduled Actions for RB-") == 50
    second = text(viewer.get("/roasts/schedules/?page=2"))
    assert (second.count(" Scheduled Actions for RB-"), "← Previous Page 2 of 2" in second) == (2, True)


# ---------------------------------------------------------------------------------------------- a batch


@pytest.fixture
def scheduled(world):
    plan, product, profile, lot = world
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    return batch


def test_the_batch_page(viewer, scheduled, world):
    lot = world[3]
    page = text(viewer.get("/roasts/batches/RB-000001/"))
    assert "Roast batch RB-000001 Scheduled" in page
    assert f"Green coffee Lot Name Planned kg Used kg {lot.number} Brazil Santos 2026 36 0" in page
    assert "Complete" not in page.split("Green coffee", 1)[1]


def test_complete_a_batch(op, scheduled, world):
    response = op.post("/roasts/batches/RB-000001/complete/", {"green_used_kg": "36", "roasted_out_kg": "30.6"},
                       follow=True)  # fmt: skip
    batch = RoastBatch.objects.get()
    assert messages_of(response) == [f"Roast batch RB-000001 completed into loose lot {batch.lot.number}."]
    assert (batch.status, batch.green_used_kg, batch.roasted_out_kg, batch.inconsistent) == (
        "completed", D("36.000"), D("30.600"), False,
    )  # fmt: skip
    assert f"Roasted lot {batch.lot.number}" in text(response)


def test_completing_with_more_green_than_the_lots_have_is_refused_naming_it(op, scheduled):
    before = state()
    response = op.post("/roasts/batches/RB-000001/complete/", {"green_used_kg": "150", "roasted_out_kg": "120"})
    assert response.status_code == 409
    assert "Nothing was saved. Cannot complete RB-000001 with 150.000 kg green: its green lots have 100.000 kg." in (
        text(response)
    )
    assert 'id="f-green-used-kg-error"' in response.content.decode()
    assert state() == before


def test_completing_with_more_out_than_in_is_refused_naming_it(op, scheduled):
    before = state()
    response = op.post("/roasts/batches/RB-000001/complete/", {"green_used_kg": "30", "roasted_out_kg": "31"})
    assert response.status_code == 422
    assert "Roasted out (kg) (31.000) cannot be more than green_used_kg (30.000)." in text(response)
    assert state() == before


def test_cancel_a_batch(op, scheduled):
    response = op.post("/roasts/batches/RB-000001/cancel/", follow=True)
    assert messages_of(response) == ["Roast batch RB-000001 canceled; its green coffee is free again."]
    assert state()[:3] == (
        [("RB-000001", "canceled", ROAST_DAY, 3, D("36.000"))],
        [(D("100.000"), D("0.000")), (D("3.000"), D("0.000"))],
        0,
    )
    again = op.post("/roasts/batches/RB-000001/cancel/", follow=True)
    assert messages_of(again) == [
        "Cannot cancel: roast batch RB-000001 is canceled, and canceled → canceled is not allowed."
    ]


def test_edit_a_batch(op, scheduled):
    response = op.post(
        "/roasts/batches/RB-000001/edit/",
        {"date": "2026-11-29", "machine": "Probat 12", "batches": "2", "batch_kg": "12", "end_kg": "10.2"},
        follow=True,
    )
    assert messages_of(response) == ["Roast batch RB-000001 saved."]
    assert state()[:2] == (
        [("RB-000001", "scheduled", date(2026, 11, 29), 2, D("24.000"))],
        [(D("100.000"), D("24.000")), (D("3.000"), D("0.000"))],
    )


def test_a_batch_edit_outside_the_machine_is_refused_naming_the_batch_size(op, scheduled):
    before = state()
    response = op.post(
        "/roasts/batches/RB-000001/edit/",
        {"date": "2026-11-28", "machine": "Probat 12", "batches": "3", "batch_kg": "16", "end_kg": "10.2"},
    )
    assert response.status_code == 422
    assert "Nothing was saved. A batch of 16.000 kg is outside machine Probat 12's range of 5.000–15.000 kg." in (
        text(response)
    )
    assert 'id="f-batch-kg-error"' in response.content.decode()
    assert state() == before


def test_viewers_cannot_complete_cancel_or_edit(viewer, scheduled):
    before = state()
    assert (
        viewer.post("/roasts/batches/RB-000001/complete/", {"green_used_kg": "36", "roasted_out_kg": "30"}).status_code
        == 403
    )
    assert viewer.post("/roasts/batches/RB-000001/cancel/").status_code == 403
    assert viewer.get("/roasts/batches/RB-000001/edit/").status_code == 403
    assert state() == before
    assert viewer.get("/roasts/batches/RB-999999/").status_code == 404


def test_the_roast_schedule_pages_have_no_inline_scripts(op, scheduled):
    plan = scheduled.plan
    product_id = scheduled.product_id
    pages = [f"/plans/{plan.number}/roast-schedules/", f"/plans/{plan.number}/order-conversion/",
             f"/plans/{plan.number}/order-conversion/{product_id}/", "/roasts/schedules/", "/roasts/batches/RB-000001/",
             "/roasts/batches/RB-000001/edit/"]  # fmt: skip
    found = {}
    for page in pages:
        html = op.get(page).content.decode()
        found[page] = [
            mark for mark in ("<script>", " onclick=", " onsubmit=", " onchange=", "javascript:") if mark in html
        ]
    assert found == {page: [] for page in pages}


# ---------------------------------------------------------------------------------------------- traces


def test_the_trace_pages_from_a_green_lot_a_roasted_lot_and_an_order_item(viewer, world):
    plan, product, profile, lot = world
    [batch] = roast_schedule(plan=plan, on=ROAST_DAY, actor=ACTOR)
    batch = roasts.roast_batch_complete(batch=batch, green_used_kg="36", roasted_out_kg="30.6", actor=ACTOR)
    packaging = PackagingPlan.objects.get(plan=plan)
    packaging_plan_execute(packaging=packaging, actor=ACTOR)
    packaging.refresh_from_db()
    order = plan_orders(plan)[0].order
    item = order.items.order_by("line_no").first()
    roasted, packed = batch.lot.number, packaging.lot.number

    page = text(viewer.get(f"/inventory/lots/{lot.number}/trace/"))
    assert "Roast batches Batch Date Profile Machine Status Green lots Roasted lot RB-000001 2026-11-28 " in page
    assert f"Espresso blend medium Probat 12 Completed {lot.number} 36 kg {roasted}" in page
    assert f"Roasted lots {roasted} Espresso blend, roasted 2026-11-28" in page
    assert f"Packaged lots {packed} ESP-250" in page
    assert (
        f"Orders Order SKU Units How Lot {order.number} ESP-250 60 Held by {plan.number} {packed} "
        f"{order.number} ESP-250 40 Held by {plan.number} {packed}"
    ) in page
    assert f"Green coffee {lot.number} Brazil Santos 2026" in text(viewer.get(f"/inventory/lots/{roasted}/trace/"))
    item_page = text(viewer.get(f"/orders/{order.number}/items/{item.pk}/trace/"))
    assert f"Trace of {order.number} line 1 (ESP-250)" in item_page
    assert f"Orders Order SKU Units How Lot {order.number} ESP-250 60 Held by {plan.number} {packed}" in item_page
    assert (
        f'href="/orders/{order.number}/items/{item.pk}/trace/"'
        in viewer.get(f"/orders/{order.number}/").content.decode()
    )
    assert viewer.get("/inventory/lots/LOT-999999/trace/").status_code == 404
    assert viewer.get(f"/orders/{order.number}/items/999999/trace/").status_code == 404


@pytest.fixture
def two_rows(db):
    """Two roasted products a plan needs roasted: Espresso blend (25 kg) and Filter roast (10 kg), each with a
    profile on Probat 12 and green coffee of its own."""
    from tests.production.helpers import green, roasted_product

    espresso, _, _ = roastery()
    filter_roast = roasted_product("Filter roast", "FIL-250")
    lot = green("Ethiopia Sidamo", 80)
    masterdata.profile_group_create(data={"name": "Filter", "product": filter_roast.name})
    masterdata.profile_create(
        data={"group": "Filter", "name": "Filter light", "machines": ["Probat 12"], "green_lots": [lot.number],
              "batch_kg": "10", "end_kg": "8.6"}
    )  # fmt: skip
    order = order_of(("ESP-250", 100), ("FIL-250", 40))
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=ACTOR)
    allocation_save(plan=plan, actor=ACTOR)
    return plan, espresso, filter_roast


def test_every_row_that_can_be_scheduled_is_ticked_at_first_with_a_select_all_box(op, two_rows):
    plan, espresso, filter_roast = two_rows
    page = op.get(f"/plans/{plan.number}/order-conversion/").content.decode()
    assert (
        '<input type="checkbox" id="f-products-all" data-select-all="products" form="schedule-form" hidden '
        'aria-label="Select every row that can be scheduled">'
    ) in page
    for product in (espresso, filter_roast):
        assert (
            f'<input type="checkbox" id="f-products-{product.pk}" name="products" value="{product.name}" '
            'form="schedule-form" checked>'
        ) in page


def test_schedule_roasts_schedules_only_the_rows_ticked(op, two_rows):
    plan, espresso, filter_roast = two_rows
    response = op.post(
        f"/plans/{plan.number}/order-conversion/", {"date": "2026-11-28", "products": ["Filter roast"]}, follow=True
    )
    assert messages_of(response) == ["Scheduled 1 roast batch: RB-000001."]
    assert list(RoastBatch.objects.values_list("number", "product__name", "batches", "green_kg")) == [
        ("RB-000001", "Filter roast", 2, D("20.000"))
    ]
    # the other row is still to roast, and is scheduled when ticked
    page = text(op.get(f"/plans/{plan.number}/order-conversion/"))
    assert "Schedule Espresso blend Espresso blend 25 0 0 25 3" in page
    assert "Schedule Filter roast Filter roast 10 0 10 0 0" in page  # scheduled: what it needs of the 17.2 kg
    op.post(f"/plans/{plan.number}/order-conversion/", {"date": "2026-11-29", "products": ["Espresso blend"]})
    assert list(RoastBatch.objects.order_by("id").values_list("product__name", "date")) == [
        ("Filter roast", ROAST_DAY),
        ("Espresso blend", date(2026, 11, 29)),
    ]


def test_schedule_roasts_with_no_row_ticked_is_refused_and_keeps_the_choice(op, two_rows):
    plan, espresso, filter_roast = two_rows
    before = state()
    response = op.post(f"/plans/{plan.number}/order-conversion/", {"date": "2026-11-28"})
    assert response.status_code == 422
    assert "Nothing was saved. Choose at least one row to schedule." in text(response)
    page = response.content.decode()
    assert f'id="f-products-{espresso.pk}" name="products" value="Espresso blend" form="schedule-form">' in page
    assert state() == before


def test_schedule_roasts_with_a_row_not_of_the_plan_is_refused(op, two_rows):
    plan = two_rows[0]
    before = state()
    response = op.post(f"/plans/{plan.number}/order-conversion/", {"date": "2026-11-28", "products": ["Tea"]})
    assert response.status_code == 422
    assert f"Plan {plan.number}'s order conversion has no row for product 'Tea'." in text(response)
    assert state() == before


def test_the_select_all_box_is_a_script_of_our_own(op, two_rows):
    script = (Path(__file__).resolve().parents[2] / "src/orderly/web/static/web/orderly.js").read_text()
    assert "function bindSelectAll()" in script
    assert "bindSelectAll();" in script
