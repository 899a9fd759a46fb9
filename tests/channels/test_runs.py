"""The sync log's runs: a killed run marked interrupted, one channel sync at a time, and Synchronize now queued."""

import datetime as dt
import logging

import pytest
from django.core.management import call_command
from django.utils import timezone

from orderly.channels.models import SyncRun
from orderly.channels.services import channel_sync
from orderly.channels.services.runs import (
    STALE_AFTER,
    SyncRunning,
    order_run_enqueue,
    run_enqueue,
    runs_interrupt_stale,
    worker_id,
)
from orderly.channels.services.scheduling import enqueue_due
from orderly.core.exceptions import ValidationError
from orderly.orders.models import Order
from tests.channels.fake_shops import shopify_order
from tests.factories import make_order
from tests.worker import run_queued_tasks


def _killed_run(channel, *, minutes_ago: float, worker: str = "elsewhere:1") -> SyncRun:
    """What a hard-killed worker leaves: a running run whose heartbeat stopped `minutes_ago`."""
    beat = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return SyncRun.objects.create(
        channel=channel, status="running", started_at=beat, heartbeat_at=beat, worker=worker, imported=3
    )


def test_the_next_sync_marks_a_killed_run_interrupted_and_runs(shopify, shopify_server, variants):
    killed = _killed_run(shopify, minutes_ago=STALE_AFTER.total_seconds() / 60 + 1)
    shopify_server.add(shopify_order(1))

    run = channel_sync(channel=shopify)

    killed.refresh_from_db()
    assert killed.status == "interrupted"
    assert killed.finished_at is not None
    assert "no sign of life" in killed.error and "elsewhere:1" in killed.error
    assert killed.imported == 3  # what it did stays in the log
    assert (run.status, run.imported, run.worker) == ("succeeded", 1, worker_id())
    assert run.heartbeat_at is not None


def test_a_run_whose_process_is_gone_is_interrupted_at_once(shopify):
    host = worker_id().rpartition(":")[0]
    gone = _killed_run(shopify, minutes_ago=0, worker=f"{host}:{2**22 + 12345}")  # above Linux's pid_max default
    assert runs_interrupt_stale() == 1
    gone.refresh_from_db()
    assert gone.status == "interrupted"


def test_a_live_run_is_left_alone_and_a_second_sync_is_refused(shopify, shopify_server):
    alive = _killed_run(shopify, minutes_ago=1)
    assert runs_interrupt_stale(channel=shopify) == 0
    with pytest.raises(SyncRunning) as refused:
        channel_sync(channel=shopify)
    assert refused.value.run == alive
    assert refused.value.status == 409
    assert SyncRun.objects.count() == 1


def test_the_scheduler_marks_killed_runs_when_it_starts_and_on_each_check(shopify, caplog):
    _killed_run(shopify, minutes_ago=60)
    with caplog.at_level(logging.INFO, logger="orderly.channels"):
        call_command("channel_scheduler", "--once")
    assert "Marked 1 sync run(s) whose process was gone as interrupted." in caplog.messages
    assert SyncRun.objects.get().status == "interrupted"

    _killed_run(shopify, minutes_ago=60)
    enqueue_due()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {"interrupted"}


def test_a_queued_run_nobody_took_is_given_up(shopify):
    SyncRun.objects.create(channel=shopify, status="queued", started_at=timezone.now() - dt.timedelta(days=1))
    assert runs_interrupt_stale() == 1
    assert "no worker took it" in SyncRun.objects.get().error


def test_synchronize_now_queues_one_run_and_the_task(shopify):
    from django_tasks_db.models import DBTaskResult

    run, queued = run_enqueue(channel=shopify, actor=None)
    again, queued_again = run_enqueue(channel=shopify, actor=None)

    assert (run.status, queued) == ("queued", True)
    assert (again.pk, queued_again) == (run.pk, False)  # asked twice: still one run, one task
    assert DBTaskResult.objects.count() == 1


def test_a_queued_run_is_synchronized_by_the_worker(shopify, shopify_server, variants):
    shopify_server.add(*(shopify_order(n) for n in range(1, 4)))
    run, _ = run_enqueue(channel=shopify, actor=None)
    assert run_queued_tasks() == 1
    run.refresh_from_db()
    assert (run.status, run.imported) == ("succeeded", 3)
    assert Order.objects.count() == 3


def test_the_scheduled_task_does_nothing_while_a_sync_of_the_channel_runs(shopify):
    from orderly.channels.tasks import sync_channel

    _killed_run(shopify, minutes_ago=1)
    sync_channel.call(shopify.pk)
    assert SyncRun.objects.count() == 1


def test_an_order_repull_is_queued_and_refused_for_manual_orders(settings, db, shopify):
    manual = make_order()
    with pytest.raises(ValidationError):
        order_run_enqueue(order=manual, actor=None)
    order = Order.objects.create(number="OR-900001", channel=shopify, external_id="1", customer_name="A")
    run = order_run_enqueue(order=order, actor=None)
    assert (run.kind, run.status) == ("order", "queued")
