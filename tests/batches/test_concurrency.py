"""Workers at once on PostgreSQL: two on the same batch, and two batches over the same scarce stock, never process
an order twice and never ship more than exists."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from orderly.batches.models import BatchOrder
from orderly.batches.services import batch_process
from orderly.batches.status import Outcome
from orderly.inventory.models import Lot
from orderly.orders.models import OrderEvent
from orderly.shipping.models import Fulfillment, FulfillmentDraw
from tests.batches.helpers import SYSTEM, create, order_of, receive, variant
from tests.bounds import WAIT_BOUND

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SKIP LOCKED and row locks"),
    pytest.mark.django_db(transaction=True),
]


def _at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def work(job):
        try:
            barrier.wait()
            job()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_BOUND)
    assert not any(thread.is_alive() for thread in threads), "a worker did not finish: a deadlock?"
    return errors


def test_two_workers_on_one_batch_process_each_order_once(carriers):
    variant("ESP-250")
    receive("ESP-250", 100)
    orders = [order_of(("ESP-250", 1)) for _ in range(30)]
    batch = create(SYSTEM, *orders)

    errors = _at_once([lambda name=name: batch_process(batch_id=batch.pk, worker=name) for name in ("w1", "w2")])

    assert errors == []
    batch.refresh_from_db()
    assert (batch.status, batch.counts) == ("finished", {"succeeded": 30, "failed": 0, "waiting": 0})
    assert set(BatchOrder.objects.values_list("attempts", flat=True)) == {1}
    assert set(BatchOrder.objects.values_list("claimed_by", flat=True)) == {"w1", "w2"}  # both took a share
    assert Fulfillment.objects.count() == 30 and carriers.bought == 30
    assert OrderEvent.objects.filter(kind="batch_outcome").count() == 30
    assert Lot.objects.get().on_hand == Decimal("70")


def test_two_batches_over_scarce_stock_never_ship_more_than_exists(carriers):
    variant("ESP-250")
    receive("ESP-250", 10)
    first = create(SYSTEM, *[order_of(("ESP-250", 2)) for _ in range(8)])
    second = create(SYSTEM, *[order_of(("ESP-250", 2)) for _ in range(8)])

    jobs = [
        lambda b=b, n=n: batch_process(batch_id=b.pk, worker=f"{b.number}-{n}") for b in (first, second) for n in (1, 2)
    ]
    errors = _at_once(jobs)

    assert errors == []
    shipped = FulfillmentDraw.objects.aggregate(total=Sum("quantity"))["total"]
    assert shipped == Decimal("10")
    assert Lot.objects.get().on_hand == Decimal("0")
    succeeded = BatchOrder.objects.filter(outcome=Outcome.SUCCEEDED).count()
    failed = BatchOrder.objects.filter(outcome=Outcome.FAILED).count()
    assert (succeeded, failed) == (5, 11)
    assert Fulfillment.objects.count() == 5 and carriers.bought == 5
    assert set(BatchOrder.objects.values_list("attempts", flat=True)) == {1}
