"""Sixteen threads doing a busy warehouse's work over the same stock at once, through the real services: no
deadlock, no unexpected error, the stock and the items' counters consistent afterwards.

Fulfillments, allocations, order cancels, receipts, adjustments, plan changes and fulfillment cancels all run
against the same few lots and orders for a bounded time, round after round. A refusal the domain gives
(insufficient stock, an order in a plan, nothing left to fulfill…) is an expected answer; `busy` (the bounded
retry gave up) is allowed but counted; anything else, above all PostgreSQL's "deadlock detected", fails.
"""

import random
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import DomainError
from orderly.inventory.models import Lot
from orderly.inventory.services import stock_adjust, stock_receive
from orderly.orders.models import Order
from orderly.orders.services import order_cancel
from orderly.plans.models import FulfillmentPlan, PlanOrder
from orderly.plans.services import (
    allocation_save,
    pick_complete,
    pick_return,
    plan_add_orders,
    plan_cancel,
    plan_create,
    plan_remove_order,
)
from orderly.shipping.models import Fulfillment
from orderly.shipping.services import fulfillment_cancel, fulfillment_create
from tests.bounds import WAIT_BOUND
from tests.plans.helpers import FULFILLMENT_DATE, order_of, receive, variant
from tests.plans.test_properties import check_invariants

WORKERS = 16
ROUNDS = 3
SECONDS_PER_ROUND = 2.5
SKUS = ("ESP-250", "DEC-250")
ACTOR = Actor.system()


class Load:
    """One round's shared state: the order and plan numbers the threads pick from, and what they saw."""

    def __init__(self, orders: list[str], plans: list[str]):
        self.orders = orders
        self.plans = plans
        self.lock = threading.Lock()
        self.done = Counter()
        self.refused = Counter()
        self.unexpected: list[BaseException] = []

    def record(self, kind: str, error: BaseException | None) -> None:
        with self.lock:
            if error is None:
                self.done[kind] += 1
            elif isinstance(error, DomainError):
                self.refused[error.code] += 1
            else:
                self.unexpected.append(error)


def _step(load: Load, rng: random.Random) -> str:
    """One random piece of work, as the warehouse and the shops would do it; returns its kind."""
    kind = rng.choice(
        ("fulfill", "fulfill", "allocate", "allocate", "release", "cancel_order", "receive", "adjust",
         "remove", "add", "complete", "return", "unfulfill", "plan_cancel")
    )  # fmt: skip
    plan = rng.choice(load.plans)
    if kind in ("remove", "complete", "return", "release"):  # an order of that plan, most of the time
        members = list(
            PlanOrder.objects.filter(plan__number=plan, removed_at__isnull=True).values_list("order__number", flat=True)
        )
        order = rng.choice(members or load.orders)
    elif kind == "cancel_order":  # mostly the orders no plan holds
        order = rng.choice(load.orders[16:] if rng.random() < 0.7 else load.orders)
    else:
        order = rng.choice(load.orders)
    if kind == "fulfill":
        fulfillment_create(order=Order.objects.get(number=order), actor=ACTOR)
    elif kind == "allocate":
        allocation_save(plan=plan, allocate_all=True, actor=ACTOR)
    elif kind == "release":
        allocation_save(plan=plan, lines=[{"sku": rng.choice(SKUS), "quantity": rng.randint(0, 2)}], actor=ACTOR)
    elif kind == "cancel_order":
        order_cancel(order=Order.objects.get(number=order), actor=ACTOR)
    elif kind == "receive":
        stock_receive(kind="packaged", sku=rng.choice(SKUS), quantity=3, lot_date="2026-03-01", actor=ACTOR)
    elif kind == "adjust":
        lot = Lot.objects.order_by("?").values_list("number", flat=True).first()
        stock_adjust(lot=lot, quantity=rng.choice((-1, 1, 2)), reason="Counted again.", actor=ACTOR)
    elif kind == "remove":
        plan_remove_order(plan=plan, order=order, actor=ACTOR)
    elif kind == "add":
        plan_add_orders(plan=plan, orders=[order], actor=ACTOR)
    elif kind == "complete":
        pick_complete(plan=plan, order=order, actor=ACTOR)
    elif kind == "return":
        pick_return(plan=plan, order=order, actor=ACTOR)
    elif kind == "unfulfill":
        fulfillment = Fulfillment.objects.filter(status="fulfilled").order_by("?").first()
        if fulfillment is not None:
            fulfillment_cancel(fulfillment=fulfillment, actor=ACTOR)
    elif kind == "plan_cancel" and rng.random() < 0.2:
        plan_cancel(plan=plan, actor=ACTOR)
    return kind


def _run(load: Load, seed: int) -> None:
    barrier = threading.Barrier(WORKERS)

    def work(worker: int) -> None:
        rng = random.Random(seed * 100 + worker)
        try:
            barrier.wait()
            deadline = time.monotonic() + SECONDS_PER_ROUND
            while time.monotonic() < deadline:
                kind, error = "?", None
                try:
                    kind = _step(load, rng)
                except BaseException as raised:  # every error is sorted and counted
                    error = raised
                load.record(kind, error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_BOUND)
    assert not any(thread.is_alive() for thread in threads), "a worker did not finish"


def _round_setup(round_no: int) -> Load:
    for sku in SKUS:
        for month in (1, 2, 3):
            receive(ACTOR, sku, 12, f"2026-0{month}-0{round_no + 1}")
    orders = [
        (order_of(("ESP-250", 2), ("DEC-250", 1)) if n % 2 else order_of(("DEC-250", 1), ("ESP-250", 3))).number
        for n in range(20)
    ]
    plans = [
        plan_create(orders=orders[n : n + 4], fulfillment_date=FULFILLMENT_DATE, actor=ACTOR).number
        for n in range(0, 16, 4)
    ]
    return Load(orders, plans)


def _deadlocks(errors: list[BaseException]) -> int:
    return sum(1 for error in errors if "deadlock detected" in str(error))


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers with row locks")
@pytest.mark.django_db(transaction=True)
def test_sixteen_threads_of_mixed_work_never_deadlock_and_keep_stock_consistent():
    for sku in SKUS:
        variant(sku)
    total, refused = Counter(), Counter()
    unexpected: list[BaseException] = []
    for round_no in range(ROUNDS):
        load = _round_setup(round_no)
        _run(load, seed=round_no)
        unexpected += load.unexpected
        check_invariants()
        assert not Lot.objects.filter(on_hand__lt=0).exists()
        total.update(load.done)
        refused.update(load.refused)
        # the work really ran side by side and much of it succeeded: not a test of refusals only
        assert sum(load.done.values()) >= WORKERS, (round_no, load.done, load.refused)
    summary = f"done {dict(total)}, refused {dict(refused)}, unexpected {len(unexpected)}"
    assert _deadlocks(unexpected) == 0, (_deadlocks(unexpected), summary, unexpected[:3])
    assert unexpected == [], (summary, unexpected[:3])
    # a busy refusal is the bounded retry giving up: allowed, but rare
    assert refused[ErrorCode.BUSY] <= max(3, sum(total.values()) // 50), summary
    assert FulfillmentPlan.objects.count() == 4 * ROUNDS
