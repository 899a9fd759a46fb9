#!/usr/bin/env python
"""Benchmark: *Allocate all stock* plus packaging-plan creation for a plan of 1,000 orders × 3 lines over 50
variants and 500 packaged lots (and 50 loose lots), on SQLite and PostgreSQL.

    .venv/bin/python bench/plan_allocation.py                # SQLite, then PostgreSQL when reachable; records results
    .venv/bin/python bench/plan_allocation.py --db sqlite    # one database, nothing recorded
    options: --runs N (7)  --sizes 500,1000  --no-record

Each database is a fresh, dedicated one (var/bench/plans.sqlite3; PostgreSQL database `orderly_bench_plans` on
127.0.0.1), migrated, then loaded in bulk: 10 products × 5 variants, 10 packaged lots per variant, 5 loose lots
per product, and one plan per size with that many orders of 3 lines (1–4 units each, on 3 different variants).
Stock covers about 60 % of what the orders ask, so allocation both fills lines and leaves shortfalls that become
packaging plans. Each run calls `allocation_save(allocate_all=True)` inside a transaction that is rolled back
afterwards, so every run does the same work from the same state; the figures are the median wall-clock time and
the number of queries, counted with Django's CaptureQueriesContext.
"""

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from benchkit import bench_database, migrate, smoke_argument

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_PATH = BENCH_DIR / f"{bench_database('plans')}.sqlite3"
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = bench_database("orderly_bench_plans")
TARGET_SECONDS = 0.5  # issue 17: allocation back under its earlier time
PRODUCTS, VARIANTS_PER_PRODUCT, LOTS_PER_VARIANT, LOOSE_LOTS_PER_PRODUCT = 10, 5, 10, 5


def prepare_database(db: str) -> str:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def load(sizes: list[int]) -> dict[int, str]:
    """The catalog, the stock and one plan per size; returns plan numbers by size."""
    from django.db import transaction

    from orderly.catalog.models import Product, Variant
    from orderly.channels.selectors import manual_channel
    from orderly.core.actors import Actor
    from orderly.inventory.models import Lot, Movement
    from orderly.inventory.services import default_warehouse
    from orderly.orders.models import Order, OrderItem
    from orderly.plans.models import FulfillmentPlan, PlanOrder

    rng = random.Random(4)
    actor = Actor.system()
    with transaction.atomic():
        products = Product.objects.bulk_create([Product(name=f"Blend {p:02d}") for p in range(PRODUCTS)])
        variants = Variant.objects.bulk_create(
            [
                Variant(
                    product=product, sku=f"B{p:02d}-{v}", name=f"{product.name} {250 * (v + 1)} g",
                    package_size=Decimal("0.25") * (v + 1), price=Decimal("8.50"),
                )
                for p, product in enumerate(products)
                for v in range(VARIANTS_PER_PRODUCT)
            ]
        )  # fmt: skip
        channel = manual_channel()
        plans, orders, items, order_no, demand = {}, [], [], 0, {v.pk: 0 for v in variants}
        for size in sizes:
            plan = FulfillmentPlan.objects.create(number=f"OF-{size:06d}", fulfillment_date=date(2026, 12, 1))
            plans[size] = plan
            for _ in range(size):
                order_no += 1
                orders.append(
                    Order(number=f"OR-{order_no:06d}", channel=channel, customer_name=f"Customer {order_no}",
                          stage="in_progress", item_count=3)
                )  # fmt: skip
        Order.objects.bulk_create(orders, batch_size=500)
        orders = list(Order.objects.order_by("id"))
        memberships, start = [], 0
        for size in sizes:
            for order in orders[start : start + size]:
                memberships.append(PlanOrder(plan=plans[size], order=order))
                for line_no, variant in enumerate(rng.sample(variants, 3), start=1):
                    quantity = rng.randint(1, 4)
                    demand[variant.pk] += quantity if size == max(sizes) else 0
                    items.append(
                        OrderItem(order=order, line_no=line_no, variant=variant, sku=variant.sku, name=variant.name,
                                  quantity=quantity, qty_on_pick_list=quantity, unit_price=Decimal("8.50"))
                    )  # fmt: skip
            start += size
        PlanOrder.objects.bulk_create(memberships, batch_size=500)
        OrderItem.objects.bulk_create(items, batch_size=500)
        warehouse = default_warehouse()
        lots, number = [], 0
        for variant in variants:
            per_lot = max(1, round(demand[variant.pk] * 0.6 / LOTS_PER_VARIANT))
            for _lot in range(LOTS_PER_VARIANT):
                number += 1
                lots.append(
                    Lot(number=f"LOT-{number:06d}", kind="packaged", variant=variant, warehouse=warehouse,
                        lot_date=date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)), on_hand=per_lot)
                )  # fmt: skip
        for product in products:
            for _lot in range(LOOSE_LOTS_PER_PRODUCT):
                number += 1
                lots.append(
                    Lot(number=f"LOT-{number:06d}", kind="loose", product=product, warehouse=warehouse,
                        lot_date=date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)), on_hand=Decimal("12.5"))
                )  # fmt: skip
        Lot.objects.bulk_create(lots, batch_size=500)
        Movement.objects.bulk_create(
            [
                Movement(lot=lot, kind="receipt", quantity=lot.on_hand, actor_kind=actor.kind, actor_name=actor.name)
                for lot in Lot.objects.all()
            ],
            batch_size=500,
        )
    return {size: plan.number for size, plan in plans.items()}


def measure(plan_number: str, runs: int) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from orderly.core.actors import Actor
    from orderly.inventory.models import Hold
    from orderly.plans.models import PackagingPlan
    from orderly.plans.services import allocation_save

    seconds, cpu, queries, outcome = [], [], [], {}
    for _ in range(runs):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                allocation_save(plan=plan_number, allocate_all=True, actor=Actor.system())
                seconds.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            queries.append(len(captured.captured_queries))
            statements = [q["sql"].split(" ", 1)[0].upper() for q in captured.captured_queries]
            outcome = {
                "holds": Hold.objects.filter(reference=plan_number).count(),
                "packaging_plans": PackagingPlan.objects.filter(plan__number=plan_number).count(),
                "inserts": statements.count("INSERT"),
                "other_queries": len(statements) - statements.count("INSERT"),
            }
            transaction.set_rollback(True)
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "cpu_s": statistics.median(cpu),
        "queries": queries[-1],
        **outcome,
    }


def run_one(db: str, args) -> dict:
    os.environ["DATABASE_URL"] = prepare_database(db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "orderly.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()

    migrate()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    plans = load(sizes)
    result = {"db": db, "sizes": {}}
    for size in sizes:
        figures = measure(plans[size], args.runs)
        result["sizes"][size] = figures
        print(
            f"{db:10} {size:5} orders ({3 * size} lines): median {figures['median_s'] * 1000:7.1f} ms, "
            f"min {figures['min_s'] * 1000:7.1f} ms, process CPU {figures['cpu_s'] * 1000:7.1f} ms, "
            f"{figures['queries']} queries "
            f"({figures['other_queries']} + {figures['inserts']} inserts), {figures['holds']} holds, "
            f"{figures['packaging_plans']} packaging plans"
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", default="500,1000")
    parser.add_argument("--no-record", action="store_true")
    smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.sizes, args.no_record = 1, "20", True
    if args.db:
        run_one(args.db, args)
        return 0
    # each database in its own process: Django is set up once per process
    results = []
    for db in ("sqlite", "postgresql"):
        command = [sys.executable, __file__, "--db", db, "--runs", str(args.runs), "--sizes", args.sizes]
        done = subprocess.run(command, capture_output=True, text=True)
        print(done.stdout, end="")
        if done.returncode:
            print(done.stderr[-2000:], file=sys.stderr)
            continue
        results.append(done.stdout)
    if not args.no_record and results:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = time.strftime("%Y-%m-%d-%H%M", time.gmtime())
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        path = RESULTS_DIR / f"plan_allocation-{stamp}.md"
        path.write_text(
            f"# plan_allocation {stamp} UTC, commit {commit}, Python {platform.python_version()}, "
            f"target < {TARGET_SECONDS} s\n\n"
            "```\n" + "".join(results) + "```\n"
        )
        print(f"recorded {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
