"""Several `orderly worker` processes on one PostgreSQL: each task runs once, and a killed worker's task runs again.

Real `orderly worker` processes against the test database. Every wait polls for the thing itself with a generous
bound (PATIENCE), so a loaded machine makes the test slower, never red.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from orderly.core.models import TaskReclaim, TaskWorkerProcess
from tests.bounds import WAIT_BOUND
from tests.ops import worker_tasks
from tests.ops.worker_tasks import block_first_run, meet, record_run, runs

ROOT = Path(__file__).resolve().parents[2]
PATIENCE = float(WAIT_BOUND)
POLL = 0.1
STALE_SECONDS = 5  # a worker silent this long is taken for dead (production: minutes)
SMALL_TASKS = 30

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: workers claiming with SKIP LOCKED"),
]


def _wait_until(condition, what: str, timeout: float = PATIENCE):
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(POLL)


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`orderly worker --worker-id ID` in its own session, its output in a file."""

    def __init__(self, tmp_path: Path, worker_id: str):
        self.worker_id = worker_id
        self.log = tmp_path / f"{worker_id}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
        env.update(
            DATABASE_URL=_database_url(),
            ORDERLY_DATA_DIR=str(tmp_path),
            ORDERLY_WORKER_STALE_SECONDS=str(STALE_SECONDS),
            PYTHONUNBUFFERED="1",
        )
        command = [sys.executable, "-m", "orderly.cli", "worker", "--interval", "0.1", "--no-startup-delay"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [*command, "--worker-id", worker_id],
                cwd=ROOT,  # the test tasks are found as tests.ops.worker_tasks
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # the task worker has a process group of its own; it ends with its parent (or was killed)
        _wait_until(self._task_worker_gone, f"the task worker {self.worker_id} to end")

    def _task_worker_gone(self) -> bool:
        row = TaskWorkerProcess.objects.filter(worker_id=self.worker_id).first()
        if row is None:
            return True
        try:
            return Path(f"/proc/{row.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
        except OSError:
            return True


@pytest.fixture
def runs_table(transactional_db):
    worker_tasks.create_runs_table()
    yield
    worker_tasks.drop_runs_table()


@pytest.fixture
def start_worker(tmp_path, runs_table):
    started: list[Worker] = []

    def start(worker_id: str) -> Worker:
        started.append(Worker(tmp_path, worker_id))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def _status(results) -> list[str]:
    return list(DBTaskResult.objects.filter(pk__in=[r.id for r in results]).values_list("status", flat=True))


def _finished(results) -> bool:
    statuses = _status(results)
    if "FAILED" in statuses:
        pytest.fail(
            "a task failed: "
            + "\n".join(DBTaskResult.objects.filter(status="FAILED").values_list("traceback", flat=True))
        )
    return statuses == ["SUCCESSFUL"] * len(results)


def test_two_workers_run_each_task_once_and_a_killed_workers_task_runs_again(start_worker):
    workers = {worker_id: start_worker(worker_id) for worker_id in ("worker-a", "worker-b")}
    alive = _wait_until(
        lambda: (
            dict(TaskWorkerProcess.objects.values_list("worker_id", "pid"))
            if TaskWorkerProcess.objects.count() == 2
            else None
        ),
        "both task workers to beat (each ready to claim)",
    )
    assert set(alive) == set(workers)

    # Two tasks that each wait for the other to start: only two workers claiming side by side finish them.
    queued = [meet.enqueue("meet-1"), meet.enqueue("meet-2")]
    queued += [record_run.enqueue(f"small-{i}") for i in range(SMALL_TASKS)]
    _wait_until(lambda: _finished(queued), "every task to finish")

    recorded = runs()
    keys = ["meet-1", "meet-2", *(f"small-{i}" for i in range(SMALL_TASKS))]
    for key in keys:
        assert [phase for k, phase, _ in recorded if k == key] == ["start", "end"], key  # ran exactly once
    assert {pid for k, _, pid in recorded if k.startswith("meet-")} == set(alive.values())
    assert {pid for _, _, pid in recorded} <= set(alive.values())
    assert all(len(r.worker_ids) == 1 for r in DBTaskResult.objects.filter(pk__in=[q.id for q in queued]))

    # A task whose first run blocks: kill -9 the worker running it; the other takes it over once it is stale.
    blocked = block_first_run.enqueue("block")
    first = _wait_until(
        lambda: next((pid for key, phase, pid in runs() if key == "block" and phase == "start"), None),
        "the blocking task to start",
    )
    killed = next(worker_id for worker_id, pid in alive.items() if pid == first)
    survivor = next(worker_id for worker_id in alive if worker_id != killed)
    os.kill(first, signal.SIGKILL)

    _wait_until(lambda: _finished([blocked]), "the killed worker's task to be run again and finish")
    assert [(k, phase, pid) for k, phase, pid in runs() if k == "block"] == [
        ("block", "start", alive[killed]),
        ("block", "start", alive[survivor]),
        ("block", "end", alive[survivor]),
    ]
    assert DBTaskResult.objects.get(pk=blocked.id).worker_ids == [killed, survivor]
    assert list(TaskReclaim.objects.values_list("task_id", "worker_id", "outcome", "reclaimed_by")) == [
        (DBTaskResult.objects.get(pk=blocked.id).pk, killed, "requeued", survivor)
    ]
    assert f"lost its worker {killed}: back in the queue (reclaim 1 of at most 2)." in workers[survivor].output()
    # the killed worker's `orderly worker` noticed and stopped its scheduler; its row stays, silent
    assert workers[killed].process.wait(timeout=PATIENCE) == 1
    assert TaskWorkerProcess.objects.get(worker_id=killed).pid == alive[killed]

    workers[survivor].stop()
    assert workers[survivor].process.returncode == 0
    assert "Orderly's worker stopped." in workers[survivor].output()
    assert list(TaskWorkerProcess.objects.values_list("worker_id", flat=True)) == [killed]  # a clean stop leaves none


def test_claiming_a_task_skips_the_rows_another_worker_has_locked(transactional_db):
    """django-tasks-db's claim (`get_locked`, inside the worker's transaction) is SELECT … FOR UPDATE SKIP LOCKED:
    a worker holding one task's row lock never blocks another, which takes the next task instead."""
    first, second = record_run.enqueue("one"), record_run.enqueue("two")
    locked, release = threading.Event(), threading.Event()
    seen = []

    def other_worker():
        try:
            with transaction.atomic():
                seen.append(DBTaskResult.objects.ready().get_locked().pk)
                locked.set()
                release.wait(PATIENCE)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(PATIENCE)
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            mine = DBTaskResult.objects.ready().get_locked()
    finally:
        release.set()
        thread.join(PATIENCE)

    assert [str(seen[0]), str(mine.pk)] == [str(first.id), str(second.id)]
    [claim] = queries.captured_queries
    assert claim["sql"].endswith("LIMIT 1 FOR UPDATE SKIP LOCKED")
