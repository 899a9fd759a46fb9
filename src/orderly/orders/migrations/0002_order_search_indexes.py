"""Indexes for the orders overview and search at 100,000+ orders (see bench/README.md).

- order_date_idx: newest-first paging on SQLite, whose planner otherwise joins from the channels table and sorts
  every order for each page.
- On PostgreSQL, trigram indexes on the four columns the search box matches. The search is a case-insensitive
  substring match (`UPPER(col) LIKE UPPER('%q%')`), which no b-tree serves; without these every search and its
  page count read the whole table. The index expressions are exactly the ones Django writes for `icontains`.
  pg_trgm is a trusted extension, so the database owner may create it; where that is refused, the search still
  works, only unindexed.
"""

import logging

from django.db import DatabaseError, migrations, models, transaction

SEARCH_COLUMNS = ("number", "external_ref", "customer_name", "customer_email")

logger = logging.getLogger(__name__)


def create_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:
            logger.warning("pg_trgm is not available (%s); order search stays unindexed.", error)
            return
        for column in SEARCH_COLUMNS:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS order_{column}_trgm ON orders_order "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in SEARCH_COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS order_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0002_manual_channel"),
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["-order_date", "-id", "is_archived"],
                name="order_date_idx",
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
