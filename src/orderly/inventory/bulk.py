"""Insert many rows in one statement on every database, and set fields of many saved rows in one.

Django's bulk_create splits rows on SQLite into batches of at most 999 parameters (its assumption about SQLite's
variable limit), so a plan's holds would take a statement per ~200 rows; on PostgreSQL it is one statement, but
adapting an array per column for thousands of rows is a good part of the time. Here the rows go as one JSON array,
a single parameter, inserted with `INSERT … SELECT … FROM json_each(?)` (SQLite) or `json_array_elements`
(PostgreSQL, each value cast to its column's type). Values go through each field's own conversion for the
database first, so what is stored is what bulk_create would store. No primary keys are returned: use it where
they are not needed.
"""

import json
from collections.abc import Sequence

from django.db import connection, models

# A key, a count, a text or a flag is stored as it is by a field that does not convert it (a key, an integer, a text,
# a boolean): thousands of rows skip a call per value to the field's conversion. Numbers, dates and times written to
# the fields that convert them still go through it.
PLAIN = (int, str, bool)
CONVERTED = (models.DecimalField, models.DateField, models.TimeField, models.DurationField, models.UUIDField)


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    if not objs:
        return
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        model.objects.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = []
    for obj in objs:
        row = []
        for f in fields:
            value = f.pre_save(obj, add=True)
            if value is None and f.has_default():  # defaults, as bulk_create would set them
                value = f.get_default()
                setattr(obj, f.attname, value)
            if isinstance(f, models.JSONField):
                row.append(value if vendor == "postgresql" else f.get_db_prep_save(value, connection))
            elif value is None or (type(value) in PLAIN and not isinstance(f, CONVERTED)):
                row.append(value)  # what the field's conversion would give back unchanged, without the call
            else:
                row.append(_jsonable(f.get_db_prep_save(value, connection)))
        rows.append(row)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if vendor == "sqlite":
        values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(fields)))
        sql = f"INSERT INTO {table} ({columns}) SELECT {values} FROM json_each(%s)"
    else:
        # one text parameter instead of an array per column: far less work adapting thousands of values
        values = ", ".join(
            f"(e -> {i})::jsonb" if isinstance(f, models.JSONField) else f"(e ->> {i})::{f.db_type(connection)}"
            for i, f in enumerate(fields)
        )
        sql = f"INSERT INTO {table} ({columns}) SELECT {values} FROM json_array_elements(%s::json) AS e"
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows)])


def bulk_set(model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Write the fields `names` of saved rows `objs` (each as the object holds it) in one UPDATE joined on a VALUES
    list of their keys and values, as bulk_update writes them (no auto_now) but without its CASE per row and field,
    which Django builds as expressions and costs more to compile than the statement costs to run: the few lots and
    holds of one shipment, or the thousands of a plan. Plain columns only (numbers, texts, dates, flags)."""
    if not objs:
        return
    if connection.vendor not in ("sqlite", "postgresql"):
        model.objects.bulk_update(objs, names)
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    # VALUES names its columns column1, column2, … on both databases; the cast gives PostgreSQL the column's type
    sets = ", ".join(
        f"{quote(field.column)} = CAST(v.column{i} AS {field.db_type(connection)})"
        for i, field in enumerate(fields, start=2)
    )
    row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    sql = f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(objs))}) AS v WHERE {table}.{key} = v.column1"
    params = [
        value
        for obj in objs
        for value in (obj.pk, *(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields))
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, dates and datetimes as the database reads them: their text
