"""Reads for the people who run Orderly: the background worker's heartbeats, the task queue, sync runs, pushes to
the shops and orders in error, as `/health` and `/metrics` show them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from orderly.batches.models import Batch
from orderly.batches.status import BatchStatus
from orderly.carriers.models import Parcel
from orderly.carriers.status import LabelStatus
from orderly.channels.models import OutboxMessage, OutboxStatus, SyncRun, SyncRunStatus
from orderly.core.models import TaskReclaim, TaskWorkerProcess, WorkerHeartbeat
from orderly.orders.models import Order

# The scheduler beats every 30 s (the task worker also at each task it starts and ends): a worker silent for four
# checks is taken for stopped.
WORKER_STALE_AFTER = timedelta(seconds=120)

# Parcels whose label is not settled: the few /metrics counts among every parcel ever booked.
OPEN_LABELS = (LabelStatus.BOOKING, LabelStatus.FAILED)

# django-tasks' statuses as named here.
TASK_STATES = {"waiting": "READY", "running": "RUNNING", "failed": "FAILED"}


@dataclass(frozen=True)
class WorkerState:
    last_heartbeat: datetime | None
    age_seconds: float | None
    ok: bool


@dataclass(frozen=True)
class QueueState:
    waiting: int  # queued tasks, due now or later
    oldest_waiting_seconds: float | None  # since the oldest due task was queued; None when none is due
    failed_last_hour: int


@dataclass(frozen=True)
class OperationsFigures:
    sync_runs_last_24h: dict[str, int]
    pushes: dict[str, int]
    tasks: dict[str, int]
    oldest_waiting_seconds: float | None
    orders_in_error: dict[str, int]
    heartbeat_ages: dict[str, float]
    tasks_reclaimed_last_24h: dict[str, int]  # by outcome: requeued, failed
    task_workers: dict[str, int]  # task worker processes: alive (beat within the stale period) and silent
    batches: dict[str, int]  # order batches by status
    labels_booked_last_24h: int
    labels_waiting: dict[str, int]  # parcels whose label is booking (outcome not known yet) or failed


def _seconds(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else round(max((now - since).total_seconds(), 0.0), 3)


def worker_state(now: datetime | None = None) -> WorkerState:
    """The newest heartbeat of any background process (the scheduler beats even while the task worker idles)."""
    now = now or timezone.now()
    last = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    age = _seconds(last, now)
    fresh = age is not None and age <= WORKER_STALE_AFTER.total_seconds()
    return WorkerState(last_heartbeat=last, age_seconds=age, ok=fresh)


def _due_tasks(now: datetime):
    # django-tasks stores "no run_after" as its largest date.
    return DBTaskResult.objects.filter(status="READY").filter(Q(run_after__lte=now) | Q(run_after=get_date_max()))


def queue_state(now: datetime | None = None) -> QueueState:
    now = now or timezone.now()
    waiting = DBTaskResult.objects.filter(status="READY").count()
    oldest = _due_tasks(now).aggregate(oldest=Min("enqueued_at"))["oldest"]
    failed = DBTaskResult.objects.filter(status="FAILED", finished_at__gte=now - timedelta(hours=1)).count()
    return QueueState(waiting=waiting, oldest_waiting_seconds=_seconds(oldest, now), failed_last_hour=failed)


def operations_figures(now: datetime | None = None) -> OperationsFigures:
    """The figures `/metrics` shows as gauges, each label value present (0 when nothing counts)."""
    now = now or timezone.now()
    runs = dict.fromkeys(SyncRunStatus.values, 0)
    recent = SyncRun.objects.filter(started_at__gte=now - timedelta(hours=24))
    runs.update(recent.values_list("status").annotate(n=Count("id")).order_by())

    # Each count reads only the rows it counts (sent pushes and finished tasks are most of their tables).
    pushes = OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED]).aggregate(
        pending=Count("id", filter=Q(status=OutboxStatus.PENDING, attempts=0)),
        retrying=Count("id", filter=Q(status=OutboxStatus.PENDING, attempts__gt=0)),
        failed=Count("id", filter=Q(status=OutboxStatus.FAILED)),
    )
    tasks = DBTaskResult.objects.filter(status__in=TASK_STATES.values()).aggregate(
        **{state: Count("id", filter=Q(status=status)) for state, status in TASK_STATES.items()}
    )
    oldest = _due_tasks(now).aggregate(oldest=Min("enqueued_at"))["oldest"]
    errors = (
        Order.objects.exclude(error_code="")
        .filter(is_archived=False, is_test=False)
        .values_list("error_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    beats = WorkerHeartbeat.objects.values_list("name", "beat_at").order_by("name")
    reclaimed = dict.fromkeys(TaskReclaim.Outcome.values, 0)
    reclaimed.update(
        TaskReclaim.objects.filter(reclaimed_at__gte=now - timedelta(hours=24))
        .values_list("outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    cutoff = now - timedelta(seconds=settings.ORDERLY_WORKER_STALE_SECONDS)
    workers = TaskWorkerProcess.objects.aggregate(
        alive=Count("id", filter=Q(beat_at__gte=cutoff)), silent=Count("id", filter=Q(beat_at__lt=cutoff))
    )
    batches = dict.fromkeys(BatchStatus.values, 0)
    batches.update(Batch.objects.values_list("status").annotate(n=Count("id")).order_by())
    labels_booked = Parcel.objects.filter(booked_at__gte=now - timedelta(hours=24)).count()
    labels_waiting = Parcel.objects.filter(label_status__in=OPEN_LABELS).aggregate(
        booking=Count("id", filter=Q(label_status=LabelStatus.BOOKING)),
        failed=Count("id", filter=Q(label_status=LabelStatus.FAILED)),
    )
    return OperationsFigures(
        batches=batches,
        labels_booked_last_24h=labels_booked,
        labels_waiting=labels_waiting,
        sync_runs_last_24h=runs,
        pushes=pushes,
        tasks=tasks,
        oldest_waiting_seconds=_seconds(oldest, now),
        orders_in_error=dict(sorted(errors)),
        heartbeat_ages={name: _seconds(beat_at, now) for name, beat_at in beats},
        tasks_reclaimed_last_24h=reclaimed,
        task_workers=workers,
    )
