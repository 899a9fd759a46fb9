"""Insert many rows in one statement on every database.

Django's bulk_create is one statement on PostgreSQL, but on SQLite it splits the rows into batches of at most
999 parameters (Django's assumption about SQLite's variable limit), so a plan's holds would take a statement per
~200 rows. On SQLite this sends the rows as one JSON array, a single parameter, and inserts them with
`INSERT … SELECT … FROM json_each(?)`. Values go through each field's own conversion for the database first, so
what is stored is what bulk_create would store. No primary keys are returned: use it where they are not needed.
"""

import json
from collections.abc import Sequence

from django.db import connection, models


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    if not objs:
        return
    if connection.vendor != "sqlite":
        model.objects.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = []
    for obj in objs:
        for f in fields:  # defaults and auto_now(_add) values, as bulk_create would set them
            if f.pre_save(obj, add=True) is None and f.has_default():
                setattr(obj, f.attname, f.get_default())
        rows.append([_jsonable(f.get_db_prep_save(f.pre_save(obj, add=True), connection)) for f in fields])
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(fields)))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {values} FROM json_each(%s)", [json.dumps(rows)])


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, dates and datetimes as SQLite stores them: their text
