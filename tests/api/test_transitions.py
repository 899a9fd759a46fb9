"""Every lifecycle action over the API, where the order's state allows it and where it does not."""

import pytest

from orderly.catalog.models import Variant
from orderly.core.actors import Actor
from orderly.orders.models import Order
from orderly.orders.rules import allowed_actions
from orderly.orders.services import order_archive, order_cancel, order_close, order_set_stage
from tests.api.helpers import error_of, snapshot
from tests.factories import VariantFactory, make_order

SYSTEM = Actor.system()


def _order(state: str) -> Order:
    """An order in one of the named states."""
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}], status="draft" if state == "draft" else "open")
    if state == "canceled":
        order = order_cancel(order=order, actor=SYSTEM)
    elif state == "closed":
        order = order_close(order=order, actor=SYSTEM)
    elif state == "in_progress":
        order = order_set_stage(order=order, stage="in_progress", actor=SYSTEM)
    elif state.startswith("archived"):
        order = order_archive(order=order, actor=SYSTEM)
    return order


@pytest.mark.parametrize(
    ("state", "action", "status", "archived"),
    [
        ("draft", "open", "open", False),
        ("draft", "cancel", "canceled", False),
        ("open", "cancel", "canceled", False),
        ("draft", "archive", "draft", True),
        ("open", "archive", "open", True),
        ("canceled", "archive", "canceled", True),
        ("closed", "archive", "closed", True),
        ("archived", "unarchive", "open", False),
        ("draft", "reset", "draft", False),
        ("open", "reset", "open", False),
    ],
)
def test_an_allowed_action_answers_200_with_the_changed_order(api, variant, state, action, status, archived):
    order = _order(state)

    response = api.post(f"/orders/{order.number}/{action}", role="operator")

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["archived"]) == (status, archived)
    order.refresh_from_db()
    assert (order.status, order.is_archived) == (status, archived)
    assert data["allowed_actions"] == allowed_actions(order)


def test_open_and_cancel_are_on_the_timeline_and_items_follow(api, variant):
    order = _order("draft")

    api.post(f"/orders/{order.number}/open", role="operator")
    api.post(f"/orders/{order.number}/cancel", role="operator")

    events = api.get(f"/orders/{order.number}/timeline", role="viewer").json()["items"]
    item = order.items.get()
    canceled = {"item": item.pk, "sku": item.sku, "what": "canceled", "quantity": item.quantity}
    assert [(e["kind"], e["data"]) for e in events[:3]] == [
        ("status_changed", {"before": "open", "after": "canceled"}),
        ("items_canceled", {"reason": "the order is canceled.", "lines": [canceled]}),
        ("status_changed", {"before": "draft", "after": "open"}),
    ]
    assert list(order.items.values_list("status", "qty_canceled")) == [("canceled", item.quantity)]


@pytest.mark.parametrize(
    ("state", "action", "code", "words"),
    [
        ("open", "open", "transition_not_allowed", ["open → open"]),
        ("canceled", "open", "transition_not_allowed", ["canceled → open"]),
        ("closed", "open", "order_locked", ["closed", "open"]),
        ("archived", "open", "order_archived", ["archived"]),
        ("canceled", "cancel", "transition_not_allowed", ["canceled → canceled"]),
        ("closed", "cancel", "transition_not_allowed", ["closed → canceled"]),
        ("in_progress", "cancel", "order_locked", ["cancel", "in progress"]),
        ("archived", "cancel", "order_archived", ["archived"]),
        ("archived", "archive", "order_archived", ["already archived"]),
        ("open", "unarchive", "order_not_archived", ["not archived"]),
        ("canceled", "reset", "order_locked", ["canceled"]),
        ("closed", "reset", "order_locked", ["closed"]),
        ("archived", "reset", "order_archived", ["archived"]),
    ],
)
def test_a_refused_action_answers_409_naming_the_state_and_changes_nothing(api, variant, state, action, code, words):
    order = _order(state)
    before = snapshot()

    response = api.post(f"/orders/{order.number}/{action}", role="operator")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == code
    assert order.number in error["message"]
    for word in words:
        assert word in error["message"]
    assert snapshot() == before


def test_delete_of_an_order_in_progress_answers_409_and_changes_nothing(api, variant):
    order = _order("in_progress")
    before = snapshot()

    response = api.delete(f"/orders/{order.number}", role="operator")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "order_locked",
        "message": f"Order {order.number} is in progress; take it out of its plan before deleting it.",
        "field": None,
        "detail": {"order": order.number, "action": "delete", "status": "open", "stage": "in_progress"},
    }
    assert snapshot() == before


@pytest.mark.parametrize("state", ["canceled", "closed"])
def test_edit_of_a_finished_order_answers_409_and_changes_nothing(api, variant, state):
    order = _order(state)
    before = snapshot()

    response = api.patch(f"/orders/{order.number}", {"notes": "late"}, role="operator")

    assert response.status_code == 409
    assert error_of(response)["message"] == (
        f"Order {order.number} is {state}; only draft and open orders can be edited."
    )
    assert snapshot() == before


def test_reset_clears_an_error_once_its_cause_is_fixed(api, db):
    order = make_order(items=[{"sku": "NEW-250", "quantity": 1, "unit_price": "5"}], strict=False)
    assert api.get(f"/orders/{order.number}", role="viewer").json()["error"]["code"] == "unknown_sku"
    VariantFactory(sku="NEW-250")

    response = api.post(f"/orders/{order.number}/reset", role="operator")

    assert response.status_code == 200
    assert response.json()["error"] is None
    assert response.json()["items"][0]["variant_id"] == Variant.objects.get(sku="NEW-250").id
    kinds = [e["kind"] for e in api.get(f"/orders/{order.number}/timeline", role="viewer").json()["items"]]
    assert kinds[:2] == ["reset", "error_cleared"]  # newest first: the reset is recorded once its checks ran


def test_an_action_on_an_unknown_order_answers_404(api, db):
    response = api.post("/orders/OR-000404/open", role="operator")

    assert response.status_code == 404
    assert error_of(response)["detail"] == {"resource": "order", "key": "OR-000404"}


def test_an_unknown_action_answers_404(api, variant):
    order = _order("open")

    response = api.post(f"/orders/{order.number}/close", role="operator")

    assert response.status_code == 404
    assert error_of(response)["code"] == "unknown_endpoint"
