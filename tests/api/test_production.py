"""/machines, /profile-groups, /profiles: the fields integrators rely on, roles, refusals naming the field."""

import pytest

from orderly.production.models import Machine, Profile
from tests.api.helpers import error_of
from tests.production.helpers import green, roasted_product

pytestmark = pytest.mark.django_db

MACHINE = {"name": "Probat 12", "min_batch_kg": "5", "max_batch_kg": "15", "batches_per_day": 8}


@pytest.fixture
def master(api):
    roasted_product()
    lot = green("Brazil Santos", 100)
    other = green("Ethiopia Sidamo", 40)
    assert api.post("/machines", MACHINE, role="manager").status_code == 201
    assert (
        api.post("/profile-groups", {"name": "Espresso", "product": "Espresso blend"}, role="manager").status_code
        == 201
    )
    return lot, other


def test_machine_fields(api, master):
    answer = api.get("/machines/Probat 12", role="viewer")
    assert answer.status_code == 200
    assert answer.json() == {"id": Machine.objects.get().id, "name": "Probat 12", "min_batch_kg": "5",
                             "max_batch_kg": "15", "batches_per_day": 8, "is_active": True}  # fmt: skip
    page = api.get("/machines", role="viewer").json()
    assert (page["total"], [m["name"] for m in page["items"]]) == (1, ["Probat 12"])


def test_profile_fields_and_group(api, master):
    lot, other = master
    body = {"group": "Espresso", "name": "Espresso medium", "machines": ["Probat 12"],
            "green_lots": [other.number, lot.number], "batch_kg": "12", "weight_loss": "15"}  # fmt: skip
    answer = api.post("/profiles", body, role="manager")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert {k: data[k] for k in ("group", "product", "name", "machines", "green_lots", "components", "batch_kg",
                                 "end_kg", "weight_loss", "weight_loss_source")} == {
        "group": "Espresso", "product": "Espresso blend", "name": "Espresso medium", "machines": ["Probat 12"],
        "green_lots": [other.number, lot.number], "components": [], "batch_kg": "12", "end_kg": "10.2",
        "weight_loss": "15", "weight_loss_source": "profile",
    }  # fmt: skip
    group = api.get("/profile-groups/Espresso", role="viewer").json()
    assert (group["name"], group["product"], group["profiles"]) == ("Espresso", "Espresso blend", ["Espresso medium"])
    patched = api.patch("/profiles/Espresso medium", {"end_kg": "9.6"}, role="manager").json()
    assert (patched["end_kg"], patched["weight_loss"]) == ("9.6", "20")


def test_blend_components(api, master):
    lot, other = master
    body = {
        "group": "Espresso",
        "name": "Espresso blend house",
        "machines": ["Probat 12"],
        "batch_kg": "10",
        "components": [{"green_lot": lot.number, "share": "70"}, {"green_lot": "Ethiopia Sidamo", "share": 30}],
    }
    data = api.post("/profiles", body, role="manager").json()
    assert data["components"] == [
        {"green_lot": lot.number, "name": "Brazil Santos", "share": "70", "kg_per_batch": "7"},
        {"green_lot": other.number, "name": "Ethiopia Sidamo", "share": "30", "kg_per_batch": "3"},
    ]
    assert (data["weight_loss"], data["weight_loss_source"], data["end_kg"]) == ("15", "default", "8.5")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"batch_kg": "16"}, "batch_kg"),
        ({"weight_loss": "41"}, "weight_loss"),
        ({"components": [{"green_lot": "Brazil Santos", "share": "50"}], "green_lots": []}, "components"),
        ({"group": "Filter"}, "group"),
    ],
)
def test_bad_profile_is_refused_with_its_field(api, master, change, field):
    body = {"group": "Espresso", "name": "Espresso medium", "machines": ["Probat 12"], "green_lots": ["Brazil Santos"],
            "batch_kg": "12", **change}  # fmt: skip
    answer = api.post("/profiles", body, role="manager")
    assert answer.status_code == 422
    assert error_of(answer)["field"] == field
    assert Profile.objects.count() == 0


@pytest.mark.parametrize(
    "change, field, resource, key",
    [
        ({"group": "Nope"}, "group", "profile_group", "Nope"),
        ({"machines": ["Probat 12", "Giesen W6"]}, "machines[1]", "machine", "Giesen W6"),
        ({"green_lots": ["Brazil Santos", "LOT-999999"]}, "green_lots[1]", "lot", "LOT-999999"),
        (
            {"green_lots": [], "components": [{"green_lot": "Kenya AA", "share": "100"}]},
            "components[0].green_lot",
            "lot",
            "Kenya AA",
        ),
    ],
)
def test_a_profile_naming_something_missing_is_refused_422_with_the_field(api, master, change, field, resource, key):
    body = {"group": "Espresso", "name": "Espresso medium", "machines": ["Probat 12"], "green_lots": ["Brazil Santos"],
            "batch_kg": "12", **change}  # fmt: skip
    answer = api.post("/profiles", body, role="manager")
    assert (answer.status_code, error_of(answer)["code"], error_of(answer)["field"]) == (
        422,
        "unknown_reference",
        field,
    )
    assert error_of(answer)["detail"] == {"resource": resource, "key": key}
    assert Profile.objects.count() == 0


def test_a_profile_group_or_profile_change_naming_something_missing_is_refused_422(api, master):
    group = api.post("/profile-groups", {"name": "Filter", "product": "Filter blend"}, role="manager")
    assert (group.status_code, error_of(group)["field"], error_of(group)["detail"]) == (
        422,
        "product",
        {"resource": "product", "key": "Filter blend"},
    )
    renamed = api.patch("/profile-groups/Espresso", {"product": "Nope"}, role="manager")
    assert (renamed.status_code, error_of(renamed)["code"], error_of(renamed)["field"]) == (
        422,
        "unknown_reference",
        "product",
    )
    body = {"group": "Espresso", "name": "Espresso medium", "machines": ["Probat 12"], "green_lots": ["Brazil Santos"],
            "batch_kg": "12"}  # fmt: skip
    assert api.post("/profiles", body, role="manager").status_code == 201
    moved = api.patch("/profiles/Espresso medium", {"group": "Nope"}, role="manager")
    assert (moved.status_code, error_of(moved)["code"], error_of(moved)["field"]) == (422, "unknown_reference", "group")
    assert Profile.objects.get().group.name == "Espresso"
    # what the path names is still 404
    assert error_of(api.patch("/profiles/Nope", {"batch_kg": "10"}, role="manager"))["code"] == "not_found"


def test_operators_read_master_data_but_only_managers_change_it(api, master):
    assert api.post("/machines", {**MACHINE, "name": "Giesen"}, role="operator").status_code == 403
    assert api.patch("/machines/Probat 12", {"batches_per_day": 2}, role="operator").status_code == 403
    assert api.post("/profile-groups", {"name": "X", "product": "Espresso blend"}, role="viewer").status_code == 403
    assert api.get("/profiles", role="viewer").status_code == 200
    assert api.patch("/machines/Probat 12", {"batches_per_day": 2}, role="manager").json()["batches_per_day"] == 2
    assert Machine.objects.count() == 1


def test_bad_machine_range_names_the_field(api, master):
    answer = api.post("/machines", {**MACHINE, "name": "Giesen", "min_batch_kg": "20"}, role="manager")
    assert answer.status_code == 422
    assert error_of(answer)["field"] == "max_batch_kg"
    assert api.get("/machines/Nope", role="viewer").status_code == 404
