"""API: synchronizing channels and single orders against a loopback Shopify, and the sync log, by role."""

import pytest

from orderly.channels.models import SyncRun
from orderly.channels.services import channel_create
from orderly.orders.models import Order
from tests.api.helpers import error_of
from tests.channels.fake_shops import FakeShopify, shopify_order
from tests.factories import VariantFactory, make_order
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    import httpx

    from orderly.channels.connectors.base import BaseConnector

    monkeypatch.setattr(BaseConnector, "backoff_base", 0.001)
    monkeypatch.setattr(BaseConnector, "timeout", httpx.Timeout(0.5))


def worked(api, channel, run: dict) -> dict:
    """What the sync log says of a queued run once the worker has run the queue (as `orderly worker` would)."""
    assert run["status"] == "queued", run
    run_queued_tasks()
    log = api.get(f"/channels/{channel.id}/runs", role="viewer").json()["items"]
    return next(entry for entry in log if entry["id"] == run["id"])


@pytest.fixture
def shop_server():
    with FakeShopify(lifetime=60) as shop:
        yield shop


@pytest.fixture
def shopify(db, shop_server):
    VariantFactory(sku="ESP-250")
    return channel_create(
        name="Roastery Shopify",
        kind="shopify",
        settings={"base_url": shop_server.base_url},
        credentials={"access_token": FakeShopify.token, "webhook_secret": "shh-shopify-secret"},
    )


def test_sync_a_channel_imports_its_orders_and_logs_the_run(api, shopify, shop_server):
    shop_server.add(*(shopify_order(n) for n in range(1, 4)))
    response = api.post(f"/channels/{shopify.id}/sync", role="operator")
    assert response.status_code == 202, response.content
    run = worked(api, shopify, response.json())
    assert (run["kind"], run["status"], run["trigger"]) == ("channel", "succeeded", "operator")
    assert (run["imported"], run["updated"], run["skipped"], run["failed"]) == (3, 0, 0, 0)
    assert run["failures"] == []
    assert run["finished_at"] is not None
    assert Order.objects.filter(channel=shopify).count() == 3
    log = api.get(f"/channels/{shopify.id}/runs", role="viewer").json()
    assert log["total"] == 1
    assert log["items"][0]["id"] == run["id"]
    channel = api.get(f"/channels/{shopify.id}", role="viewer").json()
    assert channel["orders"] == 3
    assert channel["last_sync_at"] is not None


def test_sync_again_with_the_same_key_replays_and_does_the_work_once(api, shopify, shop_server):
    shop_server.add(shopify_order(1))
    first = api.post(f"/channels/{shopify.id}/sync", role="operator", **{"Idempotency-Key": "sync-1"})
    again = api.post(f"/channels/{shopify.id}/sync", role="operator", **{"Idempotency-Key": "sync-1"})
    assert again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert SyncRun.objects.count() == 1


def test_an_unreachable_shop_is_a_failed_run_not_a_server_error(api, shopify, shop_server):
    base_url = shop_server.base_url
    shop_server.stop()
    response = api.post(f"/channels/{shopify.id}/sync", role="operator")
    assert response.status_code == 202
    run = worked(api, shopify, response.json())
    assert run["status"] == "failed"
    assert run["error"] == f"GET {base_url}/admin/api/2024-10/orders.json failed: ConnectError, 4 attempts."
    assert Order.objects.filter(channel=shopify).count() == 0


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 403), ("operator", 202), ("manager", 202)])
def test_synchronizing_needs_an_operator(api, shopify, shop_server, role, status):
    assert api.post(f"/channels/{shopify.id}/sync", role=role).status_code == status
    assert api.post("/channels/sync", role=role).status_code == status
    # the second asks for the same channel while its run waits: that run is the answer, nothing new is queued
    assert SyncRun.objects.count() == (1 if status == 202 else 0)


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 200), ("operator", 200)])
def test_reading_the_sync_log_needs_a_token(api, shopify, role, status):
    assert api.get(f"/channels/{shopify.id}/runs", role=role).status_code == status


def test_sync_all_runs_every_enabled_pulling_channel(api, shopify, shop_server):
    shop_server.add(shopify_order(1))
    channel_create(name="Files", kind="csv")
    disabled = channel_create(
        name="Old shop",
        kind="shopify",
        enabled=False,
        settings={"base_url": shop_server.base_url},
        credentials={"access_token": FakeShopify.token},
    )
    response = api.post("/channels/sync", role="operator")
    assert response.status_code == 202
    runs = [worked(api, shopify, run) for run in response.json()["items"]]
    assert [(r["status"], r["imported"]) for r in runs] == [("succeeded", 1)]
    assert SyncRun.objects.filter(channel=disabled).count() == 0


def test_synchronize_one_order_repulls_its_latest_state(api, shopify, shop_server):
    shop_server.add(shopify_order(1))
    worked(api, shopify, api.post(f"/channels/{shopify.id}/sync", role="operator").json())
    order = Order.objects.get(channel=shopify)
    shop_server.add(shopify_order(1, updated=50, status="on_hold"))
    response = api.post(f"/orders/{order.number}/synchronize", role="operator")
    assert response.status_code == 202, response.content
    run = worked(api, shopify, response.json())
    assert (run["kind"], run["status"], run["updated"]) == ("order", "succeeded", 1)
    order.refresh_from_db()
    assert order.external_status == "on_hold"


def test_a_manual_order_cannot_be_synchronized(api, db):
    order = make_order()
    response = api.post(f"/orders/{order.number}/synchronize", role="operator")
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "channel_kind_unsupported"
    assert error["detail"] == {"channel": order.channel.name, "kind": "manual", "action": "pull_order"}
    assert SyncRun.objects.count() == 0


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 403)])
def test_synchronizing_an_order_needs_an_operator(api, db, role, status):
    order = make_order()
    assert api.post(f"/orders/{order.number}/synchronize", role=role).status_code == status


def test_unknown_channel_and_order_are_404(api, db):
    assert api.post("/channels/999999/sync", role="operator").status_code == 404
    assert api.get("/channels/999999/runs", role="viewer").status_code == 404
    assert api.post("/orders/OR-999999/synchronize", role="operator").status_code == 404


@pytest.mark.parametrize("kind", ["csv", "manual"])
def test_a_channel_that_does_not_pull_is_not_synchronized(api, db, kind):
    channel = channel_create(name="Files", kind=kind)
    response = api.post(f"/channels/{channel.id}/sync", role="operator")
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "channel_kind_unsupported",
        "message": f"Channel Files ({channel.get_kind_display()}) does not pull orders; nothing to synchronize.",
        "field": None,
        "detail": {"channel": "Files", "kind": kind, "action": "pull"},
    }
    assert SyncRun.objects.count() == 0


def test_synchronize_now_answers_202_with_the_queued_run_and_queues_it_once(api, shopify, shop_server):
    from django_tasks_db.models import DBTaskResult

    shop_server.add(shopify_order(1))
    first = api.post(f"/channels/{shopify.id}/sync", role="operator")
    second = api.post(f"/channels/{shopify.id}/sync", role="operator")

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["status"] == "queued"
    assert second.json()["id"] == first.json()["id"]  # one run, one task: never two syncs of a channel at once
    assert DBTaskResult.objects.count() == 1
    assert Order.objects.count() == 0  # nothing pulled inside the request
    log = api.get(f"/channels/{shopify.id}/runs", role="viewer").json()
    assert [(r["id"], r["status"]) for r in log["items"]] == [(first.json()["id"], "queued")]

    from orderly.channels.tasks import sync_channel

    sync_channel.call(shopify.id, first.json()["id"])  # what the worker does with the queued task
    log = api.get(f"/channels/{shopify.id}/runs", role="viewer").json()
    assert [(r["status"], r["imported"]) for r in log["items"]] == [("succeeded", 1)]


def test_synchronize_on_a_disabled_channel_is_refused_at_once_with_the_reason(api, shopify, shop_server):
    api.patch(f"/channels/{shopify.id}", {"enabled": False}, role="manager")
    response = api.post(f"/channels/{shopify.id}/sync", role="operator")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "channel_disabled",
        "message": f"Channel {shopify.name} is disabled, so it is not synchronized; enable it first.",
        "field": None,
        "detail": {"channel": shopify.name},
    }
    assert SyncRun.objects.count() == 0  # nothing queued to fail later
