"""The search box ignores accents and case: the four searched fields folded into one stored column.

- search_text holds number, external reference, customer name and e-mail without accents and case-folded, one a
  line; Order.save and the importer write it with the fields, so a search is one plain substring match on it,
  the same on both databases (PostgreSQL's unaccent is not immutable, so it could not be indexed; a function per
  row per query would read the whole table).
- On PostgreSQL one trigram index on it replaces the four on the columns (0002): the search no longer reads those
  columns, and one index to keep up at each write is cheaper for the importer than four.
- Existing orders are filled here, a chunk at a time.
"""

import logging

from django.db import DatabaseError, migrations, models, transaction

from orderly.core.folding import search_text

OLD_COLUMNS = ("number", "external_ref", "customer_name", "customer_email")
CHUNK = 2000

logger = logging.getLogger(__name__)


def fill_search_text(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    last = 0
    while True:
        chunk = list(Order._base_manager.filter(pk__gt=last).order_by("pk").only(*OLD_COLUMNS)[:CHUNK])
        if not chunk:
            return
        for order in chunk:
            order.search_text = search_text(order.number, order.external_ref, order.customer_name, order.customer_email)
        Order._base_manager.bulk_update(chunk, ["search_text"])
        last = chunk[-1].pk


def swap_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for column in OLD_COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS order_{column}_trgm")
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:
            logger.warning("pg_trgm is not available (%s); order search stays unindexed.", error)
            return
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS order_search_text_trgm ON orders_order USING gin (search_text gin_trgm_ops)"
        )


def restore_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS order_search_text_trgm")
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        for column in OLD_COLUMNS:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS order_{column}_trgm ON orders_order "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_order_customer_vat_number"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(swap_trigram_indexes, restore_trigram_indexes, elidable=False),
    ]
