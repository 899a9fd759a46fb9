"""What happened to an order's items, told by the process that made it happen: the one writer of their counters.

An item's counters — the seed 002 indicators (models.ITEM_INDICATORS) and the units credited — follow the processes
that cause them: plans hold stock, plan packaging and pick; shipping ships, takes shipments back, loses parcels and
takes returns; billing invoices and credits; the shop and the order's own cancel cancel units. None of them writes
a counter. Each tells order_items_progress what happened, as the typed changes below, and this module alone checks
and writes them (tests/orders/test_item_counters_owner.py proves it over the source). *Costs paid* and *approved
for shipment* follow from the order's money and state: the settling writes those (settling.order_settle).

Before anything is written, every change is checked against its item:
- counters stay whole numbers from 0 to the item's quantity; no more units are credited than invoiced, returned
  than shipped, nor canceled and shipped together than ordered;
- an item whose status can no longer change (canceled: ITEM_TRANSITIONS allows nothing from it) takes no new work:
  nothing more held, expected, put on a pick list, picked, shipped or invoiced. Its units may still come back, be
  credited or be lost;
- units are not canceled while more are held or being packed for the item than would be left to ship: the plan
  holding them releases them first, since canceling them then would strand that stock.
A refusal raises a Conflict naming the order, the line and the numbers, and writes nothing.
"""

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

from django.db import connection, transaction

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.core.locks import require_held
from orderly.core.retry import retry_on_conflict
from orderly.orders.completion import ItemFigures
from orderly.orders.events import Note, write_events
from orderly.orders.locks import lock_item_values, lock_order_ids
from orderly.orders.models import ITEM_COUNTERS, Order, OrderItem
from orderly.orders.services.settling import order_settle, settle_held
from orderly.orders.status import ITEM_TRANSITIONS

# Counters that stand for stock taken for the item or work done on it: what an item that cannot move on takes no
# more of.
WORK = (
    "qty_available", "qty_expected", "qty_on_pick_list", "qty_picked", "qty_packed", "qty_sorted", "qty_released",
    "qty_label_applied", "qty_handed_to_carrier", "qty_invoiced",
)  # fmt: skip
# What a plan holds for the item: stock held, units being packed, the pick list; all let go when it leaves the plan.
HELD = ("qty_available", "qty_expected", "qty_on_pick_list")
# A unit that left was picked, packed, sorted and released, whoever did it.
RAISED_TO_SHIPPED = ("qty_picked", "qty_packed", "qty_sorted", "qty_released")
SHIPPED = ("qty_handed_to_carrier", *RAISED_TO_SHIPPED, "qty_label_applied", "qty_available", "qty_lost")
# The counters the settling reads (completion.figures_of): a change to one of them settles the order.
SETTLED_FROM = tuple(f.name for f in fields(ItemFigures) if f.name in ITEM_COUNTERS)
# What a unit counted by each counter is, in a refusal's words ("3 units would be shipped").
WORDS = {
    "qty_available": "held", "qty_expected": "expected in stock", "qty_lost": "lost",
    "qty_on_pick_list": "on the pick list", "qty_packed": "packed", "qty_label_applied": "labelled",
    "qty_costs_paid": "paid for", "qty_approved": "approved for shipment", "qty_released": "released for shipment",
    "qty_picked": "picked", "qty_sorted": "sorted", "qty_handed_to_carrier": "shipped", "qty_canceled": "canceled",
    "qty_returned": "returned", "qty_invoiced": "invoiced", "qty_credited": "credited",
}  # fmt: skip
# Items a statement of the VALUES join writes: (1 + counters) parameters each, well under SQLite's limit of 32,766
# and PostgreSQL's of 65,535.
ROWS_PER_JOIN = 2000

Row = dict  # an item's id, order_id, sku, line_no, quantity, status and every counter


def _whole(units, *, minimum: int = 0) -> int:
    """A change's units: a process that passes anything else has a bug, not a client's bad input."""
    if isinstance(units, bool) or not isinstance(units, int) or units < minimum:
        raise ValueError(f"units must be a whole number of at least {minimum}, got {units!r}")
    return units


@dataclass(frozen=True)
class ItemChange:
    """What happened to one item (`item`: the OrderItem's id). Each kind says which counters it moves, and to what."""

    item: int

    what: ClassVar[str] = ""

    def counts(self, row: Row) -> dict[str, int]:
        """The counters this change moves, with their values afterwards, from the item as it is."""
        raise NotImplementedError

    def line(self, before: Row, after: Row) -> dict:
        """The item's line on the timeline event."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Setting(ItemChange):
    """Sets how many of the item's units are in a state now; its line shows the count before and after."""

    units: int

    field: ClassVar[str] = ""
    also: ClassVar[tuple[str, ...]] = ()  # counters set along with `field`

    def counts(self, row: Row) -> dict[str, int]:
        units = _whole(self.units)
        return dict.fromkeys((self.field, *self.also), units)

    def line(self, before: Row, after: Row) -> dict:
        return {
            "item": before["id"], "sku": before["sku"], "what": self.what, "before": before[self.field],
            "after": after[self.field], "quantity": before["quantity"],
        }  # fmt: skip


@dataclass(frozen=True)
class _Counting(ItemChange):
    """Adds units that went through a step; its line shows those units."""

    units: int

    def line(self, before: Row, after: Row) -> dict:
        return {"item": before["id"], "sku": before["sku"], "what": self.what, "quantity": self.units}


# ---- plans: stock held, packaging, the pick list


@dataclass(frozen=True)
class Held(_Setting):
    """Units held from stock for the item now (allocation; 0 when its plan lets them go)."""

    what = "held"
    field = "qty_available"


@dataclass(frozen=True)
class Expected(_Setting):
    """Units the waiting packaging plans will make for the item now (*expected in stock*)."""

    what = "expected"
    field = "qty_expected"


@dataclass(frozen=True)
class OnPickList(_Setting):
    """Units on a fulfillment plan's pick list now."""

    what = "on_pick_list"
    field = "qty_on_pick_list"


@dataclass(frozen=True)
class Picked(_Setting):
    """Units picked, packed and released for shipment on the pick list now (0 when returned on it)."""

    what = "picked"
    field = "qty_picked"
    also = ("qty_packed", "qty_released")


@dataclass(frozen=True)
class Released(ItemChange):
    """The item left its plan: nothing is held, expected or on a pick list for it any more."""

    what = "released"

    def counts(self, row: Row) -> dict[str, int]:
        return dict.fromkeys(HELD, 0)

    def line(self, before: Row, after: Row) -> dict:
        held = {field: before[field] for field in HELD if before[field]}
        return {
            "item": before["id"],
            "sku": before["sku"],
            "what": self.what,
            "quantity": before["quantity"],
            "before": held,
        }


# ---- shipping: shipments, their undoing, lost parcels, returns


@dataclass(frozen=True)
class Shipped(_Counting):
    """Units shipped or handed over: picked, packed, sorted and released at least as many, a carrier label on them
    when `labelled`, and `held` of them taken out of the item's holds (not held any more).

    order_items_progress returns what it moved, per counter: the fulfillment keeps that, so that Unshipped takes
    back exactly the same."""

    held: int = 0
    labelled: bool = False

    what = "shipped"

    def counts(self, row: Row) -> dict[str, int]:
        shipped = row["qty_handed_to_carrier"] + _whole(self.units, minimum=1)
        after = {"qty_handed_to_carrier": shipped}
        for field in RAISED_TO_SHIPPED:
            after[field] = max(row[field], shipped)
        if self.labelled:
            after["qty_label_applied"] = min(row["qty_label_applied"] + self.units, row["quantity"])
        after["qty_available"] = row["qty_available"] - min(_whole(self.held), row["qty_available"])
        return after


@dataclass(frozen=True)
class Unshipped(ItemChange):
    """A shipment undone (its fulfillment canceled): take back exactly what Shipped `recorded`, never below zero.
    With `holds_restored` False the units came back as free stock, not held for the item: *available* stays."""

    recorded: Mapping[str, int]
    holds_restored: bool = True

    what = "unshipped"

    def counts(self, row: Row) -> dict[str, int]:
        after = {}
        for field, change in self.recorded.items():
            if field not in SHIPPED:
                raise ValueError(f"a shipment does not move {field!r}")
            if field == "qty_available" and not self.holds_restored:
                continue
            if isinstance(change, bool) or not isinstance(change, int):
                raise ValueError(f"a recorded change is a whole number, got {change!r} for {field!r}")
            after[field] = min(max(row[field] - change, 0), row["quantity"])
        return after

    def line(self, before: Row, after: Row) -> dict:
        units = self.recorded.get("qty_handed_to_carrier", 0)
        return {"item": before["id"], "sku": before["sku"], "what": self.what, "quantity": units}


@dataclass(frozen=True)
class Lost(_Counting):
    """Units in a parcel reported lost: not shipped any more (they must ship again), and counted as lost (a unit
    lost twice is still one unit of the item)."""

    what = "lost"

    def counts(self, row: Row) -> dict[str, int]:
        units = _whole(self.units, minimum=1)
        return {
            "qty_handed_to_carrier": row["qty_handed_to_carrier"] - units,
            "qty_lost": min(row["qty_lost"] + units, row["quantity"]),
        }


@dataclass(frozen=True)
class Labelled(_Counting):
    """Units in a parcel that got a carrier label after it shipped (a label booked for its fulfillment): *label
    applied* rises by them, never past the item's quantity. The parcel keeps what moved, so that Unlabelled takes
    back exactly that when the label is voided."""

    what = "labelled"

    def counts(self, row: Row) -> dict[str, int]:
        return {"qty_label_applied": min(row["qty_label_applied"] + _whole(self.units, minimum=1), row["quantity"])}


@dataclass(frozen=True)
class Unlabelled(_Counting):
    """The label of a parcel was voided: *label applied* drops by the units its Labelled raised it by."""

    what = "unlabelled"

    def counts(self, row: Row) -> dict[str, int]:
        return {"qty_label_applied": max(row["qty_label_applied"] - _whole(self.units, minimum=1), 0)}


@dataclass(frozen=True)
class Returned(_Counting):
    """Units the customer sent back."""

    what = "returned"

    def counts(self, row: Row) -> dict[str, int]:
        return {"qty_returned": row["qty_returned"] + _whole(self.units, minimum=1)}


# ---- canceling and billing


@dataclass(frozen=True)
class Canceled(_Counting):
    """Units that will not be shipped: the order was canceled, or the shop refunded them before they shipped."""

    what = "canceled"

    def counts(self, row: Row) -> dict[str, int]:
        return {"qty_canceled": row["qty_canceled"] + _whole(self.units, minimum=1)}


@dataclass(frozen=True)
class Invoiced(_Counting):
    """Units put on an invoice. *Invoiced* cannot pass the item's quantity, so units invoiced again after a credit
    note first cancel out credited ones: invoiced − credited (what is on an invoice now) stays right."""

    what = "invoiced"

    def counts(self, row: Row) -> dict[str, int]:
        invoiced = row["qty_invoiced"] + _whole(self.units, minimum=1)
        overflow = max(invoiced - row["quantity"], 0)
        return {"qty_invoiced": invoiced - overflow, "qty_credited": row["qty_credited"] - overflow}


@dataclass(frozen=True)
class Credited(_Counting):
    """Invoiced units taken back by a credit note."""

    what = "credited"

    def counts(self, row: Row) -> dict[str, int]:
        return {"qty_credited": row["qty_credited"] + _whole(self.units, minimum=1)}


# ---- the service


def _rows(ids: set[int], *, locked: bool = False) -> dict[int, Row]:
    """The items as rows, locked: their orders first, then the items (the global lock order, orderly.core.locks);
    a caller that holds them already waits for no one. With `locked` the caller says it holds them, with their
    orders, in this transaction: they are only read (a plan's thousands of items are not locked a second time)."""
    fields = ("id", "order_id", "sku", "line_no", "quantity", "status", *ITEM_COUNTERS)
    if locked:
        require_held(OrderItem, ids)
        found = {row["id"]: row for row in OrderItem.objects.filter(pk__in=sorted(ids)).values(*fields)}
    else:
        lock_order_ids(OrderItem.objects.filter(pk__in=sorted(ids)).values("order_id"), deleted=True)
        found = {row["id"]: row for row in lock_item_values(ids=ids, fields=fields)}
    if missing := sorted(ids - set(found)):
        raise ValueError(f"no order item {missing[0]}")
    return found


def _place(row: Row) -> str:
    number = Order.all_objects.filter(pk=row["order_id"]).values_list("number", flat=True).first()
    return f"line {row['line_no']} ({row['sku']}) of order {number}"


def _refusal(before: Row, after: Row, what: str, first: Sequence[str]) -> None:
    """Raise, naming the item and the numbers, when `after` breaks a rule of the module's docstring; the counters
    in `first` (those the change sets) are named before any other."""
    quantity = after["quantity"]
    for field in (*first, *ITEM_COUNTERS):
        if not 0 <= after[field] <= quantity:
            raise Conflict(
                f"Cannot record {what} units for {_place(after)}: units {WORDS[field]} would be {after[field]}, and "
                f"they must stay between 0 and the {quantity} ordered.",
                code=ErrorCode.ITEM_COUNTS,
                sku=after["sku"], counter=field.removeprefix("qty_"), before=before[field], after=after[field],
                quantity=quantity,
            )  # fmt: skip
    for field, bound, most, limit in (
        ("qty_credited", "qty_invoiced", after["qty_invoiced"], "invoiced"),
        ("qty_returned", "qty_handed_to_carrier", after["qty_handed_to_carrier"], "shipped"),
        ("qty_canceled", "qty_handed_to_carrier", quantity - after["qty_handed_to_carrier"], "not shipped"),
    ):
        moved = after[field] != before[field] or after[bound] != before[bound]
        if after[field] > most and moved:
            raise Conflict(
                f"Cannot record {what} units for {_place(after)}: {after[field]} would be {WORDS[field]}, but only "
                f"{most} are {limit}.",
                code=ErrorCode.ITEM_COUNTS,
                sku=after["sku"], counter=field.removeprefix("qty_"), before=before[field], after=after[field],
                quantity=quantity,
            )  # fmt: skip
    raised = [field for field in WORK if after[field] > before[field]]
    if raised and not ITEM_TRANSITIONS[after["status"]]:
        raise Conflict(
            f"Cannot record {what} units for {_place(after)}: the item is {after['status']}, and a "
            f"{after['status']} item takes no more ({', '.join(WORDS[f] for f in raised)}).",
            code=ErrorCode.ITEM_CANCELED,
            sku=after["sku"], current=after["status"],
        )  # fmt: skip
    to_ship = quantity - after["qty_canceled"] - after["qty_handed_to_carrier"]
    held = after["qty_available"] + after["qty_expected"]
    if after["qty_canceled"] > before["qty_canceled"] and held > to_ship:
        raise Conflict(
            f"Cannot cancel {after['qty_canceled'] - before['qty_canceled']} unit(s) of {_place(after)}: its plan "
            f"holds {after['qty_available']} and packs {after['qty_expected']} for it, more than the {to_ship} "
            "left to ship then; take the order out of its plan (or hold less for it) first.",
            code=ErrorCode.UNITS_HELD,
            sku=after["sku"], held=after["qty_available"], expected=after["qty_expected"], to_ship=to_ship,
        )  # fmt: skip


def _write(rows: dict[int, Row], moved: dict[int, dict[str, int]]) -> None:
    """Set the moved counters: one UPDATE per set of counters that moved together, joined on a VALUES list (on
    PostgreSQL a JSON array) of each item's id and new values (a plan's thousands of items are a statement or two,
    not a CASE per row); databases
    without UPDATE … FROM get one UPDATE per distinct set of values."""
    by_names: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for pk, changes in moved.items():
        by_names[tuple(sorted(changes))].append(pk)
    for names, pks in sorted(by_names.items()):
        pks.sort()
        if connection.vendor not in ("sqlite", "postgresql"):
            _write_by_value(rows, names, pks)
            continue
        for start in range(0, len(pks), ROWS_PER_JOIN):
            _update_joined(
                names, [(pk, *(rows[pk][name] for name in names)) for pk in pks[start : start + ROWS_PER_JOIN]]
            )


def _update_joined(names: tuple[str, ...], values: list[tuple[int, ...]]) -> None:
    quote = connection.ops.quote_name
    table = quote(OrderItem._meta.db_table)
    columns = [quote(OrderItem._meta.get_field(name).column) for name in names]
    if connection.vendor == "postgresql":
        # the rows as one JSON parameter: psycopg puts thousands of placeholders into the statement one by one,
        # which cost more than the join itself
        sets = ", ".join(f"{column} = (e ->> {i})::integer" for i, column in enumerate(columns, start=1))
        sql = (
            f"UPDATE {table} SET {sets} FROM json_array_elements(%s::json) AS e "
            f"WHERE {table}.{quote('id')} = (e ->> 0)::bigint"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [json.dumps(values)])
        return
    # VALUES names its columns column1, column2, … on both databases; the cast gives PostgreSQL the column's type
    sets = ", ".join(f"{column} = CAST(v.column{i} AS integer)" for i, column in enumerate(columns, start=2))
    row = "(" + ", ".join(["%s"] * (len(names) + 1)) + ")"
    sql = (
        f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(values))}) AS v "
        f"WHERE {table}.{quote('id')} = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for line in values for value in line])


def _write_by_value(rows: dict[int, Row], names: tuple[str, ...], pks: list[int]) -> None:
    groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for pk in pks:
        groups[tuple(rows[pk][name] for name in names)].append(pk)
    for values, group in sorted(groups.items()):
        OrderItem.objects.filter(pk__in=group).update(**dict(zip(names, values, strict=True)))


def record_progress(
    *, changes: Sequence[ItemChange], actor: Actor, note: Note, locked: bool = False
) -> tuple[dict[int, Row], dict]:
    """Check and write `changes` and record `note`'s event for each order they name, without settling: the
    orders area's own cancel settles as it needs. Returns the items afterwards and what moved (see
    order_items_progress)."""
    rows = _rows({change.item for change in changes}, locked=locked)
    return rows, _record(rows, changes, actor, note)


def _record(rows: dict[int, Row], changes: Sequence[ItemChange], actor: Actor, note: Note) -> dict:
    """Apply `changes` to `rows` (the items as they are, locked), check, write them and the events; what moved."""
    before = {pk: dict(row) for pk, row in rows.items()}
    lines: dict[int, list[dict]] = defaultdict(list)
    for change in changes:
        row = rows[change.item]
        prior = dict(row)
        counts = change.counts(row)
        row.update(counts)
        _refusal(prior, row, change.what, list(counts))
        lines[row["order_id"]].append(change.line(prior, row))
    moved = {}
    for pk, row in rows.items():
        changed = {field: row[field] - before[pk][field] for field in ITEM_COUNTERS if row[field] != before[pk][field]}
        if changed:
            moved[pk] = changed
    _write(rows, moved)
    write_events([note.event(order_id, actor, lines[order_id]) for order_id in sorted(lines)])
    return moved


@retry_on_conflict
@transaction.atomic
def order_items_progress(
    *, changes: Sequence[ItemChange], actor: Actor, note: Note, reason: str = "", locked: bool = False
) -> dict[int, dict[str, int]]:
    """Record what happened to order items: `changes`, of any orders, applied in the order given (several may name
    the same item).

    Locks the items' orders, then the items (the global lock order, orderly.core.locks): a caller that has locked
    stock or a later table must hold them already, as every process locks the orders it changes and their items
    before any stock. With `locked` the caller holds the items and their orders locked in this transaction
    already (a plan's service after plan_lock_tree): they are read, not locked again. Checks every
    change as the module says (Conflict naming the order, line and numbers, nothing written); then writes the
    counters (a handful of statements for a plan's thousands of items), records one timeline event per order the
    changes name, in `note`'s words with the lines of that order's items and by `actor`, and settles each order
    whose shipped, canceled, returned, invoiced or credited units moved (order_settle, with `reason` for a close
    or reopen it causes): its payment and fulfillment status, amount due, item statuses along ITEM_TRANSITIONS.
    Held, expected, pick-list and picked units change none of what the settling reads, so those leave it out.

    Returns what moved: {item id: {counter: change}}, counters that did not move left out. All in the caller's
    transaction.
    """
    if not changes:
        return {}
    rows, moved = record_progress(changes=changes, actor=actor, note=note, locked=locked)
    settled = {rows[pk]["order_id"] for pk, changed in moved.items() if any(f in SETTLED_FROM for f in changed)}
    for order_id in sorted(settled):
        order_settle(order=Order(pk=order_id), actor=actor, reason=reason)
    return moved


def items_progress_held(
    *,
    order: Order,
    items: Sequence[OrderItem],
    changes: Sequence[ItemChange],
    actor: Actor,
    note: Note,
    reason: str = "",
) -> dict[int, dict[str, int]]:
    """order_items_progress for changes to one order whose caller holds the order and every one of its `items`
    locked in this transaction, read as they are now (shipping's fulfillment has just locked them): the same
    checks, writes, event and settling, without locking or reading the order and its items again. The `items`
    instances take the counters written, so the caller's copies stay true. Call it inside that transaction."""
    if not changes:
        return {}
    by_id = {item.pk: item for item in items}
    if missing := sorted({change.item for change in changes} - set(by_id)):
        raise ValueError(f"order item {missing[0]} is not one of the items given")
    if any(item.order_id != order.pk for item in items):
        raise ValueError(f"items of another order than {order.number} given")
    fields = ("id", "order_id", "sku", "line_no", "quantity", "status", *ITEM_COUNTERS)
    rows = {pk: {field: getattr(item, field) for field in fields} for pk, item in by_id.items()}
    moved = _record(rows, changes, actor, note)
    for pk, changed in moved.items():
        for field in changed:
            setattr(by_id[pk], field, rows[pk][field])
    if any(field in SETTLED_FROM for changed in moved.values() for field in changed):
        settle_held(order=order, items=list(items), actor=actor, reason=reason)
    return moved
