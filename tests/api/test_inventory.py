"""/inventory: stock per SKU and product, lots, the ledger, receipts and adjustments; bad input changes nothing."""

from decimal import Decimal

import pytest

from orderly.catalog.models import Product
from orderly.core.actors import Actor
from orderly.inventory.models import Lot, Movement
from orderly.inventory.services import stock_receive
from tests.api.helpers import error_of
from tests.factories import ProductFactory, VariantFactory


@pytest.fixture
def stock(db):
    """12 bags of ESP-250 (lot LOT-000001), 5.5 kg of loose Espresso blend (LOT-000002), 60 kg of green coffee."""
    product = ProductFactory(name="Espresso blend")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=product)
    system = Actor.system()
    stock_receive(kind="packaged", sku="ESP-250", quantity=12, lot_date="2026-11-01", position="A-01", actor=system)
    stock_receive(kind="loose", product="Espresso blend", quantity="5.5", lot_date="2026-11-02", actor=system)
    stock_receive(kind="raw", lot_name="Yirgacheffe 2026", quantity="60", lot_date="2026-10-01", actor=system)


def ledger_state() -> tuple:
    return list(Lot.objects.order_by("id").values_list("number", "on_hand", "held")), Movement.objects.count()


def test_the_inventory_has_a_row_per_sku_per_product_and_per_raw_lot(api, stock):
    response = api.get("/inventory", role="viewer")

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert body["items"] == [
        {"kind": "packaged", "sku": "ESP-250", "product": "Espresso blend", "name": "Espresso blend 250 g",
         "unit": "units", "on_hand": "12", "held": "0", "available": "12", "lots": 1},
        {"kind": "loose", "sku": None, "product": "Espresso blend", "name": "Espresso blend", "unit": "kg",
         "on_hand": "5.5", "held": "0", "available": "5.5", "lots": 1},
        {"kind": "raw", "sku": None, "product": "Yirgacheffe 2026", "name": "Yirgacheffe 2026", "unit": "kg",
         "on_hand": "60", "held": "0", "available": "60", "lots": 1},
    ]  # fmt: skip


def test_the_inventory_filters_by_kind_and_search_and_pages(api, stock):
    assert [r["kind"] for r in api.get("/inventory?kind=loose").json()["items"]] == ["loose"]
    assert [r["kind"] for r in api.get("/inventory?q=yirga").json()["items"]] == ["raw"]
    paged = api.get("/inventory?page=2&page_size=2").json()
    assert (paged["total"], paged["pages"], [r["kind"] for r in paged["items"]]) == (3, 2, ["raw"])


@pytest.mark.parametrize(
    ("query", "field"),
    [("kind=frozen", "kind"), ("page=0", "page"), ("page_size=500", "page_size"), ("page=x", "page")],
)
def test_bad_inventory_queries_name_the_parameter(api, stock, query, field):
    response = api.get(f"/inventory?{query}")

    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_lots_are_listed_oldest_first_with_their_figures(api, stock):
    lots = api.get("/inventory/lots", role="viewer").json()["items"]

    assert [(lot["number"], lot["kind"], lot["name"], lot["lot_date"]) for lot in lots] == [
        ("LOT-000003", "raw", "Yirgacheffe 2026", "2026-10-01"),
        ("LOT-000001", "packaged", "ESP-250", "2026-11-01"),
        ("LOT-000002", "loose", "Espresso blend", "2026-11-02"),
    ]
    assert lots[1] == {
        "number": "LOT-000001", "kind": "packaged", "name": "ESP-250", "sku": "ESP-250", "product": "Espresso blend",
        "lot_date": "2026-11-01", "position": "A-01", "unit": "units", "on_hand": "12", "held": "0",
        "available": "12",
    }  # fmt: skip
    assert [lot["number"] for lot in api.get("/inventory/lots?kind=loose").json()["items"]] == ["LOT-000002"]


def test_the_ledger_lists_movements_newest_first_and_filters_by_lot(api, stock):
    movements = api.get("/inventory/ledger", role="viewer").json()["items"]
    assert [(m["lot"], m["kind"], m["quantity"]) for m in movements] == [
        ("LOT-000003", "receipt", "60"),
        ("LOT-000002", "receipt", "5.5"),
        ("LOT-000001", "receipt", "12"),
    ]
    only = api.get("/inventory/ledger?lot=LOT-000002").json()
    assert (only["total"], only["items"][0]["actor"], only["items"][0]["held_change"]) == (1, "Orderly", "0")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kind": "packaged", "sku": "ESP-250", "quantity": 24, "lot_date": "2026-11-20"}, ("packaged", "24")),
        ({"kind": "loose", "product": "Espresso blend", "quantity": "2.25"}, ("loose", "2.25")),
        ({"kind": "raw", "lot": "Huila 2026", "quantity": "30"}, ("raw", "30")),
    ],
)
def test_an_operator_receives_each_kind_of_stock(api, stock, body, expected):
    response = api.post("/inventory/receipts", body, role="operator")

    assert response.status_code == 201
    lot = response.json()
    assert (lot["kind"], lot["on_hand"], lot["number"]) == (*expected, "LOT-000004")
    movement = Movement.objects.get(lot__number="LOT-000004")
    assert (movement.kind, movement.actor_name) == ("receipt", "operator")


def test_loose_stock_names_its_product_by_id_as_products_do(api, stock):
    product = Product.objects.get(name="Espresso blend")
    by_id = api.post("/inventory/receipts", {"kind": "loose", "product_id": product.id, "quantity": "1.5"})
    both = api.post(
        "/inventory/receipts",
        {"kind": "loose", "product_id": product.id, "product": "Espresso blend", "quantity": "2"},
    )
    assert (by_id.status_code, both.status_code) == (201, 201)
    assert [(lot["number"], lot["product"], lot["on_hand"]) for lot in (by_id.json(), both.json())] == [
        ("LOT-000004", "Espresso blend", "1.5"),
        ("LOT-000005", "Espresso blend", "2"),
    ]


def test_a_product_id_and_a_name_of_two_products_are_refused(api, stock):
    other = ProductFactory(name="Decaf blend")
    before = ledger_state()
    response = api.post(
        "/inventory/receipts", {"kind": "loose", "product_id": other.id, "product": "Espresso blend", "quantity": 1}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "product"
    assert error_of(response)["message"] == (
        f"product 'Espresso blend' is not product {other.id} (Decaf blend); send one of them, or both naming the same "
        "product."
    )
    assert ledger_state() == before


def test_raw_stock_received_into_an_existing_lot_adds_to_it(api, stock):
    response = api.post("/inventory/receipts", {"kind": "raw", "lot": "Yirgacheffe 2026", "quantity": "15"})

    assert response.status_code == 201
    assert (response.json()["number"], response.json()["on_hand"]) == ("LOT-000003", "75")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "packaged", "sku": "NOPE-1", "quantity": 1}, 422, "sku"),
        ({"kind": "packaged", "quantity": 1}, 422, "sku"),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": "1.5"}, 422, "quantity"),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": 0}, 422, "quantity"),
        ({"kind": "loose", "product": "Espresso blend", "quantity": -1}, 422, "quantity"),
        ({"kind": "loose", "product": "Espresso blend", "quantity": "1e30"}, 422, "quantity"),
        ({"kind": "loose", "product": "Decaf", "quantity": 1}, 422, "product"),
        ({"kind": "loose", "product_id": 999999, "quantity": 1}, 422, "product_id"),
        ({"kind": "loose", "product_id": "espresso", "quantity": 1}, 422, "product_id"),
        ({"kind": "loose", "quantity": 1}, 422, "product"),
        ({"kind": "raw", "quantity": 1}, 422, "lot"),
        ({"kind": "frozen", "quantity": 1}, 422, "kind"),
        ({"kind": "loose", "product": "Espresso blend", "quantity": 1, "lot_date": "soon"}, 422, "lot_date"),
        ({"kind": "loose", "product": "Espresso blend"}, 422, "quantity"),
        ({"kind": "loose", "product": "Espresso blend", "quantity": 1, "colour": "red"}, 422, "colour"),
    ],
)
def test_bad_receipts_are_refused_naming_the_field_and_write_nothing(api, stock, body, status, field):
    before = ledger_state()

    response = api.post("/inventory/receipts", body, role="operator")

    assert response.status_code == status
    assert error_of(response)["field"] == field
    assert ledger_state() == before


def test_a_manager_adjusts_a_lot_with_a_reason(api, stock):
    response = api.post(
        "/inventory/adjustments", {"lot": "LOT-000001", "quantity": -2, "reason": "Two bags torn"}, role="manager"
    )

    assert response.status_code == 201
    assert (response.json()["on_hand"], response.json()["available"]) == ("10", "10")
    movement = Movement.objects.filter(lot__number="LOT-000001").latest("id")
    assert (movement.kind, movement.quantity, movement.reason) == ("adjustment", Decimal("-2"), "Two bags torn")


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"lot": "LOT-000001", "quantity": -13, "reason": "Counted"}, 409, "quantity", "would take it below zero"),
        ({"lot": "LOT-000001", "quantity": -1, "reason": " "}, 422, "reason", "An adjustment needs a reason."),
        ({"lot": "LOT-000001", "quantity": "0.5", "reason": "Counted"}, 422, "quantity", "whole number of units"),
        ({"lot": "LOT-999999", "quantity": 1, "reason": "Found"}, 422, "lot", "No lot 'LOT-999999'."),
        ({"lot": "LOT-000001", "quantity": 1}, 422, "reason", "reason is required."),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(api, stock, body, status, field, message):
    before = ledger_state()

    response = api.post("/inventory/adjustments", body, role="manager")

    assert response.status_code == status
    error = error_of(response)
    assert (error["field"], message in error["message"]) == (field, True)
    assert ledger_state() == before


def test_an_adjustment_below_zero_names_the_lot_and_what_is_available(api, stock):
    before = ledger_state()

    response = api.post("/inventory/adjustments", {"lot": "LOT-000001", "quantity": -13, "reason": "Counted"})

    assert error_of(response) == {
        "code": "lot_short",
        "message": "quantity: Cannot adjust lot LOT-000001 by -13: it has 12 units on hand, and that would take it "
        "below zero.",
        "field": "quantity",
        "detail": {"lot": "LOT-000001", "requested": "13", "available": "12"},
    }
    assert ledger_state() == before


def test_an_unknown_lot_or_sku_in_the_body_is_unprocessable_not_missing(api, stock):
    lot = api.post("/inventory/adjustments", {"lot": "LOT-999999", "quantity": 1, "reason": "Found"})
    sku = api.post("/inventory/receipts", {"kind": "packaged", "sku": "NOPE-1", "quantity": 1})

    assert error_of(lot) == {
        "code": "unknown_reference",
        "message": "No lot 'LOT-999999'.",
        "field": "lot",
        "detail": {"resource": "lot", "key": "LOT-999999"},
    }
    assert error_of(sku) == {
        "code": "unknown_sku",
        "message": "No product variant has SKU 'NOPE-1'.",
        "field": "sku",
        "detail": {"sku": "NOPE-1"},
    }


def test_a_receipt_with_an_idempotency_key_is_received_once(api, stock):
    body = {"kind": "packaged", "sku": "ESP-250", "quantity": 6}

    first = api.post("/inventory/receipts", body, role="operator", idempotency_key="delivery-77")
    again = api.post("/inventory/receipts", body, role="operator", idempotency_key="delivery-77")

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert Lot.objects.count() == 4
