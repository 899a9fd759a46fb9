from decimal import Decimal

import pytest

from orderly.core.exceptions import Conflict, ValidationError
from orderly.orders.models import Order
from orderly.orders.services import order_archive, order_set_stage, order_update
from tests.factories import VariantFactory, address, make_order


def test_edit_records_each_changed_field_with_before_and_after(db, actor):
    order = make_order()
    order_update(
        order=order,
        changes={
            "customer": {"name": "Anna Jansen"},
            "shipping_address": address(line1="Prinsengracht 1"),
            "notes": "Leave at the door",
        },
        actor=actor,
    )
    order.refresh_from_db()
    assert order.customer_name == "Anna Jansen"
    assert order.shipping_address.line1 == "Prinsengracht 1"
    event = order.events.order_by("-id").first()
    assert event.kind == "edited"
    assert event.actor_name == "olga"
    changes = event.data["changes"]
    assert set(changes) == {"customer_name", "shipping_address", "notes"}
    assert changes["customer_name"] == {"before": "Anna de Vries", "after": "Anna Jansen"}
    assert changes["shipping_address"]["before"]["line1"] == "Keizersgracht 12"
    assert changes["shipping_address"]["after"]["line1"] == "Prinsengracht 1"
    assert changes["notes"] == {"before": "", "after": "Leave at the door"}


def test_an_edit_that_changes_nothing_records_nothing(db, actor):
    order = make_order()
    order_update(
        order=order, changes={"customer": {"name": "Anna de Vries"}, "shipping_address": address()}, actor=actor
    )
    assert order.events.count() == 1


def test_items_are_replaced_updated_and_totals_recomputed(db, actor):
    VariantFactory(sku="ESP-250", price=Decimal("8.50"), tax_rate=Decimal("9"))
    VariantFactory(sku="HOU-500", price=Decimal("14.00"), tax_rate=Decimal("9"))
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}, {"sku": "HOU-500", "quantity": 1}])
    first, second = order.items.order_by("line_no")
    order_update(
        order=order,
        changes={"items": [{"id": first.id, "sku": "ESP-250", "quantity": 4}, {"sku": "HOU-500", "quantity": 2}]},
        actor=actor,
    )
    order.refresh_from_db()
    items = list(order.items.order_by("line_no"))
    assert [(i.id == first.id, i.sku, i.quantity) for i in items] == [(True, "ESP-250", 4), (False, "HOU-500", 2)]
    assert not order.items.filter(id=second.id).exists()
    assert order.total == Decimal("34.00") + Decimal("28.00") + Decimal("3.06") + Decimal("2.52")
    changes = order.events.order_by("-id").first().data["changes"]
    assert [entry["quantity"] for entry in changes["items"]["before"]] == ["1", "1"]
    assert [entry["quantity"] for entry in changes["items"]["after"]] == ["4", "2"]


def test_invalid_edit_writes_nothing(db, actor):
    order = make_order()
    before = (Order.objects.values().get(pk=order.pk), order.events.count(), list(order.items.values()))
    with pytest.raises(ValidationError) as refused:
        order_update(
            order=order,
            changes={"customer": {"name": "Someone else"}, "items": [{"sku": order.items.get().sku, "quantity": 0}]},
            actor=actor,
        )
    assert refused.value.field == "items[0].quantity"
    assert (Order.objects.values().get(pk=order.pk), order.events.count(), list(order.items.values())) == before


def test_item_id_of_another_order_is_refused(db, actor):
    order, other = make_order(), make_order()
    foreign = other.items.get()
    with pytest.raises(ValidationError) as refused:
        order_update(
            order=order, changes={"items": [{"id": foreign.id, "sku": foreign.sku, "quantity": 1}]}, actor=actor
        )
    assert refused.value.field == "items[0].id"
    assert other.items.get().quantity == foreign.quantity


def test_unknown_fields_are_refused(db, actor):
    order = make_order()
    with pytest.raises(ValidationError) as refused:
        order_update(order=order, changes={"total": "0.01"}, actor=actor)
    assert refused.value.field == "total"


def test_archived_orders_cannot_be_edited(db, actor):
    order = make_order()
    order_archive(order=order, actor=actor)
    with pytest.raises(Conflict, match="archived"):
        order_update(order=order, changes={"notes": "x"}, actor=actor)
    order.refresh_from_db()
    assert order.notes == ""


def test_items_cannot_change_once_the_order_is_in_progress(db, actor):
    order = make_order()
    order_set_stage(order=order, stage="in_progress", actor=actor)
    with pytest.raises(Conflict, match="only while it is new"):
        order_update(order=order, changes={"items": [{"sku": order.items.get().sku, "quantity": 9}]}, actor=actor)
    # addresses still can
    order_update(order=order, changes={"shipping_address": address(city="Utrecht")}, actor=actor)
    order.refresh_from_db()
    assert order.shipping_address.city == "Utrecht"


def test_removing_the_shipping_address_is_refused(db, actor):
    order = make_order()
    with pytest.raises(ValidationError) as refused:
        order_update(order=order, changes={"shipping_address": None}, actor=actor)
    assert refused.value.field == "shipping_address"


def test_an_item_edit_changes_only_what_it_sends(db, actor):
    VariantFactory(sku="ESP-250", price=Decimal("8.50"))
    order = make_order(
        items=[
            {
                "sku": "ESP-250",
                "quantity": 1,
                "position": "A-01",
                "identifiers": {"grind": "filter"},
                "options": {"invoice": False},
                "adjustments": [{"label": "Gift wrap", "amount": "1.50"}],
                "expected_on": "2026-12-24",
            }
        ]
    )
    item = order.items.get()
    order_update(order=order, changes={"items": [{"id": item.id, "quantity": 3}]}, actor=actor)
    item.refresh_from_db()
    assert (item.quantity, item.position, item.identifiers, item.option_invoice, str(item.expected_on)) == (
        3,
        "A-01",
        {"grind": "filter"},
        False,
        "2026-12-24",
    )
    assert item.adjustments == [{"label": "Gift wrap", "amount": "1.50"}]
    assert item.line_subtotal == Decimal("27.00")


def test_changing_an_items_sku_takes_the_new_products_values(db, actor):
    VariantFactory(sku="ESP-250", name="Espresso 250 g", price=Decimal("8.50"))
    VariantFactory(sku="DEC-250", name="Decaf 250 g", price=Decimal("9.75"))
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1, "position": "A-01"}])
    item = order.items.get()
    order_update(order=order, changes={"items": [{"id": item.id, "sku": "DEC-250", "quantity": 1}]}, actor=actor)
    item.refresh_from_db()
    assert (item.sku, item.name, item.unit_price, item.position) == ("DEC-250", "Decaf 250 g", Decimal("9.75"), "")
