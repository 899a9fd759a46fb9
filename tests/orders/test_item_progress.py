"""order_items_progress: the one writer of an item's counters checks each change, writes it, records the timeline
event by its actor and settles the order; a refusal names the item and the numbers and writes nothing."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderly.core.exceptions import Conflict, TransitionNotAllowed
from orderly.orders import events
from orderly.orders.models import ITEM_COUNTERS, Order, OrderEvent, OrderItem
from orderly.orders.services import item_progress, order_cancel, order_close, order_items_progress
from orderly.orders.services.item_progress import (
    Canceled,
    Credited,
    Expected,
    Held,
    Invoiced,
    Lost,
    OnPickList,
    Picked,
    Released,
    Returned,
    Shipped,
    Unshipped,
)
from tests.factories import VariantFactory, make_order

pytestmark = pytest.mark.django_db
NOTE = events.Note("test", lambda lines: f"Test: {events.units_text(lines)}.", {"ref": "T-1"})


@pytest.fixture
def order():
    VariantFactory(sku="ESP-250")
    VariantFactory(sku="DEC-250")
    items = [
        {"sku": "ESP-250", "quantity": 4, "unit_price": "10.00", "tax_rate": "0"},
        {"sku": "DEC-250", "quantity": 2, "unit_price": "5.00", "tax_rate": "0"},
    ]
    return make_order(items=items)


def item(order, line_no: int = 1) -> OrderItem:
    return OrderItem.objects.get(order=order, line_no=line_no)


def state(order) -> tuple:
    """Every counter and status of the order's items, its figures and its timeline: what a refusal leaves alone."""
    return (
        list(OrderItem.objects.filter(order=order).order_by("pk").values_list("status", *ITEM_COUNTERS)),
        Order.objects.filter(pk=order.pk).values_list("status", "fulfillment_status", "payment_status").get(),
        OrderEvent.objects.filter(order=order).count(),
    )


def test_shipping_moves_every_counter_it_causes_records_the_event_by_its_actor_and_settles(order, actor):
    first = item(order)
    order_items_progress(changes=[Held(item=first.pk, units=3)], actor=actor, note=NOTE)

    moved = order_items_progress(
        changes=[Shipped(item=first.pk, units=4, held=3, labelled=True)], actor=actor, note=NOTE
    )

    expected = {
        "qty_handed_to_carrier": 4, "qty_picked": 4, "qty_packed": 4, "qty_sorted": 4, "qty_released": 4,
        "qty_label_applied": 4, "qty_available": -3,
    }  # fmt: skip
    assert moved == {first.pk: expected}
    first.refresh_from_db()
    assert (first.qty_handed_to_carrier, first.qty_available, first.qty_label_applied) == (4, 0, 4)
    event = OrderEvent.objects.filter(order=order, kind="test").latest("id")
    assert (event.message, event.actor_kind, event.actor_name, event.actor_user_id) == (
        "Test: 4 × ESP-250.",
        "user",
        "olga",
        actor.user.pk,
    )
    assert event.data == {
        "ref": "T-1",
        "lines": [{"item": first.pk, "sku": "ESP-250", "what": "shipped", "quantity": 4}],
    }
    order.refresh_from_db()
    assert order.fulfillment_status == "partially_fulfilled"
    assert list(
        OrderEvent.objects.filter(order=order, kind="fulfillment_status_changed").values_list("actor_name", flat=True)
    ) == ["olga"]


def test_unshipped_takes_back_exactly_what_shipped_moved(order, actor):
    first = item(order)
    order_items_progress(changes=[Held(item=first.pk, units=2)], actor=actor, note=NOTE)
    before = list(OrderItem.objects.filter(pk=first.pk).values_list(*ITEM_COUNTERS))
    moved = order_items_progress(changes=[Shipped(item=first.pk, units=2, held=2)], actor=actor, note=NOTE)

    order_items_progress(changes=[Unshipped(item=first.pk, recorded=moved[first.pk])], actor=actor, note=NOTE)

    assert list(OrderItem.objects.filter(pk=first.pk).values_list(*ITEM_COUNTERS)) == before
    assert Order.objects.get(pk=order.pk).fulfillment_status == "unfulfilled"


def test_a_plan_s_changes_set_counts_and_leave_the_settling_alone(order, actor):
    first, second = item(order), item(order, 2)
    changes = [OnPickList(item=first.pk, units=4), OnPickList(item=second.pk, units=2), Held(item=first.pk, units=1)]
    with CaptureQueriesContext(connection) as queries:
        order_items_progress(changes=changes, actor=actor, note=events.allocated("OF-000001"))
    # lock the order, lock and read the items (the global lock order), one UPDATE per set of values (on pick list 4
    # and held 1; on pick list 2), one insert: no settling
    statements = [q["sql"].split(" ", 1)[0] for q in queries.captured_queries]
    assert statements == ["SAVEPOINT", "SELECT", "SELECT", "UPDATE", "UPDATE", "INSERT", "RELEASE"]
    assert list(OrderItem.objects.filter(order=order).values_list("qty_on_pick_list", "qty_available")) == [
        (4, 1),
        (2, 0),
    ]
    event = OrderEvent.objects.get(order=order, kind="allocated")
    assert event.message == "Allocation in plan OF-000001: ESP-250 0 → 4 of 4; DEC-250 0 → 2 of 2; ESP-250 0 → 1 of 4."

    order_items_progress(
        changes=[Picked(item=first.pk, units=4), Expected(item=second.pk, units=2)], actor=actor, note=NOTE
    )
    order_items_progress(changes=[Released(item=first.pk), Released(item=second.pk)], actor=actor, note=NOTE)
    assert list(
        OrderItem.objects.filter(order=order).values_list(
            "qty_on_pick_list", "qty_available", "qty_expected", "qty_picked", "qty_packed", "qty_released"
        )
    ) == [(0, 0, 0, 4, 4, 4), (0, 0, 0, 0, 0, 0)]
    released = OrderEvent.objects.filter(order=order, kind="test").latest("id").data["lines"]
    assert released == [
        {"item": first.pk, "sku": "ESP-250", "what": "released", "quantity": 4,
         "before": {"qty_available": 1, "qty_on_pick_list": 4}},
        {"item": second.pk, "sku": "DEC-250", "what": "released", "quantity": 2,
         "before": {"qty_expected": 2, "qty_on_pick_list": 2}},
    ]  # fmt: skip


def test_many_items_of_many_orders_take_one_joined_update_and_one_event_per_order(actor):
    VariantFactory(sku="ESP-250")
    orders = [
        make_order(items=[{"sku": "ESP-250", "quantity": 30, "unit_price": "1.00", "tax_rate": "0"}]) for _ in range(25)
    ]
    ids = [item(o).pk for o in orders]
    with CaptureQueriesContext(connection) as queries:
        order_items_progress(
            changes=[Held(item=pk, units=units) for units, pk in enumerate(ids, start=1)],
            actor=actor,
            note=events.allocated("OF-000002"),
        )
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1  # 25 different values, one statement joined on their list
    joined = "FROM json_array_elements(" if connection.vendor == "postgresql" else "FROM (VALUES"
    assert joined in updates[0]
    assert list(OrderItem.objects.filter(pk__in=ids).order_by("pk").values_list("qty_available", flat=True)) == list(
        range(1, len(ids) + 1)
    )
    assert OrderEvent.objects.filter(kind="allocated").count() == len(orders)


def test_counters_moved_together_share_a_statement_and_long_lists_are_cut(actor, monkeypatch):
    VariantFactory(sku="ESP-250")
    orders = [
        make_order(items=[{"sku": "ESP-250", "quantity": 9, "unit_price": "1.00", "tax_rate": "0"}]) for _ in range(5)
    ]
    ids = [item(o).pk for o in orders]
    monkeypatch.setattr(item_progress, "ROWS_PER_JOIN", 2)
    with CaptureQueriesContext(connection) as queries:
        order_items_progress(
            changes=[Held(item=pk, units=n) for n, pk in enumerate(ids[:3], start=2)]
            + [Picked(item=pk, units=n) for n, pk in enumerate(ids[3:], start=7)],
            actor=actor,
            note=NOTE,
        )
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    # held: 3 items in statements of 2 and 1; picked (picked, packed, released together): 2 items in one
    assert len(updates) == 3
    assert list(
        OrderItem.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("qty_available", "qty_picked", "qty_packed", "qty_released")
    ) == [(2, 0, 0, 0), (3, 0, 0, 0), (4, 0, 0, 0), (0, 7, 7, 7), (0, 8, 8, 8)]


@pytest.mark.parametrize(
    ("change", "message", "counter"),
    [
        (lambda it: Held(item=it.pk, units=5), "units held would be 5, and they must stay between 0 and the 4 ordered.",
         "qty_available"),
        (lambda it: Shipped(item=it.pk, units=5), "units shipped would be 5, and", "qty_handed_to_carrier"),
        (lambda it: Lost(item=it.pk, units=1), "units shipped would be -1, and", "qty_handed_to_carrier"),
        (lambda it: Returned(item=it.pk, units=1), ": 1 would be returned, but only 0 are shipped.", "qty_returned"),
        (lambda it: Credited(item=it.pk, units=1), ": 1 would be credited, but only 0 are invoiced.", "qty_credited"),
        (lambda it: Canceled(item=it.pk, units=5), "units canceled would be 5, and", "qty_canceled"),
    ],
)  # fmt: skip
def test_a_change_beyond_the_item_is_refused_naming_it_and_nothing_is_written(order, actor, change, message, counter):
    first = item(order)
    before = state(order)

    with pytest.raises(Conflict) as refused:
        order_items_progress(changes=[OnPickList(item=first.pk, units=4), change(first)], actor=actor, note=NOTE)

    assert refused.value.code == "item_counts"
    assert f"line 1 (ESP-250) of order {order.number}" in refused.value.message
    assert message in refused.value.message
    assert (refused.value.detail["sku"], refused.value.detail["counter"]) == ("ESP-250", counter.removeprefix("qty_"))
    assert state(order) == before


def test_units_shipped_and_canceled_never_pass_the_quantity(order, actor):
    first = item(order)
    order_items_progress(changes=[Shipped(item=first.pk, units=3)], actor=actor, note=NOTE)
    before = state(order)
    with pytest.raises(Conflict, match="2 would be canceled, but only 1 are not shipped"):
        order_items_progress(changes=[Canceled(item=first.pk, units=2)], actor=actor, note=NOTE)
    assert state(order) == before
    order_items_progress(changes=[Canceled(item=first.pk, units=1)], actor=actor, note=NOTE)
    assert OrderItem.objects.filter(pk=first.pk).values_list("qty_canceled", "qty_handed_to_carrier").get() == (1, 3)


def test_invoicing_again_after_a_credit_note_cancels_out_credited_units(order, actor):
    first = item(order)
    order_items_progress(changes=[Invoiced(item=first.pk, units=4)], actor=actor, note=NOTE)
    order_items_progress(changes=[Credited(item=first.pk, units=3)], actor=actor, note=NOTE)
    order_items_progress(changes=[Invoiced(item=first.pk, units=3)], actor=actor, note=NOTE)
    assert OrderItem.objects.filter(pk=first.pk).values_list("qty_invoiced", "qty_credited").get() == (4, 0)


def test_a_canceled_item_takes_no_new_work_but_its_units_may_still_come_back(order, actor):
    first = item(order)
    order_items_progress(changes=[Shipped(item=first.pk, units=1)], actor=actor, note=NOTE)
    order_cancel(order=order, actor=actor)
    before = state(order)

    for change in (Held(item=first.pk, units=1), Picked(item=first.pk, units=2), Invoiced(item=first.pk, units=1)):
        with pytest.raises(Conflict) as refused:
            order_items_progress(changes=[change], actor=actor, note=NOTE)
        assert refused.value.code == "item_canceled"
        assert refused.value.message.startswith(
            f"Cannot record {change.what} units for line 1 (ESP-250) of order {order.number}: the item is canceled, "
            "and a canceled item takes no more ("
        )
    assert state(order) == before

    order_items_progress(changes=[Returned(item=first.pk, units=1)], actor=actor, note=NOTE)
    assert OrderItem.objects.filter(pk=first.pk).values_list("status", "qty_canceled", "qty_returned").get() == (
        "canceled",
        3,
        1,
    )


def test_units_a_plan_holds_are_not_canceled_while_more_are_held_than_left_to_ship(order, actor):
    first = item(order)
    order_items_progress(
        changes=[Held(item=first.pk, units=2), Expected(item=first.pk, units=1)], actor=actor, note=NOTE
    )
    before = state(order)

    with pytest.raises(Conflict) as refused:
        order_items_progress(changes=[Canceled(item=first.pk, units=2)], actor=actor, note=NOTE)

    assert refused.value.message == (
        f"Cannot cancel 2 unit(s) of line 1 (ESP-250) of order {order.number}: its plan holds 2 and packs 1 for it, "
        "more than the 2 left to ship then; take the order out of its plan (or hold less for it) first."
    )
    assert (refused.value.status, refused.value.code, refused.value.detail["to_ship"]) == (409, "units_held", 2)
    assert state(order) == before
    # one unit canceled leaves 3 to ship: the 2 held and the 1 being packed are still needed
    order_items_progress(changes=[Canceled(item=first.pk, units=1)], actor=actor, note=NOTE)
    assert OrderItem.objects.get(pk=first.pk).qty_canceled == 1


def test_the_settling_moves_items_along_their_transitions_only(order, actor):
    first = item(order)
    order_items_progress(changes=[Shipped(item=first.pk, units=4)], actor=actor, note=NOTE)
    OrderItem.objects.filter(pk=first.pk).update(status="draft")  # an item that never opened, in an open order
    before = state(order)

    with pytest.raises(TransitionNotAllowed) as refused:
        # the invoice makes the first line done: draft → closed is no move of ITEM_TRANSITIONS
        order_items_progress(changes=[Invoiced(item=first.pk, units=4)], actor=actor, note=NOTE)
    assert refused.value.message == (
        f"Cannot move to closed: order item {order.number} line 1 (ESP-250) is draft, "
        "and draft → closed is not allowed."
    )
    assert state(order) == before
    with pytest.raises(TransitionNotAllowed, match=r"order item OR-\d+ line 1 \(ESP-250\) is draft, and draft → clo"):
        order_close(order=order, actor=actor)
    assert state(order) == before


def test_a_paid_draft_opens_its_items_before_they_close(actor):
    from orderly.billing.services import payment_record

    VariantFactory(sku="GIFT")
    draft = make_order(
        status="draft",
        items=[{"sku": "GIFT", "quantity": 1, "unit_price": "20.00", "tax_rate": "0", "options": {"fulfil": False,
                                                                                                   "invoice": False}}],
    )  # fmt: skip
    payment_record(order=draft, amount="20.00", method="card", actor=actor)
    draft.refresh_from_db()
    assert (draft.status, item(draft).status) == ("closed", "closed")
    statuses = OrderEvent.objects.filter(order=draft, kind="status_changed").order_by("id")
    assert [(e.data["before"], e.data["after"]) for e in statuses] == [("draft", "open"), ("open", "closed")]


def test_changes_of_an_unknown_item_or_with_no_whole_units_are_a_caller_s_bug(order, actor):
    with pytest.raises(ValueError, match="no order item 999999"):
        order_items_progress(changes=[Held(item=999999, units=1)], actor=actor, note=NOTE)
    with pytest.raises(ValueError, match="whole number of at least 1, got 0"):
        order_items_progress(changes=[Returned(item=item(order).pk, units=0)], actor=actor, note=NOTE)
    with pytest.raises(ValueError, match="got Decimal"):
        order_items_progress(changes=[Held(item=item(order).pk, units=Decimal("1"))], actor=actor, note=NOTE)
    assert order_items_progress(changes=[], actor=actor, note=NOTE) == {}
