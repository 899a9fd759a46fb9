"""A worker killed mid-batch: the next one resumes each order after its last recorded step, so that every order is
processed once, every parcel has one label, and stock is shipped once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orderly.batches.models import BatchOrder
from orderly.batches.services import processing
from orderly.batches.status import BatchStatus, Outcome, Step
from orderly.inventory.models import Lot, Movement
from orderly.orders.models import OrderEvent
from orderly.shipping.models import Fulfillment
from tests.batches.fake_carrier import Killed
from tests.batches.helpers import create, order_of, receive, run, variant

pytestmark = pytest.mark.django_db


def _lease_runs_out(batch):
    BatchOrder.objects.filter(batch=batch).exclude(claimed_at=None).update(
        claimed_at=timezone.now() - dt.timedelta(seconds=processing.lease_seconds() + 1)
    )


def _once_each(batch, orders):
    assert Fulfillment.objects.count() == len(orders)
    assert sorted(Fulfillment.objects.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    assert Movement.objects.filter(kind="shipment").count() == len(orders)
    for order in orders:
        assert OrderEvent.objects.filter(order=order, kind="batch_outcome").count() == 1


def test_a_worker_stopped_between_two_orders_leaves_the_rest_to_the_next(actor, carriers):
    variant("ESP-250")
    receive("ESP-250", 10)
    orders = [order_of(("ESP-250", 1)) for _ in range(3)]
    batch = create(actor, *orders)

    assert run(batch, worker="first", limit=1).status == BatchStatus.PROCESSING
    assert batch.counts == {"succeeded": 1, "failed": 0, "waiting": 2}

    batch = run(batch, worker="second")

    assert batch.status == BatchStatus.FINISHED
    assert carriers.bought == 3
    _once_each(batch, orders)
    assert list(BatchOrder.objects.filter(batch=batch).order_by("position").values_list("attempts", flat=True)) == [
        1, 1, 1,
    ]  # fmt: skip


def test_a_worker_killed_between_booking_and_recording_books_once(actor, carriers):
    variant("ESP-250")
    receive("ESP-250", 10)
    orders = [order_of(("ESP-250", 2)) for _ in range(2)]
    batch = create(actor, *orders)
    carriers.kill_after_booking = True

    with pytest.raises(Killed):
        run(batch, worker="first")

    entry = BatchOrder.objects.get(batch=batch, order=orders[0])
    assert (entry.outcome, entry.step, entry.claimed_by, entry.parcel) == (Outcome.WAITING, Step.FULFILLED, "first", "")
    assert carriers.bought == 1

    run(batch, worker="second")  # the claim is still alive: the second worker takes only the other order
    assert BatchOrder.objects.get(batch=batch, order=orders[0]).outcome == Outcome.WAITING
    _lease_runs_out(batch)
    batch = run(batch, worker="second")

    assert batch.status == BatchStatus.FINISHED
    assert carriers.bought == 2  # one label per parcel: the booking answered the first parcel again
    entry.refresh_from_db()
    assert (entry.outcome, entry.step, entry.attempts) == (Outcome.SUCCEEDED, Step.TOLD, 2)
    assert entry.tracking_number == f"3STEST{entry.fulfillment_id:08d}"
    _once_each(batch, orders)
    assert Lot.objects.get().on_hand == Decimal("6")


def test_a_worker_killed_after_fulfilling_does_not_fulfill_again(actor, carriers, monkeypatch):
    variant("ESP-250")
    receive("ESP-250", 4)
    order = order_of(("ESP-250", 4))
    batch = create(actor, order)

    def die(*args, **kwargs):
        raise Killed("killed after the fulfillment committed")

    monkeypatch.setattr(processing, "_label", die)
    with pytest.raises(Killed):
        run(batch, worker="first")
    assert BatchOrder.objects.get(batch=batch).step == Step.FULFILLED
    assert Lot.objects.get().on_hand == Decimal("0")

    monkeypatch.undo()
    from tests.batches.fake_carrier import FakeCarriers

    carriers = FakeCarriers().install(monkeypatch)
    _lease_runs_out(batch)
    batch = run(batch, worker="second")

    assert batch.status == BatchStatus.FINISHED
    _once_each(batch, [order])
    assert carriers.bought == 1


def test_an_overtaken_worker_writes_nothing_more(actor, carriers):
    variant("ESP-250")
    receive("ESP-250", 4)
    order = order_of(("ESP-250", 1))
    batch = create(actor, order)
    entry_id = processing._claim(batch.pk, "slow")
    _lease_runs_out(batch)
    assert processing._claim(batch.pk, "fast") == entry_id

    processing.process_entry(entry_id, "slow", processing.actor_of(batch))  # its lease ran out: rolled back

    entry = BatchOrder.objects.get(pk=entry_id)
    assert (entry.outcome, entry.step, entry.fulfillment_id, entry.claimed_by) == (Outcome.WAITING, "", None, "fast")
    assert Fulfillment.objects.count() == 0
    assert Lot.objects.get().on_hand == Decimal("4")


def test_a_stalled_batch_shows_how_long_and_which_orders_wait_and_is_queued_again(
    actor, carriers, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from orderly.batches import selectors
    from orderly.batches.services import batches_resume_stalled

    variant("ESP-250")
    receive("ESP-250", 10)
    orders = [order_of(("ESP-250", 1)) for _ in range(2)]
    batch = create(actor, *orders)
    run(batch, worker="dead", limit=1)
    processing._claim(batch.pk, "dead")  # it died holding the second order
    later = timezone.now() + dt.timedelta(minutes=10)
    assert batches_resume_stalled() == []  # its lease still runs

    stuck = selectors.batch_stuck(batch, selectors.batch_entries(batch), now=later)

    assert stuck.waiting == [orders[1].number]
    assert stuck.for_seconds >= 600
    queued = DBTaskResult.objects.count()
    with pytest.MonkeyPatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
        patch.setattr(timezone, "now", lambda: later)
        assert batches_resume_stalled() == [batch.number]
    assert DBTaskResult.objects.count() == queued + 2  # one processing task per worker that may share it


def test_orders_claimed_together_are_claimed_again_once_their_claim_is_half_its_lease_old(actor, carriers, monkeypatch):
    variant("ESP-250")
    receive("ESP-250", 10)
    orders = [order_of(("ESP-250", 1)) for _ in range(3)]
    batch = create(actor, *orders)
    passed = [dt.timedelta(0)]
    real_now, real_process = timezone.now, processing.process_entry
    monkeypatch.setattr(timezone, "now", lambda: real_now() + passed[0])

    def slow(entry, worker, actor):  # each order takes more than half the lease
        real_process(entry, worker, actor)
        passed[0] += dt.timedelta(seconds=processing.lease_seconds() / 2 + 1)

    monkeypatch.setattr(processing, "process_entry", slow)
    batch = run(batch, worker="w")

    assert batch.status == BatchStatus.FINISHED
    # the three claimed in one go; the second and third claimed again before they started, the third twice
    assert list(BatchOrder.objects.filter(batch=batch).order_by("position").values_list("attempts", flat=True)) == [
        1, 2, 3,
    ]  # fmt: skip
    assert carriers.bought == 3
    _once_each(batch, orders)
