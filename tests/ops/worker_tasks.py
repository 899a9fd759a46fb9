"""Tasks for the several-workers test: each records its runs (start and end, with the worker's pid) in a table of
its own, created by the test, so that a run that happened twice, or never, shows."""

import os
import time

from django.db import connection
from django_tasks import task

from tests.bounds import WAIT_BOUND

RUNS = "orderly_test_task_runs"
PATIENCE = float(WAIT_BOUND)  # seconds a task waits for what it waits for; far more than a healthy run needs


def create_runs_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {RUNS} (id serial PRIMARY KEY, key text NOT NULL, phase text NOT NULL, pid int)")


def drop_runs_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RUNS}")


def runs() -> list[tuple[str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, phase, pid FROM {RUNS} ORDER BY id")
        return [tuple(row) for row in cursor.fetchall()]


def _record(key: str, phase: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {RUNS} (key, phase, pid) VALUES (%s, %s, %s)", [key, phase, os.getpid()])


def _count(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@task()
def record_run(key: str) -> None:
    _record(key, "start")
    _record(key, "end")


@task()
def meet(key: str) -> None:
    """Ends only once tasks named meet-… have started in two different processes: proof that both workers claim
    tasks side by side (one of them waiting here cannot run the other)."""
    _record(key, "start")
    deadline = time.monotonic() + PATIENCE
    query = f"SELECT count(DISTINCT pid) FROM {RUNS} WHERE key LIKE %s AND phase = 'start'"
    while _count(query, ["meet-%"]) < 2:
        if time.monotonic() > deadline:
            raise TimeoutError("the other worker never started a meet task")
        time.sleep(0.1)
    _record(key, "end")


@task()
def block_first_run(key: str) -> None:
    """Its first run blocks (until its worker is killed); a run after that completes at once."""
    _record(key, "start")
    if _count(f"SELECT count(*) FROM {RUNS} WHERE key = %s AND phase = 'start'", [key]) == 1:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            time.sleep(0.2)
        raise TimeoutError("the worker running the first run was never killed")
    _record(key, "end")
