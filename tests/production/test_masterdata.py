"""Machines, profile groups and profiles: what is stored, and every refusal naming its field, writing nothing."""

import pytest

from orderly.core.exceptions import Conflict, UnknownReference, ValidationError
from orderly.production.models import Machine, Profile, ProfileGreen, ProfileGroup
from orderly.production.selectors import profile_get, profile_views, weight_losses
from orderly.production.services import masterdata
from tests.production.helpers import D, green, machine, roasted_product

pytestmark = pytest.mark.django_db


def counts():
    return (Machine.objects.count(), ProfileGroup.objects.count(), Profile.objects.count(),
            ProfileGreen.objects.count())  # fmt: skip


def test_machine_is_stored_with_its_range():
    m = machine(low="5", high="15.5", per_day=8)
    assert (m.name, m.min_batch_kg, m.max_batch_kg, m.batches_per_day, m.is_active) == (
        "Probat 12",
        D("5.000"),
        D("15.500"),
        8,
        True,
    )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"min_batch_kg": "20"}, "max_batch_kg"),
        ({"min_batch_kg": "0"}, "min_batch_kg"),
        ({"max_batch_kg": "abc"}, "max_batch_kg"),
        ({"batches_per_day": 0}, "batches_per_day"),
        ({"name": " "}, "name"),
        ({"min_batch_kg": "1.0001"}, "min_batch_kg"),
    ],
)
def test_bad_machine_is_refused_naming_the_field(data, field):
    body = {"name": "Giesen", "min_batch_kg": "5", "max_batch_kg": "15", "batches_per_day": 4, **data}
    with pytest.raises(ValidationError) as refused:
        masterdata.machine_create(data=body)
    assert refused.value.field == field
    assert Machine.objects.count() == 0


def test_machine_name_taken_is_a_conflict():
    machine()
    with pytest.raises(Conflict) as refused:
        machine()
    assert refused.value.field == "name"


def test_group_needs_a_catalog_product_once():
    roasted_product()
    group = masterdata.profile_group_create(data={"name": "Espresso", "product": "Espresso blend"})
    assert group.product.name == "Espresso blend"
    with pytest.raises(Conflict) as refused:
        masterdata.profile_group_create(data={"name": "Espresso 2", "product": "Espresso blend"})
    assert refused.value.field == "product"
    with pytest.raises(UnknownReference) as refused:
        masterdata.profile_group_create(data={"name": "Filter", "product": "Filter roast"})
    assert refused.value.field == "product"
    assert ProfileGroup.objects.count() == 1


@pytest.fixture
def setup(db):
    roasted_product()
    machine()
    masterdata.profile_group_create(data={"name": "Espresso", "product": "Espresso blend"})
    return green("Brazil Santos", 100), green("Ethiopia Sidamo", 50)


def base(**extra):
    return {"group": "Espresso", "name": "Espresso medium", "machines": ["Probat 12"], "batch_kg": "12", **extra}


def test_profile_with_end_weight_has_its_weight_loss(setup):
    brazil, ethiopia = setup
    masterdata.profile_create(data=base(green_lots=[ethiopia.number, "Brazil Santos"], end_kg="10.2"))
    view = profile_views([profile_get("Espresso medium")])[0]
    assert (view.weight_loss, view.end_kg, view.loss_source) == (D("15.00"), D("10.200"), "profile")
    assert view.machines == ["Probat 12"]
    assert view.green_lots == [ethiopia.number, brazil.number]
    assert view.components == []


def test_profile_with_weight_loss_stores_the_end_weight(setup):
    profile = masterdata.profile_create(data=base(green_lots=["Brazil Santos"], weight_loss="17.5"))
    assert profile.end_kg == D("9.900")


def test_profile_without_weight_loss_uses_the_default_then_history(setup):
    profile = masterdata.profile_create(data=base(green_lots=["Brazil Santos"]))
    assert profile.end_kg is None
    assert weight_losses([profile]) == {profile.pk: D("15")}


def test_blend_is_stored_as_weights_per_batch_adding_up_to_the_batch(setup):
    brazil, ethiopia = setup
    profile = masterdata.profile_create(
        data=base(components=[{"green_lot": brazil.number, "share": "33.333"},
                              {"green_lot": ethiopia.number, "share": "66.667"}], batch_kg="10")
    )  # fmt: skip
    weights = list(profile.greens.order_by("rank").values_list("lot__number", "kg_per_batch"))
    assert weights == [(brazil.number, D("3.333")), (ethiopia.number, D("6.667"))]
    view = profile_views([profile_get("Espresso medium")])[0]
    assert [c["share"] for c in view.components] == [D("33.33"), D("66.67")]
    # a new batch size rescales the weights by their shares, still adding up exactly
    masterdata.profile_update(profile=profile, changes={"batch_kg": "12"})
    weights = list(profile.greens.order_by("rank").values_list("kg_per_batch", flat=True))
    assert weights == [D("4.000"), D("8.000")]


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"batch_kg": "20"}, "batch_kg"),  # outside Probat 12's 5–15 kg
        ({"batch_kg": "4.999"}, "batch_kg"),
        ({"weight_loss": "40.01"}, "weight_loss"),
        ({"weight_loss": "-1"}, "weight_loss"),
        ({"end_kg": "7"}, "end_kg"),  # 41.67 % loss
        ({"end_kg": "13"}, "end_kg"),  # more out than in
        ({"end_kg": "10", "weight_loss": "15"}, "weight_loss"),  # disagree
        (
            {
                "components": [
                    {"green_lot": "Brazil Santos", "share": "60"},
                    {"green_lot": "Ethiopia Sidamo", "share": "30"},
                ]
            },
            "components",
        ),
        ({"components": [{"green_lot": "Brazil Santos", "share": "0"}]}, "components[0].share"),
        ({"green_lots": ["Brazil Santos", "Brazil Santos"]}, "green_lots[1]"),
        ({"green_lots": ["Kenya AA"]}, "green_lots[0]"),
        ({"machines": ["Loring"]}, "machines[0]"),
        ({"group": "Filter"}, "group"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_profile_is_refused_naming_the_field(setup, extra, field):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        masterdata.profile_create(data=base(**{"green_lots": ["Brazil Santos"], **extra}))
    assert refused.value.field == field
    assert counts() == before


def test_packaged_lot_is_not_green_coffee(setup):
    from orderly.inventory.services import stock_receive
    from tests.production.helpers import ACTOR

    bags = stock_receive(kind="packaged", sku="ESP-250", quantity=5, actor=ACTOR)
    with pytest.raises(UnknownReference) as refused:
        masterdata.profile_create(data=base(green_lots=[bags.number]))
    assert refused.value.field == "green_lots[0]"


def test_machine_range_change_refused_when_a_profile_would_fall_outside(setup):
    masterdata.profile_create(data=base(green_lots=["Brazil Santos"]))
    m = Machine.objects.get()
    with pytest.raises(ValidationError) as refused:
        masterdata.machine_update(machine=m, changes={"max_batch_kg": "10"})
    assert refused.value.field == "max_batch_kg"
    m.refresh_from_db()
    assert m.max_batch_kg == D("15.000")
