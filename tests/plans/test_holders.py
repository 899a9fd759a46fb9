"""Canceling or deleting an order releases or refuses, never strands, whatever holds it: its plan (in progress, or
picked and packed on the pick list), a packaging plan making units for it, a fulfillment, or a refund from the shop.
A refusal is a Conflict that says what holds the order and how to let it go, and changes nothing."""

from decimal import Decimal

import pytest

from orderly.core.exceptions import Conflict
from orderly.inventory.models import Hold, Lot
from orderly.inventory.services import stock_receive
from orderly.orders.models import Order, OrderEvent, OrderItem
from orderly.orders.services import order_cancel, order_delete
from orderly.orders.services.from_shop import order_items_cancel_units
from orderly.plans.models import PackagingPlan
from orderly.plans.selectors import pick_list
from orderly.plans.services import (
    allocation_save,
    packaging_plan_archive,
    packaging_plan_execute,
    packaging_plan_start,
    pick_complete,
    pick_return,
    plan_cancel,
    plan_create,
    plan_remove_order,
)
from orderly.shipping.models import Fulfillment
from orderly.shipping.services import fulfillment_cancel, fulfillment_create, return_register
from tests.plans.helpers import FULFILLMENT_DATE, order_of, receive, snapshot, variant

D = Decimal


def everything():
    """The stock, the item counters, the orders, their timelines and the packaging plans."""
    return (
        snapshot(),
        sorted(OrderItem.objects.values_list("id", "status", "qty_canceled", "qty_expected", "qty_handed_to_carrier")),
        sorted(Order.all_objects.values_list("number", "status", "stage", "deleted_at")),
        OrderEvent.objects.count(),
        sorted(PackagingPlan.objects.values_list("number", "status", "units")),
        sorted(Fulfillment.objects.values_list("number", "status")),
    )


def refused(service, order, actor, message: str, code: str = "order_locked") -> None:
    """`service` refuses the order with `code` (order_locked: its stage in a plan; stock_held: units held outside
    one) and `message`, and nothing changes."""
    before = everything()
    with pytest.raises(Conflict) as refusal:
        service(order=order, actor=actor)
    assert (refusal.value.status, refusal.value.code, refusal.value.message) == (409, code, message)
    assert everything() == before


@pytest.fixture
def planned(actor):
    """An order of 3 ESP-250 in a plan: 2 held from stock, 1 on a planned packaging plan."""
    variant("ESP-250")
    order = order_of(("ESP-250", 3))
    receive(actor, "ESP-250", 2)
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    assert OrderItem.objects.filter(order=order).values_list("qty_available", "qty_expected").get() == (2, 1)
    return plan, order


def test_an_order_in_a_plan_is_neither_canceled_nor_deleted_until_the_plan_lets_it_go(actor, planned):
    plan, order = planned
    refused(
        order_cancel,
        order,
        actor,
        f"Cannot cancel order {order.number}: it is in progress; take it out of its plan first.",
    )
    refused(
        order_delete, order, actor, f"Order {order.number} is in progress; take it out of its plan before deleting it."
    )

    plan_remove_order(plan=plan, order=order.number, actor=actor)
    order_cancel(order=order, actor=actor)

    order.refresh_from_db()
    assert (order.status, order.stage) == ("canceled", "new")
    assert OrderItem.objects.filter(order=order).values_list("qty_canceled", "qty_available", "qty_expected").get() == (
        3,
        0,
        0,
    )
    assert (Lot.objects.get().held, Hold.objects.count()) == (D("0"), 0)
    assert list(PackagingPlan.objects.values_list("status", flat=True)) == ["archived"]
    assert pick_list(plan) == []
    plan_cancel(plan=plan, actor=actor)  # nothing of the order is left in it to trip over


def test_an_order_picked_and_packed_is_refused_until_returned_and_taken_out(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 2))
    receive(actor, "ESP-250", 2)
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    pick_complete(plan=plan, order=order.number, actor=actor)

    refused(
        order_cancel,
        order,
        actor,
        f"Cannot cancel order {order.number}: it is completed; take it out of its plan first.",
    )

    pick_return(plan=plan, order=order.number, actor=actor)
    plan_remove_order(plan=plan, order=order.number, actor=actor)
    order_cancel(order=order, actor=actor)
    assert (Order.objects.get(pk=order.pk).status, Lot.objects.get().held, Hold.objects.count()) == (
        "canceled",
        D("0"),
        0,
    )
    plan_cancel(plan=plan, actor=actor)


def test_a_packaging_plan_already_being_packed_keeps_nothing_for_an_order_that_left(actor, planned):
    plan, order = planned
    packaging = PackagingPlan.objects.get()
    packaging_plan_start(packaging=packaging, actor=actor)
    refused(
        order_cancel,
        order,
        actor,
        f"Cannot cancel order {order.number}: it is in progress; take it out of its plan first.",
    )

    plan_remove_order(plan=plan, order=order.number, actor=actor)
    order_cancel(order=order, actor=actor)
    packaging.refresh_from_db()
    assert (packaging.status, packaging.updated_by) == ("in_progress", "olga")  # someone is packing it
    assert OrderItem.objects.get(order=order).qty_expected == 0

    # packed anyway, its lot is free stock: nothing is held for the canceled order
    esp = OrderItem.objects.get(order=order).variant
    stock_receive(kind="loose", product=esp.product, quantity="1", actor=actor)
    packaging_plan_execute(packaging=packaging, actor=actor)
    assert sorted(Lot.objects.filter(kind="packaged").values_list("on_hand", "held")) == [
        (D("1.000"), D("0.000")),
        (D("2.000"), D("0.000")),
    ]
    assert Hold.objects.count() == 0


def test_units_counted_as_held_by_any_process_refuse_cancel_and_delete(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 2))
    # as a process that holds stock outside any plan's stage would leave it (a batch, a roast)
    OrderItem.objects.filter(order=order).update(qty_expected=2)

    message = (
        "Order {number} has stock held or being packed for it (ESP-250); release it from its plan before {verb} the "
        "order."
    )
    refused(order_cancel, order, actor, message.format(number=order.number, verb="canceling"), "stock_held")
    refused(order_delete, order, actor, message.format(number=order.number, verb="deleting"), "stock_held")


def test_a_partly_fulfilled_order_cancels_what_did_not_ship_and_keeps_its_fulfillment(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 3))
    receive(actor, "ESP-250", 5)
    it = OrderItem.objects.get(order=order)
    fulfillment = fulfillment_create(order=order, items=[{"item": it.pk, "quantity": 1}], actor=actor)

    order_cancel(order=order, actor=actor)

    it.refresh_from_db()
    assert (it.status, it.qty_handed_to_carrier, it.qty_canceled) == ("canceled", 1, 2)
    assert Lot.objects.get().on_hand == D("4")  # the unit that left stays shipped
    canceled = OrderEvent.objects.get(order=order, kind="items_canceled")
    assert (canceled.message, canceled.actor_name) == ("Canceled 2 × ESP-250: the order is canceled.", "olga")
    order.refresh_from_db()
    assert (order.status, order.fulfillment_status) == ("canceled", "fulfilled")

    before = everything()
    with pytest.raises(Conflict) as refusal:
        fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    assert (refusal.value.code, refusal.value.message) == (
        "order_locked",
        f"Cannot cancel fulfillment {fulfillment.number}: order {order.number} is canceled.",
    )
    assert everything() == before

    # what the customer sends back still comes back, and then the order may go
    return_register(order=order, items=[{"item": it.pk, "quantity": 1}], reason="Not wanted", restock=True, actor=actor)
    order_delete(order=order, actor=actor)
    assert Order.all_objects.get(pk=order.pk).deleted_at is not None
    assert list(Lot.objects.order_by("pk").values_list("on_hand", "held")) == [(D("4"), D("0")), (D("1"), D("0"))]


def test_units_shipped_from_a_plan_s_holds_leave_the_rest_held_until_the_plan_lets_them_go(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 3))
    receive(actor, "ESP-250", 3)
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    it = OrderItem.objects.get(order=order)
    fulfillment_create(order=order, items=[{"item": it.pk, "quantity": 1}], actor=actor)
    assert (Lot.objects.get().held, OrderItem.objects.get(pk=it.pk).qty_available) == (D("2"), 2)

    refused(
        order_cancel,
        order,
        actor,
        f"Cannot cancel order {order.number}: it is in progress; take it out of its plan first.",
    )

    plan_remove_order(plan=plan, order=order.number, actor=actor)
    order_cancel(order=order, actor=actor)
    it.refresh_from_db()
    assert (it.qty_handed_to_carrier, it.qty_canceled, it.qty_available) == (1, 2, 0)
    assert (Lot.objects.get().on_hand, Lot.objects.get().held, Hold.objects.count()) == (D("2"), D("0"), 0)


def test_a_refund_from_the_shop_cancels_no_units_a_plan_still_holds_for(actor):
    variant("ESP-250")
    order = order_of(("ESP-250", 3))
    receive(actor, "ESP-250", 3)
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=actor)
    allocation_save(plan=plan, allocate_all=True, actor=actor)
    it = OrderItem.objects.get(order=order)
    before = everything()

    with pytest.raises(Conflict) as refusal:
        order_items_cancel_units(order=order, units={it.pk: 1}, actor=actor, reason="refunded in the shop")
    assert refusal.value.message == (
        f"Cannot cancel 1 unit(s) of line 1 (ESP-250) of order {order.number}: its plan holds 3 and packs 0 for it, "
        "more than the 2 left to ship then; take the order out of its plan (or hold less for it) first."
    )
    assert everything() == before

    # holding 2 of the 3, a packaging plan makes the third: still one too many for 2 left to ship
    allocation_save(plan=plan, lines=[{"sku": "ESP-250", "quantity": 2}], actor=actor)
    with pytest.raises(Conflict, match="its plan holds 2 and packs 1 for it, more than the 2 left to ship"):
        order_items_cancel_units(order=order, units={it.pk: 1}, actor=actor, reason="refunded in the shop")
    # the packaging plan set aside, one unit may go: the 2 held are still to ship
    packaging_plan_archive(packaging=PackagingPlan.objects.get(status="planned"), actor=actor)
    assert order_items_cancel_units(order=order, units={it.pk: 1}, actor=actor, reason="refunded in the shop") == {
        it.pk: 1
    }
    assert OrderItem.objects.filter(pk=it.pk).values_list("qty_canceled", "qty_available", "qty_expected").get() == (
        1,
        2,
        0,
    )
    assert OrderEvent.objects.filter(order=order, kind="items_canceled").get().message == (
        "Canceled 1 × ESP-250: refunded in the shop"
    )
