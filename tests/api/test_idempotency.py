"""Idempotency-Key on POST: a repeat replays the first answer and creates once; a reused key is refused."""

import threading

import pytest
from django.db import connection
from django.test import Client

from orderly.api import idempotency
from orderly.catalog.models import Product
from orderly.core.models import IdempotencyRecord
from orderly.orders.models import Address, Order
from tests.api.helpers import API, error_of, order_body, snapshot
from tests.factories import VariantFactory, address, make_order


def test_the_same_key_and_body_replay_the_first_answer_and_create_once(api, variant):
    first = api.post("/orders", order_body(), role="operator", idempotency_key="order-17")
    again = api.post("/orders", order_body(), role="operator", idempotency_key="order-17")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Order.objects.count() == 1
    assert Address.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.method, record.path, record.status_code) == ("order-17", "POST", f"{API}/orders", 201)


def test_the_same_json_spelled_differently_is_the_same_request(api, variant):
    body = order_body()
    reordered = dict(reversed(list(body.items())))

    api.post("/orders", body, role="operator", idempotency_key="k1")
    again = api.post("/orders", reordered, role="operator", idempotency_key="k1")

    assert again.status_code == 201
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(api, variant):
    api.post("/orders", order_body(), role="operator", idempotency_key="order-17")
    before = snapshot()

    response = api.post("/orders", order_body(notes="different"), role="operator", idempotency_key="order-17")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "idempotency_key_reused",
        "message": "Idempotency-Key 'order-17' was already used for a different request (POST /api/v1/orders); "
        "send a new key with a new request.",
        "field": "Idempotency-Key",
        "detail": {"key": "order-17", "method": "POST", "path": "/api/v1/orders"},
    }
    assert snapshot() == before


def test_the_same_key_on_another_endpoint_is_refused(api, variant):
    api.post("/orders", order_body(), role="operator", idempotency_key="shared")
    before = snapshot()

    response = api.post("/products", {"name": "Filter blend"}, role="admin", idempotency_key="shared")
    reused = api.post("/products", {"name": "Filter blend"}, role="operator", idempotency_key="shared")

    assert response.status_code == 201  # another user: keys are per user
    assert reused.status_code == 403
    assert (
        api.post(
            f"/orders/{Order.objects.get().number}/notes", {"text": "x"}, role="operator", idempotency_key="shared"
        ).status_code
        == 422
    )
    assert snapshot()["orders"] == before["orders"]


def test_keys_belong_to_their_user(api, variant):
    first = api.post("/orders", order_body(), role="operator", idempotency_key="same")
    second = api.post("/orders", order_body(), role="admin", idempotency_key="same")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]
    assert Order.objects.count() == 2


def test_without_a_key_each_post_creates(api, variant):
    api.post("/orders", order_body(), role="operator")
    api.post("/orders", order_body(), role="operator")

    assert Order.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_a_refused_request_stores_nothing_so_the_key_can_be_retried(api, variant):
    bad = api.post(
        "/orders", order_body(items=[{"sku": "ESP-250", "quantity": 0}]), role="operator", idempotency_key="retry-me"
    )
    assert bad.status_code == 422
    assert IdempotencyRecord.objects.count() == 0

    good = api.post("/orders", order_body(), role="operator", idempotency_key="retry-me")

    assert good.status_code == 201
    assert Order.objects.count() == 1


def test_an_action_with_a_key_is_done_once_and_replayed(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])

    first = api.post(f"/orders/{order.number}/cancel", role="operator", idempotency_key="cancel-1")
    again = api.post(f"/orders/{order.number}/cancel", role="operator", idempotency_key="cancel-1")
    unkeyed = api.post(f"/orders/{order.number}/cancel", role="operator")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert unkeyed.status_code == 409
    assert order.events.filter(kind="status_changed").count() == 1


def test_keys_work_on_the_catalog_posts(api, variant):
    body = {"sku": "ESP-1000", "name": "Espresso blend 1 kg", "package_size": "1"}
    path = f"/products/{variant.product_id}/variants"

    first = api.post(path, body, role="manager", idempotency_key="v-1")
    again = api.post(path, body, role="manager", idempotency_key="v-1")
    product = api.post("/products", {"name": "Decaf"}, role="manager", idempotency_key="p-1")
    product_again = api.post("/products", {"name": "Decaf"}, role="manager", idempotency_key="p-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert product_again.content == product.content
    assert Product.objects.filter(name="Decaf").count() == 1


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_empty_or_over_long_key_is_refused(api, variant, key):
    response = api.post("/orders", order_body(), role="operator", idempotency_key=key)

    assert response.status_code == 422
    assert error_of(response)["field"] == "Idempotency-Key"
    assert Order.objects.count() == 0


def test_a_key_taken_while_the_work_ran_rolls_the_work_back_and_replays(api, variant, monkeypatch):
    """The race, made deterministic: the first lookup misses a record another request stored meanwhile."""
    first = api.post("/orders", order_body(), role="operator", idempotency_key="raced")
    monkeypatch.setattr(idempotency, "_stored", lambda user, key: None)

    again = api.post("/orders", order_body(), role="operator", idempotency_key="raced")
    other = api.post("/orders", order_body(notes="other"), role="operator", idempotency_key="raced")

    assert again.status_code == 201
    assert again.content == first.content
    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1
    assert Address.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers with row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_once(tokens):
    VariantFactory(sku="ESP-250")
    barrier = threading.Barrier(4)
    answers = []

    def post():
        try:
            barrier.wait()
            response = Client().post(
                f"{API}/orders",
                order_body(shipping_address=address()),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {tokens['operator']}",
                HTTP_IDEMPOTENCY_KEY="together",
            )
            answers.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in answers] == [201] * 4
    assert len({content for _, content in answers}) == 1
    assert Order.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
