"""API rate limits: per token, and per client address for requests without a valid token; 429 with Retry-After in
the one error shape, before the request is read."""

import datetime as dt

import pytest
from django.utils import timezone

from orderly.core import ratelimit
from orderly.core.models import ApiRateWindow
from tests.api.helpers import API, error_of
from tests.api.test_auth_first import NOTHING_READ, big_order_body, calls, parsers  # noqa: F401 (a fixture)

# 12:00:17 UTC: 17 s into a 60 s window, so 43 s are left of it.
NOW = dt.datetime(2026, 3, 2, 12, 0, 17, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    """The time the rate limits see, moved by hand."""
    now = {"at": NOW}
    monkeypatch.setattr(ratelimit.timezone, "now", lambda: now["at"])
    return now


@pytest.fixture
def limits(settings):
    def set_limits(*, token=0, address=0, window=60):
        settings.ORDERLY_API_RATE_TOKEN = token
        settings.ORDERLY_API_RATE_ADDRESS = address
        settings.ORDERLY_API_RATE_WINDOW = window

    return set_limits


def test_a_token_past_its_limit_gets_429_with_retry_after(api, limits, clock):
    limits(token=3)

    answers = [api.get("/orders", role="viewer").status_code for _ in range(3)]
    refused = api.get("/orders", role="viewer")

    assert answers == [200, 200, 200]
    error = error_of(refused)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "43"
    assert error == {
        "code": "rate_limited",
        "message": "Too many requests from this API token: at most 3 every 60 s; retry in 43 s.",
        "field": None,
        "detail": {"scope": "token", "limit": 3, "window_seconds": 60, "retry_after": 43},
    }


def test_each_token_has_its_own_count(api, limits, clock):
    limits(token=2)
    for _ in range(2):
        api.get("/orders", role="viewer")

    assert api.get("/orders", role="viewer").status_code == 429
    assert api.get("/orders", role="operator").status_code == 200


def test_the_count_starts_again_with_the_next_window(api, limits, clock):
    limits(token=1)
    assert api.get("/orders", role="viewer").status_code == 200
    clock["at"] = NOW + dt.timedelta(seconds=42)
    assert api.get("/orders", role="viewer")["Retry-After"] == "1"

    clock["at"] = NOW + dt.timedelta(seconds=43)  # 12:01:00, a new window

    assert api.get("/orders", role="viewer").status_code == 200
    assert api.get("/orders", role="viewer").status_code == 429


def test_requests_without_a_valid_token_are_limited_per_address(api, limits, clock):
    limits(address=3)

    answers = [
        api.get("/orders", role=None).status_code,
        api.get("/orders", token="ord_guess-1").status_code,
        api.get("/orders", token="ord_guess-2").status_code,
    ]
    refused = api.get("/orders", token="ord_guess-3")

    assert answers == [401, 401, 401]
    assert error_of(refused)["detail"] == {"scope": "address", "limit": 3, "window_seconds": 60, "retry_after": 43}
    assert refused["Retry-After"] == "43"
    # A valid token is counted by token, not by the address that is out of guesses.
    assert api.get("/orders", role="viewer").status_code == 200
    assert set(ApiRateWindow.objects.values_list("scope", "key", "count")) == {("address", "127.0.0.1", 4)}


def test_behind_a_proxy_each_client_address_has_its_own_count(api, limits, clock, settings):
    limits(address=1)
    settings.ORDERLY_PROXY_HOPS = 1

    first = api.get("/orders", role=None, x_forwarded_for="203.0.113.7")
    second = api.get("/orders", role=None, x_forwarded_for="203.0.113.7")
    other = api.get("/orders", role=None, x_forwarded_for="198.51.100.2")

    assert [first.status_code, second.status_code, other.status_code] == [401, 429, 401]


def test_the_webhooks_and_the_docs_count_by_address(api, limits, clock):
    limits(address=2)

    webhook = api.client.post(f"{API}/channels/999999/webhook", data=b"{}", content_type="application/json")
    index = api.client.get(f"{API}/")
    refused = api.client.get(f"{API}/openapi.json")

    assert [webhook.status_code, index.status_code, refused.status_code] == [404, 200, 429]
    assert error_of(refused)["code"] == "rate_limited"


def test_a_limited_request_is_refused_before_it_is_read(api, variant, limits, clock, parsers):  # noqa: F811
    limits(address=1)
    api.get("/orders", role=None)

    refused = api.post("/orders", big_order_body(), role=None)

    assert error_of(refused)["code"] == "rate_limited"
    assert calls(parsers) == NOTHING_READ


def test_with_no_limits_nothing_is_counted_or_written(api, limits):
    limits(token=0, address=0)

    answers = {api.get("/orders", role=role).status_code for role in ("viewer", None) for _ in range(5)}

    assert answers == {200, 401}
    assert ApiRateWindow.objects.count() == 0


def test_by_default_tokens_are_not_limited_and_addresses_generously(settings):
    assert (settings.ORDERLY_API_RATE_TOKEN, settings.ORDERLY_API_RATE_ADDRESS) == (0, 600)
    assert settings.ORDERLY_API_RATE_WINDOW == 60


def test_pages_outside_the_api_are_not_counted(client, db, limits):
    limits(address=1)

    assert [client.get("/login/").status_code for _ in range(3)] == [200, 200, 200]
    assert ApiRateWindow.objects.count() == 0


def test_windows_are_aligned_so_every_process_agrees():
    assert ratelimit.window_start(NOW, 60) == dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    assert ratelimit.window_start(NOW, 3600) == dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    assert ratelimit.window_start(NOW, 7) == dt.datetime(2026, 3, 2, 12, 0, 15, tzinfo=dt.UTC)  # epoch multiple of 7


def test_rows_of_keys_not_seen_for_a_window_are_cleared(db):
    ratelimit.rate_hit(scope="address", key="192.0.2.1", limit=5, window_seconds=60, now=NOW)
    later = NOW + dt.timedelta(minutes=3)

    ratelimit.rate_hit(scope="address", key="192.0.2.2", limit=5, window_seconds=60, now=later)

    assert list(ApiRateWindow.objects.values_list("key", "count")) == [("192.0.2.2", 1)]
    assert ApiRateWindow.objects.get().window_start == ratelimit.window_start(later, 60)
    assert timezone.is_aware(ApiRateWindow.objects.get().window_start)
