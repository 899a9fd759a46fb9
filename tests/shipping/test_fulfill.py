"""Manual fulfillment: full, partial, collect, holds first, FIFO, and refusals that change nothing."""

from decimal import Decimal

import pytest

from orderly.core.exceptions import Conflict, ValidationError
from orderly.inventory.models import Hold, Lot, Movement
from orderly.orders.models import Order, OrderEvent
from orderly.orders.services import order_archive, order_cancel
from orderly.shipping.models import Fulfillment, FulfillmentDraw
from orderly.shipping.services import fulfillment_create
from tests.factories import address
from tests.shipping.helpers import (
    SYSTEM,
    allocate,
    everything,
    item,
    ledger_matches_lots,
    lines,
    order_of,
    receive,
    variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp():
    variant("ESP-250")
    return {"old": receive("ESP-250", 3, "2026-01-01"), "new": receive("ESP-250", 10, "2026-02-01")}


def test_fulfill_everything_open_takes_stock_fifo_and_fulfills_the_order(esp, actor):
    order = order_of(("ESP-250", 5))
    fulfillment = fulfillment_create(order=order, actor=actor, carrier="PostNL", tracking_number="3SABC123")
    assert fulfillment.number.startswith("FF-")
    assert (fulfillment.status, fulfillment.delivery, fulfillment.carrier) == ("fulfilled", "ship", "PostNL")
    assert fulfillment.shipping_address["city"] == "Amsterdam"
    esp["old"].refresh_from_db()
    esp["new"].refresh_from_db()
    assert (esp["old"].on_hand, esp["new"].on_hand) == (Decimal("0"), Decimal("8"))
    draws = list(FulfillmentDraw.objects.order_by("pk").values_list("lot_id", "quantity", "hold_reference"))
    assert draws == [(esp["old"].pk, 3, ""), (esp["new"].pk, 2, "")]
    it = item(order)
    assert (it.qty_handed_to_carrier, it.qty_picked, it.qty_packed, it.qty_sorted, it.qty_released) == (5, 5, 5, 5, 5)
    assert it.qty_label_applied == 5
    order.refresh_from_db()
    assert order.fulfillment_status == "fulfilled"
    event = OrderEvent.objects.filter(order=order, kind="fulfilled").get()
    assert "5 × ESP-250 shipped with PostNL, tracking 3SABC123" in event.message
    assert set(Movement.objects.filter(reference=fulfillment.number).values_list("kind", flat=True)) == {"shipment"}
    assert ledger_matches_lots()


def test_partial_fulfillment_leaves_the_rest_open(esp, actor):
    order = order_of(("ESP-250", 4), ("ESP-250", 2))
    first, second = item(order, 1), item(order, 2)
    fulfillment_create(order=order, actor=actor, items=lines((first, 1)))
    order.refresh_from_db()
    assert order.fulfillment_status == "partially_fulfilled"
    first.refresh_from_db()
    assert (first.qty_handed_to_carrier, first.qty_label_applied) == (1, 0)
    fulfillment_create(order=order, actor=actor)  # every open unit: 3 of the first, 2 of the second
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.qty_handed_to_carrier, second.qty_handed_to_carrier) == (4, 2)
    order.refresh_from_db()
    assert order.fulfillment_status == "fulfilled"
    assert Fulfillment.objects.filter(order=order).count() == 2


def test_held_units_ship_first_and_available_drops(esp, actor):
    order = order_of(("ESP-250", 2))
    other = order_of(("ESP-250", 2))
    plan = allocate(other, order)
    it = item(order)
    assert it.qty_available == 2
    held_lots = dict(Hold.objects.filter(order_item_id=it.pk).values_list("lot_id", "quantity"))
    fulfillment_create(order=order, actor=actor)
    it.refresh_from_db()
    assert it.qty_available == 0
    assert not Hold.objects.filter(order_item_id=it.pk).exists()
    draws = dict(FulfillmentDraw.objects.values_list("lot_id", "quantity"))
    assert draws == {lot_id: int(quantity) for lot_id, quantity in held_lots.items()}
    assert set(FulfillmentDraw.objects.values_list("hold_reference", flat=True)) == {plan}
    assert Hold.objects.filter(order_item_id=item(other).pk).count() >= 1  # the other order keeps its hold
    assert ledger_matches_lots()


def test_collect_items_are_handed_over_without_a_carrier(esp, actor):
    order = order_of({"sku": "ESP-250", "quantity": 1, "delivery_type": "collect"})
    with pytest.raises(ValidationError) as refused:
        fulfillment_create(order=order, actor=actor, carrier="DHL")
    assert refused.value.field == "carrier"
    fulfillment = fulfillment_create(order=order, actor=actor)
    assert fulfillment.delivery == "collect"
    it = item(order)
    assert (it.qty_handed_to_carrier, it.qty_label_applied) == (1, 0)
    assert "handed over for collection" in OrderEvent.objects.get(order=order, kind="fulfilled").message


def test_items_without_allocate_take_no_stock_and_items_without_fulfil_are_left_out(esp, actor):
    order = order_of(
        {"sku": "ESP-250", "quantity": 2, "options": {"allocate": False}},
        {"sku": "ESP-250", "quantity": 1, "options": {"fulfil": False}},
    )
    with pytest.raises(ValidationError) as refused:
        fulfillment_create(order=order, actor=actor, items=lines((item(order, 2), 1)))
    assert refused.value.field == "items[0].item"
    before = sorted(Lot.objects.values_list("pk", "on_hand"))
    fulfillment_create(order=order, actor=actor)
    assert sorted(Lot.objects.values_list("pk", "on_hand")) == before
    assert item(order, 1).qty_handed_to_carrier == 2
    assert item(order, 2).qty_handed_to_carrier == 0
    assert Order.objects.get(pk=order.pk).fulfillment_status == "fulfilled"


def test_edited_shipping_address_is_on_the_timeline_and_in_the_snapshot(esp, actor):
    order = order_of(("ESP-250", 1))
    fulfillment = fulfillment_create(order=order, actor=actor, shipping_address=address(city="Utrecht"))
    assert fulfillment.shipping_address["city"] == "Utrecht"
    edited = OrderEvent.objects.get(order=order, kind="edited")
    assert edited.data["changes"]["shipping_address"]["before"]["city"] == "Amsterdam"
    assert edited.data["changes"]["shipping_address"]["after"]["city"] == "Utrecht"


def test_not_enough_stock_is_refused_naming_sku_and_numbers_and_changes_nothing(esp, actor):
    order = order_of(("ESP-250", 14))
    before = everything()
    with pytest.raises(Conflict) as refused:
        fulfillment_create(order=order, actor=actor)
    assert refused.value.code == "insufficient_stock"
    assert refused.value.detail == {"sku": "ESP-250", "needed": "14", "available": "13"}
    assert refused.value.message == "Not enough stock of ESP-250: 14 needed, 13 available (0 held for the item)."
    assert everything() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"item": 0, "quantity": 1}]}, "items[0].item"),
        ({"items": "all"}, "items"),
        ({"items": [{"quantity": 1}]}, "items[0].item"),
        ({"carrier": "x" * 101}, "carrier"),
        ({"tracking_number": 12}, "tracking_number"),
        ({"shipping_address": address(country="XX")}, "shipping_address.country"),
        ({"shipping_address": address(name="")}, "shipping_address.name"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(esp, actor, body, field):
    order = order_of(("ESP-250", 2))
    before = everything()
    with pytest.raises(ValidationError) as refused:
        fulfillment_create(order=order, actor=actor, **body)
    assert refused.value.field == field
    assert everything() == before


def test_more_than_open_and_duplicates_are_refused(esp, actor):
    order = order_of(("ESP-250", 2))
    it = item(order)
    fulfillment_create(order=order, actor=actor, items=lines((it, 1)))
    before = everything()
    with pytest.raises(ValidationError) as refused:
        fulfillment_create(order=order, actor=actor, items=lines((it, 2)))
    assert refused.value.field == "items[0].quantity"
    assert "only 1 of 2 are open" in refused.value.message
    with pytest.raises(ValidationError) as refused:
        fulfillment_create(order=order, actor=actor, items=lines((it, 1), (it, 1)))
    assert refused.value.field == "items[1].item"
    other = order_of(("ESP-250", 1))
    with pytest.raises(ValidationError) as refused:
        fulfillment_create(order=order, actor=actor, items=lines((item(other), 1)))
    assert "not an item of order" in refused.value.message
    assert Fulfillment.objects.count() == 1
    assert everything()[0] == before[0]


@pytest.mark.parametrize("state", ["draft", "canceled", "archived", "fulfilled"])
def test_an_order_that_cannot_be_fulfilled_is_refused_naming_its_state(esp, actor, state):
    order = order_of(("ESP-250", 1), status="draft" if state == "draft" else "open")
    if state == "canceled":
        order_cancel(order=order, actor=SYSTEM)
    if state == "archived":
        order_archive(order=order, actor=SYSTEM)
    if state == "fulfilled":
        fulfillment_create(order=order, actor=actor)
    order = Order.all_objects.get(pk=order.pk)
    before = everything()
    with pytest.raises(Conflict) as refused:
        fulfillment_create(order=order, actor=actor)
    code, detail = {
        "draft": ("order_locked", {"action": "fulfill", "status": "draft", "stage": "new"}),
        "canceled": ("order_locked", {"action": "fulfill", "status": "canceled", "stage": "new"}),
        "archived": ("order_archived", {"action": "fulfill"}),
        "fulfilled": ("nothing_to_fulfill", {}),
    }[state]
    assert (refused.value.code, refused.value.detail) == (code, {"order": order.number, **detail})
    assert state in refused.value.message
    assert everything() == before


def test_mixed_ship_and_collect_must_be_fulfilled_separately(esp, actor):
    order = order_of(("ESP-250", 1), {"sku": "ESP-250", "quantity": 1, "delivery_type": "collect"})
    with pytest.raises(ValidationError) as refused:
        fulfillment_create(order=order, actor=actor)
    assert refused.value.field == "items"
    fulfillment_create(order=order, actor=actor, items=lines((item(order, 1), 1)), tracking_number="T1")
    fulfillment_create(order=order, actor=actor, items=lines((item(order, 2), 1)))
    assert Order.objects.get(pk=order.pk).fulfillment_status == "fulfilled"
