"""The plan's order conversion and roast batches through the API: fields, roles, refusals, Idempotency-Key."""

import pytest

from orderly.inventory.models import Hold
from orderly.plans.services import allocation_save, plan_create
from orderly.production.models import RoastBatch
from tests.api.helpers import error_of
from tests.plans.helpers import FULFILLMENT_DATE, order_of
from tests.production.helpers import ACTOR, roastery

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(db):
    _, _, lot = roastery()
    order = order_of(("ESP-250", 100))
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=ACTOR)
    allocation_save(plan=plan, actor=ACTOR)
    plan.lot = lot
    return plan


def test_conversion_row_fields(api, plan):
    answer = api.get(f"/plans/{plan.number}/order-conversion", role="viewer")
    assert answer.status_code == 200
    [row] = answer.json()["rows"]
    assert {k: row[k] for k in ("product", "remaining_kg", "available_kg", "scheduled_kg", "to_roast_kg", "batches",
                                "carryover_kg", "profile", "machine", "green_lot", "problems")} == {
        "product": "Espresso blend", "remaining_kg": "25", "available_kg": "0", "scheduled_kg": "0",
        "to_roast_kg": "25", "batches": 3, "carryover_kg": "5.6", "profile": "Espresso blend medium",
        "machine": "Probat 12", "green_lot": plan.lot.number, "problems": [],
    }  # fmt: skip


def test_put_edits_a_row_and_refuses_with_the_field(api, plan):
    url = f"/plans/{plan.number}/order-conversion"
    answer = api.call("PUT", url, {"rows": [{"product": "Espresso blend", "batches": 5}]}, role="operator")
    assert (answer.status_code, answer.json()["rows"][0]["batches"]) == (200, 5)
    answer = api.call("PUT", url, {"rows": [{"product": "Espresso blend", "weight_loss": "41"}]}, role="operator")
    assert (answer.status_code, error_of(answer)["field"]) == (422, "rows[0].weight_loss")
    assert api.call("PUT", url, {"rows": []}, role="viewer").status_code == 403


def test_schedule_complete_and_list(api, plan):
    answer = api.post(f"/plans/{plan.number}/roast-schedules", {"date": "2026-11-28"}, role="operator",
                      idempotency_key="k1")  # fmt: skip
    assert answer.status_code == 201, answer.content
    [batch] = answer.json()["batches"]
    assert {k: batch[k] for k in ("number", "status", "date", "machine", "profile", "plan", "green_kg", "expected_kg",
                                  "green_used_kg", "roasted_out_kg", "inconsistent", "lot")} == {
        "number": "RB-000001", "status": "scheduled", "date": "2026-11-28", "machine": "Probat 12",
        "profile": "Espresso blend medium", "plan": plan.number, "green_kg": "36", "expected_kg": "30.6",
        "green_used_kg": None, "roasted_out_kg": None, "inconsistent": False, "lot": None,
    }  # fmt: skip
    again = api.post(f"/plans/{plan.number}/roast-schedules", {"date": "2026-11-28"}, role="operator",
                     idempotency_key="k1")  # fmt: skip
    assert (again.status_code, RoastBatch.objects.count()) == (201, 1)
    listed = api.get("/roast-batches?status=scheduled&machine=Probat 12", role="viewer").json()
    assert (listed["total"], listed["items"][0]["number"]) == (1, "RB-000001")
    assert api.get("/roast-batches?date_from=2026-11-29", role="viewer").json()["total"] == 0
    done = api.post("/roast-batches/RB-000001/complete", {"green_used_kg": "36", "roasted_out_kg": "30.5"},
                    role="operator")  # fmt: skip
    assert done.status_code == 200
    data = done.json()
    assert (data["status"], data["green_used_kg"], data["roasted_out_kg"], data["lot"].startswith("LOT-")) == (
        "completed",
        "36",
        "30.5",
        True,
    )
    refused = api.post("/roast-batches/RB-000001/cancel", role="operator")
    assert (refused.status_code, error_of(refused)["code"]) == (409, "transition_not_allowed")


def test_schedule_refused_for_a_flagged_row_writes_nothing(api, plan):
    answer = api.post(
        f"/plans/{plan.number}/roast-schedules",
        {"date": "2026-11-28", "rows": [{"product": "Espresso blend", "batches": 9}]},
        role="operator",
    )  # fmt: skip  (108 kg green of 100)
    assert (answer.status_code, error_of(answer)["code"]) == (409, "conversion_problems")
    assert (RoastBatch.objects.count(), Hold.objects.count()) == (0, 0)
    assert api.post(f"/plans/{plan.number}/roast-schedules", {"date": "2026-11-28"}, role="viewer").status_code == 403


@pytest.mark.parametrize(
    "edit, field, resource",
    [
        ({"profile": "Nope"}, "rows[0].profile", "profile"),
        ({"machine": "Giesen W6"}, "rows[0].machine", "machine"),
        ({"green_lot": "LOT-999999"}, "rows[0].green_lot", "lot"),
    ],
)
def test_conversion_rows_naming_something_missing_are_refused_422_with_the_field(api, plan, edit, field, resource):
    key = next(iter(edit.values()))
    url = f"/plans/{plan.number}/order-conversion"
    put = api.call("PUT", url, {"rows": [{"product": "Espresso blend", **edit}]}, role="operator")
    scheduled = api.post(
        f"/plans/{plan.number}/roast-schedules",
        {"date": "2026-11-28", "rows": [{"product": "Espresso blend", **edit}]},
        role="operator",
    )
    for answer in (put, scheduled):
        assert (answer.status_code, error_of(answer)["code"], error_of(answer)["field"]) == (
            422,
            "unknown_reference",
            field,
        )
        assert error_of(answer)["detail"] == {"resource": resource, "key": key}
    assert (RoastBatch.objects.count(), Hold.objects.count()) == (0, 0)
    assert api.get(url, role="viewer").json()["rows"][0]["batches"] == 3  # no edit kept


def test_a_roast_batch_moved_to_a_missing_machine_is_refused_422(api, plan):
    api.post(f"/plans/{plan.number}/roast-schedules", {"date": "2026-11-28"}, role="operator")
    answer = api.patch("/roast-batches/RB-000001", {"machine": "Giesen W6", "batches": 2}, role="operator")
    assert (answer.status_code, error_of(answer)["code"], error_of(answer)["field"]) == (
        422,
        "unknown_reference",
        "machine",
    )
    assert error_of(answer)["detail"] == {"resource": "machine", "key": "Giesen W6"}
    batch = RoastBatch.objects.get()
    assert (batch.machine.name, batch.batches) == ("Probat 12", 3)


def test_patch_and_cancel(api, plan):
    api.post(f"/plans/{plan.number}/roast-schedules", {"date": "2026-11-28"}, role="operator")
    patched = api.patch("/roast-batches/RB-000001", {"batches": 2}, role="operator")
    assert (patched.status_code, patched.json()["green_kg"]) == (200, "24")
    bad = api.patch("/roast-batches/RB-000001", {"batch_kg": "30"}, role="operator")
    assert (bad.status_code, error_of(bad)["field"]) == (422, "batch_kg")
    canceled = api.post("/roast-batches/RB-000001/cancel", role="operator")
    assert (canceled.json()["status"], Hold.objects.count()) == ("canceled", 0)
    assert api.get("/roast-batches/RB-999999", role="viewer").status_code == 404
