"""Cancel fulfillment puts everything back exactly; a lost parcel must ship again and reopens a closed order."""

import pytest

from orderly.core.exceptions import Conflict
from orderly.inventory.models import Hold, Movement
from orderly.orders.models import Order, OrderEvent
from orderly.plans.services import pick_complete
from orderly.shipping.services import (
    fulfillment_cancel,
    fulfillment_create,
    fulfillment_report_lost,
    return_register,
)
from tests.shipping.helpers import (
    SYSTEM,
    allocate,
    everything,
    indicators,
    item,
    ledger_matches_lots,
    lines,
    order_of,
    receive,
    stock,
    variant,
)

pytestmark = pytest.mark.django_db

UNTRACKED = {"options": {"cover": False, "invoice": False}}


@pytest.fixture
def esp():
    variant("ESP-250")
    return [receive("ESP-250", 3, "2026-01-01"), receive("ESP-250", 10, "2026-02-01")]


def test_cancel_puts_stock_holds_and_indicators_back_exactly(esp, actor):
    order = order_of(("ESP-250", 4), ("ESP-250", 3))
    other = order_of(("ESP-250", 2))
    plan = allocate(order, other)  # 7 + 2 units held; nothing left free but 4
    pick_complete(plan=plan, order=order.number, actor=SYSTEM)
    before_stock, before_items = stock(), indicators()
    held = {(h.lot_id, h.order_item_id): h.quantity for h in Hold.objects.all()}
    fulfillment = fulfillment_create(order=order, actor=actor, tracking_number="T-1")
    assert stock() != before_stock
    fulfillment = fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    assert fulfillment.status == "canceled" and fulfillment.canceled_at
    assert stock()[:2] == before_stock[:2]  # lots and holds as they were, every hold under its plan again
    assert {(h.lot_id, h.order_item_id): h.quantity for h in Hold.objects.all()} == held
    assert indicators() == before_items
    assert ledger_matches_lots()
    kinds = list(Movement.objects.filter(reference=fulfillment.number).values_list("kind", flat=True))
    assert sorted(set(kinds)) == ["ship_reversal", "shipment"]
    order.refresh_from_db()
    assert order.fulfillment_status == "unfulfilled"
    timeline = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert "fulfillment_canceled" in timeline and "fulfilled" in timeline


def test_cancel_of_a_partial_fulfillment_returns_to_partially(esp, actor):
    order = order_of(("ESP-250", 4))
    first = fulfillment_create(order=order, actor=actor, items=lines((item(order), 1)))
    second = fulfillment_create(order=order, actor=actor, items=lines((item(order), 2)))
    fulfillment_cancel(fulfillment=second, actor=actor)
    order.refresh_from_db()
    it = item(order)
    assert order.fulfillment_status == "partially_fulfilled"
    assert (it.qty_handed_to_carrier, it.qty_picked, it.qty_packed) == (1, 1, 1)
    fulfillment_cancel(fulfillment=first, actor=actor)
    it.refresh_from_db()
    assert (it.qty_handed_to_carrier, it.qty_picked) == (0, 0)
    assert [on_hand for _lot, on_hand, _held in stock()[0]] == [3, 10]


def test_cancel_reopens_a_closed_order(esp, actor):
    order = order_of({"sku": "ESP-250", "quantity": 1, **UNTRACKED})
    fulfillment = fulfillment_create(order=order, actor=actor)
    assert Order.objects.get(pk=order.pk).status == "closed"
    fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    order.refresh_from_db()
    assert (order.status, order.fulfillment_status) == ("open", "unfulfilled")


def test_only_a_fulfilled_fulfillment_can_be_canceled_and_a_refusal_changes_nothing(esp, actor):
    order = order_of(("ESP-250", 2))
    fulfillment = fulfillment_create(order=order, actor=actor)
    fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    before = everything()
    with pytest.raises(Conflict) as refused:
        fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    assert "is canceled" in refused.value.message
    with pytest.raises(Conflict):
        fulfillment_report_lost(fulfillment=fulfillment, actor=actor)
    assert everything() == before


def test_lost_parcel_must_ship_again_and_reopens_a_closed_order(esp, actor):
    order = order_of({"sku": "ESP-250", "quantity": 2, **UNTRACKED})
    fulfillment = fulfillment_create(order=order, actor=actor, carrier="PostNL", tracking_number="T-9")
    assert Order.objects.get(pk=order.pk).status == "closed"
    lots_after_shipping = stock()[0]
    fulfillment = fulfillment_report_lost(fulfillment=fulfillment, actor=actor)
    assert fulfillment.status == "lost" and fulfillment.lost_at
    assert stock()[0] == lots_after_shipping  # the units left the warehouse: stock stays
    order.refresh_from_db()
    assert (order.status, order.fulfillment_status) == ("open", "unfulfilled")
    it = item(order)
    assert (it.qty_lost, it.qty_handed_to_carrier) == (2, 0)
    assert list(OrderEvent.objects.filter(order=order, kind="parcel_lost").values_list("message", flat=True)) == [
        "Parcel of fulfillment FF-000001 lost: 2 × ESP-250 must ship again."
    ]
    with pytest.raises(Conflict) as refused:
        fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    assert "is lost" in refused.value.message
    fulfillment_create(order=order, actor=actor)  # shipped again, from stock
    order.refresh_from_db()
    assert (order.status, order.fulfillment_status) == ("closed", "fulfilled")
    assert item(order).qty_lost == 2


def test_a_collected_fulfillment_cannot_be_lost(esp, actor):
    order = order_of({"sku": "ESP-250", "quantity": 1, "delivery_type": "collect"})
    fulfillment = fulfillment_create(order=order, actor=actor)
    before = everything()
    with pytest.raises(Conflict) as refused:
        fulfillment_report_lost(fulfillment=fulfillment, actor=actor)
    assert refused.value.code == "not_shipped"
    assert everything() == before


def test_returned_units_keep_their_fulfillment(esp, actor):
    order = order_of(("ESP-250", 2))
    fulfillment = fulfillment_create(order=order, actor=actor)
    return_register(order=order, items=lines((item(order), 1)), reason="Damaged", restock=False, actor=actor)
    before = everything()
    for service in (fulfillment_cancel, fulfillment_report_lost):
        with pytest.raises(Conflict) as refused:
            service(fulfillment=fulfillment, actor=actor)
        assert refused.value.code == "units_returned"
        assert refused.value.detail == {"fulfillment": fulfillment.number, "sku": "ESP-250", "returned": 1}
    assert everything() == before


def test_cancel_after_the_plan_let_go_gives_units_back_as_available_stock(esp, actor):
    from orderly.plans.models import FulfillmentPlan
    from orderly.plans.services import plan_cancel

    order = order_of(("ESP-250", 2))
    plan = allocate(order)
    fulfillment = fulfillment_create(order=order, actor=actor)
    plan_cancel(plan=FulfillmentPlan.objects.get(number=plan), actor=SYSTEM)
    fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    assert not Hold.objects.exists()
    assert item(order).qty_available == 0
    assert ledger_matches_lots()
    assert sum(lot[1] for lot in stock()[0]) == 13


def test_part_of_a_hold_ships_and_a_cancel_makes_it_whole_again(esp, actor):
    order = order_of(("ESP-250", 3))
    plan = allocate(order)
    it = item(order)
    holds_before = sorted(Hold.objects.values_list("lot_id", "order_item_id", "reference", "quantity"))
    assert it.qty_available == 3
    fulfillment = fulfillment_create(order=order, actor=actor, items=lines((it, 2)))
    it.refresh_from_db()
    assert it.qty_available == 1
    assert sum(h.quantity for h in Hold.objects.filter(order_item_id=it.pk, reference=plan)) == 1
    fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    it.refresh_from_db()
    assert it.qty_available == 3
    assert sorted(Hold.objects.values_list("lot_id", "order_item_id", "reference", "quantity")) == holds_before
    assert ledger_matches_lots()


def test_two_items_of_one_variant_share_the_free_stock_oldest_lot_first(esp, actor):
    order = order_of(("ESP-250", 2), ("ESP-250", 2))
    fulfillment = fulfillment_create(order=order, actor=actor)
    taken = sorted(
        (line.order_item.line_no, draw.lot_id, draw.quantity)
        for line in fulfillment.lines.all()
        for draw in line.draws.all()
    )
    old, new = esp
    assert taken == [(1, old.pk, 2), (2, old.pk, 1), (2, new.pk, 1)]
    before_cancel = stock()
    fulfillment_cancel(fulfillment=fulfillment, actor=actor)
    assert stock()[0] != before_cancel[0]
    assert [on_hand for _lot, on_hand, _held in stock()[0]] == [3, 10]


def test_a_unit_lost_twice_counts_once_as_lost(esp, actor):
    order = order_of({"sku": "ESP-250", "quantity": 2, **UNTRACKED})
    for _ in range(2):
        fulfillment_report_lost(fulfillment=fulfillment_create(order=order, actor=actor), actor=actor)
    it = item(order)
    assert (it.qty_lost, it.qty_handed_to_carrier) == (2, 0)  # the column counts units of the item: at most 2
    assert Order.objects.get(pk=order.pk).fulfillment_status == "unfulfilled"
