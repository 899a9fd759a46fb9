from decimal import Decimal

from orderly.core.actors import Actor
from orderly.inventory.bulk import bulk_insert
from orderly.inventory.models import Hold, Movement
from orderly.inventory.services import stock_receive
from orderly.orders.models import OrderEvent
from tests.factories import VariantFactory, make_order


def test_bulk_insert_stores_what_bulk_create_stores(actor):
    VariantFactory(sku="ESP-250")
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=5, actor=actor)
    order = make_order()
    bulk_insert(Hold, [Hold(lot=lot, order_item_id=i, reference="OF-1", quantity=Decimal("1.5")) for i in (7, 8)])
    bulk_insert(
        Movement,
        [Movement(lot=lot, kind="hold", held_change=Decimal("-2.125"), reason="ü ' \" x", reference="OF-1",
                  actor_kind="user", actor_name="olga", actor_user=actor.user)],
    )  # fmt: skip
    system = Actor.system()
    bulk_insert(
        OrderEvent,
        [OrderEvent(order=order, kind="allocated", actor_kind=system.kind, actor_name=system.name, message="m",
                    data={"lines": [{"sku": "ESP-250", "after": 2}], "plan": "OF-1"})],
    )  # fmt: skip
    holds = list(Hold.objects.order_by("order_item_id").values_list("order_item_id", "reference", "quantity"))
    assert holds == [(7, "OF-1", Decimal("1.500")), (8, "OF-1", Decimal("1.500"))]
    movement = Movement.objects.get(kind="hold")
    assert (movement.held_change, movement.reason, movement.actor_user) == (Decimal("-2.125"), "ü ' \" x", actor.user)
    assert movement.created_at.tzinfo is not None
    event = OrderEvent.objects.get(kind="allocated")
    assert (event.data, event.actor_user) == ({"lines": [{"sku": "ESP-250", "after": 2}], "plan": "OF-1"}, None)
