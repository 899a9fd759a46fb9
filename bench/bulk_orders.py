"""Bulk-load a large, realistic order book straight into the tables, for benchmarks only.

Services are far too slow for 100,000 orders (each writes events, runs checks, takes a number), so this writes
the rows they would have written, with the same totals arithmetic: addresses, orders, three items each and one
timeline event each. SQLite gets batched multi-row INSERTs in one transaction; PostgreSQL gets COPY.
"""

import datetime as dt
import json
import random
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

from orderly.catalog.models import Variant
from orderly.catalog.services import product_create
from orderly.channels.models import ChannelKind, SalesChannel
from orderly.channels.selectors import manual_channel
from orderly.channels.services import channel_create
from orderly.core.folding import search_text
from orderly.core.models import NumberSequence
from orderly.ops import demo_data
from orderly.orders.models import Address, Order, OrderEvent, OrderItem
from orderly.orders.services.importing import model_defaults

CENT = Decimal("0.01")
ITEMS_PER_ORDER = 3
ARCHIVED_SHARE = 0.15  # of all orders, every one of them older than a year
ERROR_SHARE = 0.02  # imported with an unknown SKU
YEARS = 2

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


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ensure_catalog_and_channels() -> tuple[dict[str, Variant], list[SalesChannel]]:
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


class _Writer:
    """Appends rows per table and flushes them in batches, in the model's column order."""

    def __init__(self, batch: int = 5000):
        self.batch = batch
        self.pending: dict[type, list[tuple]] = {}
        self.vendor = connection.vendor
        self.columns = {
            model: [f.column for f in model._meta.concrete_fields] for model in (Address, Order, OrderItem, OrderEvent)
        }
        # Columns added to the models since this loader was written take their defaults, as a new row would.
        self.defaults = {model: model_defaults(model) for model in self.columns}

    def add(self, model, values: dict) -> None:
        values = {**self.defaults[model], **values}
        row = tuple(self._adapt(values[f.attname]) for f in model._meta.concrete_fields)
        rows = self.pending.setdefault(model, [])
        rows.append(row)
        if len(rows) >= self.batch:
            self.flush(model)

    def _adapt(self, value):
        if isinstance(value, dict | list):
            return json.dumps(value)
        if self.vendor == "sqlite" and isinstance(value, dt.datetime):
            # Django keeps aware datetimes in SQLite as naive UTC text.
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        if self.vendor == "sqlite" and isinstance(value, Decimal):
            return str(value)
        return value

    def flush(self, model=None) -> None:
        for current in [model] if model else list(self.pending):
            rows = self.pending.pop(current, [])
            if rows:
                self._write(current, rows)

    def _write(self, model, rows: list[tuple]) -> None:
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns[model])
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            placeholders = ", ".join(["?"] * len(self.columns[model]))
            connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def _customer(rng: random.Random, wholesale: bool) -> tuple[str, str, dict]:
    country = rng.choices(list(COUNTRY_WEIGHTS), list(COUNTRY_WEIGHTS.values()))[0]
    city, postal_code = rng.choice(PLACES[country])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    person = f"{first} {last}"
    company = f"{rng.choice(COMPANY_KINDS)} {last}" if wholesale else ""
    email = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 999)}@example.com"
    address = {
        "name": person,
        "company": company,
        "line1": f"{rng.choice(STREETS[country])} {rng.randint(1, 240)}",
        "line2": "",
        "postal_code": postal_code,
        "city": city,
        "region": "",
        "country": country,
        "phone": f"+{ {'NL': 31, 'DE': 49, 'BE': 32, 'FR': 33}[country] } {rng.randint(100000000, 999999999)}",
        "email": email,
    }
    return company or person, email, address


def load(count: int, *, seed: int = 7, progress=print) -> None:
    """Write `count` orders of three items each into an empty order book, ids 1…count, in one transaction."""
    if Order.all_objects.exists():
        raise RuntimeError("the order tables are not empty; load into a fresh database")
    rng = random.Random(seed)
    variants, channels = ensure_catalog_and_channels()
    skus = sorted(variants)
    now = timezone.now().replace(microsecond=0)
    span = dt.timedelta(days=365 * YEARS).total_seconds()
    writer = _Writer()
    item_id = 0
    with transaction.atomic():
        for order_id in range(1, count + 1):
            # Numbers rise with the order date, as they do when orders arrive over time.
            order_date = now - dt.timedelta(seconds=span * (1 - order_id / count) + rng.randint(0, 3600))
            age_days = (now - order_date).days
            channel = rng.choices(channels, [10, 55, 25, 10])[0]
            wholesale = channel.name == demo_data.WHOLESALE_PORTAL or rng.random() < 0.05
            name, email, address = _customer(rng, wholesale)
            writer.add(Address, {"id": order_id, **address})

            error = rng.random() < ERROR_SHARE
            totals = {
                "subtotal": Decimal(0),
                "discount_total": Decimal(0),
                "tax_total": Decimal(0),
                "total": Decimal(0),
            }
            if age_days > 30:
                status, stage = rng.choices([("closed", "completed"), ("canceled", "new")], [93, 7])[0]
            elif age_days > 3:
                status, stage = rng.choice([("open", "in_progress"), ("open", "completed"), ("closed", "completed")])
            else:
                status, stage = rng.choice([("open", "new"), ("draft", "new"), ("open", "in_progress")])
            if error:
                status, stage = "open", "new"
            archived = age_days > 365 and rng.random() < ARCHIVED_SHARE * YEARS
            for line_no, sku in enumerate(rng.sample(skus, ITEMS_PER_ORDER), start=1):
                variant = variants[sku]
                if error and line_no == ITEMS_PER_ORDER:
                    sku, variant = "MUG-ENAMEL", None
                quantity = rng.choice([1, 1, 1, 2, 2, 3]) * (6 if wholesale else 1)
                unit_price = variant.price if variant else Decimal("14.95")
                tax_rate = Decimal("9.00")
                subtotal = _money(quantity * unit_price)
                tax = _money(subtotal * tax_rate / 100)
                item_id += 1
                writer.add(
                    OrderItem,
                    {
                        **_item_defaults(),
                        "id": item_id,
                        "order_id": order_id,
                        "line_no": line_no,
                        "variant_id": variant.id if variant else None,
                        "sku": sku,
                        "name": variant.name if variant else "Enamel camping mug",
                        "quantity": quantity,
                        "unit_price": unit_price,
                        "tax_rate": tax_rate,
                        "status": status,
                        "line_subtotal": subtotal,
                        "line_tax": tax,
                        "line_total": subtotal + tax,
                    },
                )
                if status != "canceled":
                    totals["subtotal"] += subtotal
                    totals["tax_total"] += tax
                    totals["total"] += subtotal + tax
            external = f"{channel.pk}-{order_id}" if channel.name != SalesChannel.MANUAL_NAME else ""
            writer.add(
                Order,
                {
                    "id": order_id,
                    "number": f"OR-{order_id:06d}",
                    "channel_id": channel.pk,
                    "external_id": external,
                    "external_ref": f"#{100000 + order_id}" if external else "",
                    "external_status": "",
                    "order_date": order_date,
                    "customer_name": name,
                    "customer_email": email,
                    "search_text": search_text(
                        f"OR-{order_id:06d}", f"#{100000 + order_id}" if external else "", name, email
                    ),
                    "customer_type": "wholesale" if wholesale else "retail",
                    "billing_address_id": order_id,
                    "shipping_address_id": order_id,
                    "currency": "EUR",
                    "status": status,
                    "stage": stage,
                    "fulfillment_status": "unfulfilled",
                    "error_code": "unknown_sku" if error else "",
                    "error_message": "No product matches SKU MUG-ENAMEL." if error else "",
                    "error_fix": "Create a variant with SKU MUG-ENAMEL in the catalog, then reset the order."
                    if error
                    else "",
                    "is_archived": archived,
                    "archived_at": now if archived else None,
                    "deleted_at": None,
                    "notes": "",
                    "item_count": ITEMS_PER_ORDER,
                    "created_at": order_date,
                    "updated_at": order_date,
                    **totals,
                },
            )
            writer.add(
                OrderEvent,
                {
                    "id": order_id,
                    "order_id": order_id,
                    "created_at": order_date,
                    "kind": "imported" if external else "created",
                    "actor_kind": "channel" if external else "system",
                    "actor_name": channel.name,
                    "actor_user_id": None,
                    "message": f"Order OR-{order_id:06d} {'imported' if external else 'created'}.",
                    "data": {},
                },
            )
            if order_id % 20000 == 0:
                writer.flush()
                progress(f"  {order_id:,} orders written")
        writer.flush()
        NumberSequence.objects.update_or_create(prefix="OR", defaults={"last_value": count})
    _after_load()


def _item_defaults() -> dict:
    return {
        "discount": Decimal("0.00"),
        "adjustments": [],
        "purchase_price": None,
        "commission": None,
        "identifiers": {},
        "position": "",
        "option_allocate": True,
        "option_fulfil": True,
        "option_cover": True,
        "option_invoice": True,
        "delivery_type": "ship",
        "delivery_method": "",
        "expected_on": None,
        "metadata": {},
    }


def _after_load() -> None:
    """Move the id sequences past the rows written with explicit ids, and refresh the planner's statistics."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in (Address, Order, OrderItem, OrderEvent):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            # As autovacuum would have left a table that grew over two years: statistics and visibility map.
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
