"""The token is checked before anything reads the request: an anonymous caller gets 401 (a role too low 403) without
its body, query or path being parsed or validated. Timing-independent: the parsers are replaced by spies that fail
the test when called."""

import json

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from ninja.operation import Operation

from orderly.api import guards
from orderly.api.auth import is_public
from orderly.api.v1 import api as ninja_api
from tests.api.helpers import API, error_of, order_body

# Operations that take no token, by URL name: each proves itself otherwise (a webhook by its signature).
PUBLIC_OPERATIONS = {"channel_webhook", "carrier_webhook"}


class Spy:
    """Stands in for a parser: records each call, then hands it to the real one."""

    def __init__(self, real):
        self.real = real
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def parsers(monkeypatch):
    """Spies on everything that would read or validate a request: ninja's parsing and validation of the
    operation's parameters and body, the input guards, and the request body itself."""
    spies = {
        "validate": Spy(Operation._get_values),
        "guards": Spy(guards._problem),
        "body": Spy(WSGIRequest.body.fget),
    }
    validate, guard, body = spies["validate"], spies["guards"], spies["body"]
    monkeypatch.setattr(Operation, "_get_values", lambda self, *a, **kw: validate(self, *a, **kw))
    monkeypatch.setattr(guards, "_problem", guard)
    monkeypatch.setattr(WSGIRequest, "body", property(lambda request: body(request)))
    return spies


def big_order_body() -> bytes:
    """A 2.4 MB order: thousands of lines, each with a long note, that would take seconds to validate."""
    body = order_body(items=[{"sku": "ESP-250", "quantity": 1, "unit_price": "8.50"}] * 12_000)
    body["notes"] = "x" * 1_750_000
    data = json.dumps(body).encode()
    assert 2_400_000 < len(data) < 2_500_000  # under the limit of a body Django takes
    return data


def calls(spies) -> dict[str, int]:
    return {name: spy.calls for name, spy in spies.items()}


NOTHING_READ = {"validate": 0, "guards": 0, "body": 0}


def test_every_operation_needs_a_token_unless_it_is_marked_public():
    operations = [
        (operation, route)
        for router in ninja_api._get_bound_routers()
        for route, path_view in router.path_operations.items()
        for operation in path_view.operations
    ]
    assert len(operations) > 80
    public = {operation.url_name for operation, _ in operations if is_public(operation)}
    assert public == PUBLIC_OPERATIONS
    for operation, route in operations:
        # A public operation declares no auth (its own proof); every other one names the role it needs.
        assert bool(operation.auth_callbacks) != is_public(operation), (route, operation.methods)


def test_an_anonymous_large_body_is_refused_with_401_before_it_is_read(api, variant, parsers):
    response = api.client.post(f"{API}/orders", data=big_order_body(), content_type="application/json")

    assert error_of(response)["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="orderly"'
    assert calls(parsers) == NOTHING_READ


def test_a_bad_token_with_a_large_body_is_refused_with_401_before_it_is_read(api, variant, parsers):
    response = api.post("/orders", big_order_body(), token="ord_not-a-real-token")

    assert error_of(response)["code"] == "unauthenticated"
    assert calls(parsers) == NOTHING_READ


def test_a_nul_in_the_query_of_an_anonymous_request_gets_401_not_422(api, parsers):
    response = api.get("/orders?search=%00", role=None)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert calls(parsers) == NOTHING_READ


def test_a_nul_in_the_path_of_an_anonymous_request_gets_401(api, parsers):
    response = api.get("/orders/OR-%00", role=None)

    assert error_of(response)["code"] == "unauthenticated"
    assert calls(parsers) == NOTHING_READ


def test_a_role_too_low_is_refused_with_403_before_the_body_is_read(api, variant, parsers):
    response = api.post("/orders", big_order_body(), role="viewer")

    error = error_of(response)
    assert (error["code"], error["detail"]) == ("forbidden", {"role": "viewer", "required_role": "operator"})
    assert calls(parsers) == NOTHING_READ


def test_with_a_valid_token_the_input_is_still_checked(api, parsers):
    response = api.get("/orders?search=%00", role="viewer")

    error = error_of(response)
    assert (error["code"], error["field"]) == ("invalid", "search")
    assert parsers["guards"].calls == 1


def test_a_valid_token_reaches_the_operation_with_one_token_lookup(api, variant):
    # The rate limits, the gate and the operation's auth share one lookup of the token.
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/orders", role="viewer")
    assert response.status_code == 200
    lookups = [query for query in queries.captured_queries if "key_hash" in query["sql"]]
    assert len(lookups) == 1


def test_a_public_operation_is_reached_without_a_token(api, parsers):
    # The webhook takes no token: an unknown channel is its own 404, not a 401.
    response = api.client.post(f"{API}/channels/999999/webhook", data=b"{}", content_type="application/json")

    error = error_of(response)
    assert (error["code"], error["detail"]) == ("not_found", {"resource": "channel", "key": 999999})
    assert parsers["validate"].calls == 1


ODD_PATHS = [
    "/api",
    "/api/",
    "/api/v2/orders",
    "/api/%ff",
    "/api/v1/%ff%fe",
    "/api/v1/%E2%80%AE",
    "/api/v1/orders/a%2Fb",
    "/api/v1/orders/OR-1/../../",
    "/api/v1//orders",
    "/api/v1/orders/%00",
    "/api/v1/orders/%C0%AF",
    "/api/v1/orders/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/api/v1/orders/" + "x" * 5000,
    "/api/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/docs/%0d%0aSet-Cookie:%20a=b",
]


@pytest.mark.parametrize("path", ODD_PATHS)
@pytest.mark.parametrize("role", [None, "viewer"])
def test_odd_paths_under_api_answer_the_json_error_shape(api, path, role):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.tokens[role]}"} if role else {}
    for method in ("get", "post", "delete"):
        response = getattr(api.client, method)(path, **headers)

        assert response["Content-Type"] == "application/json", (method, path, response.content[:200])
        assert 400 <= response.status_code < 500
        error_of(response)  # the one shape, with its code's status and detail keys


def test_a_host_django_refuses_under_api_answers_the_json_error_shape(db):
    response = Client(raise_request_exception=False).get(f"{API}/orders", HTTP_HOST="evil.example")

    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "bad_request"
