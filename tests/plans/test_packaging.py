from decimal import Decimal

import pytest

from orderly.core.actors import Actor
from orderly.core.exceptions import Conflict, TransitionNotAllowed, ValidationError
from orderly.inventory.models import Lot
from orderly.inventory.services import stock_receive
from orderly.orders.models import OrderEvent, OrderItem
from orderly.plans.models import PackagingPlan
from orderly.plans.selectors import packaging_plans
from orderly.plans.services import (
    allocation_save,
    packaging_plan_archive,
    packaging_plan_execute,
    packaging_plan_start,
    packaging_plan_update,
    plan_create,
)
from tests.factories import UserFactory
from tests.plans.helpers import FULFILLMENT_DATE, order_of, snapshot, variant

D = Decimal


@pytest.fixture
def planned(actor):
    esp = variant("ESP-250")
    order = order_of(("ESP-250", 6))
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    return esp, plan, PackagingPlan.objects.get()


def test_execute_is_refused_with_the_shortfall_and_changes_nothing(actor, planned):
    esp, plan, packaging = planned
    stock_receive(kind="loose", product=esp.product, quantity="1", actor=actor)
    before = snapshot()
    with pytest.raises(Conflict, match=r"needs 1.500 kg of .*, and 0.500 kg are missing"):
        packaging_plan_execute(packaging=packaging.number, actor=actor)
    assert snapshot() == before
    packaging.refresh_from_db()
    assert (packaging.status, packaging.lot) == ("planned", None)
    view = packaging_plans(plan=plan)[0]
    assert (view.loose_needed, view.shortfall) == (D("1.500"), D("0.500"))


def test_edit_units_before_executing_then_execute_allocates_and_plans_the_rest(actor, planned):
    esp, plan, packaging = planned
    stock_receive(kind="loose", product=esp.product, quantity="5", actor=actor)
    with pytest.raises(ValidationError):
        packaging_plan_update(packaging=packaging.number, units=0, actor=actor)
    packaging_plan_update(packaging=packaging.number, units=4, actor=actor)
    done = packaging_plan_execute(packaging=packaging.number, actor=actor)
    lot = Lot.objects.get(pk=done.lot_id)
    assert (done.status, lot.kind, lot.on_hand, lot.held) == ("completed", "packaged", D("4"), D("4"))
    assert Lot.objects.get(kind="loose").on_hand == D("4.000")  # 4 × 0.25 kg packed
    rest = PackagingPlan.objects.get(status="planned")
    assert (rest.units, rest.number) == (2, "PP-000002")
    with pytest.raises(Conflict):
        packaging_plan_update(packaging=done.number, units=3, actor=actor)
    with pytest.raises(TransitionNotAllowed):
        packaging_plan_archive(packaging=done.number, actor=actor)


def test_start_then_archive_and_saving_again_plans_afresh(actor, planned):
    esp, plan, packaging = planned
    packaging_plan_start(packaging=packaging.number, actor=actor)
    allocation_save(plan=plan, lines=[], actor=actor)  # units being packed are not planned twice
    assert list(PackagingPlan.objects.values_list("status", "units")) == [("in_progress", 6)]
    packaging_plan_archive(packaging=packaging.number, actor=actor)
    allocation_save(plan=plan, lines=[], actor=actor)
    assert list(PackagingPlan.objects.order_by("id").values_list("status", "units")) == [
        ("archived", 6),
        ("planned", 6),
    ]


def test_each_change_to_expected_units_is_on_the_order_s_timeline_by_whoever_made_it(actor, planned):
    esp, plan, packaging = planned
    order = OrderItem.objects.get().order
    manager = Actor.for_user(UserFactory(username="mia", role="manager"))

    packaging_plan_update(packaging=packaging.number, units=4, actor=manager)
    # starting changes no expected units (they are still coming): the packaging plan says who started it
    packaging_plan_start(packaging=packaging.number, actor=actor)
    assert PackagingPlan.objects.filter(pk=packaging.pk).values_list("status", "updated_by").get() == (
        "in_progress",
        "olga",
    )
    packaging_plan_archive(packaging=packaging.number, actor=manager)

    expected = OrderEvent.objects.filter(order=order, kind="expected").order_by("id")
    assert [(e.actor_name, e.message) for e in expected] == [
        ("olga", f"Expected in stock from the packaging plans of {plan.number} (allocation saved): "
                 "ESP-250 0 → 6 of 6."),
        ("mia", f"Expected in stock from the packaging plans of {plan.number} ({packaging.number} set to 4 units): "
                "ESP-250 6 → 4 of 6."),
        ("mia", f"Expected in stock from the packaging plans of {plan.number} ({packaging.number} archived): "
                "ESP-250 4 → 0 of 6."),
    ]  # fmt: skip
    assert expected.last().data == {
        "plan": plan.number,
        "reason": f"{packaging.number} archived",
        "lines": [{"item": OrderItem.objects.get().pk, "sku": "ESP-250", "what": "expected", "before": 4, "after": 0,
                   "quantity": 6}],
    }  # fmt: skip
    packaging.refresh_from_db()
    assert (packaging.status, packaging.updated_by) == ("archived", "mia")
