"""/plans and /packaging-plans: seed 000's flow through the API, refusals that change nothing, and bad input."""

from decimal import Decimal

import pytest

from orderly.core.actors import Actor
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services import stock_receive
from orderly.orders.models import Order, OrderItem
from orderly.plans.models import FulfillmentPlan, PackagingPlan, PlanOrder
from tests.api.helpers import error_of
from tests.factories import ProductFactory, VariantFactory, make_order


@pytest.fixture
def shop(db):
    """Espresso blend in 250 g and 1 kg bags: 10 bags of 250 g packed, 3 kg loose; two orders, a draft."""
    product = ProductFactory(name="Espresso blend")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=product, package_size="0.250")
    VariantFactory(sku="ESP-1000", name="Espresso blend 1 kg", product=product, package_size="1.000")
    system = Actor.system()
    stock_receive(kind="packaged", sku="ESP-250", quantity=10, lot_date="2026-11-01", position="A-01", actor=system)
    stock_receive(kind="loose", product="Espresso blend", quantity="3", lot_date="2026-11-02", actor=system)
    anna = make_order(items=[{"sku": "ESP-250", "quantity": 4}])
    cafe = make_order(items=[{"sku": "ESP-250", "quantity": 8}, {"sku": "ESP-1000", "quantity": 2}])
    draft = make_order(items=[{"sku": "ESP-250", "quantity": 1}], status="draft")
    return {"anna": anna.number, "cafe": cafe.number, "draft": draft.number}


def state() -> dict:
    """What a refused call must leave as it was."""
    return {
        "plans": list(FulfillmentPlan.objects.order_by("id").values_list("number", "status")),
        "members": list(PlanOrder.objects.order_by("id").values_list("order_id", "removed_at", "completed_at")),
        "packaging": list(PackagingPlan.objects.order_by("id").values_list("number", "units", "status")),
        "lots": list(Lot.objects.order_by("id").values_list("number", "on_hand", "held")),
        "holds": list(Hold.objects.order_by("id").values_list("lot_id", "order_item_id", "quantity")),
        "movements": Movement.objects.count(),
        "stages": list(Order.all_objects.order_by("id").values_list("number", "stage")),
        "indicators": list(OrderItem.objects.order_by("id").values_list("qty_available", "qty_on_pick_list")),
    }


def create(api, shop, *orders, role="operator"):
    body = {"orders": list(orders or (shop["anna"], shop["cafe"])), "fulfillment_date": "2026-11-25"}
    return api.post("/plans", body, role=role)


def test_creating_a_plan_puts_its_orders_in_progress(api, shop):
    response = create(api, shop)

    assert response.status_code == 201
    plan = response.json()
    assert plan["number"] == "OF-000001"
    assert (plan["status"], plan["fulfillment_date"], plan["order_count"]) == ("open", "2026-11-25", 2)
    assert [(o["number"], o["stage"], o["completed"]) for o in plan["orders"]] == [
        (shop["anna"], "in_progress", False),
        (shop["cafe"], "in_progress", False),
    ]
    assert api.get(f"/orders/{shop['anna']}", role="viewer").json()["stage"] == "in_progress"


def test_plans_are_listed_newest_first_and_filtered_by_status(api, shop):
    create(api, shop, shop["anna"])
    create(api, shop, shop["cafe"])
    api.post("/plans/OF-000002/cancel", role="operator")

    listed = api.get("/plans", role="viewer").json()
    assert [(p["number"], p["status"], p["order_count"]) for p in listed["items"]] == [
        ("OF-000002", "canceled", 0),
        ("OF-000001", "open", 1),
    ]
    assert listed["total"] == 2
    assert [p["number"] for p in api.get("/plans?status=open", role="viewer").json()["items"]] == ["OF-000001"]


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        (["OR-999999"], "Cannot plan these orders: OR-999999 does not exist."),
        ([], "orders: Choose at least one order."),
    ],
)
def test_a_plan_of_orders_that_cannot_be_planned_is_refused_and_writes_nothing(api, shop, orders, message):
    before = state()

    response = api.post("/plans", {"orders": orders, "fulfillment_date": "2026-11-25"}, role="operator")

    assert response.status_code == 422
    assert error_of(response)["message"] == message
    assert error_of(response)["field"] == "orders"
    assert state() == before


def test_a_draft_or_an_order_in_another_plan_cannot_join(api, shop):
    create(api, shop, shop["anna"])
    before = state()

    response = create(api, shop, shop["anna"], shop["draft"])

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "order_not_plannable"
    assert f"{shop['anna']} is already in plan OF-000001." in error["message"]
    assert f"{shop['draft']} is draft; only open orders can be planned." in error["message"]
    assert error["detail"] == {
        "refused": [
            {"order": shop["anna"], "reason": f"{shop['anna']} is already in plan OF-000001."},
            {"order": shop["draft"], "reason": f"{shop['draft']} is draft; only open orders can be planned."},
        ]
    }
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"orders": ["OR-000001"]}, "fulfillment_date"),
        ({"orders": ["OR-000001"], "fulfillment_date": "someday"}, "fulfillment_date"),
        ({"orders": "OR-000001", "fulfillment_date": "2026-11-25"}, "orders"),
        ({"orders": ["OR-000001"], "fulfillment_date": "2026-11-25", "rush": True}, "rush"),
    ],
)
def test_a_malformed_plan_is_refused_naming_the_field(api, shop, body, field):
    before = state()

    response = api.post("/plans", body, role="operator")

    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert state() == before


def test_orders_are_added_and_removed(api, shop):
    create(api, shop, shop["anna"])

    added = api.post("/plans/OF-000001/orders", {"orders": [shop["cafe"]]}, role="operator")
    assert added.status_code == 200
    assert [o["number"] for o in added.json()["orders"]] == [shop["anna"], shop["cafe"]]

    removed = api.delete(f"/plans/OF-000001/orders/{shop['anna']}", role="operator")
    assert removed.status_code == 200
    assert [o["number"] for o in removed.json()["orders"]] == [shop["cafe"]]
    assert Order.objects.get(number=shop["anna"]).stage == "new"


def test_removing_an_order_that_is_not_in_the_plan_is_a_404(api, shop):
    create(api, shop, shop["anna"])
    before = state()

    response = api.delete(f"/plans/OF-000001/orders/{shop['cafe']}", role="operator")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": f"Order '{shop['cafe']}' is not in plan OF-000001.",
        "field": "order",
        "detail": {"resource": "plan_order", "key": shop["cafe"]},
    }
    assert state() == before


def test_an_unknown_plan_is_a_404_everywhere(api, shop):
    for method, path in [
        ("GET", "/plans/OF-999999"),
        ("GET", "/plans/OF-999999/allocation"),
        ("GET", "/plans/OF-999999/packaging-plans"),
        ("GET", "/plans/OF-999999/pick-list"),
        ("POST", "/plans/OF-999999/cancel"),
        ("GET", "/packaging-plans/PP-999999"),
    ]:
        response = api.call(method, path, role="admin")
        assert response.status_code == 404, (method, path)
        assert error_of(response)["code"] == "not_found"


def test_the_allocation_shows_ordered_available_allocated_and_remaining(api, shop):
    create(api, shop)

    allocation = api.get("/plans/OF-000001/allocation", role="viewer").json()

    assert allocation == {
        "plan": "OF-000001",
        "lines": [
            {"sku": "ESP-1000", "name": "Espresso blend 1 kg", "ordered": 2, "available": 0, "allocated": 0,
             "remaining": 2},
            {"sku": "ESP-250", "name": "Espresso blend 250 g", "ordered": 12, "available": 10, "allocated": 0,
             "remaining": 12},
        ],
    }  # fmt: skip


def test_allocate_all_holds_what_is_there_and_plans_the_packaging_of_the_rest(api, shop):
    create(api, shop)

    response = api.call("PUT", "/plans/OF-000001/allocation", {"allocate_all": True}, role="operator")

    assert response.status_code == 200
    lines = {line["sku"]: line for line in response.json()["lines"]}
    assert (lines["ESP-250"]["allocated"], lines["ESP-250"]["remaining"], lines["ESP-250"]["available"]) == (10, 2, 0)
    assert (lines["ESP-1000"]["allocated"], lines["ESP-1000"]["remaining"]) == (0, 2)
    packaging = api.get("/plans/OF-000001/packaging-plans", role="viewer").json()["items"]
    assert [(p["sku"], p["units"], p["loose_needed"], p["shortfall"], p["status"]) for p in packaging] == [
        ("ESP-250", 2, "0.5", "0", "planned"),
        ("ESP-1000", 2, "2", "0", "planned"),
    ] or [(p["sku"], p["units"], p["loose_needed"], p["shortfall"], p["status"]) for p in packaging] == [
        ("ESP-1000", 2, "2", "0", "planned"),
        ("ESP-250", 2, "0.5", "0", "planned"),
    ]
    assert all(p["lots"][0]["lot"] == "LOT-000002" for p in packaging)


def test_saving_an_empty_allocation_still_creates_packaging_plans(api, shop):
    create(api, shop)

    response = api.call("PUT", "/plans/OF-000001/allocation", {"lines": []}, role="operator")

    assert response.status_code == 200
    units = sorted((p["sku"], p["units"]) for p in api.get("/plans/OF-000001/packaging-plans").json()["items"])
    assert units == [("ESP-1000", 2), ("ESP-250", 12)]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"sku": "ESP-250", "quantity": 11}], "Cannot allocate 11 of ESP-250: 0 allocated and 10 more available"),
        ([{"sku": "ESP-250", "quantity": 13}], "Cannot allocate 13 of ESP-250: the plan's orders ask for 12."),
        ([{"sku": "DECAF-250", "quantity": 1}], "No order of this plan asks for SKU 'DECAF-250'."),
        ([{"sku": "ESP-250", "quantity": -1}], "must be a whole number of units, 0 or more"),
    ],
)
def test_allocating_too_much_or_the_wrong_sku_is_refused_and_changes_nothing(api, shop, lines, message):
    create(api, shop)
    before = state()

    response = api.call("PUT", "/plans/OF-000001/allocation", {"lines": lines}, role="operator")

    assert response.status_code == 422
    assert message in error_of(response)["message"]
    assert state() == before


def test_an_allocation_quantity_must_be_a_whole_number(api, shop):
    create(api, shop)
    before = state()

    response = api.call("PUT", "/plans/OF-000001/allocation", {"lines": [{"sku": "ESP-250", "quantity": "2"}]})

    assert response.status_code == 422
    assert error_of(response)["field"] == "lines[0].quantity"
    assert state() == before


def test_executing_a_packaging_plan_packs_loose_stock_and_allocates_it(api, shop):
    create(api, shop)
    api.call("PUT", "/plans/OF-000001/allocation", {"allocate_all": True}, role="operator")
    number = PackagingPlan.objects.get(variant__sku="ESP-250").number

    response = api.post(f"/packaging-plans/{number}/execute", role="operator")

    assert response.status_code == 200
    executed = response.json()
    assert (executed["status"], executed["units"], executed["packed_lot"]) == ("completed", 2, "LOT-000003")
    assert executed["updated_by"] == "operator"  # who packed it
    assert Lot.objects.get(number="LOT-000002").on_hand == Decimal("2.5")  # 3 kg less 2 × 0.25 kg
    lines = {line["sku"]: line for line in api.get("/plans/OF-000001/allocation").json()["lines"]}
    assert (lines["ESP-250"]["allocated"], lines["ESP-250"]["remaining"]) == (12, 0)


def test_executing_without_enough_loose_stock_is_refused_naming_the_shortfall(api, shop):
    create(api, shop)
    api.call("PUT", "/plans/OF-000001/allocation", {"lines": []}, role="operator")
    number = PackagingPlan.objects.get(variant__sku="ESP-250").number  # 12 × 0.25 kg = 3 kg, but ESP-1000 first
    api.patch(f"/packaging-plans/{number}", {"units": 13}, role="operator")
    before = state()

    response = api.post(f"/packaging-plans/{number}/execute", role="operator")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "insufficient_loose_stock"
    assert "it needs 3.250 kg of Espresso blend, and 0.250 kg are missing." in error["message"]
    assert error["detail"] == {
        "packaging_plan": number,
        "product": "Espresso blend",
        "needed": "3.25",
        "available": "3",
    }
    assert state() == before


def test_a_packaging_plan_is_edited_while_planned_and_then_archived(api, shop):
    create(api, shop)
    api.call("PUT", "/plans/OF-000001/allocation", {"allocate_all": True}, role="operator")
    number = PackagingPlan.objects.get(variant__sku="ESP-1000").number

    edited = api.patch(f"/packaging-plans/{number}", {"units": 1}, role="operator")
    assert edited.status_code == 200
    assert (edited.json()["units"], edited.json()["loose_needed"]) == (1, "1")

    archived = api.post(f"/packaging-plans/{number}/archive", role="operator")
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived"

    before = state()
    refused = api.patch(f"/packaging-plans/{number}", {"units": 3}, role="operator")
    assert refused.status_code == 409
    assert "only planned ones change" in error_of(refused)["message"]
    assert error_of(refused)["detail"] == {"packaging_plan": number, "status": "archived"}
    again = api.post(f"/packaging-plans/{number}/execute", role="operator")
    assert again.status_code == 409
    assert state() == before


@pytest.mark.parametrize("units", [0, -2, "3", 2.5, None])
def test_packaging_units_must_be_a_positive_whole_number(api, shop, units):
    create(api, shop)
    api.call("PUT", "/plans/OF-000001/allocation", {"lines": []}, role="operator")
    number = PackagingPlan.objects.order_by("id").first().number
    before = state()

    response = api.patch(f"/packaging-plans/{number}", {"units": units}, role="operator")

    assert response.status_code == 422
    assert error_of(response)["field"] == "units"
    assert state() == before


def test_the_pick_list_shows_each_order_with_its_lots_and_positions(api, shop):
    create(api, shop)
    api.call("PUT", "/plans/OF-000001/allocation", {"allocate_all": True}, role="operator")

    pick = api.get("/plans/OF-000001/pick-list", role="viewer").json()

    assert pick["plan"] == "OF-000001"
    anna, cafe = pick["orders"]
    assert (anna["number"], anna["completed"], anna["fully_allocated"]) == (shop["anna"], False, True)
    assert anna["items"] == [
        {"sku": "ESP-250", "name": "Espresso blend 250 g", "quantity": 4, "allocated": 4,
         "lots": [{"lot": "LOT-000001", "lot_date": "2026-11-01", "quantity": "4"}], "position": "A-01"},
    ]  # fmt: skip
    assert [(i["sku"], i["quantity"], i["allocated"]) for i in cafe["items"]] == [("ESP-250", 8, 6), ("ESP-1000", 2, 0)]
    assert cafe["fully_allocated"] is False


def test_canceling_a_plan_releases_everything_and_sends_orders_back_to_new(api, shop):
    create(api, shop)
    api.call("PUT", "/plans/OF-000001/allocation", {"allocate_all": True}, role="operator")

    response = api.post("/plans/OF-000001/cancel", role="operator")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["orders"]) == ("canceled", [])
    assert list(Lot.objects.order_by("id").values_list("held", flat=True)) == [0, 0]
    assert Hold.objects.count() == 0
    assert set(Order.objects.filter(number__in=[shop["anna"], shop["cafe"]]).values_list("stage", flat=True)) == {"new"}
    assert set(PackagingPlan.objects.values_list("status", flat=True)) == {"archived"}

    before = state()
    for method, path, body in [
        ("POST", "/plans/OF-000001/cancel", None),
        ("POST", "/plans/OF-000001/orders", {"orders": [shop["anna"]]}),
        ("PUT", "/plans/OF-000001/allocation", {"allocate_all": True}),
    ]:
        refused = api.call(method, path, body, role="operator")
        assert refused.status_code == 409, path
    assert state() == before


def test_creating_a_plan_with_an_idempotency_key_creates_it_once(api, shop):
    body = {"orders": [shop["anna"]], "fulfillment_date": "2026-11-25"}

    first = api.post("/plans", body, role="operator", idempotency_key="plan-1")
    second = api.post("/plans", body, role="operator", idempotency_key="plan-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert FulfillmentPlan.objects.count() == 1


def _ready(api, shop):
    """A plan of both orders with everything allocated: the 250 g bags packed from loose stock."""
    create(api, shop)
    api.call("PUT", "/plans/OF-000001/allocation", {"allocate_all": True}, role="operator")
    for number in PackagingPlan.objects.order_by("id").values_list("number", flat=True):
        api.post(f"/packaging-plans/{number}/execute", role="operator")


def test_completing_an_order_marks_its_items_picked_and_packed_and_return_reverses_it(api, shop):
    _ready(api, shop)
    before = state(), list(OrderItem.objects.order_by("id").values_list("qty_picked", "qty_packed"))

    completed = api.post(f"/plans/OF-000001/pick-list/{shop['anna']}/complete", role="operator")

    assert completed.status_code == 200
    assert [(o["number"], o["completed"]) for o in completed.json()["orders"]] == [
        (shop["anna"], True),
        (shop["cafe"], False),
    ]
    item = OrderItem.objects.get(order__number=shop["anna"])
    assert (item.qty_picked, item.qty_packed) == (4, 4)
    assert Order.objects.get(number=shop["anna"]).stage == "completed"

    returned = api.post(f"/plans/OF-000001/pick-list/{shop['anna']}/return", role="operator")

    assert returned.status_code == 200
    assert returned.json()["orders"][0]["completed"] is False
    after = state(), list(OrderItem.objects.order_by("id").values_list("qty_picked", "qty_packed"))
    assert after[0]["stages"] == before[0]["stages"]
    assert after[1] == before[1]


def test_an_order_not_fully_allocated_cannot_be_completed(api, shop):
    create(api, shop)
    api.call("PUT", "/plans/OF-000001/allocation", {"allocate_all": True}, role="operator")
    before = state()

    response = api.post(f"/plans/OF-000001/pick-list/{shop['cafe']}/complete", role="operator")

    assert response.status_code == 409
    assert "ESP-250" in error_of(response)["message"]
    assert state() == before


def test_returning_an_order_that_is_not_completed_is_refused(api, shop):
    _ready(api, shop)
    before = state()

    response = api.post(f"/plans/OF-000001/pick-list/{shop['anna']}/return", role="operator")

    assert response.status_code == 409
    assert state() == before


MY_PATHS = {
    "/api/v1/inventory": {"get"},
    "/api/v1/inventory/lots": {"get"},
    "/api/v1/inventory/ledger": {"get"},
    "/api/v1/inventory/receipts": {"post"},
    "/api/v1/inventory/adjustments": {"post"},
    "/api/v1/plans": {"get", "post"},
    "/api/v1/plans/{number}": {"get"},
    "/api/v1/plans/{number}/orders": {"post"},
    "/api/v1/plans/{number}/orders/{order}": {"delete"},
    "/api/v1/plans/{number}/cancel": {"post"},
    "/api/v1/plans/{number}/allocation": {"get", "put"},
    "/api/v1/plans/{number}/packaging-plans": {"get"},
    "/api/v1/packaging-plans/{number}": {"get", "patch"},
    "/api/v1/packaging-plans/{number}/execute": {"post"},
    "/api/v1/packaging-plans/{number}/archive": {"post"},
    "/api/v1/plans/{number}/pick-list": {"get"},
    "/api/v1/plans/{number}/pick-list/{order}/complete": {"post"},
    "/api/v1/plans/{number}/pick-list/{order}/return": {"post"},
}


def test_the_openapi_schema_lists_every_inventory_and_plan_operation(api, db):
    paths = api.client.get("/api/v1/openapi.json").json()["paths"]

    assert {path: set(paths.get(path, {})) for path in MY_PATHS} == MY_PATHS
