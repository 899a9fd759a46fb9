"""/orders/{number}/fulfillments, /fulfillments/{id}/cancel|lost and /orders/{number}/returns: roles, the flow,
bad input naming the field with nothing written, and Idempotency-Key."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderly.orders.models import Order
from orderly.shipping.models import Fulfillment, Return
from tests.api.helpers import error_of
from tests.api.test_fuzz import _put, json_values
from tests.factories import address
from tests.shipping.helpers import everything, item, order_of, receive

ROLES = {"viewer": 403, "operator": None, "manager": None, "admin": None}


@pytest.fixture
def order(variant):
    receive("ESP-250", 10)
    return order_of(("ESP-250", 3))


def fulfill(api, order, body=None, role="operator", **headers):
    return api.post(f"/orders/{order.number}/fulfillments", body if body is not None else {}, role=role, **headers)


def test_fulfilling_every_open_unit_answers_the_fulfillment(api, order):
    response = fulfill(api, order, {"carrier": "PostNL", "tracking_number": "3SABC1"})
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["order"], body["status"], body["delivery"]) == (
        "FF-000001", order.number, "fulfilled", "ship"
    )  # fmt: skip
    assert (body["carrier"], body["tracking_number"], body["pushed_at"]) == ("PostNL", "3SABC1", None)
    assert body["lines"] == [{"item": item(order).pk, "line_no": 1, "sku": "ESP-250", "quantity": 3}]
    assert body["shipping_address"]["city"] == "Amsterdam"
    assert api.get(f"/orders/{order.number}", role="viewer").json()["fulfillment_status"] == "fulfilled"


def test_partial_fulfillment_with_an_edited_address(api, order):
    body = {"items": [{"item": item(order).pk, "quantity": 1}], "shipping_address": address(city="Utrecht")}
    response = fulfill(api, order, body)
    assert response.status_code == 201
    assert response.json()["shipping_address"]["city"] == "Utrecht"
    assert api.get(f"/orders/{order.number}", role="viewer").json()["shipping_address"]["city"] == "Utrecht"
    assert Order.objects.get(pk=order.pk).fulfillment_status == "partially_fulfilled"


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_endpoint_under_every_role(api, order, role):
    fulfillment = Fulfillment.objects.get(pk=fulfill(api, order).json()["id"])
    expected_read = 401 if role is None else 200
    assert api.get(f"/orders/{order.number}/fulfillments", role=role).status_code == expected_read
    assert api.get(f"/orders/{order.number}/returns", role=role).status_code == expected_read
    denied = 401 if role is None else ROLES[role]
    ret = {"items": [{"item": item(order).pk, "quantity": 1}], "reason": "Damaged", "restock": True}
    calls = [
        (f"/fulfillments/{fulfillment.number}/lost", None, 200),
        (f"/orders/{order.number}/returns", ret, 422),  # the lost parcel's units never arrived: none to return
        (f"/orders/{order.number}/fulfillments", {}, 201),
        (f"/orders/{order.number}/returns", ret, 201),
    ]
    for path, body, ok in calls:
        response = api.post(path, body, role=role)
        assert response.status_code == (denied or ok), (path, response.content)
    if denied is None:
        second = Fulfillment.objects.exclude(pk=fulfillment.pk).get()
        response = api.post(f"/fulfillments/{second.pk}/cancel", role=role)
        assert response.status_code == 409  # its units were returned
        assert error_of(response)["code"] == "units_returned"
        assert error_of(response)["detail"] == {"fulfillment": second.number, "sku": item(order).sku, "returned": 1}


def test_cancel_by_number_or_id_and_the_refusal_names_the_state(api, order):
    number = fulfill(api, order).json()["number"]
    response = api.post(f"/fulfillments/{number}/cancel", role="operator")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["canceled_at"] is not None) == ("canceled", True)
    again = api.post(f"/fulfillments/{Fulfillment.objects.get().pk}/cancel", role="operator")
    assert again.status_code == 409
    assert "is canceled" in error_of(again)["message"]
    assert api.post("/fulfillments/FF-999999/cancel", role="operator").status_code == 404
    assert api.post(f"/fulfillments/{2**64}/lost", role="operator").status_code == 404
    assert api.get(f"/orders/{order.number}", role="viewer").json()["fulfillment_status"] == "unfulfilled"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"items": [{"item": 1, "quantity": 0}]}, 422, "items[0].quantity"),
        ({"items": [{"item": "x", "quantity": 1}]}, 422, "items[0].item"),
        ({"items": [{"item": 1}]}, 422, "items[0].quantity"),
        ({"items": []}, 422, "items"),
        ({"carrier": "x" * 101}, 422, "carrier"),
        ({"shipping_address": address(country="ZZ")}, 422, "shipping_address.country"),
        ({"shipping_address": {"name": "A"}}, 422, "shipping_address.line1"),
        ({"colour": "red"}, 422, "colour"),
        ({"items": [{"item": 999999, "quantity": 1}]}, 422, "items[0].item"),
        ({"items": [{"item": "ITEM", "quantity": 4}]}, 422, "items[0].quantity"),
    ],
)
def test_bad_fulfillment_input_is_refused_naming_the_field_and_writes_nothing(api, order, body, status, field):
    if body.get("items") and body["items"][0].get("item") == "ITEM":
        body = {"items": [{"item": item(order).pk, "quantity": 4}]}
    before = everything()
    response = fulfill(api, order, body)
    assert response.status_code == status, response.content
    assert error_of(response)["field"] == field
    assert everything() == before


def test_not_enough_stock_is_a_conflict_naming_the_sku(api, variant):
    receive("ESP-250", 1)
    order = order_of(("ESP-250", 2))
    before = everything()
    response = fulfill(api, order)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "insufficient_stock"
    assert error["message"] == "Not enough stock of ESP-250: 2 needed, 1 available (0 held for the item)."
    assert everything() == before


def test_a_draft_order_is_refused_and_an_unknown_one_is_404(api, variant):
    draft = order_of(("ESP-250", 1), status="draft")
    response = fulfill(api, draft)
    assert response.status_code == 409
    assert "draft" in error_of(response)["message"]
    assert api.post("/orders/OR-999999/fulfillments", {}, role="operator").status_code == 404
    assert api.get("/orders/OR-999999/returns", role="viewer").status_code == 404


def test_malformed_json_is_400(api, order):
    response = api.post(f"/orders/{order.number}/fulfillments", b"{not json", role="operator")
    assert response.status_code == 400
    assert not Fulfillment.objects.exists()


def test_return_flow_and_bad_returns(api, order):
    fulfill(api, order)
    bad = api.post(
        f"/orders/{order.number}/returns", {"items": [{"item": item(order).pk, "quantity": 1}], "reason": "x"}
    )
    assert bad.status_code == 422 and error_of(bad)["field"] == "restock"
    blank = {"items": [{"item": item(order).pk, "quantity": 1}], "reason": " ", "restock": False}
    response = api.post(f"/orders/{order.number}/returns", blank, role="operator")
    assert response.status_code == 422 and error_of(response)["field"] == "reason"
    too_many = {"items": [{"item": item(order).pk, "quantity": 4}], "reason": "Damaged", "restock": False}
    response = api.post(f"/orders/{order.number}/returns", too_many, role="operator")
    assert response.status_code == 422 and error_of(response)["field"] == "items[0].quantity"
    assert not Return.objects.exists()
    good = {"items": [{"item": item(order).pk, "quantity": 2}], "reason": "Damaged", "restock": True}
    response = api.post(f"/orders/{order.number}/returns", good, role="operator")
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["restock"], body["credit_note"]) == ("RT-000001", True, None)
    assert body["lines"][0]["quantity"] == 2 and body["lines"][0]["lot"].startswith("LOT-")
    listed = api.get(f"/orders/{order.number}/returns", role="viewer").json()["items"]
    assert [r["number"] for r in listed] == ["RT-000001"]


def test_idempotency_key_replays_the_first_answer(api, order):
    body = {"items": [{"item": item(order).pk, "quantity": 1}]}
    first = fulfill(api, order, body, idempotency_key="ff-1")
    second = fulfill(api, order, body, idempotency_key="ff-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert Fulfillment.objects.count() == 1
    other = fulfill(api, order, {"items": [{"item": item(order).pk, "quantity": 2}]}, idempotency_key="ff-1")
    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_key_reused"
    cancel = [api.post("/fulfillments/FF-000001/cancel", role="operator", idempotency_key="c-1") for _ in range(2)]
    assert [r.status_code for r in cancel] == [200, 200]
    assert cancel[1]["Idempotent-Replayed"] == "true"


def test_openapi_lists_the_shipping_operations(api):
    paths = api.client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/orders/{number}/fulfillments"]) == {"get", "post"}
    assert set(paths["/api/v1/orders/{number}/returns"]) == {"get", "post"}
    assert "post" in paths["/api/v1/fulfillments/{fulfillment}/cancel"]
    assert "post" in paths["/api/v1/fulfillments/{fulfillment}/lost"]
    responses = paths["/api/v1/orders/{number}/fulfillments"]["post"]["responses"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(responses)


# ---- random input never answers 5xx nor writes anything it should not ------------------------------------------

FULFILL_PATHS = [(), ("items",), ("items", 0), ("items", 0, "item"), ("items", 0, "quantity"), ("carrier",),
                 ("tracking_number",), ("shipping_address",), ("shipping_address", "country")]  # fmt: skip
RETURN_PATHS = [(), ("items",), ("items", 0, "item"), ("items", 0, "quantity"), ("reason",), ("restock",)]


def _fuzz_answer(response):
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        error_of(response)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(FULFILL_PATHS), value=json_values)
def test_random_values_in_a_fulfillment(api, order, path, value):
    body = {"items": [{"item": item(order).pk, "quantity": 1}], "carrier": "PostNL", "shipping_address": address()}
    response = fulfill(api, order, _put(body, path, value))
    _fuzz_answer(response)
    if response.status_code == 201:
        api.post(f"/fulfillments/{response.json()['number']}/cancel", role="operator")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(RETURN_PATHS), value=json_values)
def test_random_values_in_a_return(api, order, path, value):
    body = {"items": [{"item": item(order).pk, "quantity": 1}], "reason": "Damaged", "restock": True}
    _fuzz_answer(api.post(f"/orders/{order.number}/returns", _put(body, path, value), role="operator"))


def test_lists_run_a_fixed_number_of_queries(api, order):
    api.get(f"/orders/{order.number}", role="viewer")  # the token's first use is recorded once

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path, role="viewer").status_code == 200
        return len(queries)

    fulfill(api, order, {"items": [{"item": item(order).pk, "quantity": 1}]})
    api.post(f"/orders/{order.number}/returns", {"items": [{"item": item(order).pk, "quantity": 1}], "reason": "x",
                                                  "restock": True}, role="operator")  # fmt: skip
    one = (count(f"/orders/{order.number}/fulfillments"), count(f"/orders/{order.number}/returns"))
    fulfill(api, order)
    api.post("/fulfillments/FF-000002/lost", role="operator")
    fulfill(api, order)
    api.post(f"/orders/{order.number}/returns", {"items": [{"item": item(order).pk, "quantity": 2}], "reason": "x",
                                                  "restock": False}, role="operator")  # fmt: skip
    assert (count(f"/orders/{order.number}/fulfillments"), count(f"/orders/{order.number}/returns")) == one
