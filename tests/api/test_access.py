"""Every endpoint under every role: 401 without a valid token, 403 below the role it needs, success at or above it."""

import datetime as dt

import pytest
from django.utils import timezone

from orderly.core.actors import Actor
from orderly.core.models import ApiToken
from orderly.core.roles import ROLE_RANK, Role
from orderly.orders.services import order_archive
from tests.api.helpers import error_of, order_body, snapshot
from tests.factories import make_order

ROLES = ["viewer", "operator", "manager", "admin"]

# method, path (with {draft}, {open}, {archived}, {product}, {sku}), least role, body, success status
ENDPOINTS = [
    ("GET", "/orders", "viewer", None, 200),
    ("POST", "/orders", "operator", order_body(), 201),
    ("GET", "/orders/{open}", "viewer", None, 200),
    ("PATCH", "/orders/{open}", "operator", {"notes": "Ring twice"}, 200),
    ("DELETE", "/orders/{open}", "operator", None, 204),
    ("POST", "/orders/{draft}/open", "operator", None, 200),
    ("POST", "/orders/{open}/cancel", "operator", None, 200),
    ("POST", "/orders/{open}/archive", "operator", None, 200),
    ("POST", "/orders/{archived}/unarchive", "operator", None, 200),
    ("POST", "/orders/{open}/reset", "operator", None, 200),
    ("POST", "/orders/{open}/notes", "operator", {"text": "Called the customer"}, 200),
    ("GET", "/orders/{open}/timeline", "viewer", None, 200),
    ("GET", "/products", "viewer", None, 200),
    (
        "POST",
        "/products",
        "manager",
        {
            "name": "Filter blend",
            "variants": [{"sku": "FIL-250", "name": "Filter blend 250 g", "package_size": "0.25"}],
        },
        201,
    ),
    ("GET", "/products/{product}", "viewer", None, 200),
    ("PATCH", "/products/{product}", "manager", {"description": "Dark and sweet"}, 200),
    (
        "POST",
        "/products/{product}/variants",
        "manager",
        {"sku": "ESP-1000", "name": "Espresso blend 1 kg", "package_size": "1"},
        201,
    ),
    ("GET", "/variants/{sku}", "viewer", None, 200),
    ("PATCH", "/variants/{sku}", "manager", {"name": "Espresso 250 g bag"}, 200),
]
ENDPOINT_IDS = [f"{method} {path}" for method, path, *_ in ENDPOINTS]


@pytest.fixture
def world(variant):
    """A draft, an open and an archived order of ESP-250; path values by name."""
    items = [{"sku": variant.sku, "quantity": 1}]
    draft = make_order(items=items, status="draft")
    open_ = make_order(items=items)
    archived = order_archive(order=make_order(items=items), actor=Actor.system())
    return {
        "draft": draft.number,
        "open": open_.number,
        "archived": archived.number,
        "product": variant.product_id,
        "sku": variant.sku,
    }


@pytest.mark.parametrize(("method", "path", "least", "body", "success"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_without_a_token_every_endpoint_answers_401_and_changes_nothing(api, world, method, path, least, body, success):
    before = snapshot()

    response = api.call(method, path.format(**world), body, role=None)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


@pytest.mark.parametrize("token", ["ord_not-a-real-token", "", "x" * 1000])
@pytest.mark.parametrize(("method", "path", "least", "body", "success"), ENDPOINTS[:2], ids=ENDPOINT_IDS[:2])
def test_an_unknown_token_answers_401(api, world, method, path, least, body, success, token):
    before = snapshot()

    response = api.call(method, path.format(**world), body, token=token or " ")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "least", "body", "success"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_each_role_may_do_exactly_what_it_is_allowed(api, world, method, path, least, body, success, role):
    before = snapshot()

    response = api.call(method, path.format(**world), body, role=role)

    if ROLE_RANK[Role(role)] >= ROLE_RANK[Role(least)]:
        assert response.status_code == success, response.content
    else:
        assert response.status_code == 403
        error = error_of(response)
        assert error["code"] == "forbidden"
        assert error["message"] == (
            f"Your role ({role}) may not "
            f"{'change orders' if least == 'operator' else 'change the catalog'}; this needs {least} or above."
        )
        assert snapshot() == before


def test_a_revoked_token_answers_401(api, world, users, tokens):
    ApiToken.objects.filter(user=users["admin"]).update(revoked_at=timezone.now())

    response = api.get("/orders", role="admin")

    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_answers_401(api, world, users):
    users["operator"].is_active = False
    users["operator"].save()

    response = api.get("/orders", role="operator")

    assert response.status_code == 401


def test_a_token_needs_the_bearer_scheme(api, world, tokens):
    response = api.client.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Token {tokens['admin']}")

    assert response.status_code == 401


def test_last_used_at_is_recorded_at_most_once_a_minute(api, world, users):
    token = ApiToken.objects.get(user=users["viewer"])
    assert token.last_used_at is None

    api.get("/orders", role="viewer")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    api.get("/orders", role="viewer")
    second = ApiToken.objects.get(pk=token.pk).last_used_at
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(seconds=61))
    api.get("/orders", role="viewer")
    third = ApiToken.objects.get(pk=token.pk).last_used_at

    assert first is not None
    assert second == first
    assert third > first


def test_a_superuser_of_any_role_may_do_everything(api, world, users):
    users["viewer"].is_superuser = True
    users["viewer"].save()

    response = api.patch(f"/variants/{world['sku']}", {"name": "Espresso 250 g bag"}, role="viewer")

    assert response.status_code == 200
    assert response.json()["name"] == "Espresso 250 g bag"
