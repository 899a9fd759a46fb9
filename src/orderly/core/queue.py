"""Handing work to the background worker, from services that must not import the tasks that call them.

Tasks sit above services (a task takes ids and calls one service), so a service that queues work names the task
by its dotted path and this module finds it when it is enqueued: no import cycle, and the direction
services → tasks stays one-way for import-linter.

When the task is sent: with the database backend (the default, django_tasks_db) the task row is written in the
caller's transaction, so a rolled-back write leaves no task behind and a committed one always has its task. Any
other backend (a broker outside the database) is sent from `transaction.on_commit`, so the worker never sees a
task for rows it cannot read yet.
"""

from datetime import datetime

from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend


def enqueue(task_path: str, *args, run_after: datetime | None = None) -> None:
    """Queue the task at `task_path` (e.g. "orderly.channels.tasks.sync_channel") with `args` (ids: plain JSON
    values), committed with the caller's transaction as the module docstring says.

    `run_after` (an aware time) makes the worker wait until then, on a backend that can wait (the database queue
    can); a backend that cannot gets the task at once, so a task queued with it must check itself that its time
    has come (a retry's next attempt does)."""
    task = import_string(task_path)
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    if isinstance(task_backends[task.backend], DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
