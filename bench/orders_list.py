#!/usr/bin/env python
"""Benchmark: the orders overview page and the API list, searches, filters and deep pages at 100,000 and 1,000,000.

    .venv/bin/python bench/orders_list.py                 # both sizes, SQLite then PostgreSQL; records results
    .venv/bin/python bench/orders_list.py --sizes 100000  # one size
    .venv/bin/python bench/orders_list.py --db sqlite     # one database, one size (--orders), nothing recorded
    options: --orders N  --requests N  --warmup N  --reload (rebuild the database)  --explain (query plans)

Each database is a dedicated one per size (var/bench/orders-<N>.sqlite3; PostgreSQL database `orderly_bench_<N>`
on 127.0.0.1), loaded once and reused while it holds the asked number of orders. With two sizes the run ends with
each case's p95 at the larger size over its p95 at the smaller one: flat growth is a ratio near 1.
Requests go through Django's test Client in this process, so the figures are Django, the query and the
rendering, without network or server overhead.
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

from benchkit import bench_database, collect_static, migrate, smoke_argument

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_PATH = BENCH_DIR / f"{bench_database('orders')}.sqlite3"
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = bench_database("orderly_bench")
TARGET_P95_MS = 100.0
PAGE_SIZE = 50

CUSTOMER_FRAGMENTS = ["jans", "müller", "dubois", "visser", "peeters", "bakker", "schmidt", "moreau", "de groot"]
NUMBER_FRAGMENTS = ["OR-0000", "OR-0421", "OR-09", "OR-0777", "OR-1000", "OR-05555"]


DEEP_PAGE = 1_000


def case_list(deep_cursor: str, channel: int) -> list[tuple[str, str, list[str]]]:
    """(name, URL pattern, values that rotate through its {q}); one request per value in turn."""
    api = f"/api/v1/orders?page_size={PAGE_SIZE}"
    web = f"/orders/?page_size={PAGE_SIZE}"
    return [
        ("web overview /orders/", web, [""]),
        ("web start page /", "/", [""]),
        ("web search, customer", f"{web}&q={{q}}", CUSTOMER_FRAGMENTS),
        ("web status + channel", f"{web}&status=open&channel={channel}", [""]),
        (f"web page {DEEP_PAGE:,} (cursor)", f"{web}&page={DEEP_PAGE}&cursor={deep_cursor}", [""]),
        ("API list", api, [""]),
        ("API search, customer", f"{api}&q={{q}}", CUSTOMER_FRAGMENTS),
        ("API search, number", f"{api}&q={{q}}", NUMBER_FRAGMENTS),
        ("API status + channel", f"{api}&status=open&channel={channel}", [""]),
        (f"API page {DEEP_PAGE:,} (cursor)", f"{api}&cursor={deep_cursor}", [""]),
    ]


def deep_page_cursor() -> str:
    """The cursor of page DEEP_PAGE of the default list (or of its last page, on a smaller table), found once."""
    from orderly.core.paging import AFTER, cursor_of
    from orderly.orders.selectors import DEFAULT_SORT, SORTS, OrderFilters, order_search

    orders = order_search(OrderFilters())
    position = min((DEEP_PAGE - 1) * PAGE_SIZE, orders.count()) - 1
    return cursor_of(orders[max(position, 0)], SORTS[DEFAULT_SORT], AFTER)


def busiest_channel() -> int:
    from django.db.models import Count

    from orderly.orders.models import Order

    return Order.objects.values("channel").annotate(n=Count("id")).order_by("-n")[0]["channel"]


# ---------------------------------------------------------------------------------------------- one database


def _pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def prepare_database(db: str, reload: bool, orders: int) -> str:
    """Create (or rebuild) the dedicated database and return its DATABASE_URL."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        path = SQLITE_PATH.with_name(f"{SQLITE_PATH.stem}-{orders}{SQLITE_PATH.suffix}")
        if reload:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"{PG_DATABASE}_{orders}"
    with _pg_admin() as admin:
        if reload:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def explain(sql: str) -> str:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    return "\n".join("    " + " | ".join(str(col) for col in row) for row in rows)


def measure(name: str, pattern: str, values: list[str], client, headers: dict, requests: int, warmup: int, show):
    from urllib.parse import quote

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = [pattern.format(q=quote(value)) for value in values]
    for i in range(warmup):
        response = client.get(urls[i % len(urls)], headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{name}: GET {urls[i % len(urls)]} answered {response.status_code}")
    samples, cpu = [], []
    for i in range(requests):
        url = urls[i % len(urls)]
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{name}: GET {url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(urls[0], headers=headers)
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    result = {
        "case": name,
        "url": urls[0],
        "requests": requests,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "max_ms": round(max(samples), 2),
        # CPU time of this process per request: Django, rendering and (for SQLite) the query itself, without the
        # waiting that other work on the machine adds; PostgreSQL's own time is not in it.
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 2),
        "queries": len(queries),
        "slowest_query_ms": round(float(queries[0]["time"]) * 1000, 2) if queries else 0.0,
    }
    show(
        f"  {name:<24} p50 {result['p50_ms']:7.1f} ms  p95 {result['p95_ms']:7.1f} ms  "
        f"({result['p95_ms'] / TARGET_P95_MS:.2f} of target)  cpu p50 {result['cpu_p50_ms']:5.1f} ms  "
        f"{len(queries)} queries"
    )
    return result, queries


def run_one(db: str, args) -> dict:
    url = prepare_database(db, args.reload, args.orders)
    os.environ["DATABASE_URL"] = url
    os.environ["ORDERLY_DATA_DIR"] = str(BENCH_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "orderly.settings"
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    import orderly.wsgi  # noqa: F401  the server's garbage-collector settings, as granian's workers have them
    from bulk_orders import load
    from orderly.core.models import User
    from orderly.core.services import token_create, user_create
    from orderly.orders.models import Order

    def show(message):
        print(message, flush=True)

    show(f"{db}: {url.split('@')[-1]}")
    migrate()
    collect_static()
    existing = Order.all_objects.count()
    load_seconds = None
    if existing != args.orders:
        if existing:
            raise SystemExit(f"{db}: the bench database holds {existing:,} orders, not {args.orders:,}; use --reload")
        show(f"  loading {args.orders:,} orders of three items …")
        start = time.perf_counter()
        load(args.orders, progress=show)
        load_seconds = round(time.perf_counter() - start, 1)
        show(f"  loaded in {load_seconds} s")
    # An operator: the overview with its bulk form, row actions and column choice, as people work in it.
    user = User.objects.filter(username="bench").first() or user_create(username="bench", role="operator")[0]
    if user.role != "operator":
        User.objects.filter(pk=user.pk).update(role="operator")
        user.refresh_from_db()
    web, api = Client(), Client()
    web.force_login(user)
    token_headers = {"Authorization": f"Bearer {token_create(username='bench')[1]}"}

    results, plans = [], {}
    from urllib.parse import quote

    for name, pattern, values in case_list(quote(deep_page_cursor()), busiest_channel()):
        client, headers = (api, token_headers) if pattern.startswith("/api/") else (web, {})
        result, queries = measure(name, pattern, values, client, headers, args.requests, args.warmup, show)
        results.append(result)
        if args.explain:
            plans[name] = [
                {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"], "plan": explain(q["sql"])}
                for q in queries[:2]
            ]
            for entry in plans[name]:
                show(f"    {entry['ms']} ms: {entry['sql'][:300]}\n{entry['plan']}")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return {
        "database": db,
        "version": version,
        "orders": args.orders,
        "load_seconds": load_seconds,
        "results": results,
        "plans": plans,
    }


# ---------------------------------------------------------------------------------------------- all, recorded


def postgres_reachable() -> bool:
    try:
        with _pg_admin():
            return True
    except Exception as error:
        print(f"postgres: not reachable at {PG_ADMIN_URL.split('@')[-1]} ({error}); skipped", flush=True)
        return False


def run_all(args) -> int:
    databases = ["sqlite"] + (["postgres"] if postgres_reachable() else [])
    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else [args.orders]
    runs = []
    for size in sizes:
        for db in databases:
            command = [sys.executable, __file__, "--db", db, "--json-to", str(BENCH_DIR / f"{db}.json")]
            command += ["--orders", str(size), "--requests", str(args.requests), "--warmup", str(args.warmup)]
            command += ["--reload"] * args.reload + ["--explain"] * args.explain
            if subprocess.run(command).returncode:
                return 1
            runs.append(json.loads((BENCH_DIR / f"{db}.json").read_text()))
    growth = growth_lines(runs)
    print("\n".join(growth))
    if not args.no_record:
        record(runs, args, growth)
    return 0


def growth_lines(runs: list[dict]) -> list[str]:
    """Each case's p95 at the largest size over its p95 at the smallest, per database (1.5 is the issue's limit)."""
    sizes = sorted({run["orders"] for run in runs})
    if len(sizes) < 2:
        return []
    small, large = sizes[0], sizes[-1]
    lines = [
        "",
        f"Growth: p95 at {large:,} orders over p95 at {small:,} (flat: under 1.5)",
        "",
        f"| database | case | p95 ms at {small:,} | p95 ms at {large:,} | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    by_key = {(run["database"], run["orders"]): run for run in runs}
    for database in dict.fromkeys(run["database"] for run in runs):
        if (database, small) not in by_key or (database, large) not in by_key:
            continue
        before = {r["case"]: r for r in by_key[database, small]["results"]}
        for result in by_key[database, large]["results"]:
            base = before[result["case"]]["p95_ms"]
            ratio = result["p95_ms"] / base if base else 0.0
            lines.append(f"| {database} | {result['case']} | {base:.1f} | {result['p95_ms']:.1f} | {ratio:.2f} |")
    return lines


def _git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def record(runs: list[dict], args, growth: list[str]) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d-%H%M") + (f"-{args.label}" if args.label else "")
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": _git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    (RESULTS_DIR / f"orders_list-{stamp}.json").write_text(
        json.dumps({"machine": machine, "target_p95_ms": TARGET_P95_MS, "runs": runs}, indent=2, ensure_ascii=False)
        + "\n"
    )
    lines = [
        f"# orders_list — {machine['date']}",
        "",
        f"{', '.join(f'{size:,}' for size in sorted({run['orders'] for run in runs}))} orders of three items; "
        f"{args.requests} requests per case after {args.warmup} warm-up; "
        f"page of {PAGE_SIZE}; Django test Client in-process. Commit {machine['commit']}, {machine['cpus']} CPUs, "
        f"Python {machine['python']}. Load average at the end {machine['load_average_at_end']} "
        "(other work shares this machine; read p95 with that in mind).",
        "",
        "p50/p95: wall-clock per request, the target's measure. CPU p50/p95: this process's CPU time per request "
        "(for SQLite nearly all the work, for PostgreSQL without the server's share), which other load on the "
        "machine barely changes.",
        "",
        "| database | case | p50 ms | p95 ms | p95 / target (100 ms) | verdict | CPU p50 ms | CPU p95 ms | queries |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for run in runs:
        for r in run["results"]:
            ratio = r["p95_ms"] / TARGET_P95_MS
            verdict = "meets target" if ratio < 1 else "MISSES target"
            lines.append(
                f"| {run['database']} {run['version']} {run['orders']:,} | {r['case']} | {r['p50_ms']:.1f} | "
                f"{r['p95_ms']:.1f} | "
                f"{ratio:.2f} | {verdict} | {r['cpu_p50_ms']:.1f} | {r['cpu_p95_ms']:.1f} | {r['queries']} |"
            )
    loads = [
        f"{run['database']} {run['orders']:,}: {run['load_seconds']} s"
        for run in runs
        if run["load_seconds"] is not None
    ]
    if loads:
        lines += ["", f"Load time: {', '.join(loads)}."]
    lines += growth
    (RESULTS_DIR / f"orders_list-{stamp}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nrecorded in {RESULTS_DIR.relative_to(ROOT)}/orders_list-{stamp}.{{md,json}}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], help="one database only (default: both, recorded)")
    parser.add_argument("--orders", type=int, default=100_000, help="the size of a one-database run")
    parser.add_argument("--sizes", default="100000,1000000", help="the sizes a recorded run compares, comma-separated")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--reload", action="store_true", help="drop and reload the bench database")
    parser.add_argument("--explain", action="store_true", help="show the plans of each case's slowest queries")
    parser.add_argument("--no-record", action="store_true", help="do not write bench/results")
    parser.add_argument("--label", default="", help="a word added to the results' file names")
    parser.add_argument("--json-to", help=argparse.SUPPRESS)
    smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.orders, args.requests, args.warmup, args.reload, args.no_record = 200, 3, 1, True, True
    if args.db is None:
        return run_all(args)
    run = run_one(args.db, args)
    if args.json_to:
        Path(args.json_to).write_text(json.dumps(run, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
