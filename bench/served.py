#!/usr/bin/env python
"""Benchmark: Orderly served by `orderly serve` (granian) on 127.0.0.1 under wrk, each case beside a trivial one.

    .venv/bin/python bench/served.py                       # PostgreSQL when reachable, else SQLite; records results
    .venv/bin/python bench/served.py --smoke               # seconds: tiny data, 2 s per case, nothing recorded
    options: --db sqlite|postgres  --orders N  --duration S  --connections N  --workers N  --threads N  --no-record

Cases, one after another against the same server in one run: the API index (`GET /api/v1/`, JSON built without a
database query: the trivial endpoint every other case is divided by), an order's detail, the API list of 50
orders, and the web overview (a logged-in session). wrk keeps `--connections` connections busy for `--duration`
seconds per case and reports requests per second and latency percentiles; this script prints each case's
requests per second as a share of the trivial endpoint's, with the load average, because other work on a shared
machine moves every absolute figure.

The database is a dedicated one (var/bench/served.sqlite3, or PostgreSQL `orderly_bench_served`; either name
takes the suffix in ORDERLY_BENCH_SUFFIX, so two runs on one server do not collide), rebuilt on every run.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"
SUFFIX = os.environ.get("ORDERLY_BENCH_SUFFIX", "")
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = f"orderly_bench_served{SUFFIX}"
TARGETS = {"order detail": 0.6, "API list of 50": 0.25, "web overview": 0.2}
DETAIL_P99_TARGET_MS = 50.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(db: str) -> str:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        path = BENCH_DIR / f"served{SUFFIX}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


def load(orders: int) -> dict:
    """Migrate and enter `orders` orders of three items through the orders service; a viewer with a token and a
    web session. Returns what the cases need: the token, the session cookie and one order's number."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from orderly.catalog.models import Product, Variant
    from orderly.channels.selectors import manual_channel
    from orderly.core.actors import Actor
    from orderly.core.services import token_create, user_create
    from orderly.orders.services import order_create

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    product = Product.objects.create(name="House blend")
    skus = []
    for grams in (250, 500, 1000):
        variant = Variant.objects.create(
            product=product, sku=f"HB-{grams}", name=f"House blend {grams} g", package_size=grams / 1000, price=9
        )
        skus.append(variant.sku)
    channel, numbers = manual_channel(), []
    for n in range(orders):
        order = order_create(
            channel=channel,
            customer={"name": f"Customer {n}", "email": f"c{n}@example.com", "type": "retail"},
            shipping_address={
                "name": f"Customer {n}",
                "line1": "Kade 1",
                "postal_code": "1011 AA",
                "city": "Amsterdam",
                "country": "NL",
            },
            items=[{"sku": sku, "quantity": 1 + n % 3} for sku in skus],
            status="open",
            actor=Actor.system(),
        )
        numbers.append(order.number)
    user, _password = user_create(username="bench", role="viewer")
    session = Client()
    session.force_login(user)
    return {
        "token": token_create(username="bench")[1],
        "cookie": f"sessionid={session.cookies['sessionid'].value}",
        "order": numbers[len(numbers) // 2],
    }


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"orderly serve stopped with {server.returncode} before it answered (see its log)")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"orderly serve did not answer {url} within {seconds:.0f} s")


LATENCY = re.compile(r"^\s*(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, headers: dict, *, connections: int, duration: int) -> dict:
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{duration}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {f"p{share}_ms": round(float(value) * UNITS[unit], 2) for share, value, unit in LATENCY.findall(out)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "requests_per_second": rate,
        **latency,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def run(args) -> dict:
    url = prepare_database(args.db)
    os.environ.update(
        # The address limit (600 a minute by default) would answer most of wrk's requests with 429; a limit no run
        # reaches keeps the per-request counting that production does.
        ORDERLY_API_RATE_ADDRESS="1000000000",
        DATABASE_URL=url,
        ORDERLY_DATA_DIR=str(BENCH_DIR / f"served{SUFFIX}"),
        DJANGO_SETTINGS_MODULE="orderly.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    sys.path.insert(0, str(ROOT / "src"))
    print(f"{args.db}: loading {args.orders} orders …", flush=True)
    setup = load(args.orders)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "orderly.cli", "serve", "--no-worker", "--port", str(port)]
    command += ["--workers", str(args.workers), "--threads", str(args.threads)]
    # The server logs a line per request: to a file, since a pipe nobody reads fills and stops the server.
    server_log = BENCH_DIR / f"served{SUFFIX}-server.log"
    with open(server_log, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(f"{base}/api/v1/", server)
        bearer = {"Authorization": f"Bearer {setup['token']}"}
        cases = [
            ("trivial: API index", f"{base}/api/v1/", {}),
            ("order detail", f"{base}/api/v1/orders/{setup['order']}", bearer),
            ("API list of 50", f"{base}/api/v1/orders?page_size=50", bearer),
            ("web overview", f"{base}/orders/?page_size=50", {"Cookie": setup["cookie"]}),
        ]
        results = []
        for name, case_url, headers in cases:
            wrk(case_url, headers, connections=args.connections, duration=1)  # warm every process and thread
            result = {"case": name, "url": case_url.removeprefix(base)}
            result.update(wrk(case_url, headers, connections=args.connections, duration=args.duration))
            results.append(result)
            print(
                f"  {name:<20} {result['requests_per_second']:8.1f} req/s  p50 {result.get('p50_ms')} ms  "
                f"p99 {result.get('p99_ms')} ms  non-2xx {result['non_2xx']}",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    trivial = results[0]["requests_per_second"]
    for result in results:
        result["ratio_to_trivial"] = round(result["requests_per_second"] / trivial, 3) if trivial else 0.0
    return {
        "database": args.db,
        "orders": args.orders,
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "duration_s": args.duration,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "results": results,
    }


def report(run_result: dict) -> list[str]:
    lines = [
        f"served — {time.strftime('%Y-%m-%d %H:%M %Z')}: {run_result['database']}, {run_result['orders']} orders, "
        f"{run_result['workers']} workers × {run_result['threads']} threads, wrk {run_result['connections']} "
        f"connections × {run_result['duration_s']} s per case, {run_result['cpus']} CPUs, load average at the end "
        f"{run_result['load_average_at_end']}",
        "",
        "| case | req/s | × trivial | target | p50 ms | p90 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in run_result["results"]:
        target = TARGETS.get(r["case"])
        lines.append(
            f"| {r['case']} | {r['requests_per_second']:.1f} | {r['ratio_to_trivial']:.2f} | "
            f"{'≥ ' + format(target, '.2f') if target else '—'} | {r.get('p50_ms', '—')} | {r.get('p90_ms', '—')} | "
            f"{r.get('p99_ms', '—')} | {r['non_2xx']} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"])
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per case")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--smoke", action="store_true", help="20 orders, 2 s per case, SQLite unless --db says otherwise, not recorded"
    )
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    # Stopped from outside, the run still stops the server it started (the `finally` in run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    if args.smoke:
        args.orders, args.duration, args.connections, args.no_record = 20, 2, 2, True
        args.db = args.db or "sqlite"  # no database server to create and migrate: seconds, not minutes
    if args.db is None:
        args.db = "postgres" if postgres_reachable() else "sqlite"
    result = run(args)
    lines = report(result)
    print("\n".join(lines))
    failed = [r["case"] for r in result["results"] if r["non_2xx"] or not r["requests_per_second"]]
    if failed:
        print(f"errors or no answers in: {', '.join(failed)}", file=sys.stderr)
        return 1
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y-%m-%d-%H%M") + (f"-{args.label}" if args.label else "")
        (RESULTS_DIR / f"served-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS_DIR / f"served-{stamp}.md").write_text("# " + "\n".join(lines) + "\n")
        print(f"recorded in bench/results/served-{stamp}.{{md,json}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
