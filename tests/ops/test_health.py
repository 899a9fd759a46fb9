"""GET /health: what load balancers and monitors read, with the status code each state answers."""

import json

import pytest
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from tests.ops.helpers import NOW, ago, freeze, heartbeat, task

NEVER_CACHED = "max-age=0, no-cache, no-store, must-revalidate, private"


@pytest.fixture
def client(db, monkeypatch):
    freeze(monkeypatch, "orderly.ops.health")
    return Client()


@pytest.fixture
def queue(db):
    """Two waiting tasks (one due, queued five minutes ago; one not due for an hour), one running, a failure in
    the last hour and one older, one done."""
    task("READY", enqueued_at=ago(minutes=5))
    task("READY", enqueued_at=ago(minutes=1), run_after=NOW + (NOW - ago(hours=1)))
    task("RUNNING", enqueued_at=ago(minutes=2))
    task("FAILED", enqueued_at=ago(minutes=40), finished_at=ago(minutes=30))
    task("FAILED", enqueued_at=ago(hours=3), finished_at=ago(hours=2))
    task("SUCCESSFUL", enqueued_at=ago(minutes=3), finished_at=ago(minutes=2))


def _get(client, path="/health"):
    response = client.get(path)
    return response.status_code, json.loads(response.content), response


def test_ok_when_the_database_answers_migrations_are_applied_and_the_worker_beat_lately(client, queue):
    heartbeat("task worker@worker-1", beat_at=ago(minutes=30))
    heartbeat("scheduler@worker-1", beat_at=ago(seconds=15))

    status, body, response = _get(client)

    assert status == 200
    assert body == {
        "status": "ok",
        "database": {"reachable": True, "vendor": connection.vendor},
        "migrations": {"applied": True, "pending": 0},
        "worker": {"last_heartbeat": "2026-03-02T11:59:45+00:00", "age_seconds": 15.0, "ok": True},
        "tasks": {"waiting": 2, "oldest_waiting_seconds": 300.0, "failed_last_hour": 1},
    }
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == NEVER_CACHED
    assert _get(client, "/health?strict=1")[0] == 200


def test_degraded_but_serving_when_the_worker_is_silent(client, queue):
    heartbeat("scheduler@worker-1", beat_at=ago(minutes=10))

    status, body, _ = _get(client)

    assert status == 200
    assert body == {
        "status": "degraded",
        "database": {"reachable": True, "vendor": connection.vendor},
        "migrations": {"applied": True, "pending": 0},
        "worker": {"last_heartbeat": "2026-03-02T11:50:00+00:00", "age_seconds": 600.0, "ok": False},
        "tasks": {"waiting": 2, "oldest_waiting_seconds": 300.0, "failed_last_hour": 1},
    }
    strict_status, strict_body, _ = _get(client, "/health?strict=1")
    assert (strict_status, strict_body) == (503, body)


def test_degraded_when_no_worker_ever_beat_and_the_queue_is_empty(client):
    status, body, _ = _get(client)

    assert status == 200
    assert body["status"] == "degraded"
    assert body["worker"] == {"last_heartbeat": None, "age_seconds": None, "ok": False}
    assert body["tasks"] == {"waiting": 0, "oldest_waiting_seconds": None, "failed_last_hour": 0}


def test_the_limit_of_a_fresh_heartbeat_is_two_minutes(client):
    beat = heartbeat(beat_at=ago(seconds=120))
    assert _get(client)[1]["worker"]["ok"] is True

    beat.beat_at = ago(seconds=121)
    beat.save()
    assert _get(client)[1]["worker"]["ok"] is False


def test_down_with_503_while_a_migration_is_not_applied(client):
    heartbeat(beat_at=ago(seconds=5))
    # the newest migration of core, whichever it is (one applied after an unapplied one would hide it)
    (latest,) = MigrationLoader(connection).graph.leaf_nodes("core")
    MigrationRecorder(connection).record_unapplied(*latest)

    status, body, response = _get(client)

    assert status == 503
    assert body == {
        "status": "down",
        "database": {"reachable": True, "vendor": connection.vendor},
        "migrations": {"applied": False, "pending": 1},
        "worker": {"last_heartbeat": None, "age_seconds": None, "ok": False},
        "tasks": {"waiting": None, "oldest_waiting_seconds": None, "failed_last_hour": None},
    }
    assert response["Cache-Control"] == NEVER_CACHED


def test_down_with_503_and_no_stack_trace_when_the_database_does_not_answer(client, monkeypatch, caplog):
    def refused(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", refused)
        status, body, response = _get(client)

    assert status == 503
    assert body == {
        "status": "down",
        "database": {"reachable": False, "error": "OperationalError"},
        "migrations": {"applied": None, "pending": None},
        "worker": {"last_heartbeat": None, "age_seconds": None, "ok": False},
        "tasks": {"waiting": None, "oldest_waiting_seconds": None, "failed_last_hour": None},
    }
    assert b"Traceback" not in response.content
    assert b"Connection refused" not in response.content  # the reason is for the log, not for anyone who asks
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "orderly.ops.health"] == [
        (
            "WARNING",
            'Health check: the database does not answer: connection to server at "127.0.0.1", port 5432 failed: '
            "Connection refused",
        )
    ]


def test_health_needs_no_login_and_answers_get_and_head_only(client):
    assert client.head("/health").status_code == 200
    assert client.post("/health").status_code == 405
    assert client.get("/health?strict=maybe").status_code == 200  # not strict: only 1, true or yes are
