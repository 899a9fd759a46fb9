"""Insert many rows in one statement on every database, and set fields of many saved rows in one.

Django's bulk_create splits rows on SQLite into batches of at most 999 parameters (its assumption about SQLite's
variable limit), so a plan's holds would take a statement per ~200 rows; on PostgreSQL it is one statement, but
adapting an array per column for thousands of rows is a good part of the time. Here the rows go as one JSON array,
a single parameter, inserted with `INSERT … SELECT … FROM json_each(?)` (SQLite) or `json_array_elements`
(PostgreSQL, each value cast to its column's type). Values go through each field's own conversion for the
database first, so what is stored is what bulk_create would store. No primary keys are returned: use it where
they are not needed.
"""

import functools
import json
import operator
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

# A key, a count, a text or a flag is stored as it is by a field that does not convert it (a key, an integer, a text,
# a boolean): thousands of rows skip a call per value to the field's conversion. Numbers, dates and times written to
# the fields that convert them still go through it.
PLAIN = (int, str, bool)
CONVERTED = (models.DecimalField, models.DateField, models.TimeField, models.DurationField, models.UUIDField)


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    if not objs:
        return
    # the connection itself, not django.db.connection: that proxy looks the connection up on every use, and the
    # fields' conversion uses it once per value
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        model.objects.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns_of = [(f, _value_of(f), _conversion(f, connection)) for f in fields]
    rows = []
    for obj in objs:
        row = []
        for f, value_of, convert in columns_of:
            value = value_of(obj)
            if value is None and f.has_default():  # defaults, as bulk_create would set them
                value = f.get_default()
                setattr(obj, f.attname, value)
            row.append(convert(value))
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


def _value_of(field: models.Field) -> Callable[[models.Model], object]:
    """The field's value of an object as saving stores it: what its pre_save gives (the time for auto_now_add),
    read straight from the object for a field whose pre_save does no more than that."""
    if type(field).pre_save is models.Field.pre_save:
        return operator.attrgetter(field.attname)
    return functools.partial(_pre_save, field)


def _pre_save(field: models.Field, obj: models.Model):
    return field.pre_save(obj, add=True)


def _conversion(field: models.Field, connection) -> Callable[[object], object]:
    """How a value of `field` goes into the JSON row: what its conversion for the database gives, as text where
    JSON has no type for it. Values the conversion would give back unchanged skip the call, as do finite decimals
    and aware datetimes, which go straight to their text (the database's own adaptation of a datetime kept)."""

    def converted(value):
        return None if value is None else _jsonable(field.get_db_prep_save(value, connection))

    if isinstance(field, models.JSONField):
        if connection.vendor == "postgresql":
            return _unchanged
        return functools.partial(field.get_db_prep_save, connection=connection)
    if isinstance(field, models.DecimalField):
        return lambda value: str(value) if type(value) is Decimal and value.is_finite() else converted(value)
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: (
            _jsonable(adapt(value)) if type(value) is datetime and value.utcoffset() is not None else converted(value)
        )
    if isinstance(field, CONVERTED):
        return converted
    # what the field's conversion would give back unchanged, without the call
    return lambda value: value if value is None or type(value) in PLAIN else converted(value)


def _unchanged(value):
    return value


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, dates and datetimes as the database reads them: their text
