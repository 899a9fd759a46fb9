"""The whole error body, exactly, for a refusal of each kind: stock short, an illegal transition, an archived order,
something not found, bad input naming its field, and who may not; each changes nothing."""

from orderly.core.actors import Actor
from orderly.orders.services import order_archive, order_close
from tests.api.helpers import error_of, order_body, snapshot
from tests.shipping.helpers import everything, item, order_of, receive

SYSTEM = Actor.system()


def test_stock_short_names_the_sku_and_how_many_were_needed_and_available(api, variant):
    receive("ESP-250", 3)
    order = order_of(("ESP-250", 5))
    before = everything()

    response = api.post(f"/orders/{order.number}/fulfillments", {}, role="operator")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "insufficient_stock",
        "message": "Not enough stock of ESP-250: 5 needed, 3 available (0 held for the item).",
        "field": None,
        "detail": {"sku": "ESP-250", "needed": "5", "available": "3"},
    }
    assert everything() == before


def test_an_illegal_transition_names_the_current_and_the_attempted_state(api, variant):
    order = order_close(order=order_of(("ESP-250", 1)), actor=SYSTEM)
    before = snapshot()

    response = api.post(f"/orders/{order.number}/cancel", role="operator")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "transition_not_allowed",
        "message": f"Cannot cancel: order {order.number} is closed, and closed → canceled is not allowed.",
        "field": None,
        "detail": {"resource": "order", "key": order.number, "current": "closed", "attempted": "canceled"},
    }
    assert snapshot() == before


def test_an_archived_order_names_the_order_and_the_refused_action(api, variant):
    receive("ESP-250", 3)
    order = order_archive(order=order_of(("ESP-250", 1)), actor=SYSTEM)
    before = everything()

    fulfilling = api.post(f"/orders/{order.number}/fulfillments", {}, role="operator")
    returning = api.post(
        f"/orders/{order.number}/returns",
        {"items": [{"item": item(order).pk, "quantity": 1}], "reason": "Damaged", "restock": True},
        role="operator",
    )

    assert error_of(fulfilling) == {
        "code": "order_archived",
        "message": f"Order {order.number} is archived; unarchive it before fulfilling it.",
        "field": None,
        "detail": {"order": order.number, "action": "fulfill"},
    }
    assert error_of(returning) == {
        "code": "order_archived",
        "message": f"Order {order.number} is archived; unarchive it before registering a return.",
        "field": None,
        "detail": {"order": order.number, "action": "return"},
    }
    assert everything() == before


def test_something_not_found_names_what_and_which(api, db):
    response = api.post("/plans/OF-999999/cancel", role="operator")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "No fulfillment plan 'OF-999999'.",
        "field": "plan",
        "detail": {"resource": "plan", "key": "OF-999999"},
    }


def test_bad_input_names_its_field_whether_the_schema_or_the_service_refuses_it(api, variant):
    before = snapshot()
    too_few = order_body(items=[{"sku": "ESP-250", "quantity": 0}])
    no_customer = {key: value for key, value in order_body().items() if key != "customer"}

    by_the_service = api.post("/orders", too_few, role="operator")
    by_the_schema = api.post("/orders", no_customer, role="operator")

    assert by_the_service.status_code == 422
    assert error_of(by_the_service) == {
        "code": "invalid",
        "message": "items[0].quantity must be greater than zero.",
        "field": "items[0].quantity",
        "detail": {},
    }
    assert error_of(by_the_schema) == {
        "code": "required",
        "message": "customer is required.",
        "field": "customer",
        "detail": {},
    }
    assert snapshot() == before


def test_a_quantity_beyond_what_is_left_names_the_sku_and_the_most_allowed(api, variant):
    receive("ESP-250", 3)
    order = order_of(("ESP-250", 2))
    before = everything()

    response = api.post(
        f"/orders/{order.number}/fulfillments", {"items": [{"item": item(order).pk, "quantity": 3}]}, role="operator"
    )

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "quantity_exceeds",
        "message": "items[0].quantity: 3 of ESP-250 asked, but only 2 of 2 are open (0 fulfilled, 0 canceled).",
        "field": "items[0].quantity",
        "detail": {"sku": "ESP-250", "requested": 3, "allowed": 2},
    }
    assert everything() == before


def test_who_may_not_is_told_what_role_it_needs(api, variant):
    before = snapshot()

    forbidden = api.post("/orders", order_body(), role="viewer")
    anonymous = api.post("/orders", order_body(), role=None)

    assert forbidden.status_code == 403
    assert error_of(forbidden) == {
        "code": "forbidden",
        "message": "Your role (viewer) may not change orders; this needs operator or above.",
        "field": None,
        "detail": {"role": "viewer", "required_role": "operator"},
    }
    assert anonymous.status_code == 401
    assert error_of(anonymous) == {
        "code": "unauthenticated",
        "message": "A valid API token is required: send the header 'Authorization: Bearer <token>'.",
        "field": None,
        "detail": {},
    }
    assert snapshot() == before


def test_an_unserved_method_lists_those_the_path_takes(api, db):
    response = api.call("PUT", "/plans")

    assert response.status_code == 405
    assert error_of(response) == {
        "code": "method_not_allowed",
        "message": "PUT is not allowed here; use GET, POST.",
        "field": None,
        "detail": {"method": "PUT", "allowed": ["GET", "POST"]},
    }
