"""The reaper: RUNNING tasks whose worker stopped beating go back to the queue, a bounded number of times."""

import datetime as dt
import logging
import signal

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from orderly.channels.tasks import push_due_outbox
from orderly.core.models import TaskReclaim, TaskWorkerProcess
from orderly.ops.reaper import tasks_reclaim
from orderly.ops.task_worker import beat_interval, process_beat, process_end
from tests.ops.helpers import NOW, ago, task

STALE = dt.timedelta(seconds=60)


def worker(worker_id: str, *, beat_at: dt.datetime) -> TaskWorkerProcess:
    return TaskWorkerProcess.objects.create(
        worker_id=worker_id, host="worker-1", pid=4000, started_at=ago(hours=1), beat_at=beat_at
    )


def running(*worker_ids: str, started_at: dt.datetime) -> DBTaskResult:
    result = task("RUNNING", enqueued_at=started_at - dt.timedelta(seconds=5))
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=started_at, worker_ids=list(worker_ids))
    return DBTaskResult.objects.get(pk=result.pk)


def state(result: DBTaskResult) -> tuple:
    row = DBTaskResult.objects.get(pk=result.pk)
    return row.status, row.started_at, row.worker_ids


def reclaim(**kwargs):
    return tasks_reclaim(reclaimed_by="reaper", now=NOW, stale=STALE, max_reclaims=2, **kwargs)


def test_a_task_of_a_silent_worker_goes_back_to_the_queue_and_one_of_a_live_worker_stays(db, caplog):
    worker("alive", beat_at=ago(seconds=59))
    worker("silent", beat_at=ago(seconds=61))
    kept = running("alive", started_at=ago(minutes=10))
    lost = running("silent", started_at=ago(minutes=10))
    caplog.set_level(logging.WARNING, logger="orderly.ops.reaper")

    done = reclaim()

    assert (done.requeued, done.failed) == ([str(lost.pk)], [])
    assert state(kept) == ("RUNNING", ago(minutes=10), ["alive"])
    assert state(lost) == ("READY", None, ["silent"])  # the claims so far are kept: they count the reclaims
    assert list(TaskReclaim.objects.values_list("task_id", "worker_id", "outcome", "reclaimed_by", "reclaimed_at")) == [
        (lost.pk, "silent", "requeued", "reaper", NOW)
    ]
    assert [record.getMessage() for record in caplog.records] == [
        f"Task {lost.pk} (orderly.channels.tasks.push_due_outbox) lost its worker silent: back in the queue "
        "(reclaim 1 of at most 2)."
    ]


def test_a_worker_without_a_row_is_gone_and_a_task_started_within_the_stale_period_is_left_alone(db):
    """A clean stop deletes the worker's row; a worker that claimed a task a moment ago may not have beaten yet."""
    old = running("gone", started_at=ago(seconds=61))
    fresh = running("gone", started_at=ago(seconds=59))
    unclaimed = running(started_at=ago(minutes=5))  # no worker id at all: nobody runs it

    done = reclaim()

    assert sorted(done.requeued) == sorted([str(old.pk), str(unclaimed.pk)])
    assert state(fresh) == ("RUNNING", ago(seconds=59), ["gone"])


def test_a_task_that_lost_its_worker_too_often_fails_with_the_reason(db, caplog):
    twice = running("w1", "w2", started_at=ago(minutes=5))  # reclaimed once: one more is allowed
    thrice = running("w1", "w2", "w3", started_at=ago(minutes=5))  # reclaimed twice already
    caplog.set_level(logging.WARNING, logger="orderly.ops.reaper")

    done = reclaim()

    assert (done.requeued, done.failed) == ([str(twice.pk)], [str(thrice.pk)])
    row = DBTaskResult.objects.get(pk=thrice.pk)
    assert (row.status, row.finished_at, row.exception_class_path) == (
        "FAILED",
        NOW,
        "orderly.ops.reaper.WorkerLost",
    )
    assert row.traceback == (
        "orderly.ops.reaper.WorkerLost: The task's worker stopped beating while it ran, 3 times (workers w1, w2, "
        "w3); it is not run again. Find why it kills its worker (memory, time), then enqueue it anew.\n"
    )
    assert sorted(TaskReclaim.objects.values_list("worker_id", "outcome")) == [("w2", "requeued"), ("w3", "failed")]
    assert sorted((record.levelname, record.getMessage()) for record in caplog.records) == [
        (
            "ERROR",
            f"Task {thrice.pk} (orderly.channels.tasks.push_due_outbox) lost its worker w3 again: failed after 2 "
            "reclaims.",
        ),
        (
            "WARNING",
            f"Task {twice.pk} (orderly.channels.tasks.push_due_outbox) lost its worker w2: back in the queue "
            "(reclaim 2 of at most 2).",
        ),
    ]


def test_a_task_is_taken_back_once_whoever_looks_and_a_finished_one_is_not_touched(db, monkeypatch):
    lost = running("silent", started_at=ago(minutes=5))
    seen = DBTaskResult.objects.get(pk=lost.pk)

    assert reclaim().requeued == [str(lost.pk)]
    assert reclaim().requeued == []  # a second reaper finds it READY
    # a reaper that read the claim before the task was claimed again leaves the new claim alone
    DBTaskResult.objects.filter(pk=lost.pk).update(status="RUNNING", started_at=NOW, worker_ids=["silent", "w2"])
    from orderly.ops.reaper import _take_back

    assert _take_back(seen, worker="silent", give_up=False, now=NOW, reclaimed_by="late") is False
    assert state(lost) == ("RUNNING", NOW, ["silent", "w2"])
    assert TaskReclaim.objects.count() == 1


def test_tasks_in_other_states_are_never_reclaimed(db):
    for status in ("READY", "SUCCESSFUL", "FAILED"):
        row = task(status, enqueued_at=ago(hours=1), finished_at=ago(minutes=30))
        DBTaskResult.objects.filter(pk=row.pk).update(worker_ids=["gone"])

    assert (reclaim().requeued, reclaim().failed) == ([], [])
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED", "READY", "SUCCESSFUL"]


def test_old_reclaims_and_long_silent_workers_are_pruned(db):
    worker("silent for two days", beat_at=ago(days=2))
    worker("silent for an hour", beat_at=ago(hours=1))
    TaskReclaim.objects.create(
        task_id="00000000-0000-0000-0000-000000000001",
        task_path="x",
        worker_id="w",
        outcome="requeued",
        reclaimed_by="r",
        reclaimed_at=ago(days=8),
    )
    TaskReclaim.objects.create(
        task_id="00000000-0000-0000-0000-000000000002",
        task_path="x",
        worker_id="w",
        outcome="failed",
        reclaimed_by="r",
        reclaimed_at=ago(days=6),
    )

    reclaim()

    assert list(TaskWorkerProcess.objects.values_list("worker_id", flat=True)) == ["silent for an hour"]
    assert list(TaskReclaim.objects.values_list("outcome", flat=True)) == ["failed"]


def test_a_process_beats_by_its_worker_id_and_a_clean_stop_removes_it(db):
    first = process_beat(worker_id="w-1")
    again = process_beat(worker_id="w-1")

    assert (again.pk, again.started_at, again.pid) == (first.pk, first.started_at, first.pid)
    assert again.beat_at >= first.beat_at
    process_end(worker_id="w-1")
    assert TaskWorkerProcess.objects.count() == 0


@pytest.mark.parametrize(("stale", "interval"), [(180, 30.0), (600, 30.0), (60, 10.0), (3, 0.5), (1, 0.5)])
def test_a_worker_beats_about_six_times_in_the_stale_period(stale, interval):
    assert beat_interval(dt.timedelta(seconds=stale)) == interval


@pytest.fixture
def signals_kept():
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in kept.items():
        signal.signal(sig, handler)


def test_the_task_worker_reclaims_lost_tasks_runs_them_and_removes_its_row_when_it_stops(
    transactional_db, signals_kept
):
    """The real command, in this process: at start it takes back a task a killed worker left RUNNING."""
    done = push_due_outbox.enqueue()
    DBTaskResult.objects.filter(pk=done.id).update(
        status="RUNNING", started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), worker_ids=["killed"]
    )

    call_command(
        "task_worker", "--batch", "--no-startup-delay", "--queue-name", "*", "--worker-id", "w-test", verbosity=0
    )

    row = DBTaskResult.objects.get(pk=done.id)
    assert (row.status, row.worker_ids) == ("SUCCESSFUL", ["killed", "w-test"])
    assert list(TaskReclaim.objects.values_list("worker_id", "outcome", "reclaimed_by")) == [
        ("killed", "requeued", "w-test")
    ]
    assert TaskWorkerProcess.objects.count() == 0  # a clean stop


def test_pruning_deletes_only_tasks_finished_long_enough_ago(db):
    from orderly.ops.reaper import finished_tasks_prune

    kept = [
        task("SUCCESSFUL", enqueued_at=ago(days=6), finished_at=ago(days=6)),
        task("FAILED", enqueued_at=ago(days=29), finished_at=ago(days=29)),
        task("READY", enqueued_at=ago(days=90)),
        running("w-1", started_at=ago(days=90)),
    ]
    task("SUCCESSFUL", enqueued_at=ago(days=8), finished_at=ago(days=8))
    task("FAILED", enqueued_at=ago(days=31), finished_at=ago(days=31))

    assert finished_tasks_prune(now=NOW) == 2

    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {result.pk for result in kept}


def test_pruning_runs_at_most_once_every_ten_minutes_in_a_process(db, monkeypatch):
    from orderly.ops import reaper

    monkeypatch.setattr(reaper, "_last_prune", None)
    task("SUCCESSFUL", enqueued_at=ago(days=8), finished_at=ago(days=8))
    assert reaper.finished_tasks_prune_due(now=NOW) == 1

    task("SUCCESSFUL", enqueued_at=ago(days=8), finished_at=ago(days=8))
    assert reaper.finished_tasks_prune_due(now=NOW + dt.timedelta(minutes=9)) == 0
    assert reaper.finished_tasks_prune_due(now=NOW + dt.timedelta(minutes=11)) == 1
