"""Plans scheduling roasts from one scarce green lot at the same moment never reserve more than exists."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Sum

from orderly.core.exceptions import Conflict
from orderly.inventory.models import Hold, Lot
from orderly.plans.services import allocation_save, plan_create
from orderly.production.models import RoastBatch
from orderly.production.services.scheduling import roast_schedule
from tests.bounds import WAIT_BOUND
from tests.plans.helpers import FULFILLMENT_DATE, order_of
from tests.production.helpers import ACTOR, roastery

WORKERS = 6


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers with row locks")
@pytest.mark.django_db(transaction=True)
def test_plans_scheduling_from_one_scarce_green_lot_never_reserve_more_than_exists():
    # 50 kg green: each plan needs 40 bags (10 kg roasted → one 12 kg batch), so four of six plans can have one
    product, profile, lot = roastery(green_kg=50)
    plans = []
    for _ in range(WORKERS):
        order = order_of(("ESP-250", 40))
        plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=ACTOR)
        allocation_save(plan=plan, actor=ACTOR)
        plans.append(plan)
    barrier = threading.Barrier(WORKERS)
    refused, errors = [], []

    def work(plan):
        try:
            barrier.wait()
            roast_schedule(plan=plan, on=date(2026, 11, 28), actor=ACTOR)
        except Conflict as refusal:
            refused.append(refusal.code)
        except Exception as error:  # anything else is a failure of the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_BOUND)
    assert errors == []
    lot.refresh_from_db()
    held = Hold.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"]
    assert (RoastBatch.objects.count(), lot.held, held, lot.on_hand) == (4, Decimal("48.000"), Decimal("48.000"),
                                                                         Decimal("50.000"))  # fmt: skip
    assert sorted(refused) == ["nothing_to_schedule", "nothing_to_schedule"]
    assert Lot.objects.filter(held__gt=F("on_hand")).count() == 0
