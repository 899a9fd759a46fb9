"""The background worker's heartbeats: the scheduler beats at each check, the task worker at each task."""

import io
import json
import logging
import os
import signal
import socket

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from orderly.channels.tasks import push_due_outbox
from orderly.core.logs import JsonFormatter, current_context, log_context
from orderly.core.models import WorkerHeartbeat
from orderly.core.services import worker_beat
from tests.ops.helpers import NOW, ago, freeze

HOST = socket.gethostname()
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


def _beats() -> list[tuple]:
    return list(WorkerHeartbeat.objects.order_by("name").values_list("name", "host", "pid", "beat_at"))


def test_the_scheduler_beats_at_each_check(db, monkeypatch):
    freeze(monkeypatch, "orderly.core.services")

    call_command("channel_scheduler", "--once")
    assert _beats() == [(f"scheduler@{HOST}", HOST, os.getpid(), NOW)]

    monkeypatch.setattr("orderly.core.services.timezone.now", lambda: NOW.replace(minute=1))
    call_command("channel_scheduler", "--once")
    assert _beats() == [(f"scheduler@{HOST}", HOST, os.getpid(), NOW.replace(minute=1))]  # one row per role and host


def test_a_beat_keeps_the_start_of_the_process_and_takes_over_the_row_of_a_gone_one(db, monkeypatch):
    WorkerHeartbeat.objects.create(
        name=f"scheduler@{HOST}", host=HOST, pid=1, started_at=ago(days=9), beat_at=ago(days=2)
    )
    freeze(monkeypatch, "orderly.core.services")
    monkeypatch.setattr("orderly.core.services._started_at", {os.getpid(): ago(hours=1)})

    beat = worker_beat(role="scheduler")

    assert (beat.pid, beat.started_at, beat.beat_at) == (os.getpid(), ago(hours=1), NOW)
    assert WorkerHeartbeat.objects.count() == 1


@pytest.fixture
def signals_kept():
    """db_worker installs its own SIGINT/SIGTERM handlers; the test process gets its own back."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in kept.items():
        signal.signal(sig, handler)


def test_the_task_worker_beats_around_a_task_and_its_log_lines_carry_the_task_id(transactional_db, signals_kept):
    """The real db_worker, which commits as it goes (and closes a connection left inside a transaction)."""
    result = push_due_outbox.enqueue()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")
    finally:
        logging.getLogger().removeHandler(handler)

    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
    [(name, host, pid, beat_at)] = _beats()
    assert (name, host, pid) == (f"task worker@{HOST}", HOST, os.getpid())
    assert beat_at >= DBTaskResult.objects.get(pk=result.id).finished_at  # beat again once the task ended
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    finished = [line for line in lines if line["message"].endswith("state=SUCCESSFUL")]
    assert [(line["logger"], line["task_id"]) for line in finished] == [("django_tasks", str(result.id))]
    assert current_context() == {}  # the task's id ends with it


def test_a_task_run_inline_is_no_sign_of_a_worker_and_gives_the_request_its_context_back(db, settings):
    settings.TASKS = IMMEDIATE

    with log_context(request_id="req-3", order_number="OR-000005"):
        push_due_outbox.enqueue()
        assert current_context() == {"request_id": "req-3", "order_number": "OR-000005"}

    assert WorkerHeartbeat.objects.count() == 0
