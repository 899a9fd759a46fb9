#!/usr/bin/env python
"""Benchmark: a batch of 1,000 orders × 3 lines processed by one worker and by two on PostgreSQL (the scaling
ratio printed), then its pick & pack list PDF and its 1,000-label PDF.

    .venv/bin/python bench/batches.py                 # 1,000 orders on PostgreSQL at 127.0.0.1
    options: --orders N (1000)  --carrier standin|carriers

Targets: under 60 s with one worker, about half with two; each document under 10 s.

A fresh database (`orderly_bench_batches`) is migrated and loaded through the services: 30 variants with stock
on 30 positions, N open orders of 3 lines. Each run makes a batch of the same N orders' twins and starts 1 or 2
worker processes (`bench/batches.py --worker BATCH_ID`), each calling batch_process until no order is left; the
figure is the wall-clock time from start to the batch's end. `--carrier carriers` books through the carriers
area's own-label kind (no network); `standin` (the default until the carriers area is installed) books with an
in-process stand-in that answers a tracking number and draws a one-page label (composed by the carriers
area's own `compose`), so the figures are the batch's
own cost (claims, checks, fulfillment, outbox, outcome) with no carrier time in them.
"""

import argparse
import os
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

from benchkit import bench_database, smoke_argument

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = bench_database("orderly_bench_batches")
VARIANTS = 30


def database_url() -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def setup_django() -> None:
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderly.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def install_standin() -> None:
    """Book and label in-process, as the carriers area's interface promises (idempotent per fulfillment)."""
    from reportlab.lib.units import inch
    from reportlab.pdfgen import canvas

    from orderly.batches import labels
    from orderly.shipping.models import Fulfillment

    def book(*, fulfillment, actor):
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
    labels.parcel_book = book
    labels.label_document = document


def prepare(orders: int) -> list[str]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.factories import VariantFactory, make_order

    from orderly.core.actors import Actor
    from orderly.inventory.services import stock_receive

    actor = Actor.system()
    skus = []
    for n in range(VARIANTS):
        sku = VariantFactory(sku=f"BEN-{n:03d}").sku
        stock_receive(kind="packaged", sku=sku, quantity=2 * orders, position=f"R-{n:03d}", actor=actor)
        skus.append(sku)
    numbers = []
    for n in range(orders * 2):  # two sets: one for each run
        items = [{"sku": skus[(n + k * 7) % VARIANTS], "quantity": 1 + k} for k in range(3)]
        numbers.append(make_order(items=items, actor=actor).number)
    return numbers


def run_batch(numbers: list[str], workers: int) -> float:
    from orderly.batches.models import Batch
    from orderly.batches.services import batch_create
    from orderly.core.actors import Actor

    batch = batch_create(orders=numbers, actor=Actor.system())
    env = {**os.environ, "DATABASE_URL": database_url()}
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    children = [
        subprocess.Popen([sys.executable, __file__, "--worker", str(batch.pk), "--name", f"w{n}"], env=env)
        for n in range(workers)
    ]
    for child in children:
        assert child.wait() == 0
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    batch = Batch.objects.get(pk=batch.pk)
    per_order = 1000 * cpu / len(numbers)
    print(f"  {workers} worker(s): {len(numbers)} orders in {took:.1f} s ({batch.status}: {batch.counts}); "
          f"{len(numbers) / took:.1f} orders/s; the workers' own CPU {cpu:.1f} s ({per_order:.0f} ms per order); "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    return took, batch


def documents(batch) -> None:
    from orderly.batches.models import BatchDocument
    from orderly.batches.services.documents import document_make, document_queue

    for kind, fmt in (("pick_pack", ""), ("labels", "pdf-a6")):
        document = document_queue(batch=batch, kind=kind, fmt=fmt)
        start, cpu = time.perf_counter(), time.process_time()
        document_make(document_id=document.pk)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        made = BatchDocument.objects.get(pk=document.pk)
        print(f"  {kind} {fmt}: {made.status}, {made.pages} pages, {made.size / 1e6:.1f} MB in {took:.1f} s "
              f"({cpu:.1f} s CPU)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--worker", type=int)
    parser.add_argument("--name", default="w")
    parser.add_argument("--carrier", choices=["standin", "carriers"], default="standin")
    smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.orders = 4
    sys.path.insert(0, str(ROOT))
    if args.worker:
        setup_django()
        if args.carrier == "standin":
            install_standin()
        from orderly.batches.services import batch_process

        batch_process(batch_id=args.worker, worker=args.name)
        return
    print(f"Loading {args.orders * 2} orders × 3 lines on PostgreSQL …")
    numbers = prepare(args.orders)
    if args.carrier == "standin":
        install_standin()
    one, _batch = run_batch(numbers[: args.orders], 1)
    two, batch = run_batch(numbers[args.orders :], 2)
    print(f"  scaling: two workers took {two / one:.2f} of one worker's time ({one / two:.2f}× faster)")
    documents(batch)


if __name__ == "__main__":
    main()
