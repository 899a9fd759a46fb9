"""Refused plan actions say why and change nothing."""

import pytest

from orderly.core.exceptions import Conflict, NotFound, TransitionNotAllowed, ValidationError
from orderly.orders.models import Order, OrderEvent
from orderly.orders.services import order_archive, order_cancel, order_set_stage
from orderly.plans.models import FulfillmentPlan, PlanOrder
from orderly.plans.selectors import plannable_orders
from orderly.plans.services import (
    allocation_save,
    pick_complete,
    pick_return,
    plan_add_orders,
    plan_cancel,
    plan_create,
    plan_remove_order,
)
from orderly.plans.services.plans import order_refusal
from orderly.shipping.services import fulfillment_create
from tests.plans.helpers import FULFILLMENT_DATE, order_of, receive, snapshot, variant
from tests.web.helpers import error_order


@pytest.fixture
def plan_with_completed_order(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 2))
    receive(actor, "ESP-250", 5)
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    pick_complete(plan=plan, order=order.number, actor=actor)
    return plan, order


def state():
    return (
        snapshot(),
        list(Order.objects.values_list("number", "stage", "status")),
        list(FulfillmentPlan.objects.values_list("number", "status")),
        list(PlanOrder.objects.values_list("id", "removed_at", "completed_at")),
        OrderEvent.objects.count(),
    )


def test_a_completed_order_blocks_remove_cancel_and_a_second_completion(actor, plan_with_completed_order):
    plan, order = plan_with_completed_order
    assert FulfillmentPlan.objects.get().status == "completed"
    before = state()
    with pytest.raises(Conflict, match="plan OF-000001 is completed"):
        plan_remove_order(plan=plan.number, order=order.number, actor=actor)
    with pytest.raises(TransitionNotAllowed, match="completed"):
        plan_cancel(plan=plan.number, actor=actor)
    with pytest.raises(Conflict):
        pick_complete(plan=plan.number, order=order.number, actor=actor)
    assert state() == before
    pick_return(plan=plan.number, order=order.number, actor=actor)
    assert FulfillmentPlan.objects.get().status == "open"
    with pytest.raises(Conflict, match="not completed"):
        pick_return(plan=plan.number, order=order.number, actor=actor)


def test_a_canceled_plan_refuses_everything(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 2))
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    plan_cancel(plan=plan.number, actor=actor)
    before = state()
    with pytest.raises(Conflict, match="canceled"):
        allocation_save(plan=plan.number, allocate_all=True, actor=actor)
    with pytest.raises(Conflict, match="canceled"):
        plan_add_orders(plan=plan.number, orders=[order.number], actor=actor)
    with pytest.raises(TransitionNotAllowed):
        plan_cancel(plan=plan.number, actor=actor)
    with pytest.raises(NotFound):
        pick_complete(plan="OF-999999", order=order.number, actor=actor)
    assert state() == before


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"sku": "NOPE", "quantity": 1}], "lines[0].sku"),
        ([{"sku": "ESP-250", "quantity": -1}], "lines[0].quantity"),
        ([{"sku": "ESP-250", "quantity": "2"}], "lines[0].quantity"),
        ([{"sku": "ESP-250", "quantity": True}], "lines[0].quantity"),
        ([{"sku": "ESP-250", "quantity": 1}, {"sku": "ESP-250", "quantity": 1}], "lines[1].sku"),
    ],
)
def test_bad_allocation_lines_are_refused_naming_the_line(actor, lines, field):
    variant("ESP-250")
    order = order_of(("ESP-250", 2))
    receive(actor, "ESP-250", 5)
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    before = state()
    with pytest.raises(ValidationError) as refused:
        allocation_save(plan=plan.number, lines=lines, actor=actor)
    assert refused.value.field == field
    assert state() == before


def test_archived_errored_and_empty_selections_are_refused(actor):
    variant("ESP-250")
    archived = order_of(("ESP-250", 1))
    order_archive(order=archived, actor=actor)
    before = state()
    with pytest.raises(ValidationError, match=f"{archived.number} is archived"):
        plan_create(orders=[archived.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    with pytest.raises(ValidationError, match="at least one order"):
        plan_create(orders=[], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    with pytest.raises(ValidationError) as refused:
        plan_create(orders=[archived.number], fulfillment_date="tomorrow", actor=actor)
    assert refused.value.field == "fulfillment_date"
    assert state() == before


def test_the_timeline_records_membership_allocation_completion_and_return(actor, plan_with_completed_order):
    plan, order = plan_with_completed_order
    pick_return(plan=plan.number, order=order.number, actor=actor)
    plan_remove_order(plan=plan.number, order=order.number, actor=actor)
    kinds = list(OrderEvent.objects.filter(order=order).order_by("id").values_list("kind", flat=True))
    assert kinds[1:] == [
        "plan_added",
        "stage_changed",
        "allocated",
        "pick_completed",
        "stage_changed",
        "pick_returned",
        "stage_changed",
        "plan_removed",
        "stage_changed",
    ]
    allocated = OrderEvent.objects.get(order=order, kind="allocated")
    assert allocated.message == f"Allocation in plan {plan.number}: ESP-250 0 → 2 of 2."


def test_an_order_completed_in_an_open_plan_must_be_returned_before_remove_or_cancel(actor):
    variant("ESP-250")
    done, waiting = order_of(("ESP-250", 1)), order_of(("ESP-250", 9))
    receive(actor, "ESP-250", 1)
    plan = plan_create(orders=[done.number, waiting.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    pick_complete(plan=plan, order=done.number, actor=actor)
    before = state()
    with pytest.raises(Conflict, match="completed on the pick list; return it first"):
        plan_remove_order(plan=plan, order=done.number, actor=actor)
    with pytest.raises(Conflict, match=f"{done.number} completed on the pick list; return them first"):
        plan_cancel(plan=plan, actor=actor)
    with pytest.raises(Conflict, match=r"not fully allocated \(line 1 ESP-250: 0 of 9 allocated\)"):
        pick_complete(plan=plan, order=waiting.number, actor=actor)
    assert state() == before


def test_the_pages_suggest_exactly_the_orders_the_service_lets_join_a_plan(actor):
    variant("ESP-250")
    receive(actor, "ESP-250", 10)
    plannable = order_of(("ESP-250", 1))
    order_archive(order=order_of(("ESP-250", 1)), actor=actor)
    order_cancel(order=order_of(("ESP-250", 1)), actor=actor)
    order_set_stage(order=order_of(("ESP-250", 1)), stage="in_progress", actor=actor)
    fulfillment_create(order=order_of(("ESP-250", 1)), actor=actor)
    plan_create(orders=[order_of(("ESP-250", 1)).number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    error_order()
    make_draft = order_of(("ESP-250", 1))
    Order.all_objects.filter(pk=make_draft.pk).update(status="draft")

    in_plans = dict(PlanOrder.objects.filter(removed_at__isnull=True).values_list("order_id", "plan__number"))
    accepted = [
        order.number
        for order in Order.all_objects.order_by("number")
        if order.deleted_at is None and order_refusal(order, in_plans.get(order.pk)) is None
    ]

    assert accepted == [plannable.number]
    assert [order.number for order in plannable_orders()] == accepted
