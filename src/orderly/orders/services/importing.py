"""Creating many imported orders at once (a channel's page of new orders): the same checks, totals, numbers and
timeline events as order_create, written below the ORM in a fixed number of statements per batch.

Why below the ORM: bulk_create compiles every value of every field through the query compiler, which cost four
fifths of a channel import's time (bench/README.md, channel sync). `insert_rows` prepares one INSERT per model from
the model's own field list and defaults, so fields added later are written without touching this module.
"""

import json
import operator
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import psycopg
from django.db import connection, models, transaction
from django.utils import timezone

from orderly.catalog.selectors import mapped_variants, variants_by_sku
from orderly.core.actors import Actor
from orderly.core.exceptions import ValidationError
from orderly.core.folding import search_text
from orderly.core.memory import gc_paused
from orderly.core.numbering import next_numbers
from orderly.core.retry import retry_on_conflict
from orderly.orders import completion, events
from orderly.orders.events import EventKind
from orderly.orders.models import Address, Order, OrderCharge, OrderEvent, OrderItem
from orderly.orders.services import item_validation
from orderly.orders.services import validation as clean
from orderly.orders.services.checks import find_problems, processes_tests
from orderly.orders.services.editing import shop_figures
from orderly.orders.services.items import MAX_ITEMS
from orderly.orders.services.settling import settle_items
from orderly.orders.services.totals import compute_charge, compute_line, compute_order
from orderly.orders.status import OrderStatus, Stage

# Internal types whose Python values the drivers take as they are (str, int, bool, Decimal, None).
_AS_IS = frozenset(
    {
        "CharField",
        "TextField",
        "EmailField",
        "SlugField",
        "URLField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "BooleanField",
        "DecimalField",
        "ForeignKey",
        "OneToOneField",
    }
)


class Row(SimpleNamespace):
    """A row to insert, by attribute name, that reads and writes like the model instance the totals and checks
    take (`row.quantity`, `row.line_total = …`) at plain attribute speed: no model instance built per row."""


def model_defaults(model: type[models.Model]) -> dict:
    """Every concrete field's Python default by attribute name, as a new instance would hold it (auto_now fields:
    now; a text field without default: ""; otherwise None), primary key and database defaults left out."""
    now = timezone.now()
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or (field.db_default is not models.NOT_PROVIDED and not field.has_default()):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            defaults[field.attname] = field.get_default()
    return defaults


def _adapter(field):
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return None
    if kind == "DateTimeField":
        return _last_one(connection.ops.adapt_datetimefield_value)
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    if kind == "JSONField":
        # As JSON text: what SQLite stores, and what COPY reads into jsonb (no per-value adapter object).
        encode = (field.encoder or json.JSONEncoder)().encode
        return lambda value: "{}" if value == {} else "[]" if value == [] else encode(value)
    return lambda value: field.get_db_prep_save(value, connection)


def _last_one(adapt):
    """`adapt` remembering its last value: the rows of one batch share their `now`, adapted once instead of per row."""
    last = [object(), None]

    def adapted(value):
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return adapted


def _max_params() -> int:
    if connection.vendor == "sqlite":
        try:
            return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # Python before 3.11
            return 999
    return 65_535


def insert_rows(model: type[models.Model], rows: list[dict], *, returning: bool = False) -> list[int]:
    """INSERT `rows` (dicts or Rows by attribute name; other keys ignored) into the model's table; columns a row leaves
    out take the field's default, so every NOT NULL column is written. Returns the new primary keys in row order
    when `returning` (RETURNING, PostgreSQL and SQLite >= 3.35), else [].

    Needs: the caller's transaction, and values the field's own checks would pass (no model validation here;
    the database's constraints still apply). Fields with a database default and no Python default are left to
    the database. Raises ValueError naming a NOT NULL column without default that a row does not give.
    """
    if not rows:
        return []
    connection.ensure_connection()
    defaults = model_defaults(model)
    fields = [f for f in model._meta.concrete_fields if f.attname in defaults]
    prepared, adapters = {}, []
    for field in fields:
        adapt, default = _adapter(field), defaults[field.attname]
        if default is not None or field.null:  # NOT NULL without a default: every row must give it
            prepared[field.attname] = adapt(default) if adapt is not None and default is not None else default
        if adapt is not None:
            adapters.append((field.attname, adapt))
    # Per row: the prepared defaults overlaid with the row, its few non-plain values adapted, then one C-level
    # pick of the columns in order (a Python loop over every column of every row was a fifth of the import).
    pick = operator.itemgetter(*[f.attname for f in fields])
    values = []
    for row in rows:
        row = row if isinstance(row, dict) else vars(row)
        line = {**prepared, **row}
        for name, adapt in adapters:
            if name in row and (value := row[name]) is not None:
                line[name] = adapt(value)
        try:
            values.append(pick(line))
        except KeyError as exc:
            missing = f"{model._meta.db_table}.{exc.args[0]}"
            raise ValueError(f"{missing} has no default and the row does not give it.") from None
    return _execute(model, [f.column for f in fields], values, returning)


def _execute(model, columns: list[str], values: list[list], returning: bool) -> list[int]:
    if connection.vendor == "postgresql":
        return _copy_postgresql(model, columns, values, returning)
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if not returning:
        with connection.cursor() as cursor:
            cursor.executemany(head + one, values)
        return []
    # One multi-row INSERT … RETURNING per chunk: SQLite returns the rows in VALUES order (bulk_create relies on
    # the same), and the chunk keeps within its limit on parameters.
    per_statement = max(1, _max_params() // len(columns))
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            params = [value for line in chunk for value in line]
            cursor.execute(head + ", ".join([one] * len(chunk)) + f" RETURNING {pk}", params)
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def _copy_postgresql(model, columns: list[str], values: list[list], returning: bool) -> list[int]:
    """COPY the rows in (one statement, the fastest way into PostgreSQL); ids, when wanted, are taken from the
    table's identity sequence first in one query, so they are known in row order without RETURNING."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    ids = []
    # Our own cursor bypasses Django's, so its error translation (psycopg's UniqueViolation → IntegrityError) too.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        if returning:
            pk = model._meta.pk.column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, len(values)]
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns = [pk, *columns]
            values = [[key, *line] for key, line in zip(ids, values, strict=True)]
        with cursor.copy(f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
            for line in values:
                copy.write_row(line)
    return ids


@dataclass
class ImportEntry:
    """One order to create, in order_create's terms."""

    external_id: str
    customer: dict
    items: list
    shipping_address: dict | None
    billing_address: dict | None = None
    currency: str = "EUR"
    status: str = OrderStatus.OPEN
    order_date: object = None
    notes: str = ""
    external_ref: str = ""
    external_status: str = ""
    shop: dict | None = None  # editing.shop_figures' keywords: charges, prices_include_tax, is_test, …
    # Money the shop already received for it; billing records the payment rows (orders_import_many's caller).
    amount_paid: Decimal = Decimal("0")


def _clean(entry: ImportEntry, variants: dict) -> tuple[dict, list[dict]]:
    if entry.status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
        raise ValidationError(f"status of a new order must be draft or open, not {entry.status!r}.", field="status")
    if not isinstance(entry.items, list) or not entry.items:
        raise ValidationError("items: an order needs at least one item.", field="items")
    if len(entry.items) > MAX_ITEMS:
        raise ValidationError(f"An order may have at most {MAX_ITEMS} items.", field="items")
    fields = {
        **clean.customer(entry.customer),
        "shipping": clean.address_loose(entry.shipping_address, field="shipping_address")
        if entry.shipping_address is not None
        else None,
        "billing": clean.address_loose(entry.billing_address, field="billing_address")
        if entry.billing_address is not None
        else None,
        **shop_figures(**(entry.shop or {})),
        "currency": clean.currency(entry.currency),
        "notes": clean.text(entry.notes, field="notes", max_length=5000),
        "external_id": clean.text(entry.external_id, field="external_id", max_length=100, required=True),
        "external_ref": clean.text(entry.external_ref, field="external_ref", max_length=100),
        "external_status": clean.text(entry.external_status, field="external_status", max_length=64),
    }
    items = []
    for i, data in enumerate(entry.items):
        sku = data.get("sku").strip() if isinstance(data, dict) and isinstance(data.get("sku"), str) else None
        items.append(item_validation.item(data, field=f"items[{i}]", variant=variants.get(sku) if sku else None))
    gross = sum((item_validation.line_gross(data) for data in items), Decimal(0))
    if gross > clean.MAX_ORDER_AMOUNT:
        raise ValidationError(f"items come to {gross}, more than an order may total ({clean.MAX_ORDER_AMOUNT}).")
    return fields, items


def _variants(channel, entries: list[ImportEntry]) -> dict:
    skus = {
        d["sku"].strip()
        for e in entries
        for d in (e.items or [])
        if isinstance(d, dict) and isinstance(d.get("sku"), str)
    }
    variants = variants_by_sku(skus)
    variants.update(mapped_variants(channel.pk, skus))
    return variants


def _order_rows(channel, cleaned: list, address_ids: dict) -> tuple[list[Row], list[list[Row]], list[list[Row]]]:
    """The orders', items' and charges' rows with totals and the checks' error, computed in Python."""
    order_defaults, item_defaults = model_defaults(Order), model_defaults(OrderItem)
    charge_defaults = model_defaults(OrderCharge)
    process_tests = processes_tests(channel)
    now = timezone.now()
    numbers = next_numbers("OR", len(cleaned))
    orders, all_items, all_charges = [], [], []
    for n, (entry, f, item_data) in enumerate(cleaned):
        order = Row(**order_defaults)
        vars(order).update(
            number=numbers[n],
            channel_id=channel.pk,
            external_id=f["external_id"],
            external_ref=f["external_ref"],
            external_status=f["external_status"],
            order_date=entry.order_date or now,
            currency=f["currency"],
            status=entry.status,
            stage=Stage.NEW,
            notes=f["notes"],
            shipping_address_id=address_ids.get((n, "shipping")),
            billing_address_id=address_ids.get((n, "billing")),
            customer_name=f["customer_name"],
            customer_email=f["customer_email"],
            search_text=search_text(numbers[n], f["external_ref"], f["customer_name"], f["customer_email"]),
            customer_type=f["customer_type"],
            customer_vat_number=f["customer_vat_number"],
            prices_include_tax=f["prices_include_tax"],
            is_test=f["is_test"],
            delivery_method=f["delivery_method"],
            discount_codes=f["discount_codes"],
            shop_money=f["shop_money"],
            stated_total=f["stated_total"],
            amount_paid=entry.amount_paid,
        )
        tax_included = f["prices_include_tax"]
        items = []
        for line_no, data in enumerate(item_data, 1):
            item = Row(**{**item_defaults, **data})
            item.line_no, item.status = line_no, entry.status
            item.variant_id = data["variant"].pk if data["variant"] is not None else None
            compute_line(item, tax_included=tax_included)
            items.append(item)
        charges = []
        for position, data in enumerate(f["charges"], 1):
            charge = Row(**{**charge_defaults, **data, "position": position})
            compute_charge(charge, tax_included=tax_included)
            charges.append(charge)
        compute_order(order, items, charges)
        if problems := find_problems(order, items, shipping=f["shipping"], process_tests=process_tests):
            order.error_code = problems[0].code
            order.error_message = " ".join(p.message for p in problems)[:1000]
            order.error_fix = " ".join(p.fix for p in problems)[:1000]
        if order.amount_paid:
            figures = [completion.figures_of(item) for item in items]
            settle_items(order, items, figures, completion.owed_for_charges(charges))
        orders.append(order)
        all_items.append(items)
        all_charges.append(charges)
    return orders, all_items, all_charges


def _event_rows(channel, orders: list[Row], actor: Actor) -> list[dict]:
    """`imported` for each order, and `error_raised` for each created with an error, worded as events.py words them."""
    base = {"actor_kind": actor.kind, "actor_name": actor.name[:150], "actor_user_id": getattr(actor.user, "pk", None)}
    rows = []
    for order in orders:
        message, data = events.imported_content(order, channel)
        rows.append({**base, "order_id": order.id, "kind": EventKind.IMPORTED, "message": message[:500], "data": data})
        if order.error_code:
            message, data = events.error_raised_content(order)
            rows.append(
                {**base, "order_id": order.id, "kind": EventKind.ERROR_RAISED, "message": message[:500], "data": data}
            )
    return rows


@retry_on_conflict
def orders_import_many(*, channel, entries: list[ImportEntry], actor: Actor) -> tuple[list[Row], dict[str, str]]:
    """Create the entries' orders in one transaction, each exactly as order_create(strict=False) would: numbers,
    addresses, items and charges with totals, the checks' error (unknown or inactive SKU, an address its country
    refuses, a total that differs from the shop's…) and the `imported` and `error_raised` events. An entry's
    `amount_paid` sets the order's payment figures and the items' *costs paid* and *approved* units as
    order_settle would (its payment rows are the caller's: billing sits above orders); an entry created as a draft
    must not carry one (a paid draft opens, which is order_settle's). An entry that cannot be cleaned is left out
    with its reason.

    Needs entries whose (channel, external id) are not taken (IntegrityError otherwise, nothing written).
    Guarantees a fixed number of statements however many entries: one block of numbers, and one INSERT each for
    addresses, orders, items, charges and events (chunked only by the database's parameter limit).
    Returns (created orders as Rows with `id`, `number`, `external_id`, …; {external_id: reason} left out).
    """
    with gc_paused():
        return _import_many(channel, entries, actor)


def _import_many(channel, entries: list[ImportEntry], actor: Actor) -> tuple[list[Row], dict[str, str]]:
    variants = _variants(channel, entries)
    cleaned, refused = [], {}
    for entry in entries:
        try:
            fields, items = _clean(entry, variants)
        except ValidationError as exc:
            refused[entry.external_id] = exc.message
            continue
        cleaned.append((entry, fields, items))
    if not cleaned:
        return [], refused
    with transaction.atomic():
        keys = [(n, kind) for n, (_, f, _) in enumerate(cleaned) for kind in ("shipping", "billing") if f[kind]]
        address_ids = insert_rows(Address, [cleaned[n][1][kind] for n, kind in keys], returning=True)
        orders, all_items, all_charges = _order_rows(channel, cleaned, dict(zip(keys, address_ids, strict=True)))
        for order, order_id in zip(orders, insert_rows(Order, orders, returning=True), strict=True):
            order.id = order_id
        for order, items, charges in zip(orders, all_items, all_charges, strict=True):
            for row in (*items, *charges):
                row.order_id = order.id
        insert_rows(OrderItem, [item for items in all_items for item in items])
        if any(all_charges):
            insert_rows(OrderCharge, [charge for charges in all_charges for charge in charges])
        insert_rows(OrderEvent, _event_rows(channel, orders, actor))
    return orders, refused
