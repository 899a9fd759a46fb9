"""Inventory pages: stock per SKU and product, lots, ledger, receiving and adjusting, per role."""

from decimal import Decimal

import pytest

from orderly.core.actors import Actor
from orderly.inventory.models import Lot, Movement
from orderly.inventory.services import stock_receive
from tests.factories import ProductFactory, VariantFactory
from tests.web.helpers import messages_of, text

PAGES = ["/inventory/", "/inventory/lots/", "/inventory/ledger/"]


@pytest.fixture
def stock(db):
    """12 bags of ESP-250 and 5.5 kg of loose Espresso blend."""
    product = ProductFactory(name="Espresso blend")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=product)
    system = Actor.system()
    bags = stock_receive(kind="packaged", sku="ESP-250", quantity=12, lot_date="2026-11-01", actor=system)
    loose = stock_receive(kind="loose", product="Espresso blend", quantity="5.5", actor=system, position="A-01")
    return {"bags": bags, "loose": loose}


def _lots() -> list:
    return list(Lot.objects.order_by("id").values_list("number", "on_hand", "held"))


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["viewer", "operator", "manager", "admin"])
def test_every_role_reads_the_inventory_pages(clients, stock, path, role):
    response = clients[role].get(path)

    assert response.status_code == 200
    assert "Inventory" in text(response)


@pytest.mark.parametrize("path", [*PAGES, "/inventory/receive/", "/inventory/adjust/"])
def test_the_pages_need_a_login(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_the_stock_page_has_a_row_per_sku_and_per_product(viewer, stock):
    page = text(viewer.get("/inventory/"))

    assert "Packaged ESP-250 Espresso blend 250 g Espresso blend 12 0 12 units" in page
    assert "Loose — Espresso blend Espresso blend 5.5 0 5.5 kg" in page


def test_the_stock_page_filters_by_kind_and_refuses_an_unknown_kind(viewer, stock):
    page = text(viewer.get("/inventory/?kind=loose"))
    assert "1 line of stock." in page
    assert "ESP-250" not in page

    refused = viewer.get("/inventory/?kind=frozen")
    assert refused.status_code == 400
    assert "kind must be one of packaged, loose, raw, not 'frozen'." in text(refused)


def test_the_lots_page_lists_lots_oldest_first_with_an_actions_menu(manager, stock):
    page = text(manager.get("/inventory/lots/"))

    assert "2 lots with stock." in page
    bags, loose = stock["bags"].number, stock["loose"].number
    assert page.index(bags) < page.index(loose)
    assert f"{loose} Loose Espresso blend" in page
    assert "Adjust…" in page


def test_a_viewer_sees_no_receive_or_adjust_buttons(viewer, stock):
    page = text(viewer.get("/inventory/lots/"))

    assert "Receive stock" not in page
    assert "Adjust" not in page


def test_the_ledger_shows_each_lots_receipt_and_filters_by_lot(viewer, stock):
    number = stock["bags"].number
    page = text(viewer.get(f"/inventory/ledger/?lot={number}"))

    assert "1 movement, newest first." in page
    assert f"{number} ESP-250 Receipt 12 0" in page


def test_the_receive_form_is_for_operators(viewer, op):
    assert viewer.get("/inventory/receive/").status_code == 403
    assert op.get("/inventory/receive/").status_code == 200


def test_an_operator_receives_packaged_stock(op, stock):
    response = op.post(
        "/inventory/receive/", {"kind": "packaged", "sku": "ESP-250", "quantity": "24", "lot_date": "2026-11-20"}
    )

    assert response.status_code == 302
    lot = Lot.objects.latest("id")
    assert (lot.kind, lot.variant.sku, lot.on_hand, str(lot.lot_date)) == ("packaged", "ESP-250", 24, "2026-11-20")
    assert Movement.objects.get(lot=lot).actor_name == "operator"
    follow = op.get(response["Location"])
    assert messages_of(follow) == [f"Received ESP-250 into lot {lot.number}."]


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"kind": "packaged", "sku": "NOPE", "quantity": "1"}, "sku", "No product variant has SKU 'NOPE'."),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": "0"}, "quantity", "Quantity (units or kg) must be more"),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": "1.5"}, "quantity", "must be a whole number of units"),
        ({"kind": "loose", "product": "", "quantity": "1"}, "product", "Loose stock needs a product."),
        ({"kind": "raw", "quantity": "1"}, "lot", "Raw stock needs the name of its lot."),
        ({"kind": "packaged", "sku": "ESP-250", "quantity": "1", "lot_date": "soon"}, "lot_date", "is not a date"),
        ({"kind": "frozen", "quantity": "1"}, "kind", "Kind must be one of packaged, loose, raw"),
        ({"kind": "loose", "product": "Espresso blend", "quantity": "1e30"}, "quantity", "must be written in plain"),
    ],
)
def test_bad_receipts_are_refused_next_to_the_field_and_write_nothing(op, stock, post, field, message):
    before = _lots(), Movement.objects.count()

    response = op.post("/inventory/receive/", post)

    assert response.status_code in (404, 422)
    assert message in text(response)
    assert f'id="f-{field.replace("_", "-")}-error"' in response.content.decode()
    assert (_lots(), Movement.objects.count()) == before


def test_the_adjust_form_is_for_managers(op, manager, stock):
    assert op.get("/inventory/adjust/").status_code == 403
    response = manager.get(f"/inventory/adjust/?lot={stock['bags'].number}")
    assert response.status_code == 200
    assert f'value="{stock["bags"].number}"' in response.content.decode()


def test_an_operator_cannot_post_an_adjustment(op, stock):
    before = _lots()

    response = op.post("/inventory/adjust/", {"lot": stock["bags"].number, "quantity": "-2", "reason": "Damaged"})

    assert response.status_code == 403
    assert _lots() == before


def test_a_manager_adjusts_a_lot_with_a_reason(manager, stock):
    number = stock["bags"].number

    response = manager.post("/inventory/adjust/", {"lot": number, "quantity": "-2", "reason": "Two bags torn"})

    assert response.status_code == 302
    assert Lot.objects.get(number=number).on_hand == Decimal("10")
    movement = Movement.objects.filter(lot__number=number).latest("id")
    assert (movement.kind, movement.quantity, movement.reason) == ("adjustment", Decimal("-2"), "Two bags torn")
    assert messages_of(manager.get(response["Location"])) == [f"Lot {number} adjusted: 10 units on hand now."]


@pytest.mark.parametrize(
    ("quantity", "reason", "status", "message"),
    [
        ("-13", "Counted", 409, "that would take it below zero"),
        ("-1", "", 422, "An adjustment needs a reason."),
        ("lots", "Counted", 422, "must be a number"),
        ("9" * 30, "Counted", 422, "must be written in plain digits, at most 24 of them."),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(manager, stock, quantity, reason, status, message):
    before = _lots(), Movement.objects.count()

    response = manager.post("/inventory/adjust/", {"lot": stock["bags"].number, "quantity": quantity, "reason": reason})

    assert response.status_code == status
    assert message in text(response)
    assert "Nothing was saved." in text(response)
    assert (_lots(), Movement.objects.count()) == before


def test_adjusting_an_unknown_lot_names_the_lot(manager, stock):
    response = manager.post("/inventory/adjust/", {"lot": "LOT-999999", "quantity": "1", "reason": "Found"})

    assert response.status_code == 422
    assert "No lot 'LOT-999999'." in text(response)


def test_the_navigation_links_to_inventory(viewer, db):
    response = viewer.get("/inventory/")

    assert '<a href="/inventory/" aria-current="page">Inventory</a>' in response.content.decode()


def test_quantities_read_as_plain_numbers(viewer, stock):
    stock_receive(kind="loose", product="Espresso blend", quantity="100", lot_date="2026-11-03", actor=Actor.system())

    pages = (
        text(viewer.get("/inventory/")) + text(viewer.get("/inventory/lots/")) + text(viewer.get("/inventory/ledger/"))
    )

    assert "Espresso blend Espresso blend 105.5 0 105.5 kg" in pages
    assert "Loose Espresso blend 2026-11-03 — 100 0 100 kg" in pages
    assert "E+" not in pages
    assert ".000" not in pages
