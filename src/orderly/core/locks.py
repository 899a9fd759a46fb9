"""Row locks: the one global order every transaction takes them in, and the one function that takes them.

Two transactions deadlock when each holds a row the other waits for. That cannot happen when every transaction
takes its row locks in one global order, so this is the rule of Orderly (PostgreSQL; SQLite has no row locks and
takes each write transaction whole, so there the helpers simply read):

**Tables in this order, each table's rows in primary-key order; a transaction never locks a row of an earlier
table (or a lower key of the same table) after one of a later table (or a higher key), unless it holds that row
already. An order's items and charges are locked only by a transaction that holds the order: then they never
wait, and may be locked at any point after it (COVERED_BY_PARENT).**

    0  core.NumberSequence "OR"  a new order's number: taken first, before the order it numbers exists
    1  orders.Order              lock_orders (orders.locks)
    2  orders.OrderItem          lock_items
    3  orders.OrderCharge        lock_charges
    4  inventory.Lot             lock_lots, lock_lots_of, lock_lots_held (inventory.locks)
    5  inventory.Hold            written only under its lot's lock (never locked by itself)
    6  shipping.Fulfillment      lock_fulfillment (shipping.locks)
    7  carriers.Parcel           lock_parcel_of (carriers.locks): after the fulfillment it ships
    8  plans.FulfillmentPlan     lock_plan (plans.locks)
    9  plans.PlanOrder           lock_plan_orders
    10 plans.PackagingPlan       lock_packaging_plans
    11 production.RoastBatch     lock_roast_batch (production.locks)
    12 batches.Batch             lock_batch (batches.locks); then its BatchOrder entries, then its BatchDocuments
    13 channels.OutboxMessage    lock_outbox_message (channels.locks); then notifications.EmailMessage (lock_email)
    14 channels.SalesChannel     lock_channel
    15 production.Machine, production.ProfileGroup, production.Profile   (master data, each locked alone)
    16 carriers.CarrierAccount, carriers.ShippingRule, carriers.PackagingWeight   (carriers' settings, likewise)
    17 core.NumberSequence       next_numbers (core.numbering): a number is taken after every row lock it needs;
                                 among the sequences, by prefix in SEQUENCE_ORDER (a return's RT, then LOT, then CN)

So the order is the layering read downwards from the middle: the order and its items, its charges, the stock
that serves it, then the documents of the areas above (fulfillments, plans, roast batches), the channels, the
master data and last the number sequences. A service of an upper area whose own row decides what else to lock
(a plan's orders, a fulfillment's lots) reads it first without a lock, locks the lower rows in order, then locks
its own row and checks again that what it read still holds (`LockSetChanged` otherwise, which the retry below
answers by running the whole transaction again).

Locks are `SELECT … FOR NO KEY UPDATE` on the queried table only (`of=("self",)`): they keep other writers of the
row out but let rows that merely reference it (a movement of a lot, an event of an order) be inserted meanwhile,
so foreign-key checks never wait on them. Each area keeps its helpers in its `locks.py`, the only modules that
call `lock_rows` (a test checks that no `select_for_update` appears anywhere else). Selectors never lock.

The order is checked as locks are taken (`ORDERLY_LOCK_ORDER_CHECK`: "raise" in the tests, "log" by default): a
transaction that breaks it is named with the two tables. Every service entry point that takes row locks runs
under orderly.core.retry.retry_on_conflict, which starts the bookkeeping afresh for each transaction and retries
the rare serialization failure, deadlock or lock timeout that can still happen, then answers 409 `busy`.
"""

import logging
import threading
from collections.abc import Iterable
from typing import TypeVar

from django.conf import settings
from django.db import connections, models

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)

LOCK_ORDER: tuple[tuple[str, ...], ...] = (
    ("core.NumberSequence[OR]",),
    ("orders.Order",),
    ("orders.OrderItem",),
    ("orders.OrderCharge",),
    ("inventory.Lot",),
    ("inventory.Hold",),
    ("shipping.Fulfillment",),
    ("carriers.Parcel",),
    ("plans.FulfillmentPlan",),
    ("plans.PlanOrder",),
    ("plans.PackagingPlan",),
    ("production.RoastBatch",),
    ("batches.Batch",),
    ("batches.BatchOrder",),
    ("batches.BatchDocument",),
    ("channels.OutboxMessage",),
    ("notifications.EmailMessage",),
    ("channels.SalesChannel",),
    ("production.Machine", "production.ProfileGroup", "production.Profile"),
    ("carriers.CarrierAccount", "carriers.ShippingRule", "carriers.PackagingWeight"),
    ("core.NumberSequence",),
)
_RANK = {label: rank for rank, labels in enumerate(LOCK_ORDER) for label in labels}

# Tables whose rows are locked only by a transaction that holds their parent row already (an order's items and
# charges under the order's lock): such a lock never waits, since any other transaction after the same row would
# first wait for the parent, so it may come at any point after the parent. {table: (parent table, parent key)}
COVERED_BY_PARENT = {
    "orders.OrderItem": ("orders.Order", "order_id"),
    "orders.OrderCharge": ("orders.Order", "order_id"),
}


class LockOrderViolation(RuntimeError):
    """A transaction took a row lock against the global order (a bug in the service that did it)."""


class LockSetChanged(Exception):
    """What a service read before locking changed before it could lock it all (a plan gained an order, a lot was
    added); the whole transaction is run again by retry_on_conflict."""


def rank(model: type[models.Model]) -> int:
    """The place of `model`'s table in the global order (KeyError for a table that is never locked)."""
    return _RANK[model._meta.label]


class _Held(threading.local):
    """What the current transaction of this thread has locked: {rank: {table label: highest pk}} and the rows."""

    def __init__(self):
        self.depth = 0  # how many entry points under retry_on_conflict this thread is inside
        self.reset()

    def reset(self) -> None:
        self.highest = -1
        self.rows: set[tuple[str, object]] = set()
        self.top_pk: dict[str, object] = {}  # the highest key locked per table
        self.last = ""


_held = _Held()


class entry:
    """The span of a service entry point (retry_on_conflict): locks taken outside one are reported, since nothing
    would retry their transaction. The outermost entry starts the bookkeeping afresh."""

    def __enter__(self):
        if not _held.depth:
            _held.reset()
        _held.depth += 1
        return self

    def __exit__(self, *exc):
        _held.depth -= 1
        if not _held.depth:
            _held.reset()
        return False


def nested() -> bool:
    """Whether this thread is inside a service entry point already."""
    return _held.depth > 0


def _violation(message: str) -> None:
    mode = getattr(settings, "ORDERLY_LOCK_ORDER_CHECK", "log")
    if mode == "raise":
        raise LockOrderViolation(message)
    if mode == "log":
        logger.error("lock order broken: %s", message)


def _record_covered(label: str, rows: list[tuple]) -> None:
    """Record rows of a table covered by its parent's lock: `rows` are (key, parent key) pairs."""
    parent, _key = COVERED_BY_PARENT[label]
    missing = sorted({parent_pk for _pk, parent_pk in rows} - {pk for table, pk in _held.rows if table == parent})
    if missing:
        _violation(f"{label} locked without its {parent} {missing[0]}, which must be locked first")
    _held.rows.update((label, pk) for pk, _parent_pk in rows)


def _record(label: str, pks: Iterable) -> None:
    new = sorted(pk for pk in pks if (label, pk) not in _held.rows)
    if not new:
        return  # re-locking rows already held waits for no one
    place = _RANK[label]
    if place < _held.highest:
        _violation(f"{label} locked after {_held.last}, which comes later in orderly.core.locks.LOCK_ORDER")
    elif label in _held.top_pk and new[0] < _held.top_pk[label]:
        _violation(f"{label} {new[0]} locked after {label} {_held.top_pk[label]}: a table's rows lock in key order")
    _held.highest = max(_held.highest, place)
    _held.last = label
    _held.top_pk[label] = max(new[-1], _held.top_pk.get(label, new[-1]))
    _held.rows.update((label, pk) for pk in new)


def lock_rows(queryset: models.QuerySet[M]) -> list[M]:
    """Lock the rows of `queryset` (its own table only, FOR NO KEY UPDATE) in primary-key order for the rest of
    the transaction, and return them. Call it only from an area's `locks.py`, in the order of LOCK_ORDER."""
    label = queryset.model._meta.label
    if label not in _RANK:
        raise LockOrderViolation(f"{label} has no place in orderly.core.locks.LOCK_ORDER; give it one first")
    rows = list(queryset.select_for_update(of=("self",), no_key=True).order_by("pk"))
    if not _held.depth:
        _violation(f"{label} locked outside a service entry point under orderly.core.retry.retry_on_conflict")
    if label in COVERED_BY_PARENT:
        _record_covered(label, [(row.pk, getattr(row, COVERED_BY_PARENT[label][1])) for row in rows])
    else:
        _record(label, (row.pk for row in rows))
    return rows


def lock_values(queryset: models.QuerySet, *fields: str) -> list[dict]:
    """As lock_rows, but each row as a dict of `fields` (its key, `id`, always among them) instead of a model
    instance: for the thousands of rows a plan locks, where building instances of every column would cost more
    than the locking itself. Call it only from an area's `locks.py`, in the order of LOCK_ORDER."""
    model = queryset.model
    label = model._meta.label
    if label not in _RANK:
        raise LockOrderViolation(f"{label} has no place in orderly.core.locks.LOCK_ORDER; give it one first")
    key = model._meta.pk.attname
    parent_key = COVERED_BY_PARENT[label][1] if label in COVERED_BY_PARENT else None
    names = list(dict.fromkeys([key, *([parent_key] if parent_key else []), *fields]))
    locked = queryset.select_for_update(of=("self",), no_key=True).order_by("pk")
    rows = list(locked.values(*names))
    if not _held.depth:
        _violation(f"{label} locked outside a service entry point under orderly.core.retry.retry_on_conflict")
    if parent_key:
        _record_covered(label, [(row[key], row[parent_key]) for row in rows])
    else:
        _record(label, (row[key] for row in rows))
    return rows


def require_held(model: type[models.Model], pks: Iterable) -> None:
    """Check the word of a caller that says it holds these rows of `model` locked in this transaction already (a
    plan's items, locked with their orders before its stock), so that they are read again without a lock: a row it
    does not hold breaks the lock order as a lock taken out of turn does (ORDERLY_LOCK_ORDER_CHECK)."""
    label = model._meta.label
    missing = sorted(pk for pk in pks if (label, pk) not in _held.rows)
    if missing:
        _violation(f"{label} {missing[0]} read as locked, but this transaction has not locked it")


def claim_first(queryset: models.QuerySet[M], *, order_by: tuple[str, ...]) -> M | None:
    """The first row of `queryset` by `order_by` that no other transaction holds, locked as lock_rows locks
    (SKIP LOCKED where the database has it): how a work queue's row is claimed by one of several workers. Call it
    only from an area's `locks.py`, in the order of LOCK_ORDER."""
    label = queryset.model._meta.label
    if label not in _RANK:
        raise LockOrderViolation(f"{label} has no place in orderly.core.locks.LOCK_ORDER; give it one first")
    skip = connections[queryset.db].features.has_select_for_update_skip_locked
    row = queryset.select_for_update(of=("self",), no_key=True, skip_locked=skip).order_by(*order_by).first()
    if not _held.depth:
        _violation(f"{label} locked outside a service entry point under orderly.core.retry.retry_on_conflict")
    if row is not None:
        _record(label, [row.pk])
    return row


def claim_some(queryset: models.QuerySet[M], *, order_by: tuple[str, ...], count: int) -> list[M]:
    """As claim_first, the first `count` rows no other transaction holds (fewer when there are not as many): a
    worker that claims a few rows of its queue at a time. Call it only from an area's `locks.py`, in the order of
    LOCK_ORDER, as the first lock of its transaction (the rows come in `order_by` order, not by key; SKIP LOCKED
    never waits for a row)."""
    label = queryset.model._meta.label
    if label not in _RANK:
        raise LockOrderViolation(f"{label} has no place in orderly.core.locks.LOCK_ORDER; give it one first")
    skip = connections[queryset.db].features.has_select_for_update_skip_locked
    rows = list(queryset.select_for_update(of=("self",), no_key=True, skip_locked=skip).order_by(*order_by)[:count])
    if not _held.depth:
        _violation(f"{label} locked outside a service entry point under orderly.core.retry.retry_on_conflict")
    if rows:
        _record(label, [row.pk for row in rows])
    return rows


def held_already(instance: models.Model) -> None:
    """Count a row this transaction has just inserted as held: locking it again (settling a new order) waits for
    no one, since no other transaction can see it before the commit."""
    _held.rows.add((instance._meta.label, instance.pk))


# The number sequences lock by prefix in this order (the order in which one transaction may need them: a return's
# own number, then the lot of its restocked units, then its credit note; a packed lot before the packaging plans
# that follow), any other prefix after these by name.
SEQUENCE_ORDER = ("OR", "OF", "FF", "RT", "LOT", "PP", "RB", "INV", "CN")
# A new order's number is taken before the order exists, so before any row lock: that sequence comes first.
FIRST_SEQUENCES = ("OR",)


def sequence_key(prefix: str) -> tuple[int, str]:
    """Where a number sequence's row stands among the sequences: by SEQUENCE_ORDER, not by its key."""
    return (SEQUENCE_ORDER.index(prefix) if prefix in SEQUENCE_ORDER else len(SEQUENCE_ORDER), prefix)


def bump_sequence(queryset: models.QuerySet, prefix: str, count: int) -> int | None:
    """Add `count` to the last value of the number sequence row of `prefix` and answer the new last value, in one
    statement (UPDATE … RETURNING, which locks the row for the rest of the transaction, last of all tables, in its
    place among the sequences of SEQUENCE_ORDER); None, locking nothing, when the row does not exist yet."""
    model = queryset.model
    label = model._meta.label + ("[OR]" if prefix in FIRST_SEQUENCES else "")
    quote = connections[queryset.db].ops.quote_name
    table, value, key = (quote(name) for name in (model._meta.db_table, "last_value", "prefix"))
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {value} = {value} + %s WHERE {key} = %s RETURNING {value}", [count, prefix])
        row = cursor.fetchone()
    if not _held.depth:
        _violation(f"{label} locked outside a service entry point under orderly.core.retry.retry_on_conflict")
    if row is None:
        return None
    _record(label, [sequence_key(prefix)])
    return int(row[0])


def lock_row(queryset: models.QuerySet[M]) -> M | None:
    """The row of `queryset` (a lookup of one row) locked as lock_rows locks, or None when there is none."""
    rows = lock_rows(queryset)
    return rows[0] if rows else None
