"""Rows as the worker and the task queue leave them, at times counted back from a fixed moment."""

import datetime as dt

from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from orderly.core.models import WorkerHeartbeat

NOW = dt.datetime(2026, 3, 2, 12, 0, 0, tzinfo=dt.UTC)


def ago(**delta) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


def freeze(monkeypatch, *modules: str) -> None:
    """Make `timezone.now()` answer NOW in the given modules."""
    for module in modules:
        monkeypatch.setattr(f"{module}.timezone.now", lambda: NOW)


def heartbeat(name: str = "scheduler@web-1", *, beat_at: dt.datetime, pid: int = 4321) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        name=name, host=name.partition("@")[2], pid=pid, started_at=ago(days=1), beat_at=beat_at
    )


def task(
    status: str,
    *,
    enqueued_at: dt.datetime,
    run_after: dt.datetime | None = None,
    finished_at: dt.datetime | None = None,
) -> DBTaskResult:
    """A task row as django-tasks-db writes it (`enqueued_at` is set on insert, so it is changed after)."""
    result = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="orderly.channels.tasks.push_due_outbox",
        backend_name="default",
        run_after=run_after or get_date_max(),
        finished_at=finished_at,
        started_at=finished_at,
    )
    DBTaskResult.objects.filter(pk=result.pk).update(enqueued_at=enqueued_at)
    return result


def recent(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)
