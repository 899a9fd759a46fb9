"""What the task worker does around each task: log lines name the task, and the worker beats its heartbeat.

Connected to django-tasks' task_started and task_finished in OpsConfig.ready; they are sent by the process that
runs the task (`orderly worker`'s task_worker, django-tasks-db's db_worker).
"""

import logging
import threading

from django.db import DatabaseError
from django_tasks.signals import task_finished, task_started
from django_tasks_db.backend import DatabaseBackend

from orderly.core.logs import order_number, task_id
from orderly.core.services import worker_beat

logger = logging.getLogger(__name__)

TASK_WORKER = "task worker"


def _run_by_the_worker(sender) -> bool:
    """Whether the task runs in a database-backed worker (not inline, as the immediate backend runs it in the web
    process, which is no sign of a worker alive). django-tasks sends the backend itself or its class."""
    backend = sender if isinstance(sender, type) else type(sender)
    return issubclass(backend, DatabaseBackend)


def _beat() -> None:
    try:
        worker_beat(role=TASK_WORKER)
    except DatabaseError as exc:  # a missed beat must not fail the task it accompanies
        logger.warning("The task worker's heartbeat was not written: %s", exc)


# The log context each running task replaced, restored when it ends: a task run inline inside a request (the
# immediate backend) gives the request its own id and order back.
_replaced = threading.local()


def on_task_started(sender, task_result, **kwargs) -> None:
    stack = _replaced.__dict__.setdefault("stack", [])
    stack.append((task_id.set(str(task_result.id)), order_number.set(None)))
    if _run_by_the_worker(sender):
        _beat()


def on_task_finished(sender, task_result, **kwargs) -> None:
    if _run_by_the_worker(sender):
        _beat()
    stack = _replaced.__dict__.get("stack")
    if not stack:
        return
    for variable, token in zip((task_id, order_number), stack.pop(), strict=True):
        try:
            variable.reset(token)
        except ValueError:  # set in another context: clear it instead
            variable.set(None)


def connect() -> None:
    task_started.connect(on_task_started, dispatch_uid="orderly.ops.task_started")
    task_finished.connect(on_task_finished, dispatch_uid="orderly.ops.task_finished")
