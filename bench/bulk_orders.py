#!/usr/bin/env python
"""Bulk-load a large, realistic order book straight into the tables, for benchmarks only.

    .venv/bin/python bench/bulk_orders.py --db sqlite --orders 1000000     # a fresh database, then the load, timed
    .venv/bin/python bench/bulk_orders.py --smoke                          # 200 orders on each database, checked

Services are far too slow for a million orders (each writes events, runs checks, takes a number), so this writes
the rows they would have written, as the demo's services write them (`orderly demo`, read back row by row):
addresses, orders, three items each with their counters, payments, fulfillments with their lines, invoices with
their lines, and the timeline events of each. Every column comes from the model: a column this file does not name
takes the field's own default (`orders.services.importing.model_defaults`), so a field added later with a default
needs nothing here, and one without a default fails the load naming it. SQLite gets `executemany`, PostgreSQL
`COPY`, in batches of BATCH orders, each batch committed on its own.
"""

import argparse
import contextlib
import datetime as dt
import itertools
import json
import operator
import os
import random
import sys
import time
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]  # run as a script, or imported by a test

from benchkit import PG_ADMIN_URL, bench_database, collect_static, migrate, smoke_argument  # noqa: E402

CENT = Decimal("0.01")
ITEMS_PER_ORDER = 3
ARCHIVED_SHARE = 0.15  # of all orders, every one of them older than a year
ERROR_SHARE = 0.02  # imported with an unknown SKU
YEARS = 2
BATCH = 10_000  # orders per batch: each batch is built, written and committed in turn
SQLITE_PATH = ROOT / "var" / "bench" / f"{bench_database('bulk_orders')}.sqlite3"
PG_DATABASE = bench_database("orderly_bench_bulk")

FIRST_NAMES = (
    "Anna Daan Sanne Lars Fleur Bram Eva Sem Julia Thijs Lotte Ruben Noor Milan Sophie Jesse Tess Luuk Iris Stijn "
    "Jonas Lena Felix Marie Lukas Hannah Paul Laura Leon Mia Elias Clara Finn Emma Noah Lea Ben Sarah Jan Katrin "
    "Camille Louis Chloé Hugo Manon Jules Léa Arthur Inès Gabriel Zoé Raphaël Lucie Théo Elise Mathis Juliette"
).split()
LAST_NAMES = (
    "de Vries|Jansen|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Dijk|"
    "van den Berg|Dekker|Brouwer|Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|"
    "Koch|Richter|Klein|Wolf|Peeters|Janssens|Maes|Jacobs|Mertens|Willems|Claes|Goossens|Wouters|Dubois|"
    "Laurent|Moreau|Lefèvre|Bernard|Martin|Petit|Durand|Leroy|Roux|Fournier|Girard|Bonnet"
).split("|")
COMPANY_KINDS = ("Café", "Koffiebar", "Bäckerei", "Brasserie", "Koffiehuis", "Hotel", "Kaffeehaus", "Bistro")
PLACES = {
    "NL": [("Amsterdam", "1015 CV"), ("Utrecht", "3511 AB"), ("Rotterdam", "3012 BM"), ("Groningen", "9711 LV")],
    "DE": [("Berlin", "10961"), ("Hamburg", "20357"), ("Köln", "50672"), ("München", "80802")],
    "BE": [("Antwerpen", "2000"), ("Bruxelles", "1000"), ("Gent", "9000")],
    "FR": [("Paris", "75009"), ("Lyon", "69002"), ("Lille", "59800")],
}
STREETS = {
    "NL": ["Keizersgracht", "Oudegracht", "Witte de Withstraat", "Grote Markt", "Prinsengracht", "Lange Nieuwstraat"],
    "DE": ["Bergmannstraße", "Schanzenstraße", "Ehrenstraße", "Leopoldstraße", "Kastanienallee", "Hauptstraße"],
    "BE": ["Meir", "Rue Haute", "Veldstraat", "Groenplaats", "Rue Neuve"],
    "FR": ["Rue des Martyrs", "Rue Mercière", "Rue de la Monnaie", "Rue Vieille du Temple", "Boulevard Voltaire"],
}
COUNTRY_WEIGHTS = {"NL": 50, "DE": 25, "BE": 15, "FR": 10}
PHONE_CODES = {"NL": 31, "DE": 49, "BE": 32, "FR": 33}
PAYMENT_METHODS = (("card", 45), ("shop", 25), ("paypal", 15), ("bank_transfer", 15))
CARRIERS = ("PostNL", "DHL", "DPD", "bpost")
# What a fulfillment of shipped units did to each item's counters (shipping.services.fulfilling, as the demo shows).
SHIPPED_COUNTERS = ("qty_packed", "qty_label_applied", "qty_released", "qty_picked", "qty_sorted")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ensure_catalog_and_channels():
    from orderly.catalog.models import Variant
    from orderly.catalog.services import product_create
    from orderly.channels.models import ChannelKind, SalesChannel
    from orderly.channels.selectors import manual_channel
    from orderly.channels.services import channel_create
    from orderly.ops import demo_data

    for name, code, description, sizes, active in demo_data.PRODUCTS:
        if not Variant.objects.filter(sku__startswith=f"{code}-").exists():
            product_create(
                name=name,
                description=description,
                is_active=active,
                variants=[
                    {"sku": f"{code}-{g}", "name": f"{name} {g} g", "package_size": Decimal(g) / 1000, "price": p}
                    for g, p in sizes.items()
                ],
            )
    channels = [manual_channel()]
    for name in demo_data.SHOP_CHANNELS:
        channels.append(
            SalesChannel.objects.filter(name=name).first() or channel_create(name=name, kind=ChannelKind.MANUAL)
        )
    variants = {v.sku: v for v in Variant.objects.filter(is_active=True, product__is_active=True)}
    return variants, channels


class Json(str):
    """JSON text encoded once for many rows (the seller, a line's counters), written as it is."""


class Table:
    """Rows of one model, by attribute name, laid over the model's own defaults and written in one statement per
    flush: COPY on PostgreSQL, executemany on SQLite. The primary key is given by the loader (ids 1…N)."""

    def __init__(self, model):
        from django.db import connection

        from orderly.orders.services.importing import model_defaults

        self.model, self.vendor = model, connection.vendor
        defaults = model_defaults(model)
        pk = model._meta.pk
        fields = [pk] + [f for f in model._meta.concrete_fields if f.attname in defaults]
        self.columns = [f.column for f in fields]
        self.prepared, self.adapters = {}, []
        for field in fields[1:]:
            adapt, default = self._adapter(field), defaults[field.attname]
            if default is not None or field.null:  # NOT NULL without a default: every row must give it
                self.prepared[field.attname] = adapt(default) if adapt and default is not None else default
            if adapt:
                self.adapters.append((field.attname, adapt))
        self.pick = operator.itemgetter(*[f.attname for f in fields])
        self.rows: list[tuple] = []
        self.next_id = 1

    def _adapter(self, field):
        kind = field.get_internal_type()
        if kind == "JSONField":
            return lambda value: value if type(value) is Json else "{}" if value == {} else json.dumps(value)
        if kind == "DateTimeField" and self.vendor == "sqlite":
            # Django keeps aware datetimes in SQLite as naive UTC text; every time here is in UTC already.
            return lambda value: value.replace(tzinfo=None).isoformat(" ")
        return None

    def add(self, **row) -> int:
        """Queue a row; returns its id."""
        row["id"] = key = self.next_id
        self.next_id += 1
        line = {**self.prepared, **row}
        for name, adapt in self.adapters:
            if name in row and row[name] is not None:
                line[name] = adapt(row[name])
        try:
            self.rows.append(self.pick(line))
        except KeyError as error:
            raise ValueError(f"{self.model._meta.db_table}.{error.args[0]} has no default; give it") from None
        return key

    def flush(self) -> None:
        from django.db import connection

        if not self.rows:
            return
        quote = connection.ops.quote_name
        table, columns = quote(self.model._meta.db_table), ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["?"] * len(self.columns))
                connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", self.rows)
        self.rows = []


COUNTRIES, COUNTRY_CUMULATIVE = list(COUNTRY_WEIGHTS), list(itertools.accumulate(COUNTRY_WEIGHTS.values()))


def _customer(rng: random.Random, wholesale: bool) -> tuple[str, str, dict]:
    country = rng.choices(COUNTRIES, cum_weights=COUNTRY_CUMULATIVE)[0]
    city, postal_code = rng.choice(PLACES[country])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    person = f"{first} {last}"
    company = f"{rng.choice(COMPANY_KINDS)} {last}" if wholesale else ""
    email = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 999)}@example.com"
    address = {
        "name": person,
        "company": company,
        "line1": f"{rng.choice(STREETS[country])} {rng.randint(1, 240)}",
        "postal_code": postal_code,
        "city": city,
        "country": country,
        "phone": f"+{PHONE_CODES[country]} {rng.randint(100000000, 999999999)}",
        "email": email,
    }
    return company or person, email, address


def _state(rng: random.Random, age_days: int, error: bool) -> tuple[str, str]:
    """(status, stage) by age: old orders closed or canceled, recent ones open or draft."""
    if error:
        return "open", "new"
    if age_days > 30:
        return rng.choices([("closed", "completed"), ("canceled", "new")], [93, 7])[0]
    if age_days > 3:
        return rng.choice([("open", "in_progress"), ("open", "completed"), ("closed", "completed")])
    return rng.choice([("open", "new"), ("draft", "new"), ("open", "in_progress")])


class Loader:
    """Writes orders as the services leave them, one `add_order` at a time; `flush` writes what is queued."""

    def __init__(self, rng: random.Random, now: dt.datetime, count: int):
        from orderly.billing.models import Invoice, InvoiceLine, Payment
        from orderly.billing.seller import seller_details
        from orderly.core.folding import search_text
        from orderly.orders.models import Address, Order, OrderEvent, OrderItem
        from orderly.shipping.models import Fulfillment, FulfillmentLine

        self.rng, self.now, self.count = rng, now, count
        self.search_text = search_text  # the search box's folded column, as Order.save and the importer fill it
        self.variants, self.channels = ensure_catalog_and_channels()
        self.skus = sorted(self.variants)
        self.seller = Json(json.dumps(seller_details()))
        self.counters_shipped = {}  # a fulfillment line's counter changes by quantity, encoded once
        models = {
            "address": Address,
            "order": Order,
            "item": OrderItem,
            "payment": Payment,
            "fulfillment": Fulfillment,
            "fulfillment_line": FulfillmentLine,
            "invoice": Invoice,
            "invoice_line": InvoiceLine,
            "event": OrderEvent,
        }
        self.tables = {name: Table(model) for name, model in models.items()}
        for name, table in self.tables.items():
            setattr(self, name, table)
        self.span = dt.timedelta(days=365 * YEARS).total_seconds()

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def add_order(self, order_id: int) -> None:
        rng, now = self.rng, self.now
        # Numbers rise with the order date, as they do when orders arrive over time.
        when = now - dt.timedelta(seconds=self.span * (1 - order_id / self.count) + rng.randint(0, 3600))
        age_days = (now - when).days
        channel = rng.choices(self.channels, [10, 55, 25, 10])[0]
        wholesale = channel.name == "Wholesale portal" or rng.random() < 0.05
        name, email, address = _customer(rng, wholesale)
        address_id = self.address.add(**address)
        error = rng.random() < ERROR_SHARE
        status, stage = _state(rng, age_days, error)
        closed, paid = status == "closed", status == "closed" or stage == "completed"
        number = f"OR-{order_id:06d}"
        external = f"{channel.pk}-{order_id}" if channel.name != "Manual" else ""
        actor = ("channel", channel.name) if external else ("system", "Orderly")
        items, totals = self._items(order_id, status, error, wholesale, paid)
        total = totals["total"]
        archived = age_days > 365 and rng.random() < ARCHIVED_SHARE * YEARS
        external_ref = f"#{100000 + order_id}" if external else ""
        self.order.add(
            **totals,
            number=number,
            search_text=self.search_text(number, external_ref, name, email),
            channel_id=channel.pk,
            external_id=external,
            external_ref=external_ref,
            order_date=when,
            customer_name=name,
            customer_email=email,
            customer_type="wholesale" if wholesale else "retail",
            billing_address_id=address_id,
            shipping_address_id=address_id,
            status=status,
            stage=stage,
            fulfillment_status="fulfilled" if closed else "unfulfilled",
            payment_status="paid" if paid else "unpaid",
            amount_paid=total if paid else Decimal("0.00"),
            amount_due=total,
            error_code="unknown_sku" if error else "",
            error_message="No product matches SKU MUG-ENAMEL." if error else "",
            error_fix="Create a variant with SKU MUG-ENAMEL in the catalog, then reset the order." if error else "",
            is_archived=archived,
            archived_at=now if archived else None,
            item_count=ITEMS_PER_ORDER,
            created_at=when,
            updated_at=when,
        )
        verb = "imported" if external else "created"
        self._event(order_id, when, verb, actor, f"Order {number} {verb}.")
        if status == "canceled":
            self._event(order_id, when, "items_canceled", actor, "Canceled every item: the order is canceled.")
            self._event(order_id, when, "status_changed", actor, "Status changed from open to canceled.")
        if paid:
            self._pay(order_id, when + dt.timedelta(minutes=5), total, number)
        if stage != "new":
            self._event(order_id, when, "stage_changed", ("system", "Orderly"), f"Stage changed from new to {stage}.")
        if closed:
            shipped = when + dt.timedelta(days=1)
            self._fulfil(order_id, shipped, items, address)
            self._invoice(order_id, shipped, items, totals, address, name)
            self._event(order_id, shipped, "status_changed", ("system", "Orderly"), "Closed: every item is done.")

    def _items(self, order_id, status, error, wholesale, paid) -> tuple[list, dict]:
        rng = self.rng
        totals = {"subtotal": Decimal(0), "tax_total": Decimal(0), "total": Decimal(0)}
        items = []
        for line_no, sku in enumerate(rng.sample(self.skus, ITEMS_PER_ORDER), start=1):
            variant = self.variants[sku]
            if error and line_no == ITEMS_PER_ORDER:
                sku, variant = "MUG-ENAMEL", None
            quantity = rng.choice([1, 1, 1, 2, 2, 3]) * (6 if wholesale else 1)
            unit_price = variant.price if variant else Decimal("14.95")
            subtotal = _money(quantity * unit_price)
            tax = _money(subtotal * 9 / 100)
            counters = {}
            if status == "canceled":
                counters = {"qty_canceled": quantity}
            elif status == "closed":
                counters = dict.fromkeys((*SHIPPED_COUNTERS, "qty_costs_paid", "qty_invoiced"), quantity)
                counters["qty_handed_to_carrier"] = quantity
            elif paid:  # paid, not shipped yet: covered and cleared to ship
                counters = {"qty_costs_paid": quantity, "qty_approved": quantity}
            item_id = self.item.add(
                order_id=order_id,
                line_no=line_no,
                variant_id=variant.id if variant else None,
                sku=sku,
                name=variant.name if variant else "Enamel camping mug",
                quantity=quantity,
                unit_price=unit_price,
                tax_rate=Decimal("9.0000"),
                status=status,
                line_subtotal=subtotal,
                line_tax=tax,
                line_total=subtotal + tax,
                **counters,
            )
            items.append((item_id, sku, quantity, unit_price, subtotal, tax))
            totals["subtotal"] += subtotal
            totals["tax_total"] += tax
            totals["total"] += subtotal + tax
        return items, totals

    def _event(self, order_id, when, kind, actor, message, data=None) -> None:
        self.event.add(
            order_id=order_id,
            created_at=when,
            kind=kind,
            actor_kind=actor[0],
            actor_name=actor[1],
            message=message,
            data=data or {},
        )

    def _pay(self, order_id, when, total, number) -> None:
        methods, weights = zip(*PAYMENT_METHODS, strict=True)
        method = self.rng.choices(methods, weights)[0]
        payment = self.payment.add(
            order_id=order_id,
            amount=total,
            method=method,
            reference=f"PAY-{number}",
            created_by_name="Orderly",
            created_at=when,
        )
        message = f"Payment received: EUR {total} by {method}. Paid now: {total}."
        data = {"payment": payment, "amount": str(total), "method": method, "amount_paid": str(total)}
        self._event(order_id, when, "payment_received", ("system", "Orderly"), message, data)

    def _fulfil(self, order_id, when, items, address) -> None:
        key = self.fulfillment.next_id
        carrier = self.rng.choice(CARRIERS)
        self.fulfillment.add(
            order_id=order_id,
            number=f"FF-{key:06d}",
            carrier=carrier,
            tracking_number=f"3S{key:09d}",
            shipping_address={"line2": "", "region": "", **address},
            created_by="Orderly",
            created_at=when,
            pushed_at=when,
        )
        for item_id, _sku, quantity, *_ in items:
            changes = self.counters_shipped.get(quantity)
            if changes is None:
                changes = dict.fromkeys((*SHIPPED_COUNTERS, "qty_handed_to_carrier"), quantity)
                changes = self.counters_shipped[quantity] = Json(json.dumps(changes))
            self.fulfillment_line.add(
                fulfillment_id=key, order_item_id=item_id, quantity=quantity, indicator_changes=changes
            )
        message = f"Fulfillment FF-{key:06d} shipped with {carrier}, tracking 3S{key:09d}."
        self._event(order_id, when, "fulfilled", ("system", "Orderly"), message, {"fulfillment": f"FF-{key:06d}"})

    def _invoice(self, order_id, when, items, totals, address, name) -> None:
        key = self.invoice.next_id
        self.invoice.add(
            order_id=order_id,
            number=f"INV-{key:06d}",
            issued_at=when,
            currency="EUR",
            seller=self.seller,
            buyer={"line2": "", "region": "", **address, "customer_name": name},
            subtotal=totals["subtotal"],
            discount=Decimal("0.00"),
            tax_total=totals["tax_total"],
            total=totals["total"],
            created_by_name="Orderly",
        )
        for position, (item_id, sku, quantity, unit_price, subtotal, tax) in enumerate(items, start=1):
            self.invoice_line.add(
                invoice_id=key,
                position=position,
                order_item_id=item_id,
                sku=sku,
                name=sku,
                quantity=quantity,
                unit_price=unit_price,
                tax_rate=Decimal("9.0000"),
                discount=Decimal("0.00"),
                line_subtotal=subtotal,
                line_tax=tax,
                line_total=subtotal + tax,
            )
        message = f"Invoice INV-{key:06d} created: total EUR {totals['total']}."
        self._event(order_id, when, "invoice_created", ("system", "Orderly"), message, {"invoice": f"INV-{key:06d}"})


def load(count: int, *, seed: int = 7, progress=print, batch: int = BATCH) -> dict[str, int]:
    """Write `count` orders of three items each into an empty order book, ids 1…count, a batch per transaction,
    with a progress bar on a terminal; returns the rows written per table."""
    from django.db import transaction
    from django.utils import timezone

    from orderly.ops.progress import Progress
    from orderly.orders.models import Order

    if Order.all_objects.exists():
        raise RuntimeError("the order tables are not empty; load into a fresh database")
    now = timezone.now().replace(microsecond=0).astimezone(dt.UTC)
    loader = Loader(random.Random(seed), now, count)
    bar = Progress(f"Loading {count:,} orders", count)
    with _bulk_session(), _indexes_dropped([table.model for table in loader.tables.values()], progress):
        for start in range(1, count + 1, batch):
            with transaction.atomic():
                for order_id in range(start, min(start + batch, count + 1)):
                    loader.add_order(order_id)
                loader.flush()
            bar.step(min(start + batch - 1, count))
        bar.finish()
    written = {table.model._meta.db_table: table.next_id - 1 for table in loader.tables.values()}
    _after_load(loader)
    progress("  rows: " + ", ".join(f"{table} {rows:,}" for table, rows in written.items()))
    return written


@contextlib.contextmanager
def _bulk_session():
    """SQLite: no waiting for the disk after each batch (a bench database is made again if the machine fails)."""
    from django.db import connection

    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous = OFF")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA synchronous = {int(before)}")


@contextlib.contextmanager
def _indexes_dropped(models: list, progress):
    """The loaded tables' secondary indexes dropped for the load and built again after it: one index build over a
    million rows costs a fraction of keeping the index up row by row. Indexes behind constraints stay. Inside a
    caller's transaction (a test's) the indexes stay: PostgreSQL builds none while deferred checks are pending."""
    from django.db import connection

    if connection.in_atomic_block:
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() "
                "AND tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass)",
                [tables],
            )
        else:
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({placeholders})",
                tables,
            )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
        progress(f"  {len(indexes)} indexes built again in {time.perf_counter() - start:.1f} s")


def _after_load(loader: Loader) -> None:
    """Number sequences and id sequences past the rows written, and fresh statistics for the planner."""
    from django.db import connection

    from orderly.core.models import NumberSequence

    for prefix, table in (("OR", loader.order), ("FF", loader.fulfillment), ("INV", loader.invoice)):
        NumberSequence.objects.update_or_create(prefix=prefix, defaults={"last_value": table.next_id - 1})
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in loader.tables.values():
                name = table.model._meta.db_table
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [name, table.next_id])
            if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (a test's, say)
                # As autovacuum would have left a table that grew over two years: statistics and visibility map.
                cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


# ---------------------------------------------------------------------------------------------- run on its own


def prepare(db: str) -> str:
    """A fresh, migrated bench database; returns its DATABASE_URL."""
    if db == "sqlite":
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def check_pages(count: int) -> None:
    """The app's pages and API answer 200 on the loaded data: the overview, the API list, an order's detail."""
    from django.test import Client

    from orderly.core.services import token_create, user_create

    collect_static()
    user, _password = user_create(username="bulk-check", role="viewer")
    web, api = Client(), Client()
    web.force_login(user)
    headers = {"Authorization": f"Bearer {token_create(username=user.username)[1]}"}
    number = f"OR-{count:06d}"
    for client, url, extra in (
        (web, "/orders/", {}),
        (web, f"/orders/{number}/", {}),
        (api, "/api/v1/orders?page_size=50", headers),
        (api, f"/api/v1/orders/{number}", headers),
    ):
        status = client.get(url, headers=extra).status_code
        if status != 200:
            raise SystemExit(f"GET {url} answered {status} on the loaded data")
        print(f"  GET {url}: {status}")


def run_one(db: str, count: int, check: bool) -> None:
    os.environ["DATABASE_URL"] = prepare(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderly.settings")
    os.environ["ORDERLY_DATA_DIR"] = str(ROOT / "var" / "bench")
    import django

    django.setup()

    print(f"{db}: migrating a fresh database …", flush=True)
    migrate()
    start, cpu = time.perf_counter(), time.process_time()
    load(count)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"{db}: {count:,} orders in {took:.1f} s ({count / took:,.0f} orders/s; this process's CPU {cpu:.1f} s); "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if check:
        check_pages(count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], help="one database (default: SQLite, then PostgreSQL)")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--check", action="store_true", help="request the pages and API on the loaded data")
    smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.orders, args.check = 200, True
    if args.db:
        run_one(args.db, args.orders, args.check)
        return 0
    import subprocess

    for db in ("sqlite", "postgres"):
        command = [sys.executable, __file__, "--db", db, "--orders", str(args.orders)] + ["--check"] * args.check
        if subprocess.run(command).returncode:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
