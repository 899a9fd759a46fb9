#!/usr/bin/env python
"""Benchmark: a batch of 1,000 orders × 3 lines processed against the loopback Sendcloud by one worker and by two on
PostgreSQL (the scaling ratio printed), then its pick & pack list PDF and its 1,000-label PDF.

    .venv/bin/python bench/batches.py             # 1,000 orders, results recorded in bench/results/
    .venv/bin/python bench/batches.py --smoke     # 20 orders, a few seconds, nothing recorded
    .venv/bin/python bench/batches.py --profile 100   # cProfile of 100 orders processed in this process
    .venv/bin/python bench/batches.py --measure 100   # their CPU time and statements only (to compare versions)
    options: --orders N (1000)  --carrier sendcloud|own|standin  --reuse (keep the loaded orders between runs)

Targets: under 60 s with one worker, about half with two; each document under 10 s.

A fresh database (`orderly_bench_batches`) is migrated and loaded through the services: 30 variants with stock
on 30 positions, 2 × N open orders of 3 lines to the Netherlands, a Sendcloud carrier account with a shipping rule
for NL. The carrier is tests/carriers/fake_sendcloud.py, served from a thread of this process on 127.0.0.1: every
booking is a real HTTP announce plus a label download through the carriers area's connector, exactly as with
Sendcloud. Each run makes a batch of its own N orders and starts 1 or 2 worker processes (`--worker BATCH_ID`);
once each has set up Django and connected (as a task worker, a long-running process, is before work comes), they
are told to go and each calls batch_process until no order is left. The figure is the wall-clock time from the go
to their end, beside the workers' own CPU time for it (each reports its own) and the loopback carrier's CPU time
(this process's); the time the workers took to start is printed apart.
`--carrier own` books with the own-label kind (no network); `standin` with an in-process stand-in that answers a
tracking number and draws a one-page label (the batch's own cost, with no carrier in it).
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

from benchkit import bench_database, migrate

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = bench_database("orderly_bench_batches")
VARIANTS = 30
SMOKE_ORDERS = 20
CARRIER_NAME = {"sendcloud": "Sendcloud", "own": "Own courier"}
WORKER_SAYS = "bench-worker: "


def database_url(name: str = PG_DATABASE) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def setup_django() -> None:
    os.environ["DATABASE_URL"] = database_url()
    os.environ["ORDERLY_ALLOW_PRIVATE_NETWORKS"] = "1"  # the loopback carrier listens on 127.0.0.1
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per HTTP request
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderly.settings")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def install_standin() -> None:
    """Book and label in-process, as the carriers area's interface promises (idempotent per fulfillment)."""
    from reportlab.lib.units import inch
    from reportlab.pdfgen import canvas

    from orderly.batches import labels
    from orderly.shipping.models import Fulfillment

    def book(*, fulfillment, actor, reserved=None):
        tracking = f"3SBENCH{fulfillment.pk:08d}"
        Fulfillment.objects.filter(pk=fulfillment.pk).update(tracking_number=tracking)
        return labels.Booked(parcel=f"PA-{fulfillment.pk:06d}", tracking_number=tracking)

    def document(*, fulfillment, fmt):
        out = BytesIO()
        page = canvas.Canvas(out, pagesize=(4 * inch, 6 * inch), pageCompression=1)
        page.drawString(20, 400, f"{fulfillment.number} {fulfillment.tracking_number}")
        page.showPage()
        page.save()
        return out.getvalue()

    labels.method_resolve = lambda *, order: labels.Method(carrier="Own courier", method="Standard")
    labels.parcel_reserve = lambda **_kwargs: None
    labels.parcel_book = book
    labels.label_document = document
    labels.label_documents = lambda *, fulfillments, fmt: [document(fulfillment=f, fmt=fmt) for f in fulfillments]


def _admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        for statement in statements:
            admin.execute(statement)


def _seed_name(orders: int) -> str:
    return f"{PG_DATABASE}_seed_{orders}"


def _seed_exists(orders: int) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_seed_name(orders)]).fetchone()
    return found is not None


def _carrier(kind: str, base_url: str) -> None:
    from tests.carriers.fake_sendcloud import FakeSendcloud
    from tests.factories import address

    from orderly.carriers.services import carrier_create, rule_create
    from orderly.core.actors import Actor

    sender = address(name="Pieter de Wit", company="Branderij Noord", line1="Veemkade 300", postal_code="1019HD",
                     city="Amsterdam", email="pieter@branderij.example", phone="+31200003344")  # fmt: skip
    if kind == "sendcloud":
        method = {"code": "postnl:standard", "name": "PostNL Standard", "countries": ["NL"], "max_weight_kg": "23"}
        account = carrier_create(
            name=CARRIER_NAME[kind], kind="sendcloud", actor=Actor.system(), sender_address=sender,
            settings={"base_url": base_url}, credentials=FakeSendcloud.connector_credentials, methods=[method],
        )  # fmt: skip
    else:
        method = {"code": "standard", "name": "Standard", "countries": ["NL"], "max_weight_kg": "23"}
        account = carrier_create(
            name=CARRIER_NAME[kind], kind="own", actor=Actor.system(), sender_address=sender,
            credentials={"webhook_secret": "bench-webhook-secret-0123456"}, methods=[method],
        )  # fmt: skip
    rule_create(data={"country": "NL", "carrier": account.pk, "method": method["code"]}, actor=Actor.system())


def _load(orders: int) -> None:
    from tests.factories import VariantFactory, make_order

    from orderly.core.actors import Actor
    from orderly.inventory.services import stock_receive

    actor = Actor.system()
    skus = []
    for n in range(VARIANTS):
        sku = VariantFactory(sku=f"BEN-{n:03d}").sku
        stock_receive(kind="packaged", sku=sku, quantity=2 * orders, position=f"R-{n:03d}", actor=actor)
        skus.append(sku)
    for n in range(orders * 2):  # two sets: one for each run
        items = [{"sku": skus[(n + k * 7) % VARIANTS], "quantity": 1 + k} for k in range(3)]
        make_order(items=items, actor=actor)


def prepare(orders: int, carrier: str, base_url: str, *, reuse: bool) -> list[str]:
    """The database loaded with 2 × `orders` orders (from a kept copy with `reuse`); their numbers."""
    _admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    seeded = reuse and _seed_exists(orders)
    if seeded:
        _admin(f'CREATE DATABASE "{PG_DATABASE}" TEMPLATE "{_seed_name(orders)}"')
    else:
        _admin(f'CREATE DATABASE "{PG_DATABASE}"')
    setup_django()
    from django.db import connection

    migrate()
    if not seeded:
        _load(orders)
        if reuse:
            connection.close()
            _admin(f'DROP DATABASE IF EXISTS "{_seed_name(orders)}"',
                   f'CREATE DATABASE "{_seed_name(orders)}" TEMPLATE "{PG_DATABASE}"')  # fmt: skip
    if carrier != "standin":
        _carrier(carrier, base_url)
    from orderly.orders.models import Order

    return list(Order.objects.order_by("pk").values_list("number", flat=True))


def _make_batch(numbers: list[str]):
    from orderly.batches.services import batch_create
    from orderly.core.actors import Actor

    return batch_create(orders=numbers, actor=Actor.system())


def _said(child: subprocess.Popen) -> str:
    """The next thing a worker tells the bench (its other output is left alone)."""
    while line := child.stdout.readline():
        if line.startswith(WORKER_SAYS):
            return line[len(WORKER_SAYS) :].strip()
    raise AssertionError(f"a worker ended without a word (exit code {child.wait()})")


def run_batch(numbers: list[str], workers: int, carrier: str) -> dict:
    from orderly.batches.models import Batch

    batch = _make_batch(numbers)
    env = {**os.environ, "DATABASE_URL": database_url()}
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(batch.pk), "--name", f"w{n}", "--carrier", carrier], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for n in range(workers)
    ]  # fmt: skip
    for child in children:  # started as a task worker is: Django set up, connected, waiting for work
        assert _said(child) == "ready"
    startup = time.perf_counter() - started
    self_before, start = time.process_time(), time.perf_counter()
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    reports = [json.loads(_said(child)) for child in children]
    took = time.perf_counter() - start
    for child in children:
        assert child.wait() == 0, "a worker failed"
    cpu = sum(report["cpu"] for report in reports)
    batch = Batch.objects.get(pk=batch.pk)
    result = {
        "workers": workers, "orders": len(numbers), "wall": took, "status": batch.status, "counts": batch.counts,
        "cpu": cpu, "carrier_cpu": time.process_time() - self_before, "load": os.getloadavg()[0], "startup": startup,
        "shares": [report["done"] for report in reports],
    }  # fmt: skip
    print(f"  {workers} worker(s): {len(numbers)} orders in {took:.1f} s ({batch.status}: {batch.counts}); "
          f"{len(numbers) / took:.1f} orders/s; the workers' CPU {cpu:.1f} s ({1000 * cpu / len(numbers):.0f} ms "
          f"per order; orders per worker {result['shares']}); the loopback carrier's CPU {result['carrier_cpu']:.1f} "
          f"s; load {result['load']:.1f} (the workers started in {startup:.1f} s before that)", flush=True)  # fmt: skip
    return result | {"batch": batch}


def documents(batch) -> list[dict]:
    from orderly.batches.models import BatchDocument
    from orderly.batches.services.documents import document_make, document_queue

    made = []
    for kind, fmt in (("pick_pack", ""), ("labels", "pdf-a6")):
        document = document_queue(batch=batch, kind=kind, fmt=fmt)
        start, cpu = time.perf_counter(), time.process_time()
        document_make(document_id=document.pk)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        row = BatchDocument.objects.get(pk=document.pk)
        made.append({"kind": kind, "format": fmt, "status": row.status, "pages": row.pages, "size": row.size,
                     "wall": took, "cpu": cpu})  # fmt: skip
        print(f"  {kind} {fmt}: {row.status}, {row.pages} pages, {row.size / 1e6:.1f} MB in {took:.1f} s "
              f"({cpu:.1f} s CPU)", flush=True)  # fmt: skip
    return made


def measure(numbers: list[str], orders: int) -> None:
    """`orders` orders of a batch processed in this process (no profiler): CPU time and statements per order, the
    figures that do not depend on how busy the machine is, to compare two versions of the code."""
    from django.db import connection

    from orderly.batches.services import batch_process

    batch = _make_batch(numbers)
    batch_process(batch_id=batch.pk, worker="warm-up", limit=3)
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    start, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        batch_process(batch_id=batch.pk, worker="measured", limit=orders)
    cpu, took = time.process_time() - cpu, time.perf_counter() - start
    print(f"  {orders} orders in this process: {1000 * cpu / orders:.1f} ms CPU, {1000 * took / orders:.0f} ms wall "
          f"and {len(statements) / orders:.1f} statements per order; load {os.getloadavg()[0]:.1f}")  # fmt: skip


def profile(numbers: list[str], orders: int) -> None:
    """`orders` orders of a batch processed in this process under cProfile, with the statements they ran."""
    import cProfile
    import pstats

    from django.db import connection

    from orderly.batches.services import batch_process

    batch = _make_batch(numbers)
    batch_process(batch_id=batch.pk, worker="warm-up", limit=3)  # imports, first connections, caches
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    profiler = cProfile.Profile()
    start = time.process_time()
    with connection.execute_wrapper(count):
        profiler.enable()
        batch_process(batch_id=batch.pk, worker="profiled", limit=orders)
        profiler.disable()
    cpu = time.process_time() - start
    print(f"  {orders} orders: {1000 * cpu / orders:.1f} ms CPU and {len(statements) / orders:.1f} statements per "
          "order (profiled)")  # fmt: skip
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    statements.clear()
    with connection.execute_wrapper(count):
        batch_process(batch_id=batch.pk, worker="profiled", limit=1)
    print(f"The {len(statements)} statements of one more order:")
    for sql in statements:
        print("   ", " ".join(sql.split())[:150])


def record(args, runs: list[dict], made: list[dict]) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H%M")
    path = ROOT / "bench" / "results" / f"batches-{stamp}{'-' + args.label if args.label else ''}.md"
    one, two = runs
    lines = [
        f"# bench/batches.py, {stamp} UTC", "",
        f"`.venv/bin/python bench/batches.py --orders {args.orders} --carrier {args.carrier}` on PostgreSQL, "
        f"{args.orders} orders × 3 lines, carrier: {args.carrier}.", "",
        "The wall time runs from the go given to workers already started (set up and connected); their start-up "
        "is apart.", "",
        "| workers | wall | orders/s | status | orders per worker | workers' CPU | CPU per order | carrier's CPU "
        "| start-up | load |",
        "|---|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for run in runs:
        lines.append(
            f"| {run['workers']} | {run['wall']:.1f} s | {run['orders'] / run['wall']:.1f} | {run['status']} "
            f"{run['counts']} | {run['shares']} | {run['cpu']:.1f} s | {1000 * run['cpu'] / run['orders']:.0f} ms | "
            f"{run['carrier_cpu']:.1f} s | {run['startup']:.1f} s | {run['load']:.1f} |"
        )
    lines += ["", f"Scaling: two workers took {two['wall'] / one['wall']:.2f} of one worker's time.", "",
              "| document | pages | size | wall | CPU |", "|---|---:|---:|---:|---:|"]  # fmt: skip
    for doc in made:
        lines.append(f"| {doc['kind']} {doc['format']} | {doc['pages']} | {doc['size'] / 1e6:.1f} MB | "
                     f"{doc['wall']:.1f} s | {doc['cpu']:.1f} s |")  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def worker(args) -> None:
    """A worker process: set up and connected first, as a running task worker is; then, told to go, it processes
    the batch and reports its CPU time and how many orders it processed."""
    setup_django()
    if args.carrier == "standin":
        install_standin()
    from django.db import connection

    from orderly.batches.services import batch_process

    connection.ensure_connection()
    print(f"{WORKER_SAYS}ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    done = batch_process(batch_id=args.worker, worker=args.name)
    print(f"{WORKER_SAYS}{json.dumps({'cpu': time.process_time() - cpu, 'done': done})}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ORDERS} orders, nothing recorded")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N orders in this process instead")
    parser.add_argument("--measure", type=int, metavar="N", help="CPU and statements of N orders in this process")
    parser.add_argument("--carrier", choices=["sendcloud", "own", "standin"], default="sendcloud")
    parser.add_argument("--reuse", action="store_true", help="load the orders once and keep a copy for next runs")
    parser.add_argument("--label", default="", help="added to the results file's name")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--name", default="w", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    orders = SMOKE_ORDERS if args.smoke else args.orders
    if args.profile or args.measure:
        orders = max(orders, (args.profile or args.measure) + 3)
    sys.path.insert(0, str(ROOT))
    from tests.carriers.fake_sendcloud import FakeSendcloud

    with FakeSendcloud(lifetime=3600) as carrier:
        print(f"Loading {orders * 2} orders × 3 lines on PostgreSQL (carrier: {args.carrier}) …", flush=True)
        numbers = prepare(orders, args.carrier, carrier.base_url, reuse=args.reuse)
        if args.carrier == "standin":
            install_standin()
        if args.profile:
            return profile(numbers[:orders], args.profile)
        if args.measure:
            return measure(numbers[:orders], args.measure)
        runs = [run_batch(numbers[:orders], 1, args.carrier), run_batch(numbers[orders:], 2, args.carrier)]
        ratio = runs[1]["wall"] / runs[0]["wall"]
        print(f"  scaling: two workers took {ratio:.2f} of one worker's time ({1 / ratio:.2f}× faster)", flush=True)
        made = documents(runs[1]["batch"])
        if args.carrier == "sendcloud":
            booked = sum(1 for r in carrier.requests if r.path == "/api/v3/shipments/announce")
            print(f"  the loopback Sendcloud announced {booked} shipments for {2 * orders} orders", flush=True)
    if not args.smoke:
        print(f"  recorded in {record(args, runs, made).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
