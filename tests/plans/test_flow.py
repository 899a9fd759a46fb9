from decimal import Decimal

import pytest

from orderly.core.exceptions import Conflict, ValidationError
from orderly.inventory.models import Hold, Lot
from orderly.inventory.services import stock_receive
from orderly.orders.models import Order, OrderEvent, OrderItem
from orderly.plans.models import PackagingPlan
from orderly.plans.selectors import allocation_lines, packaging_plans, pick_list, plan_get
from orderly.plans.services import (
    allocation_save,
    packaging_plan_execute,
    pick_complete,
    pick_return,
    plan_cancel,
    plan_create,
    plan_remove_order,
)
from tests.plans.helpers import FULFILLMENT_DATE, order_of, receive, snapshot, variant

D = Decimal


def test_seed_flow_plan_allocate_all_package_execute_complete(actor):
    esp = variant("ESP-250")
    variant("DEC-250")
    first = order_of(("ESP-250", 3), ("DEC-250", 1))
    second = order_of(("ESP-250", 4))
    old = receive(actor, "ESP-250", 2, "2026-01-01", position="A-1")
    new = receive(actor, "ESP-250", 3, "2026-02-01", position="A-2")
    stock_receive(kind="loose", product=esp.product, quantity="1.5", lot_date="2026-01-05", actor=actor)

    plan = plan_create(orders=[first.number, second.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    assert plan.number.startswith("OF-")
    assert set(Order.objects.values_list("stage", flat=True)) == {"in_progress"}

    allocation_save(plan=plan, allocate_all=True, actor=actor)
    lines = {
        line.sku: (line.ordered, line.available, line.allocated, line.remaining) for line in allocation_lines(plan)
    }
    assert lines == {"DEC-250": (1, 0, 0, 1), "ESP-250": (7, 0, 5, 2)}
    # FIFO: the first order's 3 units take the old lot's 2 and 1 of the new
    held = sorted(Hold.objects.values_list("order_item_id", "lot__number", "quantity"))
    item1 = first.items.get(sku="ESP-250").pk
    item2 = second.items.get().pk
    assert held == sorted([(item1, old.number, D("2")), (item1, new.number, D("1")), (item2, new.number, D("2"))])
    assert OrderItem.objects.get(pk=item2).qty_available == 2
    # the packaging plans will make the 2 ESP units the second order lacks and the DEC unit of the first
    expected = dict(OrderItem.objects.values_list("sku", "qty_expected").filter(order=second))
    assert (expected, first.items.get(sku="DEC-250").qty_expected) == ({"ESP-250": 2}, 1)

    views = {v.packaging.variant.sku: v for v in packaging_plans(plan=plan)}
    assert {sku: (v.packaging.units, v.loose_needed, v.shortfall) for sku, v in views.items()} == {
        "DEC-250": (1, D("0.250"), D("0.250")),
        "ESP-250": (2, D("0.500"), D("0")),
    }
    assert [(d.quantity) for d in views["ESP-250"].lots] == [D("0.500")]

    with pytest.raises(Conflict, match="not fully allocated"):
        pick_complete(plan=plan, order=second.number, actor=actor)

    packaging_plan_execute(packaging=views["ESP-250"].packaging, actor=actor)
    assert (OrderItem.objects.get(pk=item2).qty_available, OrderItem.objects.get(pk=item2).qty_expected) == (4, 0)
    assert Lot.objects.get(kind="loose").on_hand == D("1.000")

    before = snapshot()
    pick_complete(plan=plan, order=second.number, actor=actor)
    second.refresh_from_db()
    assert (second.stage, OrderItem.objects.get(pk=item2).qty_packed) == ("completed", 4)
    picked = {o.order.number: (o.completed, [(line.sku, line.allocated) for line in o.lines]) for o in pick_list(plan)}
    assert picked[second.number] == (True, [("ESP-250", 4)])
    pick_return(plan=plan, order=second.number, actor=actor)
    assert snapshot()[:2] == before[:2] and snapshot()[3] == before[3]
    second.refresh_from_db()
    assert second.stage == "in_progress"
    kinds = list(OrderEvent.objects.filter(order=second).values_list("kind", flat=True))
    assert {"plan_added", "allocated", "pick_completed", "pick_returned"} <= set(kinds)


def test_orders_that_cannot_join_are_refused_by_name(actor):
    variant("ESP-250")
    good = order_of(("ESP-250", 1))
    draft = make_draft()
    plan = plan_create(orders=[good.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    other = order_of(("ESP-250", 1))
    with pytest.raises(ValidationError) as refused:
        plan_create(
            orders=[good.number, draft.number, "OR-999999", other.number],
            fulfillment_date=FULFILLMENT_DATE,
            actor=actor,
        )
    message = refused.value.message
    assert f"{good.number} is already in plan {plan.number}." in message
    assert f"{draft.number} is draft" in message
    assert "OR-999999 does not exist." in message
    other.refresh_from_db()
    assert other.stage == "new"


def make_draft():
    from tests.factories import make_order

    return make_order(items=[{"sku": "ESP-250", "quantity": 1, "unit_price": "1", "tax_rate": "0"}], status="draft")


def test_allocation_refusals_name_the_sku_and_numbers_and_change_nothing(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 3))
    receive(actor, "ESP-250", 2)
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    before = snapshot()
    with pytest.raises(ValidationError, match="Cannot allocate 4 of ESP-250: the plan's orders ask for 3"):
        allocation_save(plan=plan, lines=[{"sku": "ESP-250", "quantity": 4}], actor=actor)
    with pytest.raises(ValidationError, match="0 allocated and 2 more available, so at most 2"):
        allocation_save(plan=plan, lines=[{"sku": "ESP-250", "quantity": 3}], actor=actor)
    assert snapshot() == before
    assert PackagingPlan.objects.count() == 0


def test_save_with_nothing_allocated_still_plans_packaging(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 3))
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, lines=[], actor=actor)
    assert list(PackagingPlan.objects.values_list("variant__sku", "units", "status")) == [("ESP-250", 3, "planned")]


def test_remove_and_cancel_release_holds_and_orders_go_back_to_new(actor):
    variant("ESP-250")
    a, b = order_of(("ESP-250", 1)), order_of(("ESP-250", 2))
    receive(actor, "ESP-250", 10)
    before = snapshot()
    plan = plan_create(orders=[a.number, b.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    assert Lot.objects.get().held == D("3")
    plan_remove_order(plan=plan, order=a.number, actor=actor)
    a.refresh_from_db()
    assert (a.stage, Lot.objects.get().held) == ("new", D("1") * 2)
    plan_cancel(plan=plan, actor=actor)
    b.refresh_from_db()
    assert (b.stage, plan_get(plan.number).status, Lot.objects.get().held) == ("new", "canceled", D("0"))
    after = snapshot()
    assert (after[0], after[1], after[3]) == (before[0], before[1], before[3])


def test_expected_in_stock_follows_the_packaging_plans_waiting_for_the_items(db):
    from orderly.plans import planning

    lines = [planning.Line(1, 10, 4), planning.Line(2, 10, 3), planning.Line(3, 11, 2)]
    held = {1: 1}
    assert planning.expected_per_item(lines, held, {10: 5, 11: 1}) == {1: 3, 2: 2, 3: 1}
    assert planning.expected_per_item(lines, held, {}) == {1: 0, 2: 0, 3: 0}


def test_units_fulfilled_by_hand_are_not_allocated_again_and_a_fulfilled_order_is_not_planned(actor):
    from orderly.shipping.services import fulfillment_create

    variant("ESP-250")
    partly = order_of(("ESP-250", 3))
    done = order_of(("ESP-250", 1))
    receive(actor, "ESP-250", 10, "2026-01-01")
    item = partly.items.get()
    fulfillment_create(order=partly, items=[{"item": item.pk, "quantity": 2}], actor=actor)
    fulfillment_create(order=done, actor=actor)

    with pytest.raises(ValidationError, match="fulfilled already"):
        plan_create(orders=[done.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    plan = plan_create(orders=[partly.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    item.refresh_from_db()
    assert (item.qty_available, item.qty_handed_to_carrier) == (1, 2)
    pick_complete(plan=plan, order=partly.number, actor=actor)
    assert Order.objects.get(pk=partly.pk).stage == "completed"


def test_an_order_picked_and_packed_cannot_be_deleted_and_its_stock_stays_with_its_plan(actor):
    from orderly.orders.exceptions import OrderLocked
    from orderly.orders.services import order_delete

    variant("ESP-250")
    order = order_of(("ESP-250", 2))
    receive(actor, "ESP-250", 2, "2026-01-01")
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    pick_complete(plan=plan, order=order.number, actor=actor)
    before = snapshot()

    with pytest.raises(OrderLocked, match="completed; take it out of its plan"):
        order_delete(order=order, actor=actor)

    assert snapshot() == before
    pick_return(plan=plan, order=order.number, actor=actor)  # the pick list still finds its order
    plan_remove_order(plan=plan, order=order.number, actor=actor)
    order.refresh_from_db()
    order_delete(order=order, actor=actor)
    assert Order.all_objects.get(pk=order.pk).deleted_at is not None
    assert Hold.objects.count() == 0
