"""Many fulfillments taking the same scarce stock at once, while others are canceled: never more shipped than
exists, on-hand never below zero, no deadlock."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from orderly.core.exceptions import Conflict
from orderly.inventory.models import Lot
from orderly.shipping.models import Fulfillment, FulfillmentDraw
from orderly.shipping.services import fulfillment_cancel, fulfillment_create
from tests.bounds import WAIT_BOUND
from tests.shipping.helpers import SYSTEM, ledger_matches_lots, order_of, receive, variant

WORKERS = 12


def _all_at_once(jobs):
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
    assert not any(thread.is_alive() for thread in threads), "a fulfillment did not finish: a deadlock?"
    return errors


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers with row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_fulfillments_never_ship_more_than_exists():
    variant("ESP-250")
    variant("DEC-250")
    for month in (1, 2, 3):
        receive("ESP-250", 5, f"2026-0{month}-01")
        receive("DEC-250", 4, f"2026-0{month}-01")
    shipped = [order_of(("ESP-250", 1), ("DEC-250", 1)) for _ in range(4)]
    earlier = [fulfillment_create(order=order, actor=SYSTEM) for order in shipped]
    # 12 orders of 2 ESP + 1 DEC (half listing DEC first) against 11 ESP and 8 DEC left, while 4 are canceled
    orders = [
        order_of(("ESP-250", 2), ("DEC-250", 1)) if n % 2 else order_of(("DEC-250", 1), ("ESP-250", 2))
        for n in range(WORKERS)
    ]
    jobs = [lambda order=order: fulfillment_create(order=order, actor=SYSTEM) for order in orders]
    jobs += [lambda f=f: fulfillment_cancel(fulfillment=f, actor=SYSTEM) for f in earlier]
    errors = _all_at_once(jobs)
    assert all(isinstance(error, Conflict) and error.code == "insufficient_stock" for error in errors), errors
    assert not Lot.objects.filter(on_hand__lt=0).exists()
    assert ledger_matches_lots()
    made = Fulfillment.objects.filter(status="fulfilled").count()
    assert made == WORKERS - len(errors)
    taken = FulfillmentDraw.objects.filter(line__fulfillment__status="fulfilled").aggregate(total=Sum("quantity"))
    on_hand = Lot.objects.aggregate(total=Sum("on_hand"))["total"]
    assert Decimal(taken["total"]) + on_hand == 15 + 12
    assert Fulfillment.objects.filter(status="canceled").count() == 4
