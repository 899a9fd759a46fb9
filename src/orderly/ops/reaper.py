"""Tasks whose worker died: found by any other task worker and given back to the queue, a bounded number of times.

django-tasks-db marks a task RUNNING when a worker claims it and leaves it so until that worker records the end.
A worker killed (SIGKILL, out of memory, its machine gone) never does: the task would stay RUNNING for ever. Every
task worker beats from a thread of its own (orderly.ops.task_worker) and, at each beat, runs `tasks_reclaim`: a
RUNNING task whose claiming worker has not beaten for ORDERLY_WORKER_STALE_SECONDS goes back to READY, to be run
again by whichever worker claims it next; one that lost its worker more than ORDERLY_TASK_MAX_RECLAIMS times is
marked FAILED with the reason instead (it may be what kills them).

Running a task again is safe because every task Orderly queues is idempotent (see each tasks.py): a second run of
work already done finds it done. Each task row is taken back by one reaper only: the change is a conditional update
on the claim it saw (status RUNNING, same start), so two reapers racing, or the worker finishing meanwhile, leave
one outcome.
"""

import logging
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orderly.core.models import TaskReclaim, TaskWorkerProcess

logger = logging.getLogger(__name__)

# Reclaims are kept this long for /metrics (last 24 hours) and the admin; silent workers' rows a day.
RECLAIMS_KEPT = timedelta(days=7)
SILENT_WORKERS_KEPT = timedelta(days=1)
# Finished tasks' rows: every e-mail, push and sync leaves one, so without pruning the table grows with the orders
# and every count of the queue (/health, /metrics) reads it through. Failed ones stay longer, for finding why.
SUCCEEDED_TASKS_KEPT = timedelta(days=7)
FAILED_TASKS_KEPT = timedelta(days=30)
# How often one process prunes them (a pass reads the finished rows, so not at every beat).
PRUNE_EVERY = timedelta(minutes=10)
_last_prune: datetime | None = None


class WorkerLost(Exception):
    """Recorded as the error of a task that lost its worker more often than ORDERLY_TASK_MAX_RECLAIMS allows."""


@dataclass
class Reclaimed:
    """The ids of the tasks one pass put back in the queue, and of those it failed."""

    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def stale_after() -> timedelta:
    return timedelta(seconds=settings.ORDERLY_WORKER_STALE_SECONDS)


def tasks_reclaim(
    *,
    reclaimed_by: str,
    now: datetime | None = None,
    stale: timedelta | None = None,
    max_reclaims: int | None = None,
) -> Reclaimed:
    """Give back to the queue every RUNNING task whose worker stopped beating.

    A task counts as lost when it started more than `stale` ago (a worker that claimed it a moment ago may not have
    beaten yet) and the worker that claimed it last (the last of its `worker_ids`) has no TaskWorkerProcess row
    that beat within `stale`. It goes back to READY (its start cleared, its list of workers kept: that list counts
    its claims), or, when it has been reclaimed `max_reclaims` times already, to FAILED with a WorkerLost error
    naming the workers it lost. Each outcome is logged and recorded as a TaskReclaim row; old rows are pruned.
    `reclaimed_by` is the id of the worker running this pass. Never raises for a task another reaper took first."""
    now = now or timezone.now()
    stale = stale if stale is not None else stale_after()
    max_reclaims = settings.ORDERLY_TASK_MAX_RECLAIMS if max_reclaims is None else max_reclaims
    cutoff = now - stale
    alive = set(TaskWorkerProcess.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True))
    suspects = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .only("id", "task_path", "started_at", "worker_ids")
        .order_by("started_at", "id")
    )
    done = Reclaimed()
    for task in suspects:
        worker = task.worker_ids[-1] if task.worker_ids else ""
        if worker in alive:
            continue
        claims = len(task.worker_ids)
        give_up = claims > max_reclaims
        if _take_back(task, worker=worker, give_up=give_up, now=now, reclaimed_by=reclaimed_by):
            (done.failed if give_up else done.requeued).append(str(task.id))
            _log(task, worker=worker, give_up=give_up, claims=claims, max_reclaims=max_reclaims)
    TaskReclaim.objects.filter(reclaimed_at__lt=now - RECLAIMS_KEPT).delete()
    TaskWorkerProcess.objects.filter(beat_at__lt=now - max(SILENT_WORKERS_KEPT, stale)).delete()
    return done


def finished_tasks_prune(*, now: datetime | None = None) -> int:
    """Delete the rows of tasks that succeeded more than SUCCEEDED_TASKS_KEPT ago and failed more than
    FAILED_TASKS_KEPT ago; waiting and running tasks are never touched. Returns how many rows went."""
    now = now or timezone.now()
    old = Q(status="SUCCESSFUL", finished_at__lt=now - SUCCEEDED_TASKS_KEPT) | Q(
        status="FAILED", finished_at__lt=now - FAILED_TASKS_KEPT
    )
    deleted, _ = DBTaskResult.objects.filter(old).delete()
    return deleted


def finished_tasks_prune_due(*, now: datetime | None = None) -> int:
    """`finished_tasks_prune` at most once every PRUNE_EVERY in this process (the first call prunes)."""
    global _last_prune
    now = now or timezone.now()
    if _last_prune is not None and now - _last_prune < PRUNE_EVERY:
        return 0
    _last_prune = now
    deleted = finished_tasks_prune(now=now)
    if deleted:
        logger.info("Pruned %s finished task row(s).", deleted)
    return deleted


def _take_back(task: DBTaskResult, *, worker: str, give_up: bool, now: datetime, reclaimed_by: str) -> bool:
    """Change the task only if it is still the claim we saw; True when this pass changed it."""
    same_claim = DBTaskResult.objects.filter(pk=task.pk, status="RUNNING", started_at=task.started_at)
    with transaction.atomic():
        if give_up:
            error = WorkerLost(
                f"The task's worker stopped beating while it ran, {len(task.worker_ids)} times "
                f"(workers {', '.join(task.worker_ids)}); it is not run again. Find why it kills its worker "
                "(memory, time), then enqueue it anew."
            )
            changed = same_claim.update(
                status="FAILED",
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback="".join(traceback.format_exception_only(error)),
            )
        else:
            changed = same_claim.update(status="READY", started_at=None)
        if changed:
            TaskReclaim.objects.create(
                task_id=task.pk,
                task_path=task.task_path,
                worker_id=worker,
                outcome=TaskReclaim.Outcome.FAILED if give_up else TaskReclaim.Outcome.REQUEUED,
                reclaimed_by=reclaimed_by,
                reclaimed_at=now,
            )
    return bool(changed)


def _log(task: DBTaskResult, *, worker: str, give_up: bool, claims: int, max_reclaims: int) -> None:
    if give_up:
        logger.error(
            "Task %s (%s) lost its worker %s again: failed after %d reclaims.",
            task.pk,
            task.task_path,
            worker or "(none)",
            max_reclaims,
            extra={"task": str(task.pk), "task_path": task.task_path, "lost_worker": worker, "outcome": "failed"},
        )
    else:
        logger.warning(
            "Task %s (%s) lost its worker %s: back in the queue (reclaim %d of at most %d).",
            task.pk,
            task.task_path,
            worker or "(none)",
            claims,
            max_reclaims,
            extra={"task": str(task.pk), "task_path": task.task_path, "lost_worker": worker, "outcome": "requeued"},
        )
