#!/usr/bin/env python
"""Benchmark: a plan's order conversion and *Schedule roasts* for a plan of 1,000 orders × 3 lines over 50 roasted
products, 200 green lots and 20 profiles, on SQLite and PostgreSQL.

    .venv/bin/python bench/production_conversion.py              # SQLite, then PostgreSQL when reachable; recorded
    .venv/bin/python bench/production_conversion.py --db sqlite  # one database, nothing recorded
    options: --runs N (7)  --sizes 500,1000  --no-record

Each database is a fresh, dedicated one (var/bench/production.sqlite3; PostgreSQL database
`orderly_bench_production` on 127.0.0.1), migrated, then loaded in bulk: 50 roasted products with a 250 g and a
1 kg bag each; 3 machines; 20 of the products with a profile group and one profile (12 kg batches, 15 % loss, on
one or two machines) drawing 10 green lots each (200 green lots of 200 kg: one lot covers a row); loose roasted
stock for every other product; one open plan per size with that many orders of 3 lines (1–4 bags each, on 3
different products), with nothing allocated, so every product the orders ask for has a row to convert (the 30
without a profile are flagged `no_profile`). Only the measured plan is open while it is measured (order
conversion counts every open plan's need).

Two operations per size: *conversion* (`conversion_rows(plan)`: the Roast schedules tab's table) and *schedule*
(`roast_schedule(plan, on)`: every row that can be scheduled becomes a roast batch holding its green coffee),
each inside a transaction rolled back afterwards, so every run does the same work from the same state. The
figures are the median and minimum wall-clock time over the runs, the median CPU time of the benchmark's process
(which other load on a shared machine barely changes; for PostgreSQL it leaves out the server's share) and the
number of queries (Django's CaptureQueriesContext), which must not grow with the number of orders and lines.
"""

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from benchkit import bench_database, migrate, smoke_argument

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_PATH = BENCH_DIR / f"{bench_database('production')}.sqlite3"
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = bench_database("orderly_bench_production")
TARGET_SECONDS = 0.3
PRODUCTS, PROFILES, GREENS_PER_PROFILE, MACHINES = 50, 20, 10, 3
ROAST_DAY = date(2026, 12, 1)


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


def _master_data(rng, products, warehouse, actor) -> None:
    """Machines, 20 profile groups with one profile each, 200 green lots (10 per profile), loose stock."""
    from orderly.inventory.models import Lot, Movement
    from orderly.production.models import Machine, Profile, ProfileGreen, ProfileGroup

    machines = Machine.objects.bulk_create(
        [Machine(name=f"Roaster {m + 1}", min_batch_kg=Decimal("5"), max_batch_kg=Decimal("15"), batches_per_day=12)
         for m in range(MACHINES)]
    )  # fmt: skip
    groups = ProfileGroup.objects.bulk_create(
        [ProfileGroup(name=f"{product.name} profiles", product=product) for product in products[:PROFILES]]
    )
    profiles = Profile.objects.bulk_create(
        [Profile(group=group, name=f"{group.product.name} medium", batch_kg=Decimal("12"), end_kg=Decimal("10.2"))
         for group in groups]
    )  # fmt: skip
    Through = Profile.machines.through
    Through.objects.bulk_create(
        [Through(profile=profile, machine=machine)
         for i, profile in enumerate(profiles) for machine in machines[i % MACHINES : i % MACHINES + 1 + i % 2]]
    )  # fmt: skip
    lots, number = [], 0
    for p in range(PROFILES):
        for g in range(GREENS_PER_PROFILE):
            number += 1
            lots.append(
                Lot(number=f"LOT-{number:06d}", kind="raw", name=f"Green {p:02d}-{g}", warehouse=warehouse,
                    lot_date=date(2026, 1, 1 + g), on_hand=Decimal("200"))
            )  # fmt: skip
    for product in products[PROFILES:]:
        number += 1
        lots.append(
            Lot(number=f"LOT-{number:06d}", kind="loose", product=product, warehouse=warehouse,
                lot_date=date(2026, 11, 1), on_hand=Decimal(rng.randint(5, 40)))
        )  # fmt: skip
    Lot.objects.bulk_create(lots, batch_size=500)
    greens = list(Lot.objects.filter(kind="raw").order_by("id"))
    ProfileGreen.objects.bulk_create(
        [ProfileGreen(profile=profile, lot=lot, rank=g)
         for p, profile in enumerate(profiles)
         for g, lot in enumerate(greens[p * GREENS_PER_PROFILE : (p + 1) * GREENS_PER_PROFILE])]
    )  # fmt: skip
    Movement.objects.bulk_create(
        [Movement(lot=lot, kind="receipt", quantity=lot.on_hand, actor_kind=actor.kind, actor_name=actor.name)
         for lot in Lot.objects.all()],
        batch_size=500,
    )  # fmt: skip


def load(sizes: list[int]) -> dict[int, str]:
    """The catalog, production's master data, stock and one plan per size; returns plan numbers by size."""
    from django.db import transaction

    from orderly.catalog.models import Product, Variant
    from orderly.channels.selectors import manual_channel
    from orderly.core.actors import Actor
    from orderly.inventory.services import default_warehouse
    from orderly.orders.models import Order, OrderItem
    from orderly.plans.models import FulfillmentPlan, PlanOrder

    rng = random.Random(12)
    actor = Actor.system()
    with transaction.atomic():
        products = Product.objects.bulk_create([Product(name=f"Roast {p:02d}") for p in range(PRODUCTS)])
        variants = Variant.objects.bulk_create(
            [Variant(product=product, sku=f"R{p:02d}-{size}", name=f"{product.name} {size} g",
                     package_size=Decimal(size) / 1000, price=Decimal("8.50"))
             for p, product in enumerate(products) for size in (250, 1000)]
        )  # fmt: skip
        by_product = [variants[2 * p : 2 * p + 2] for p in range(PRODUCTS)]
        _master_data(rng, products, default_warehouse(), actor)
        channel = manual_channel()
        plans, orders, order_no = {}, [], 0
        for size in sizes:
            plans[size] = FulfillmentPlan.objects.create(number=f"OF-{size:06d}", fulfillment_date=date(2026, 12, 3))
            for _ in range(size):
                order_no += 1
                orders.append(
                    Order(number=f"OR-{order_no:06d}", channel=channel, customer_name=f"Customer {order_no}",
                          stage="in_progress", item_count=3)
                )  # fmt: skip
        Order.objects.bulk_create(orders, batch_size=500)
        orders = list(Order.objects.order_by("id"))
        memberships, items, start = [], [], 0
        for size in sizes:
            for order in orders[start : start + size]:
                memberships.append(PlanOrder(plan=plans[size], order=order))
                for line_no, p in enumerate(rng.sample(range(PRODUCTS), 3), start=1):
                    variant = rng.choice(by_product[p])
                    quantity = rng.randint(1, 4)
                    items.append(
                        OrderItem(order=order, line_no=line_no, variant=variant, sku=variant.sku, name=variant.name,
                                  quantity=quantity, qty_on_pick_list=quantity, unit_price=Decimal("8.50"))
                    )  # fmt: skip
            start += size
        PlanOrder.objects.bulk_create(memberships, batch_size=500)
        OrderItem.objects.bulk_create(items, batch_size=500)
    return {size: plan.number for size, plan in plans.items()}


def _timed(runs: int, work) -> tuple[dict, object]:
    """Median and minimum wall-clock time, median CPU time of this process, and queries of `work` over `runs`."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    seconds, cpu, queries, outcome = [], [], 0, None
    for _ in range(runs):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                outcome = work()
                seconds.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            queries = len(captured.captured_queries)
            transaction.set_rollback(True)
    figures = {"median_s": statistics.median(seconds), "min_s": min(seconds), "cpu_s": statistics.median(cpu)}
    return {**figures, "queries": queries}, outcome


def measure(plan_number: str, runs: int) -> dict:
    from orderly.core.actors import Actor
    from orderly.plans.models import FulfillmentPlan
    from orderly.plans.selectors import plan_get
    from orderly.production.figures import conversion_rows
    from orderly.production.services.scheduling import roast_schedule

    # only the measured plan is open: order conversion counts every open plan's need
    FulfillmentPlan.objects.update(status="completed")
    FulfillmentPlan.objects.filter(number=plan_number).update(status="open")
    plan = plan_get(plan_number)
    conversion, rows = _timed(runs, lambda: conversion_rows(plan))
    schedule, batches = _timed(runs, lambda: roast_schedule(plan=plan_number, on=ROAST_DAY, actor=Actor.system()))
    return {
        "conversion": conversion,
        "schedule": schedule,
        "rows": len(rows),
        "flagged": sum(1 for r in rows if r.problems),
        "batches": len(batches),
        "roasts": sum(b.batches for b in batches),
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
        for what in ("conversion", "schedule"):
            f = figures[what]
            print(
                f"{db:10} {size:5} orders ({3 * size} lines) {what:10}: median {f['median_s'] * 1000:6.1f} ms, "
                f"min {f['min_s'] * 1000:6.1f} ms, CPU {f['cpu_s'] * 1000:6.1f} ms, {f['queries']} queries"
            )
        print(
            f"{db:10} {size:5} orders: {figures['rows']} rows ({figures['flagged']} flagged), "
            f"{figures['batches']} roast batches of {figures['roasts']} roasts scheduled"
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
        path = RESULTS_DIR / f"production_conversion-{stamp}.md"
        path.write_text(
            f"# production_conversion {stamp} UTC, commit {commit}, Python {platform.python_version()}, "
            f"target < {TARGET_SECONDS * 1000:.0f} ms each\n\n"
            "```\n" + "".join(results) + "```\n"
        )
        print(f"recorded {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
