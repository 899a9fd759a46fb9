"""Many plans allocating the same scarce stock at once: never more held than exists, no deadlock."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from orderly.core.actors import Actor
from orderly.inventory.models import Hold, Lot
from orderly.plans.services import allocation_save, plan_cancel, plan_create
from tests.bounds import WAIT_BOUND
from tests.plans.helpers import FULFILLMENT_DATE, order_of, receive, variant

WORKERS = 16
ROUNDS = 3


def _allocate_all_at_once(plans, actor, cancel=()):
    """Each plan's allocate all in its own thread, all released at once; plans in `cancel` are canceled instead."""
    barrier = threading.Barrier(len(plans))
    errors = []

    def work(plan):
        try:
            barrier.wait()
            if plan in cancel:
                plan_cancel(plan=plan, actor=actor)
            else:
                allocation_save(plan=plan, allocate_all=True, actor=actor)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_BOUND)
    assert not any(thread.is_alive() for thread in threads), "an allocation did not finish: a deadlock?"
    return errors


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers with row locks")
@pytest.mark.django_db(transaction=True)
def test_sixteen_plans_allocating_scarce_stock_never_hold_more_than_exists():
    actor = Actor.system()
    variant("ESP-250")
    variant("DEC-250")
    for round_no in range(ROUNDS):
        # 4 lots of 5 units of each SKU per round; every plan wants 3 ESP + 2 DEC (48 and 32 in all)
        for i in range(4):
            receive(actor, "ESP-250", 5, f"2026-0{i + 1}-01")
            receive(actor, "DEC-250", 5, f"2026-0{i + 1}-02")
        # half the plans list DEC first: their lines touch the variants in another order, yet lots lock by pk
        plans = [
            plan_create(
                orders=[
                    order_of(("ESP-250", 3), ("DEC-250", 2)).number
                    if i % 2
                    else order_of(("DEC-250", 2), ("ESP-250", 3)).number
                ],
                fulfillment_date=FULFILLMENT_DATE,
                actor=actor,
            )
            for i in range(WORKERS)
        ]
        errors = _allocate_all_at_once(plans, actor)
        assert errors == [], f"round {round_no}"
        for lot in Lot.objects.all():
            held = Hold.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or Decimal("0")
            assert lot.held == held <= lot.on_hand
        # each SKU holds as much as exists or as is asked for, whichever is less: never more, none left idle
        for sku, demand in (("ESP-250", 3 * WORKERS), ("DEC-250", 2 * WORKERS)):
            totals = Lot.objects.filter(variant__sku=sku).aggregate(on_hand=Sum("on_hand"), held=Sum("held"))
            assert totals["held"] == min(totals["on_hand"], demand), (round_no, sku)
        # half the plans cancel while the other half allocate again, taking what the canceled ones give back
        errors = _allocate_all_at_once(plans, actor, cancel=set(plans[::2]))
        assert errors == [], f"round {round_no}, cancel"
        for lot in Lot.objects.all():
            held = Hold.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or Decimal("0")
            assert lot.held == held <= lot.on_hand
        for plan in plans[1::2]:
            plan_cancel(plan=plan, actor=actor)
        assert Lot.objects.aggregate(held=Sum("held"))["held"] == 0
