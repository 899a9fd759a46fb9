"""Orders over the API: create, read, search, edit, delete, notes and the timeline."""

import datetime as dt

import pytest

from orderly.channels.selectors import manual_channel
from orderly.core.actors import Actor
from orderly.orders.models import ITEM_INDICATORS, Address, Order, OrderEvent
from orderly.orders.services import order_archive, order_set_stage
from tests.api.helpers import error_of, order_body, snapshot
from tests.factories import VariantFactory, address, make_order


def test_create_a_manual_order_answers_201_with_the_whole_order(api, variant):
    body = order_body(
        billing_address=address(name="Bram de Vries", company="De Vries BV", country="be"),
        notes="Leave at the door",
        external_ref="PHONE-17",
        order_date="2025-03-01T09:30:00+01:00",
        status="draft",
        items=[
            {
                "sku": "ESP-250",
                "quantity": 3,
                "unit_price": "8.50",
                "tax_rate": "9",
                "discount": "1.00",
                "adjustments": [{"label": "Gift wrap", "amount": "2.50"}],
                "purchase_price": "4.10",
                "commission": "0.85",
                "identifiers": {"colour": "black", "size": "250 g"},
                "position": "A-03-2",
                "options": {"invoice": False},
                "delivery_type": "collect",
                "delivery_method": "Pick-up point",
                "expected_on": "2025-03-05",
                "metadata": {"gift": True},
            }
        ],
    )

    response = api.post("/orders", body, role="operator")

    assert response.status_code == 201, response.content
    data = response.json()
    order = Order.objects.get()
    item = order.items.get()
    assert data == {
        "number": "OR-000001",
        "status": "draft",
        "stage": "new",
        "fulfillment_status": "unfulfilled",
        "payment_status": "unpaid",
        "amount_paid": "0.00",
        "amount_due": "29.43",
        "balance_due": "29.43",
        "vat_reverse_charged": False,
        "error": None,
        "archived": False,
        "channel": {"id": manual_channel().id, "name": "Manual", "kind": "manual"},
        "external_ref": "PHONE-17",
        "external_id": "",
        "external_status": "",
        "order_date": "2025-03-01T08:30:00Z",
        "customer": {"name": "Anna de Vries", "email": "anna@example.com", "type": "retail", "vat_number": ""},
        "shipping_address": address(),
        "billing_address": address(name="Bram de Vries", company="De Vries BV", country="BE"),
        "currency": "EUR",
        "prices_include_tax": False,
        "stated_total": None,
        "is_test": False,
        "delivery_method": "",
        "discount_codes": [],
        "shop_money": None,
        "totals": {"subtotal": "28.00", "discount": "1.00", "tax": "2.43", "charges_total": "0.00", "total": "29.43"},
        "notes": "Leave at the door",
        "allowed_actions": ["open", "cancel", "archive", "reset", "edit", "delete"],
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "items": [
            {
                "id": item.id,
                "line_no": 1,
                "sku": "ESP-250",
                "variant_id": variant.id,
                "name": "Espresso blend 250 g",
                "quantity": 3,
                "unit_price": "8.50",
                "tax_rate": "9.00",
                "discount": "1.00",
                "adjustments": [{"label": "Gift wrap", "amount": "2.50"}],
                "purchase_price": "4.10",
                "commission": "0.85",
                "identifiers": {"colour": "black", "size": "250 g"},
                "position": "A-03-2",
                "options": {"allocate": True, "fulfil": True, "cover": True, "invoice": False},
                "indicators": {name: 0 for name in ITEM_INDICATORS},
                "delivery_type": "collect",
                "delivery_method": "Pick-up point",
                "expected_on": "2025-03-05",
                "metadata": {"gift": True},
                "status": "draft",
                "tax_lines": [],
                "line_subtotal": "28.00",
                "line_tax": "2.43",
                "line_total": "29.43",
            }
        ],
        "charges": [],
    }
    assert order.channel == manual_channel()
    assert list(order.events.values_list("kind", "actor_kind", "actor_name")) == [("created", "user", "operator")]


def test_create_takes_price_and_tax_from_the_catalog_when_not_given(api, variant):
    response = api.post("/orders", order_body(items=[{"sku": "ESP-250", "quantity": 2}]), role="operator")

    assert response.status_code == 201
    item = response.json()["items"][0]
    assert (item["unit_price"], item["tax_rate"], item["line_total"]) == ("8.50", "9.00", "18.53")
    assert response.json()["status"] == "open"


def test_a_time_that_cannot_be_stored_in_utc_is_refused(api, variant):
    response = api.post("/orders", order_body(order_date="9999-12-31T23:00:00-05:00"), role="operator")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid",
        "message": "order_date is out of the range of dates Orderly can store.",
        "field": "order_date",
        "detail": {},
    }
    assert Order.all_objects.count() == 0


def test_a_time_without_an_offset_is_taken_as_utc(api, variant):
    response = api.post("/orders", order_body(order_date="2025-03-01T09:30:00"), role="operator")

    assert response.status_code == 201
    assert response.json()["order_date"] == "2025-03-01T09:30:00Z"
    assert Order.objects.get().order_date == dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


def test_get_an_order_by_its_number(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])

    response = api.get(f"/orders/{order.number}", role="viewer")

    assert response.status_code == 200
    assert response.json()["number"] == order.number
    assert response.json()["totals"]["total"] == "9.27"


def test_an_unknown_order_answers_404(api, db):
    response = api.get("/orders/OR-999999", role="viewer")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "No order 'OR-999999'.",
        "field": None,
        "detail": {"resource": "order", "key": "OR-999999"},
    }


def test_an_order_with_an_error_shows_it_with_the_fix(api, db):
    order = make_order(items=[{"sku": "NEW-1", "quantity": 1, "unit_price": "5"}], strict=False)

    data = api.get(f"/orders/{order.number}", role="viewer").json()

    assert data["error"] == {
        "code": "unknown_sku",
        "message": "No product matches SKU NEW-1.",
        "fix": "Create a variant with SKU NEW-1 in the catalog (or map the channel's SKU), then reset the order.",
    }
    assert data["items"][0]["variant_id"] is None


# ---- search ----------------------------------------------------------------------------------------------------


@pytest.fixture
def orders(variant):
    """Four orders: Anna (retail, 1 unit), Bram (wholesale, 10 units), Carla (draft), Dirk (archived)."""
    items = [{"sku": "ESP-250", "quantity": 1}]
    anna = make_order(items=items, order_date=dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC), external_ref="SHOP-1")
    bram = make_order(
        items=[{"sku": "ESP-250", "quantity": 10}],
        customer={"name": "Bram Bakker", "email": "inkoop@bakker.example", "type": "wholesale"},
        order_date=dt.datetime(2025, 1, 11, 12, tzinfo=dt.UTC),
    )
    carla = make_order(
        items=items,
        status="draft",
        customer={"name": "Carla Jansen", "email": "carla@example.com"},
        order_date=dt.datetime(2025, 1, 12, 12, tzinfo=dt.UTC),
    )
    dirk = make_order(
        items=items,
        customer={"name": "Dirk Visser", "email": "dirk@example.com"},
        order_date=dt.datetime(2025, 1, 13, 12, tzinfo=dt.UTC),
    )
    order_archive(order=dirk, actor=Actor.system())
    return {"anna": anna.number, "bram": bram.number, "carla": carla.number, "dirk": dirk.number}


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [order["number"] for order in response.json()["items"]]


def test_list_hides_archived_orders_newest_first(api, orders):
    response = api.get("/orders", role="viewer")

    assert numbers(response) == [orders["carla"], orders["bram"], orders["anna"]]
    assert {k: v for k, v in response.json().items() if k != "items"} == {
        "total": 3,
        "total_exact": True,
        "page": 1,
        "page_size": 50,
        "pages": 1,
        "next": None,
        "previous": None,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=bakker", ["bram"]),
        ("q=CARLA@EXAMPLE", ["carla"]),
        ("q=shop-1", ["anna"]),
        ("q=OR-000002", ["bram"]),
        ("status=draft", ["carla"]),
        ("status=open", ["bram", "anna"]),
        ("stage=new", ["carla", "bram", "anna"]),
        ("stage=in_progress", []),
        ("customer_type=wholesale", ["bram"]),
        ("has_error=true", []),
        ("has_error=false", ["carla", "bram", "anna"]),
        ("archived=true", ["dirk"]),
        ("archived=all", ["dirk", "carla", "bram", "anna"]),
        ("date_from=2025-01-11&date_to=2025-01-12", ["carla", "bram"]),
        ("date_to=9999-12-31&date_from=0001-01-01", ["carla", "bram", "anna"]),
        ("sort=date", ["anna", "bram", "carla"]),
        ("sort=number", ["anna", "bram", "carla"]),
        ("sort=-number", ["carla", "bram", "anna"]),
        ("sort=-total", ["bram", "carla", "anna"]),
        ("sort=total&archived=all", ["anna", "carla", "dirk", "bram"]),
    ],
)
def test_list_filters_and_sorts(api, orders, query, expected):
    response = api.get(f"/orders?{query}", role="viewer")

    assert numbers(response) == [orders[name] for name in expected]


def test_list_filters_by_channel(api, orders):
    channel = manual_channel()

    assert len(numbers(api.get(f"/orders?channel={channel.id}", role="viewer"))) == 3
    assert numbers(api.get(f"/orders?channel={channel.id + 1000}", role="viewer")) == []


def test_list_pages_in_a_stable_order(api, orders):
    first = api.get("/orders?page_size=2&sort=number", role="viewer").json()
    second = api.get("/orders?page_size=2&page=2&sort=number", role="viewer").json()
    beyond = api.get("/orders?page_size=2&page=9", role="viewer").json()

    assert [o["number"] for o in first["items"]] == [orders["anna"], orders["bram"]]
    assert [o["number"] for o in second["items"]] == [orders["carla"]]
    assert (first["total"], first["pages"], second["page"]) == (3, 2, 2)
    assert beyond["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=shipped", "status"),
        ("stage=done", "stage"),
        ("customer_type=vip", "customer_type"),
        ("sort=price", "sort"),
        ("archived=maybe", "archived"),
        ("has_error=perhaps", "has_error"),
        ("date_from=yesterday", "date_from"),
        ("date_from=2025-02-01&date_to=2025-01-01", "date_from"),
        ("channel=abc", "channel"),
        ("channel=0", "channel"),
        ("channel=99999999999999999999", "channel"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("page_size=201", "page_size"),
        ("page_size=0", "page_size"),
    ],
)
def test_bad_list_parameters_answer_422_naming_the_parameter(api, orders, query, field):
    response = api.get(f"/orders?{query}", role="viewer")

    assert response.status_code == 422
    assert error_of(response)["field"] == field


# ---- edit, delete ----------------------------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent_and_records_it(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])

    response = api.patch(
        f"/orders/{order.number}",
        {
            "customer": {"email": "anna@vries.example"},
            "notes": "Ring twice",
            "billing_address": address(city="Utrecht"),
        },
        role="operator",
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["customer"] == {
        "name": "Anna de Vries",
        "email": "anna@vries.example",
        "type": "retail",
        "vat_number": "",
    }
    assert data["notes"] == "Ring twice"
    assert data["billing_address"]["city"] == "Utrecht"
    assert data["shipping_address"] == address()
    event = OrderEvent.objects.filter(order=order, kind="edited").get()
    assert sorted(event.data["changes"]) == ["billing_address", "customer_email", "notes"]


def test_patch_items_replaces_them(api, variant):
    other = VariantFactory(sku="ESP-1000", price="30.00", tax_rate="9")
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}, {"sku": "ESP-250", "quantity": 5}])
    keep = order.items.get(line_no=1)

    response = api.patch(
        f"/orders/{order.number}",
        {"items": [{"id": keep.id, "sku": "ESP-250", "quantity": 4}, {"sku": other.sku, "quantity": 1}]},
        role="operator",
    )

    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [(i["id"] == keep.id, i["sku"], i["quantity"]) for i in items] == [
        (True, "ESP-250", 4),
        (False, "ESP-1000", 1),
    ]
    assert response.json()["totals"]["total"] == "69.76"


def test_patch_an_item_by_id_changes_only_what_is_sent(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1, "position": "A-1", "metadata": {"gift": True}}])
    item = order.items.get()

    response = api.patch(f"/orders/{order.number}", {"items": [{"id": item.id, "quantity": 3}]}, role="operator")

    assert response.status_code == 200, response.content
    (changed,) = response.json()["items"]
    assert (changed["id"], changed["sku"], changed["quantity"]) == (item.id, "ESP-250", 3)
    assert (changed["position"], changed["metadata"], changed["unit_price"]) == ("A-1", {"gift": True}, "8.50")


@pytest.mark.parametrize(
    ("entry", "field"), [({"quantity": 1}, "items[1].sku"), ({"sku": "ESP-250"}, "items[1].quantity")]
)
def test_patch_a_new_item_needs_its_sku_and_quantity(api, variant, entry, field):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    item = order.items.get()
    before = snapshot()

    response = api.patch(f"/orders/{order.number}", {"items": [{"id": item.id}, entry]}, role="operator")

    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert snapshot() == before


def test_patch_billing_address_null_removes_it(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}], billing_address=address(city="Utrecht"))

    response = api.patch(f"/orders/{order.number}", {"billing_address": None}, role="operator")

    assert response.status_code == 200
    assert response.json()["billing_address"] is None


def test_patch_with_nothing_to_change_records_nothing(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    before = snapshot()

    response = api.patch(f"/orders/{order.number}", {"notes": ""}, role="operator")

    assert response.status_code == 200
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer": {"email": "not-an-address"}}, "customer.email"),
        ({"shipping_address": None}, "shipping_address"),
        ({"shipping_address": address(country="XX")}, "shipping_address.country"),
        ({"currency": "EURO"}, "currency"),
        ({"items": []}, "items"),
        ({"items": [{"sku": "ESP-250", "quantity": -1}]}, "items[0].quantity"),
        ({"items": [{"id": 999, "sku": "ESP-250", "quantity": 1}]}, "items[0].id"),
        ({"items": [{"sku": "NOPE", "quantity": 1}]}, "items[0].sku"),
        ({"number": "OR-1"}, "number"),
        ({"status": "closed"}, "status"),
        ({"notes": "x" * 5001}, "notes"),
    ],
)
def test_a_bad_patch_answers_422_and_changes_nothing(api, variant, body, field):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    before = snapshot()

    response = api.patch(f"/orders/{order.number}", body, role="operator")

    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field
    assert snapshot() == before


def test_patch_of_an_archived_order_answers_409_and_changes_nothing(api, variant):
    order = order_archive(order=make_order(items=[{"sku": "ESP-250", "quantity": 1}]), actor=Actor.system())
    before = snapshot()

    response = api.patch(f"/orders/{order.number}", {"notes": "x"}, role="operator")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "order_archived",
        "message": f"Order {order.number} is archived; unarchive it before editing.",
        "field": None,
        "detail": {"order": order.number, "action": "edit"},
    }
    assert snapshot() == before


def _in_progress(**kwargs) -> Order:
    return order_set_stage(order=make_order(**kwargs), stage="in_progress", actor=Actor.system())


def test_patch_echoing_an_in_progress_orders_items_is_no_change_as_on_the_web(api, variant):
    order = _in_progress(items=[{"sku": "ESP-250", "quantity": 2}])
    echoed = [
        {key: item[key] for key in ("id", "sku", "name", "quantity", "unit_price", "tax_rate", "discount")}
        for item in api.get(f"/orders/{order.number}", role="viewer").json()["items"]
    ]
    before = snapshot()

    response = api.patch(f"/orders/{order.number}", {"notes": "Ring twice", "items": echoed}, role="operator")

    assert response.status_code == 200, response.content
    assert response.json()["notes"] == "Ring twice"
    event = OrderEvent.objects.filter(order=order, kind="edited").get()
    assert sorted(event.data["changes"]) == ["notes"]
    assert [(i.sku, i.quantity) for i in order.items.all()] == [("ESP-250", 2)]
    assert snapshot() != before  # the note, and nothing of the items


def test_patch_changing_an_in_progress_orders_items_answers_409_and_changes_nothing(api, variant):
    order = _in_progress(items=[{"sku": "ESP-250", "quantity": 2}])
    item = order.items.get()
    before = snapshot()

    response = api.patch(
        f"/orders/{order.number}", {"notes": "x", "items": [{"id": item.id, "quantity": 3}]}, role="operator"
    )

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "order_locked",
        "message": f"Order {order.number} is in progress; its items can change only while it is new.",
        "field": None,
        "detail": {"order": order.number, "action": "edit_items", "status": "open", "stage": "in_progress"},
    }
    assert snapshot() == before


def test_delete_removes_the_order_from_every_answer(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])

    response = api.delete(f"/orders/{order.number}", role="operator")

    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/orders/{order.number}", role="viewer").status_code == 404
    assert numbers(api.get("/orders?archived=all", role="viewer")) == []
    assert api.delete(f"/orders/{order.number}", role="operator").status_code == 404
    assert Order.all_objects.get(pk=order.pk).deleted_at is not None


# ---- notes and timeline ----------------------------------------------------------------------------------------


def test_a_note_lands_on_the_timeline_newest_first(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])

    response = api.post(f"/orders/{order.number}/notes", {"text": "  Called the customer  "}, role="operator")
    timeline = api.get(f"/orders/{order.number}/timeline", role="viewer")

    assert response.status_code == 200
    assert response.json()["number"] == order.number
    assert timeline.status_code == 200
    events = timeline.json()["items"]
    assert [(e["kind"], e["actor"], e["message"]) for e in events] == [
        ("note_added", {"kind": "user", "name": "operator"}, "Note: Called the customer"),
        ("created", {"kind": "system", "name": "Orderly"}, f"Order {order.number} created (Open)."),
    ]
    assert events[0]["data"] == {"text": "Called the customer"}
    assert set(events[0]) == {"id", "created_at", "kind", "actor", "message", "data"}
    assert timeline.json()["total"] == 2


@pytest.mark.parametrize(
    ("body", "field"), [({"text": "   "}, "text"), ({"text": "x" * 2001}, "text"), ({}, "text"), ({"text": 5}, "text")]
)
def test_a_bad_note_answers_422_and_adds_nothing(api, variant, body, field):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    before = snapshot()

    response = api.post(f"/orders/{order.number}/notes", body, role="operator")

    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert snapshot() == before


def test_timeline_pages(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    for n in range(3):
        api.post(f"/orders/{order.number}/notes", {"text": f"note {n}"}, role="operator")

    page = api.get(f"/orders/{order.number}/timeline?page_size=2&page=2", role="viewer").json()

    assert [e["message"] for e in page["items"]] == ["Note: note 0", f"Order {order.number} created (Open)."]
    assert (page["total"], page["pages"]) == (4, 2)


def test_timeline_of_an_unknown_order_answers_404(api, db):
    assert api.get("/orders/OR-404/timeline", role="viewer").status_code == 404


def test_nothing_is_written_when_an_order_is_refused(api, variant):
    """The refusal leaves no address behind either (addresses are written first inside the transaction)."""
    response = api.post("/orders", order_body(items=[{"sku": "NOPE", "quantity": 1}]), role="operator")

    assert response.status_code == 422
    assert (Order.all_objects.count(), Address.objects.count()) == (0, 0)


def test_list_filters_by_fulfillment_and_payment_status(api, variant):
    first = api.post("/orders", order_body(), role="operator").json()["number"]
    second = api.post("/orders", order_body(), role="operator").json()["number"]
    Order.objects.filter(number=second).update(fulfillment_status="partially_fulfilled", payment_status="paid")

    def numbers(query):
        return [o["number"] for o in api.get(f"/orders?{query}", role="viewer").json()["items"]]

    assert numbers("fulfillment_status=partially_fulfilled") == [second]
    assert numbers("payment_status=unpaid") == [first]
    response = api.get("/orders?fulfillment_status=shipped", role="viewer")
    assert response.status_code == 422 and error_of(response)["field"] == "fulfillment_status"


def test_a_bare_number_as_the_order_date_is_refused_not_read_as_1970(api, variant):
    response = api.post("/orders", order_body(order_date=1764510300), role="operator")

    assert response.status_code == 422
    error = error_of(response)
    assert {key: error[key] for key in ("code", "field")} == {"code": "invalid", "field": "order_date"}
    assert error["message"].startswith("order_date must be an ISO 8601 date and time such as 2026-11-30T14:05:00")
    assert Order.all_objects.count() == 0


def test_a_price_with_decimals_in_a_currency_without_them_is_refused(api, variant):
    body = order_body(currency="JPY")
    body["items"][0]["unit_price"] = "1200.50"

    response = api.post("/orders", body, role="operator")

    assert response.status_code == 422
    error = error_of(response)
    assert {key: error[key] for key in ("code", "message", "field")} == {
        "code": "invalid",
        "message": "items[0].unit_price 1200.50 has decimals, and JPY amounts are whole numbers.",
        "field": "items[0].unit_price",
    }
    body["items"][0]["unit_price"] = "1200"
    assert api.post("/orders", body, role="operator").status_code == 201


def test_a_business_customer_has_a_vat_number_as_typed_tidied(api, variant):
    body = order_body(customer={"name": "Röstwerk GmbH", "type": "wholesale", "vat_number": "de 123.456-789"})
    created = api.post("/orders", body, role="operator")
    assert created.status_code == 201, created.content
    assert created.json()["customer"] == {
        "name": "Röstwerk GmbH",
        "email": "",
        "type": "wholesale",
        "vat_number": "DE123456789",
    }
    number = created.json()["number"]
    patched = api.patch(f"/orders/{number}", {"customer": {"vat_number": "ATU12345678"}}, role="operator")
    assert patched.json()["customer"]["vat_number"] == "ATU12345678"
    removed = api.patch(f"/orders/{number}", {"customer": {"vat_number": ""}}, role="operator")
    assert removed.json()["customer"]["vat_number"] == ""


def test_a_vat_number_that_is_none_is_refused_naming_the_field(api, variant):
    response = api.post("/orders", order_body(customer={"name": "X", "vat_number": "123456789"}), role="operator")
    assert response.status_code == 422
    assert error_of(response)["field"] == "customer.vat_number"
    assert error_of(response)["message"] == (
        "customer.vat_number '123456789' is not a VAT number: it is the country's two letters and 2 to 13 letters "
        "or digits, e.g. DE123456789."
    )
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("DE12345", "customer.vat_number 'DE12345' is not a VAT number of DE: after DE come 9 digits."),
        ("nl 123456789", "customer.vat_number 'nl 123456789' is not a VAT number of NL: after NL come 9 digits, B "
                         "and 2 digits."),
        ("GR123456789", "customer.vat_number 'GR123456789' is not a VAT number: Greek VAT numbers start with EL, e.g. "
                        "EL123456789."),
        ("ZZ123456789", "customer.vat_number 'ZZ123456789' is not a VAT number: ZZ is no country's two letters (e.g. "
                        "DE123456789)."),
    ],
)  # fmt: skip
def test_a_vat_number_needs_a_country_and_an_eu_states_shape(api, variant, typed, message):
    created = api.post("/orders", order_body(), role="operator").json()["number"]

    for response in (
        api.post("/orders", order_body(customer={"name": "X", "vat_number": typed}), role="operator"),
        api.patch(f"/orders/{created}", {"customer": {"vat_number": typed}}, role="operator"),
    ):
        assert response.status_code == 422
        assert (error_of(response)["field"], error_of(response)["message"]) == ("customer.vat_number", message)
    assert Order.objects.count() == 1
    assert Order.objects.get().customer_vat_number == ""


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("NL 1234.56.789.B01", "NL123456789B01"),
        ("EL123456789", "EL123456789"),
        ("FR 4A 123456789", "FR4A123456789"),
        ("ESX1234567Z", "ESX1234567Z"),
        ("IE1234567WA", "IE1234567WA"),
        ("CHE-123.456.789", "CHE123456789"),  # outside the EU: its own shape
        ("GB123456789", "GB123456789"),
    ],
)
def test_vat_numbers_of_each_shape_are_taken(api, variant, typed, kept):
    response = api.post("/orders", order_body(customer={"name": "X", "vat_number": typed}), role="operator")
    assert response.status_code == 201, response.content
    assert response.json()["customer"]["vat_number"] == kept
