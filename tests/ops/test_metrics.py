"""GET /metrics: the request counts the middleware keeps and the gauges read from the database at each scrape."""

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from orderly.batches.models import Batch
from orderly.carriers.models import CarrierAccount, Parcel
from orderly.channels.models import OutboxMessage, SyncRun
from orderly.channels.selectors import manual_channel
from orderly.core.models import TaskReclaim, TaskWorkerProcess
from orderly.orders.models import Order
from orderly.shipping.models import Fulfillment
from tests.factories import make_order
from tests.ops.helpers import NOW, ago, freeze, heartbeat, task

ROOT = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[tuple, float]:
    """Every sample of an exposition by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: Client, **extra) -> dict[tuple, float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return samples(response.content.decode())


def family(found: dict[tuple, float], name: str) -> dict[tuple, float]:
    return {labels: value for (sample, labels), value in found.items() if sample == name}


def test_a_request_is_counted_by_method_and_status_and_timed_by_its_route(db, tokens):
    client = Client()
    order = make_order()
    counted = ("orderly_http_requests_total", (("method", "GET"), ("status", "200")))
    timed = ("orderly_http_request_duration_seconds_count", (("method", "GET"), ("route", "/api/v1/orders/<number>")))
    missing = ("orderly_http_requests_total", (("method", "GET"), ("status", "404")))
    unmatched = ("orderly_http_request_duration_seconds_count", (("method", "GET"), ("route", "unmatched")))
    before = scrape(client)

    answered = client.get(f"/api/v1/orders/{order.number}", HTTP_AUTHORIZATION=f"Bearer {tokens['viewer']}")
    client.get("/no/such/page/")
    after = scrape(client)

    assert answered.status_code == 200
    # the first scrape is itself a GET answered with 200, counted before the second
    assert after[counted] - before.get(counted, 0) == 2
    assert after[timed] - before.get(timed, 0) == 1
    assert after[missing] - before.get(missing, 0) == 1
    assert after[unmatched] - before.get(unmatched, 0) == 1
    assert not any(order.number in str(labels) for _, labels in after)  # routes, never paths


def test_a_method_no_one_uses_is_counted_as_other(db):
    client = Client()
    key = ("orderly_http_requests_total", (("method", "other"), ("status", "404")))
    before = scrape(client).get(key, 0)

    client.generic("BREW", "/no/such/page/")

    assert scrape(client)[key] - before == 1


@pytest.fixture
def operations(db, monkeypatch):
    """Sync runs, pushes, tasks, orders in error and heartbeats, as of NOW."""
    freeze(monkeypatch, "orderly.ops.selectors")
    channel = manual_channel()
    for status, hours in [("succeeded", 1), ("succeeded", 23), ("failed", 2), ("partial", 5), ("succeeded", 25)]:
        SyncRun.objects.create(channel=channel, kind="csv", status=status, started_at=ago(hours=hours))
    SyncRun.objects.create(channel=channel, kind="channel", status="running", started_at=ago(minutes=3))

    orders = [make_order() for _ in range(6)]
    for order, status, attempts in [
        (orders[0], "pending", 0),
        (orders[1], "pending", 2),
        (orders[2], "pending", 5),
        (orders[3], "failed", 8),
        (orders[4], "sent", 1),
    ]:
        OutboxMessage.objects.create(channel=channel, order=order, status=status, attempts=attempts)

    Order.objects.filter(pk__in=[orders[0].pk, orders[1].pk]).update(error_code="unknown_sku")
    Order.objects.filter(pk=orders[2].pk).update(error_code="invalid_address")
    Order.objects.filter(pk=orders[3].pk).update(error_code="unknown_sku", is_archived=True)  # not counted
    Order.objects.filter(pk=orders[4].pk).update(error_code="test_order", is_test=True)  # not counted

    task("READY", enqueued_at=ago(minutes=7))
    task("READY", enqueued_at=ago(minutes=2))
    task("READY", enqueued_at=ago(hours=2), run_after=NOW - (ago(minutes=1) - NOW))  # not due for a minute
    task("RUNNING", enqueued_at=ago(minutes=1))
    task("FAILED", enqueued_at=ago(days=3), finished_at=ago(days=3))
    task("SUCCESSFUL", enqueued_at=ago(minutes=9), finished_at=ago(minutes=8))

    heartbeat("scheduler@worker-1", beat_at=ago(seconds=12))
    heartbeat("task worker@worker-1", beat_at=ago(minutes=4))
    for worker_id, beat in [("w-alive", ago(seconds=20)), ("w-killed", ago(minutes=10))]:
        TaskWorkerProcess.objects.create(
            worker_id=worker_id, host="worker-1", pid=1, started_at=ago(days=1), beat_at=beat
        )
    for number, status in [("BA-1", "processing"), ("BA-2", "failed"), ("BA-3", "finished"), ("BA-4", "finished")]:
        Batch.objects.create(number=number, status=status, created_by_name="olga")
    account = CarrierAccount.objects.create(name="Own courier", kind="own")
    for n, (label_status, booked_at) in enumerate(
        [("booked", ago(hours=1)), ("booked", ago(hours=23)), ("booked", ago(hours=25)), ("voided", ago(hours=2)),
         ("booking", None), ("failed", None), ("failed", None), ("none", None)]
    ):  # fmt: skip
        fulfillment = Fulfillment.objects.create(order=orders[5], number=f"FF-{n}")
        Parcel.objects.create(
            number=f"PA-{n}",
            fulfillment=fulfillment,
            account=account,
            weight_kg=1,
            label_status=label_status,
            booked_at=booked_at,
        )
    for outcome, hours in [("requeued", 1), ("requeued", 23), ("failed", 2), ("requeued", 25)]:
        TaskReclaim.objects.create(
            task_id=uuid.uuid4(),
            task_path="p",
            worker_id="w-killed",
            outcome=outcome,
            reclaimed_by="w-alive",
            reclaimed_at=ago(hours=hours),
        )


def test_the_database_gauges_show_what_the_database_holds(operations):
    found = scrape(Client())

    assert family(found, "orderly_sync_runs_last_24h") == {
        (("status", "queued"),): 0,
        (("status", "running"),): 1,
        (("status", "succeeded"),): 2,
        (("status", "partial"),): 1,
        (("status", "failed"),): 1,
        (("status", "interrupted"),): 0,
    }
    assert family(found, "orderly_channel_pushes") == {
        (("state", "pending"),): 1,
        (("state", "retrying"),): 2,
        (("state", "failed"),): 1,
    }
    assert family(found, "orderly_tasks") == {
        (("state", "waiting"),): 3,
        (("state", "running"),): 1,
        (("state", "failed"),): 1,
    }
    assert family(found, "orderly_tasks_oldest_waiting_seconds") == {(): 420.0}
    assert family(found, "orderly_orders_in_error") == {
        (("code", "invalid_address"),): 1,
        (("code", "unknown_sku"),): 2,
    }
    assert family(found, "orderly_worker_heartbeat_age_seconds") == {
        (("process", "scheduler@worker-1"),): 12.0,
        (("process", "task worker@worker-1"),): 240.0,
    }
    assert family(found, "orderly_tasks_reclaimed_last_24h") == {
        (("outcome", "requeued"),): 2,
        (("outcome", "failed"),): 1,
    }
    assert family(found, "orderly_task_workers") == {(("state", "alive"),): 1, (("state", "silent"),): 1}
    assert family(found, "orderly_batches") == {
        (("status", "processing"),): 1,
        (("status", "failed"),): 1,
        (("status", "finished"),): 2,
    }
    # booked 1 and 23 hours ago; the one voided 2 hours ago was booked then too
    assert family(found, "orderly_labels_booked_last_24h") == {(): 3.0}
    assert family(found, "orderly_labels_waiting") == {(("state", "booking"),): 1, (("state", "failed"),): 2}


def test_with_nothing_to_count_every_gauge_shows_zero(db, monkeypatch):
    freeze(monkeypatch, "orderly.ops.selectors")
    found = scrape(Client())

    assert set(family(found, "orderly_sync_runs_last_24h").values()) == {0}
    assert len(family(found, "orderly_sync_runs_last_24h")) == 6
    assert family(found, "orderly_tasks_oldest_waiting_seconds") == {(): 0.0}
    assert family(found, "orderly_orders_in_error") == {}
    assert family(found, "orderly_worker_heartbeat_age_seconds") == {}
    assert set(family(found, "orderly_tasks_reclaimed_last_24h").values()) == {0}
    assert family(found, "orderly_task_workers") == {(("state", "alive"),): 0, (("state", "silent"),): 0}
    assert set(family(found, "orderly_batches").values()) == {0}
    assert len(family(found, "orderly_batches")) == 3
    assert family(found, "orderly_labels_booked_last_24h") == {(): 0.0}
    assert family(found, "orderly_labels_waiting") == {(("state", "booking"),): 0, (("state", "failed"),): 0}


def test_metrics_from_another_machine_need_a_manager_token(db, tokens):
    client = Client(REMOTE_ADDR="203.0.113.7")

    anonymous = client.get("/metrics")
    bad = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ord_not-a-token")
    viewer = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {tokens['operator']}")
    manager = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {tokens['manager']}")

    assert (anonymous.status_code, anonymous["WWW-Authenticate"]) == (401, 'Bearer realm="orderly"')
    assert anonymous.content == (
        b"Metrics are read from this machine, or with the API token of a manager or admin: "
        b"send it as `Authorization: Bearer <token>`.\n"
    )
    assert b"orderly_http_requests_total" not in anonymous.content
    assert bad.status_code == 401
    assert (viewer.status_code, viewer.content) == (
        403,
        b"Your role (operator) may not read the metrics; this needs manager or above.\n",
    )
    assert manager.status_code == 200
    assert b"# TYPE orderly_http_requests_total counter" in manager.content


def test_a_request_a_proxy_forwarded_needs_a_token_even_on_loopback(db):
    client = Client()

    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 401
    assert client.get("/metrics", HTTP_FORWARDED="for=198.51.100.4").status_code == 401
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="not-an-address").status_code == 401


def test_a_scraper_may_ask_for_openmetrics_and_a_bad_accept_header_gets_the_plain_format(db):
    client = Client()

    openmetrics = client.get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    bad = client.get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=abc")

    assert openmetrics.status_code == 200
    assert openmetrics["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert openmetrics.content.endswith(b"# EOF\n")
    assert (bad.status_code, bad["Content-Type"]) == (200, "text/plain; version=0.0.4; charset=utf-8")


MULTIPROCESS_SCRIPT = textwrap.dedent(
    """
    import sys
    import django

    django.setup()
    from django.test import Client
    from prometheus_client import generate_latest

    from orderly.ops.metrics import scrape_registry

    client = Client()
    for _ in range(int(sys.argv[1])):
        assert client.post("/health").status_code == 405  # answered without a database or a template
    if sys.argv[2:] == ["scrape"]:
        sys.stdout.write(generate_latest(scrape_registry(database=False)).decode())
    """
)


def test_with_a_multiprocess_folder_the_counts_of_every_process_are_summed(tmp_path):
    """As `orderly serve`'s granian workers count: each process writes its own file, a scrape adds them up."""
    folder = tmp_path / "metrics"
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),  # created by the first process that counts
        "ORDERLY_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "orderly.settings",
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, *args], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("2")
    found = samples(run("1", "scrape"))

    assert found[("orderly_http_requests_total", (("method", "POST"), ("status", "405")))] == 3
    assert found[("orderly_http_request_duration_seconds_count", (("method", "POST"), ("route", "/health")))] == 3
    assert len(list(folder.glob("counter_*.db"))) == 2
