#!/usr/bin/env python
"""Benchmark: sync 10,000 Shopify orders of three lines from a loopback fake Shopify, then re-sync them unchanged.

    .venv/bin/python bench/channel_sync.py                # SQLite, then PostgreSQL when reachable; records results
    .venv/bin/python bench/channel_sync.py --db sqlite    # one database, nothing recorded
    options: --orders N (10,000)  --repeat N (3; the median is reported)  --no-record  --label WORD

Each database is created fresh for the run (var/bench/channel_sync.sqlite3; PostgreSQL database
`orderly_bench_channels` on 127.0.0.1) and migrated. The fake Shopify (tests/channels/fake_shops.py) runs on
127.0.0.1 in a process of its own and serves the orders 250 per page with Link paging. Three figures per database:

- import: `channel_sync` of all orders (HTTP, parsing, upsert with numbering, items, addresses, events, checks); from
  the first full page on, a reader process downloads and parses the later pages beside it (connectors/pulling.py)
- re-sync: the same again from an empty cursor, every order fetched and found unchanged
- raw bulk insert: the same rows (orders, addresses, items, one event each) written with bulk_create in one
  transaction, no HTTP or checks
- raw SQL insert: the same rows, built before the clock starts, written straight through the database driver
  (executemany on SQLite, COPY on PostgreSQL, via orders.services.importing.insert_rows): the floor, and the
  baseline the import is held to

Targets: import >= 5,000 order lines/s; re-sync >= 5x faster than the import; import <= 10x the raw inserts.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchkit import bench_database, migrate, smoke_argument

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = bench_database("orderly_bench_channels")
LINES = 3
SKUS = ("ESP-250", "ESP-1000", "DEC-250")


def prepare_database(db: str) -> str | None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        path = BENCH_DIR / f"{bench_database('channel_sync')}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    except Exception as exc:  # no server here: measure SQLite only
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipped.", file=sys.stderr)
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


# --------------------------------------------------------------------------------------------- in the child


def child(n_orders: int) -> dict:
    import django

    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderly.settings")
    django.setup()
    from django.db import connection

    migrate()
    from tests.channels.fake_shops import FakeShopify
    from tests.factories import VariantFactory

    from orderly.channels.models import SalesChannel
    from orderly.channels.services import channel_create, channel_sync
    from orderly.orders.models import Order, OrderEvent, OrderItem

    for sku in SKUS:
        VariantFactory(sku=sku)
    # The shop runs in its own process, as a real one would: its JSON encoding does not compete for our GIL.
    shop = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--orders", str(n_orders)], stdout=subprocess.PIPE, text=True
    )
    try:
        base_url = shop.stdout.readline().strip()
        channel = channel_create(
            name="Bench Shopify",
            kind="shopify",
            settings={"base_url": base_url},
            credentials={"access_token": FakeShopify.token},
        )
        started, cpu = time.perf_counter(), time.process_time()
        run = channel_sync(channel=channel)
        import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert (run.status, run.imported) == ("succeeded", n_orders), (run.status, run.imported, run.error)

        SalesChannel.objects.filter(pk=channel.pk).update(sync_cursor="")
        channel.refresh_from_db()
        started, cpu = time.perf_counter(), time.process_time()
        rerun = channel_sync(channel=channel)
        resync_s, resync_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert (rerun.skipped, rerun.imported, rerun.updated) == (n_orders, 0, 0)

        raw_s, raw_cpu = raw_bulk_insert(n_orders)
        sql_s, sql_cpu = raw_sql_insert(n_orders)
        counts = (Order.objects.count(), OrderItem.objects.count(), OrderEvent.objects.count())
    finally:
        shop.terminate()
        shop.wait(timeout=10)
    lines = n_orders * LINES
    return {
        "database": database_name(connection),
        "orders": n_orders,
        "lines": lines,
        "import_s": import_s,
        "resync_s": resync_s,
        "raw_s": raw_s,
        "sql_s": sql_s,
        "sql_cpu": sql_cpu,
        "import_vs_sql": import_s / sql_s,
        "import_lines_per_s": lines / import_s,
        "resync_speedup": import_s / resync_s,
        "import_vs_raw": import_s / raw_s,
        "import_cpu": import_cpu,
        "resync_cpu": resync_cpu,
        "raw_cpu": raw_cpu,
        "import_lines_per_cpu_s": lines / import_cpu,
        "resync_cpu_speedup": import_cpu / resync_cpu,
        "import_vs_raw_cpu": import_cpu / raw_cpu,
        "rows_after": counts,
    }


def serve(n_orders: int, lifetime: float = 1800) -> None:
    """The fake Shopify with the bench's orders, in this process until terminated (or `lifetime` seconds)."""
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    from tests.channels.fake_shops import FakeShopify, shopify_order

    shop = FakeShopify(lifetime=lifetime).start()
    shop.add(*(shopify_order(n, skus=SKUS) for n in range(1, n_orders + 1)))
    print(shop.base_url, flush=True)
    time.sleep(lifetime)


def database_name(connection) -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    return f"PostgreSQL {connection.pg_version // 10000}"


def raw_bulk_insert(n_orders: int) -> tuple[float, float]:
    """The same orders' rows, straight into the tables in one transaction (another channel, own numbers)."""
    from decimal import Decimal

    from django.db import transaction
    from tests.channels.fake_shops import shopify_order

    from orderly.channels.connectors.shopify import parse_order
    from orderly.channels.models import SalesChannel
    from orderly.orders.models import Address, Order, OrderEvent, OrderItem

    channel = SalesChannel.objects.create(name="Bench raw", kind="manual")
    parsed = [parse_order(shopify_order(n, skus=SKUS)) for n in range(1, n_orders + 1)]
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        addresses = Address.objects.bulk_create(
            [Address(**{**p.shipping_address, "email": ""}) for p in parsed], batch_size=1000
        )
        orders = Order.objects.bulk_create(
            [
                Order(
                    number=f"RAW-{i:06d}",
                    channel=channel,
                    external_id=p.external_id,
                    external_ref=p.external_ref,
                    external_status=p.external_status,
                    customer_name=p.customer["name"],
                    customer_email=p.customer["email"],
                    shipping_address=address,
                    item_count=len(p.items),
                )
                for i, (p, address) in enumerate(zip(parsed, addresses, strict=True))
            ],
            batch_size=1000,
        )
        OrderItem.objects.bulk_create(
            [
                OrderItem(
                    order=order,
                    line_no=n,
                    sku=item["sku"],
                    name=item["name"],
                    quantity=item["quantity"],
                    unit_price=Decimal(item["unit_price"]),
                    tax_rate=Decimal(item["tax_rate"]),
                )
                for order, p in zip(orders, parsed, strict=True)
                for n, item in enumerate(p.items, start=1)
            ],
            batch_size=1000,
        )
        OrderEvent.objects.bulk_create(
            [
                OrderEvent(order=order, kind="imported", actor_kind="channel", actor_name="raw", message="raw")
                for order in orders
            ],
            batch_size=1000,
        )
    return time.perf_counter() - started, time.process_time() - cpu


def raw_sql_insert(n_orders: int) -> tuple[float, float]:
    """The same orders' rows as plain dicts, built first; only the driver-level inserts are timed."""
    from django.db import transaction
    from tests.channels.fake_shops import shopify_order

    from orderly.channels.connectors.shopify import parse_order
    from orderly.channels.models import SalesChannel
    from orderly.orders.models import Address, Order, OrderEvent, OrderItem
    from orderly.orders.services.importing import insert_rows

    channel = SalesChannel.objects.create(name="Bench SQL", kind="manual")
    parsed = [parse_order(shopify_order(n, skus=SKUS)) for n in range(1, n_orders + 1)]
    addresses = [{**p.shipping_address, "email": ""} for p in parsed]
    orders = [
        {
            "number": f"SQL-{i:06d}", "channel_id": channel.pk, "external_id": p.external_id,
            "external_ref": p.external_ref, "external_status": p.external_status, "customer_name": p.customer["name"],
            "customer_email": p.customer["email"], "item_count": len(p.items),
        }
        for i, p in enumerate(parsed)
    ]  # fmt: skip
    items = [
        [
            {"line_no": n, "sku": item["sku"], "name": item["name"], "quantity": item["quantity"],
             "unit_price": item["unit_price"], "tax_rate": item["tax_rate"]}
            for n, item in enumerate(p.items, start=1)
        ]
        for p in parsed
    ]  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        address_ids = insert_rows(Address, addresses, returning=True)
        for order, address_id in zip(orders, address_ids, strict=True):
            order["shipping_address_id"] = address_id
        order_ids = insert_rows(Order, orders, returning=True)
        insert_rows(
            OrderItem,
            [{**item, "order_id": oid} for oid, lines in zip(order_ids, items, strict=True) for item in lines],
        )
        insert_rows(
            OrderEvent,
            [{"order_id": oid, "kind": "imported", "actor_kind": "channel", "actor_name": "raw", "message": "raw"}
             for oid in order_ids],
        )  # fmt: skip
    return time.perf_counter() - started, time.process_time() - cpu


# ------------------------------------------------------------------------------------------------- driver


def run_db(db: str, n_orders: int) -> dict | None:
    url = prepare_database(db)
    if url is None:
        return None
    env = {**os.environ, "DATABASE_URL": url, "ORDERLY_DATA_DIR": str(BENCH_DIR / "data"), "LOG_LEVEL": "WARNING"}
    env["ORDERLY_ALLOW_PRIVATE_NETWORKS"] = "1"  # the fake shop listens on 127.0.0.1
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--orders", str(n_orders)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{db} run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict]) -> dict:
    """The run-by-run median of each time (ratios are then taken from those medians, as in one run)."""
    keys = ("import_s", "resync_s", "raw_s", "sql_s", "import_cpu", "resync_cpu", "raw_cpu", "sql_cpu")
    return {**runs[0], **{key: statistics.median(r[key] for r in runs) for key in keys}, "run": "median"}


def table(results: list[dict]) -> str:
    rows = [
        "| database | run | clock | import s | order lines/s (≥ 5,000) | re-sync s | re-sync speed-up (≥ 5×) "
        "| bulk_create s | import / bulk_create | raw SQL insert s | import / raw SQL (≤ 10×) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for clock, suffix in (("wall", "s"), ("CPU of this process", "cpu")):
            imp, resync, raw, sql = (r[f"{key}_{suffix}"] for key in ("import", "resync", "raw", "sql"))
            b = "**" if r["run"] == "median" else ""
            rows.append(
                f"| {r['database']} | {b}{r['run']}{b} | {clock} | {imp:.2f} | {b}{r['lines'] / imp:,.0f}{b} "
                f"| {resync:.2f} | {b}{imp / resync:.1f}×{b} | {raw:.2f} | {imp / raw:.1f}× "
                f"| {sql:.2f} | {b}{imp / sql:.1f}×{b} |"
            )
    return f"{results[0]['orders']:,} orders of {LINES} lines ({results[0]['lines']:,} lines)\n\n" + "\n".join(rows)


def measure(databases: list[str], n_orders: int, repeat: int) -> list[dict]:
    """Each database `repeat` times (a fresh database each time), then its median; runs alternate databases so
    a burst of load on the shared machine does not fall on one database only."""
    runs: dict[str, list[dict]] = {db: [] for db in databases}
    for n in range(1, repeat + 1):
        for db in databases:
            if (result := run_db(db, n_orders)) is not None:
                runs[db].append({**result, "run": str(n)})
                print(f"{db} run {n}: {result['import_lines_per_s']:,.0f} lines/s", file=sys.stderr, flush=True)
    results = []
    for db_runs in runs.values():
        if db_runs:
            results += db_runs + ([median_of(db_runs)] if len(db_runs) > 1 else [])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"))
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help="runs per database; the median is reported (3)")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--label", default="")
    smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.orders, args.repeat, args.no_record = 60, 1, True
    if args.serve:
        serve(args.orders)
        return
    if args.child:
        print(json.dumps(child(args.orders)))
        return
    start_load = os.getloadavg()
    results = measure([args.db] if args.db else ["sqlite", "postgres"], args.orders, args.repeat)
    text = table(results)
    print(text)
    if not args.db and not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y-%m-%d-%H%M", time.gmtime())
        name = f"channel_sync-{stamp}{'-' + args.label if args.label else ''}.md"
        load = os.getloadavg()
        header = (
            f"# channel_sync {stamp} UTC\n\n{platform.platform()}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, load average {load[0]:.1f} at the end\n\n"
            f"`.venv/bin/python bench/channel_sync.py{' --repeat ' + str(args.repeat) if args.repeat != 3 else ''}`"
            f" (load average at the start {start_load[0]:.1f})\n\n"
        )
        (RESULTS_DIR / name).write_text(header + text + "\n")
        print(f"recorded in bench/results/{name}")


if __name__ == "__main__":
    main()
