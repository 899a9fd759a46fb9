"""Property tests: random sequences of receive, allocate, execute, complete, return, remove and cancel.

After every step: no lot below zero, no lot holding more than it has, the ledger sums to each lot's figures,
holds sum to each lot's held and to each item's *available*. A refused step changes nothing; a return right after
a completion restores the state before it exactly.
"""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orderly.core.actors import Actor
from orderly.core.exceptions import DomainError
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services import stock_receive
from orderly.orders.models import OrderItem
from orderly.plans.models import FulfillmentPlan, PackagingPlan, PlanOrder
from orderly.plans.services import (
    allocation_save,
    packaging_plan_execute,
    pick_complete,
    pick_return,
    plan_cancel,
    plan_create,
    plan_remove_order,
)
from tests.factories import ProductFactory, VariantFactory
from tests.plans.helpers import FULFILLMENT_DATE, order_of, snapshot

SKUS = ("ESP-250", "ESP-1000")

actions = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(SKUS), st.integers(1, 6), st.integers(1, 28)),
    st.tuples(st.just("receive_loose"), st.sampled_from(["0.5", "1.25", "3"]), st.integers(1, 28)),
    st.tuples(st.just("plan"), st.sets(st.integers(0, 3), min_size=1)),
    st.tuples(st.just("allocate_all")),
    st.tuples(st.just("allocate"), st.sampled_from(SKUS), st.integers(0, 9)),
    st.tuples(st.just("execute")),
    st.tuples(st.just("complete"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("return"), st.integers(0, 3)),
    st.tuples(st.just("remove"), st.integers(0, 3)),
    st.tuples(st.just("cancel")),
)


def check_invariants():
    movements = {
        row["lot_id"]: row
        for row in Movement.objects.values("lot_id").annotate(q=Sum("quantity"), h=Sum("held_change"))
    }
    holds = dict(Hold.objects.values("lot_id").annotate(h=Sum("quantity")).values_list("lot_id", "h"))
    for lot in Lot.objects.all():
        assert lot.on_hand >= 0 and 0 <= lot.held <= lot.on_hand, lot.number
        assert movements[lot.pk]["q"] == lot.on_hand, lot.number
        assert movements[lot.pk]["h"] == lot.held, lot.number
        assert holds.get(lot.pk, Decimal("0")) == lot.held, lot.number
    per_item = defaultdict(Decimal)
    for item_id, quantity in Hold.objects.values_list("order_item_id", "quantity"):
        per_item[item_id] += quantity
    for item in OrderItem.objects.all():
        assert item.qty_available == per_item[item.pk], item.pk
        assert item.qty_available <= item.quantity


def open_plan():
    return FulfillmentPlan.objects.filter(status__in=["open", "completed"]).order_by("-id").first()


def run(step, orders, actor):
    kind, *args = step
    plan = open_plan()
    if kind == "receive":
        sku, units, day = args
        stock_receive(kind="packaged", sku=sku, quantity=units, lot_date=f"2026-02-{day:02d}", actor=actor)
    elif kind == "receive_loose":
        kg, day = args
        stock_receive(kind="loose", product="Espresso", quantity=kg, lot_date=f"2026-02-{day:02d}", actor=actor)
    elif kind == "plan":
        plan_create(orders=[orders[i].number for i in sorted(args[0])], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    elif plan is None:
        return
    elif kind == "allocate_all":
        allocation_save(plan=plan, allocate_all=True, actor=actor)
    elif kind == "allocate":
        allocation_save(plan=plan, lines=[{"sku": args[0], "quantity": args[1]}], actor=actor)
    elif kind == "execute":
        packaging = PackagingPlan.objects.filter(plan=plan, status="planned").order_by("id").first()
        if packaging:
            packaging_plan_execute(packaging=packaging, actor=actor)
    elif kind == "complete":
        order, and_return = orders[args[0]], args[1]
        before = snapshot()
        pick_complete(plan=plan, order=order.number, actor=actor)
        if and_return:
            pick_return(plan=plan, order=order.number, actor=actor)
            assert snapshot() == before
    elif kind == "return":
        pick_return(plan=plan, order=orders[args[0]].number, actor=actor)
    elif kind == "remove":
        plan_remove_order(plan=plan, order=orders[args[0]].number, actor=actor)
    elif kind == "cancel":
        plan_cancel(plan=plan, actor=actor)


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(actions, min_size=1, max_size=20))
def test_random_plan_work_keeps_stock_consistent(steps):
    with transaction.atomic():
        actor = Actor.system()
        product = ProductFactory(name="Espresso")
        VariantFactory(product=product, sku="ESP-250", package_size=Decimal("0.250"))
        VariantFactory(product=product, sku="ESP-1000", package_size=Decimal("1.000"))
        orders = [
            order_of(("ESP-250", 3), ("ESP-1000", 1)),
            order_of(("ESP-250", 2)),
            order_of(("ESP-1000", 2)),
            order_of(("ESP-250", 1), ("ESP-1000", 1)),
        ]
        # most steps act on the open plan: start with one (a canceled plan lets the "plan" step make another)
        plan_create(orders=[o.number for o in orders[:3]], fulfillment_date=FULFILLMENT_DATE, actor=actor)
        check_invariants()
        for step in steps:
            before = snapshot()
            plan_state = list(PlanOrder.objects.values_list("id", "removed_at", "completed_at"))
            try:
                with transaction.atomic():
                    run(step, orders, actor)
                event(f"{step[0]} done")
            except DomainError:
                event(f"{step[0]} refused")
                assert snapshot() == before, step
                assert list(PlanOrder.objects.values_list("id", "removed_at", "completed_at")) == plan_state
            check_invariants()
        transaction.set_rollback(True)
