from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.inventory.models import Lot, Movement, Warehouse
from orderly.inventory.selectors import ledger, lot_list, stock_overview
from orderly.inventory.services import (
    HoldChange,
    default_warehouse,
    holds_change,
    holds_release,
    stock_adjust,
    stock_move,
    stock_receive,
)
from tests.factories import ProductFactory, VariantFactory

D = Decimal


def test_a_default_warehouse_exists(db):
    # made by a data migration; made again if a flush (transactional tests) removed it
    warehouse = default_warehouse()
    assert (warehouse.code, warehouse.is_default) == ("MAIN", True)
    assert list(Warehouse.objects.values_list("code", "is_default")) == [("MAIN", True)]


def test_receive_each_kind_makes_a_lot_and_a_receipt(actor):
    variant = VariantFactory(sku="ESP-250")
    product = ProductFactory(name="Espresso blend")
    bags = stock_receive(kind="packaged", sku="ESP-250", quantity=12, lot_date="2026-01-02", actor=actor)
    loose = stock_receive(kind="loose", product="Espresso blend", quantity="3.5", actor=actor, position="A-1")
    raw = stock_receive(kind="raw", lot_name="Yirga 2026", quantity="60", actor=actor)
    again = stock_receive(kind="raw", lot_name="Yirga 2026", quantity="10", actor=actor)
    assert (bags.variant, bags.on_hand, bags.held) == (variant, D("12"), D("0"))
    assert (loose.product, loose.on_hand, loose.position.code) == (product, D("3.5"), "A-1")
    assert again.pk == raw.pk and Lot.objects.get(pk=raw.pk).on_hand == D("70")
    assert Movement.objects.filter(kind="receipt").count() == 4
    rows = {(r.kind, r.sku or r.product): (r.on_hand, r.held, r.available) for r in stock_overview()}
    assert rows == {
        ("packaged", "ESP-250"): (D("12"), D("0"), D("12")),
        ("loose", "Espresso blend"): (D("3.5"), D("0"), D("3.5")),
        ("raw", "Yirga 2026"): (D("70"), D("0"), D("70")),
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "packaged", "sku": "NOPE", "quantity": 1}, "sku"),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": "1.5"}, "quantity"),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": 0}, "quantity"),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": "-3"}, "quantity"),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": "NaN"}, "quantity"),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": "1e20"}, "quantity"),
        ({"kind": "loose", "product": "Nope", "quantity": 1}, "product"),
        ({"kind": "loose", "product": "Espresso blend", "quantity": "0.0001"}, "quantity"),
        ({"kind": "raw", "quantity": 1}, "lot"),
        ({"kind": "frozen", "quantity": 1}, "kind"),
    ],
)
def test_bad_receipts_are_refused_naming_the_field_and_write_nothing(actor, kwargs, field):
    VariantFactory(sku="ESP-250")
    ProductFactory(name="Espresso blend")
    with pytest.raises((ValidationError, NotFound)) as refused:
        stock_receive(actor=actor, **kwargs)
    assert refused.value.field == field
    assert (Lot.objects.count(), Movement.objects.count()) == (0, 0)


def test_adjust_needs_a_reason_and_never_goes_below_held(actor):
    VariantFactory(sku="ESP-250")
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=5, actor=actor)
    holds_change(changes=[HoldChange(lot.pk, 77, D("3"))], reference="OF-000001", actor=actor)
    with pytest.raises(ValidationError):
        stock_adjust(lot=lot.number, quantity=-1, reason=" ", actor=actor)
    with pytest.raises(Conflict, match="below the 3 units held") as refused:
        stock_adjust(lot=lot.number, quantity=-3, reason="Damaged", actor=actor)
    assert (refused.value.code, refused.value.detail) == (
        "lot_short",
        {"lot": lot.number, "requested": "3", "available": "2"},
    )
    lot.refresh_from_db()
    assert (lot.on_hand, lot.held, Movement.objects.filter(kind="adjustment").count()) == (D("5"), D("3"), 0)
    stock_adjust(lot=lot.number, quantity=-2, reason="Damaged", actor=actor)
    lot.refresh_from_db()
    assert (lot.on_hand, lot.held) == (D("3"), D("3"))
    assert ledger(lot=lot.number).first().reason == "Damaged"


def test_holds_beyond_available_are_refused_and_release_gives_back(actor):
    VariantFactory(sku="ESP-250")
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=4, actor=actor)
    with pytest.raises(Conflict, match="only 4.000 available"):
        holds_change(changes=[HoldChange(lot.pk, 1, D("5"))], reference="OF-1", actor=actor)
    holds_change(changes=[HoldChange(lot.pk, 1, D("2")), HoldChange(lot.pk, 2, D("2"))], reference="OF-1", actor=actor)
    assert Lot.objects.get(pk=lot.pk).held == D("4")
    assert holds_release(reference="OF-1", actor=actor, order_item_ids=[1]) == D("2")
    assert Lot.objects.get(pk=lot.pk).held == D("2")


def test_move_part_of_a_lot_makes_a_lot_at_the_new_position(actor):
    VariantFactory(sku="ESP-250")
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=10, actor=actor, position="A-1")
    moved = stock_move(lot=lot.number, quantity=4, position="B-2", actor=actor)
    lot.refresh_from_db()
    assert (lot.on_hand, moved.on_hand, moved.position.code, moved.lot_date) == (D("6"), D("4"), "B-2", lot.lot_date)
    whole = stock_move(lot=lot.number, quantity=6, position="C-3", actor=actor)
    assert (whole.pk, whole.position.code) == (lot.pk, "C-3")
    assert [lot.number for lot in lot_list(sku="ESP-250")] == [lot.number, moved.number]


def test_the_database_refuses_negative_and_over_held_lots(actor):
    VariantFactory(sku="ESP-250")
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=1, actor=actor)
    for values in ({"on_hand": D("-1"), "held": D("0")}, {"held": D("-1")}, {"held": D("2")}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Lot.objects.filter(pk=lot.pk).update(**values)
