"""Paging in a fixed number of queries that do not grow with the table: a bounded count and one page.

The count stops at COUNT_LIMIT: counting a million rows to print "1,000,000 orders" costs more than the page
itself, so past the limit a page says "10,000+" and gives the exact figure only when asked (`exact_count`).
Whether a next page exists is read from one row more than the page holds, not from the count.

A page is found by its number (OFFSET, fine for the first pages) or by a cursor (keyset paging: the sort keys of
the row before it, so a deep page costs what the first one does, and rows added meanwhile shift nothing). A cursor
is opaque text to its users: base64 of the sort's key names and the row's values, read back only for the same sort.
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from math import ceil

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet

from orderly.core.exceptions import ValidationError

MAX_PAGE_SIZE = 200
COUNT_LIMIT = 10_000
MAX_CURSOR_LENGTH = 1_000
AFTER, BEFORE = "a", "b"


@dataclass(frozen=True)
class Page:
    items: list
    total: int  # exact when total_exact; otherwise COUNT_LIMIT, and more rows match
    page: int | None  # None when the page was found by a cursor without a number
    page_size: int
    has_next: bool
    total_exact: bool = True
    next_cursor: str | None = None
    previous_cursor: str | None = None
    has_previous_rows: bool | None = None  # known when the page was found by a cursor

    @property
    def pages(self) -> int:
        """The number of pages; a lower bound when the count is not exact."""
        return max(1, ceil(self.total / self.page_size))

    @property
    def has_previous(self) -> bool:
        if self.has_previous_rows is not None:
            return self.has_previous_rows
        return (self.page or 1) > 1

    @property
    def total_text(self) -> str:
        return f"{self.total:,}" if self.total_exact else f"{self.total:,}+"

    @property
    def pages_text(self) -> str:
        return f"{self.pages:,}" if self.total_exact else f"{self.pages:,}+"


def _check_size(page_size: int) -> None:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"page_size must be between 1 and {MAX_PAGE_SIZE}.", field="page_size")


def bounded_count(rows, limit: int | None = None) -> tuple[int, bool]:
    """How many rows match, counted no further than `limit` (COUNT_LIMIT): (count, exact); past it (limit, False)."""
    limit = COUNT_LIMIT if limit is None else limit
    # On a queryset: COUNT(*) over a LIMIT subquery, so the database stops reading after limit + 1 rows.
    bounded = isinstance(rows, QuerySet)
    counted = rows.order_by()[: limit + 1].count() if bounded else min(rows.count(), limit + 1)
    return (counted, True) if counted <= limit else (limit, False)


def paginate(
    rows,
    *,
    page: int = 1,
    page_size: int = 50,
    exact_count: bool = False,
    keys: tuple[str, ...] = (),
    cursor: str | None = None,
) -> Page:
    """One page of an ordered queryset (of model instances or of `.values()` rows), whose ordering must end on a
    unique column.

    With `keys` (the queryset's ordering, e.g. ("-order_date", "-id"); a key may follow a relation the queryset
    selects, e.g. "machine__name") the page carries cursors to its neighbours;
    with a `cursor` as well, the page is the one that cursor points at and `page` only numbers it for display.
    Raises ValidationError naming `page`, `page_size` or `cursor` for values that name no page.
    """
    _check_size(page_size)
    if page is not None and page < 1:
        raise ValidationError("page must be 1 or more.", field="page")
    if page is None and not cursor:
        page = 1
    total, exact = (rows.count(), True) if exact_count else bounded_count(rows)
    if cursor:
        return _keyset_page(rows, keys, cursor, page=page, page_size=page_size, total=total, exact=exact)
    start = (page - 1) * page_size
    fetched = list(rows[start : start + page_size + 1]) if not exact or start < total else []
    items = fetched[:page_size]
    has_next = len(fetched) > page_size
    return Page(
        items=items,
        total=total,
        total_exact=exact,
        page=page,
        page_size=page_size,
        has_next=has_next,
        next_cursor=cursor_of(items[-1], keys, AFTER) if keys and has_next else None,
        previous_cursor=cursor_of(items[0], keys, BEFORE) if keys and items and page > 1 else None,
    )


def _keyset_page(rows, keys, cursor, *, page, page_size, total, exact) -> Page:
    if not keys:
        raise ValidationError("This list is not paged by cursor.", field="cursor")
    direction, values = _read_cursor(cursor, keys, rows.model)
    if direction == AFTER:
        fetched = list(rows.filter(_beyond(keys, values))[: page_size + 1])
        items, more = fetched[:page_size], len(fetched) > page_size
        has_next, has_previous = more, True
    else:
        reversed_keys = tuple(_flip(key) for key in keys)
        fetched = list(rows.filter(_beyond(reversed_keys, values)).order_by(*reversed_keys)[: page_size + 1])
        items, more = fetched[:page_size][::-1], len(fetched) > page_size
        has_next, has_previous = True, more
    return Page(
        items=items,
        total=total,
        total_exact=exact,
        page=page,
        page_size=page_size,
        has_next=has_next and bool(items),
        next_cursor=cursor_of(items[-1], keys, AFTER) if items and has_next else None,
        previous_cursor=cursor_of(items[0], keys, BEFORE) if items and has_previous else None,
        has_previous_rows=has_previous and bool(items),
    )


def _flip(key: str) -> str:
    return key[1:] if key.startswith("-") else f"-{key}"


def _beyond(keys: tuple[str, ...], values: list) -> Q:
    """The rows after (key1, key2, …) = values in the order `keys` sorts, as an OR of prefixes held equal:
    k1 > v1, or k1 = v1 and k2 > v2, … The first key is also bounded on its own, which an index range answers."""
    names = [key.lstrip("-") for key in keys]
    operators = ["lt" if key.startswith("-") else "gt" for key in keys]
    condition = Q()
    for position, (name, operator) in enumerate(zip(names, operators, strict=True)):
        equal = {names[i]: values[i] for i in range(position)}
        condition |= Q(**equal, **{f"{name}__{operator}": values[position]})
    return Q(**{f"{names[0]}__{operators[0]}e": values[0]}) & condition


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


def cursor_of(row, keys: tuple[str, ...], direction: str) -> str:
    """The cursor of the page after (AFTER) or before (BEFORE) `row` in the order `keys` sorts; `row` is a model
    instance or a plain row (a dict from `.values()`) holding the keys."""
    values = [_plain(_value_of(row, key.lstrip("-"))) for key in keys]
    text = json.dumps([direction, list(keys), values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _value_of(row, name: str):
    """The row's value of a sort key; a key through a relation ("machine__name") follows it (selected with the row).
    A plain row holds every key under its own name."""
    if isinstance(row, dict):
        return row[name]
    for part in name.split("__"):
        row = getattr(row, part)
    return row


def _field_of(model, name: str):
    *relations, last = name.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
        if model is None:
            raise FieldDoesNotExist(name)
    return model._meta.get_field(last)


def _read_cursor(cursor: str, keys: tuple[str, ...], model) -> tuple[str, list]:
    refused = ValidationError(
        "cursor is not one this list gave out for this sort; start again without it.", field="cursor"
    )
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise refused
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        direction, named_keys, raw_values = json.loads(text)
        if direction not in (AFTER, BEFORE) or tuple(named_keys) != keys or len(raw_values) != len(keys):
            raise refused
        fields = [_field_of(model, key.lstrip("-")) for key in keys]
        values = [field.to_python(raw) for field, raw in zip(fields, raw_values, strict=True)]
    except (
        ValueError,
        TypeError,
        OverflowError,
        binascii.Error,
        LookupError,
        FieldDoesNotExist,
        DjangoValidationError,
    ) as error:
        raise refused from error
    if not all(map(_storable, values)):
        raise refused
    return direction, values


def _storable(value) -> bool:
    """Whether a value read from a cursor may reach a query (no database is asked about a number it cannot hold)."""
    if value is None or isinstance(value, float):
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, Decimal):
        return value.is_finite() and abs(value) < Decimal(10) ** 15
    if isinstance(value, dt.datetime):
        return value.tzinfo is not None and dt.datetime(1, 1, 2, tzinfo=dt.UTC) < value < dt.datetime(
            9999, 12, 30, tzinfo=dt.UTC
        )
    return not isinstance(value, str) or "\x00" not in value
