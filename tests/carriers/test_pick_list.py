"""The pick list's Complete with *Ship and book label*: completed, fulfilled from the plan's holds, labelled."""

import pytest
from django.test import Client

from orderly.carriers.models import Parcel
from orderly.inventory.models import Hold
from orderly.orders.models import Order, OrderItem
from orderly.plans.services import pick_complete_and_ship
from orderly.shipping.models import Fulfillment
from tests.carriers.helpers import SYSTEM, own_carrier
from tests.factories import UserFactory
from tests.shipping.helpers import allocate, order_of, receive, variant

pytestmark = pytest.mark.django_db


def test_complete_ship_and_book_from_the_plan():
    own_carrier()
    variant("ESP-250")
    receive("ESP-250", 5)
    order = order_of(("ESP-250", 2))
    plan = allocate(order)
    parcel = pick_complete_and_ship(plan=plan, order=order.number, actor=SYSTEM)
    assert (parcel.label_status, parcel.tracking_number, str(parcel.weight_kg)) == ("booked", "PA-000001", "0.540")
    fulfillment = Fulfillment.objects.get()
    assert (fulfillment.order_id, fulfillment.tracking_number, fulfillment.carrier) == (
        order.pk, "PA-000001", "Own courier",
    )  # fmt: skip
    item = OrderItem.objects.get(order=order)
    assert (item.qty_picked, item.qty_handed_to_carrier, item.qty_label_applied, item.qty_available) == (2, 2, 2, 0)
    assert not Hold.objects.filter(quantity__gt=0).exists()
    assert Order.objects.get(pk=order.pk).stage == "completed"


def test_the_pick_list_page_ships_only_when_ticked():
    own_carrier()
    variant("ESP-250")
    receive("ESP-250", 5)
    first, second = order_of(("ESP-250", 1)), order_of(("ESP-250", 1))
    plan = allocate(first, second)
    client = Client()
    client.force_login(UserFactory(role="operator"))
    client.post(f"/plans/{plan}/pick-list/{first.number}/complete/")
    assert (Fulfillment.objects.count(), Parcel.objects.count()) == (0, 0)
    answer = client.post(f"/plans/{plan}/pick-list/{second.number}/complete/", {"ship": "on"}, follow=True)
    assert f"Order {second.number} completed, shipped and its label booked." in answer.content.decode()
    assert Parcel.objects.get().fulfillment.order_id == second.pk
