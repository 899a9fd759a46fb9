"""Only the orders area writes an order item's counters: a static check over the source of every module.

A counter (models.ITEM_COUNTERS) is written where the source
- assigns it on an object (`item.qty_picked = …`, `item.qty_returned += …`);
- names it as a keyword of a call that writes rows (`.update(qty_available=…)`, `.create(…)`, `OrderItem(…)`, a
  `defaults={…}` or a `**{…}` of those);
- names it in the fields of `bulk_update(…)`, in `update_fields=…`, or in `setattr(…)`;
- stores it by name into a mapping (`row["qty_available"] = …`).
Outside the orders area, a counter's name may appear only where a row is read: as an argument of values(),
values_list(), only(), a mapping's get() or pop(), F(), an aggregate, or as a key read from a row. Anything else
(a tuple of counter names kept for a later bulk_update, a dict of changes) counts as a write too, so a write cannot
hide behind a name held in a variable.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import orderly
from orderly.orders.models import ITEM_COUNTERS, OrderItem
from orderly.orders.services import item_progress

SRC = Path(orderly.__file__).resolve().parent
ORDERS = SRC / "orders"
OWNER = ORDERS / "services" / "item_progress.py"
SETTLING = ORDERS / "services" / "settling.py"
# Costs paid and approved for shipment follow from the order's money and state: the settling keeps them.
SETTLED = {"qty_costs_paid", "qty_approved"}

WRITE_CALLS = {"update", "create", "get_or_create", "update_or_create", "bulk_create", "OrderItem"}
READ_CALLS = {
    "values", "values_list", "only", "defer", "order_by", "get", "pop", "F", "getattr", "Sum", "Max", "Min",
    "Count", "annotate", "aggregate", "filter", "exclude", "Q",
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    path: Path
    line: int
    field: str
    how: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(SRC.parent)}:{self.line} {self.how} {self.field}"


def _counter(value) -> str | None:
    """The counter a string names, itself or as a lookup (`qty_available__gt`)."""
    if isinstance(value, str) and value.split("__")[0] in ITEM_COUNTERS:
        return value.split("__")[0]
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _strings(node: ast.AST):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and _counter(sub.value):
            yield sub


def _dict_keys(node: ast.AST | None):
    if isinstance(node, ast.Dict):
        for key in node.keys:
            if isinstance(key, ast.Constant) and _counter(key.value):
                yield key


def _targets(target: ast.AST):
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _targets(element)
    elif isinstance(target, ast.Starred):
        yield from _targets(target.value)
    else:
        yield target


def writes(path: Path, source: str) -> list[Site]:
    """Every place in `source` that writes a counter, as the module docstring defines it."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[Site] = []
    counted: set[int] = set()  # the string constants already reported as part of a write

    def add(node: ast.AST, field: str, how: str) -> None:
        found.append(Site(path, node.lineno, field, how))
        counted.add(id(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            raw_targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in (t for raw in raw_targets for t in _targets(raw)):
                if isinstance(target, ast.Attribute) and _counter(target.attr) == target.attr:
                    add(target, target.attr, "assigns")
                elif isinstance(target, ast.Subscript):
                    for constant in _strings(target.slice):
                        add(constant, _counter(constant.value), "stores")
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if name in WRITE_CALLS:
                for keyword in node.keywords:
                    if keyword.arg and _counter(keyword.arg) == keyword.arg:
                        add(node, keyword.arg, f"{name}() sets")
                    for key in _dict_keys(keyword.value if keyword.arg in (None, "defaults") else None):
                        add(key, key.value, f"{name}() sets")
            if name in ("bulk_update", "setattr"):
                for arg in node.args[1:]:
                    for constant in _strings(arg):
                        add(constant, _counter(constant.value), f"{name}()")
            for keyword in node.keywords:
                if keyword.arg in ("update_fields", "fields"):
                    for constant in _strings(keyword.value):
                        add(constant, _counter(constant.value), keyword.arg)
    if ORDERS not in path.parents:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and _counter(node.value)) or id(node) in counted:
                continue
            parent = parents.get(node)
            read = (isinstance(parent, ast.Call) and node in parent.args and _call_name(parent) in READ_CALLS) or (
                isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Load)
            )
            if not read:
                add(node, _counter(node.value), "names, outside a read,")
    return found


def _all_writes() -> dict[str, list[Site]]:
    by_field: dict[str, list[Site]] = {field: [] for field in ITEM_COUNTERS}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for site in writes(path, path.read_text()):
            by_field[site.field].append(site)
    return by_field


WRITES = _all_writes()


def test_every_counter_of_an_item_is_walked():
    fields = {field.name for field in OrderItem._meta.concrete_fields if field.name.startswith("qty_")}
    assert fields == set(ITEM_COUNTERS)
    assert len(ITEM_COUNTERS) == 16


@pytest.mark.parametrize("field", ITEM_COUNTERS)
def test_only_the_orders_area_writes_the_counter(field):
    owners = {OWNER, SETTLING} if field in SETTLED else {OWNER}
    assert [str(site) for site in WRITES[field] if site.path not in owners] == []


@pytest.mark.parametrize("field", sorted(set(ITEM_COUNTERS) - SETTLED))
def test_a_change_the_processes_can_tell_moves_the_counter(field):
    row = {"id": 1, "order_id": 1, "sku": "ESP-250", "line_no": 1, "quantity": 10, "status": "open"}
    row |= dict.fromkeys(ITEM_COUNTERS, 5)
    changes = [
        item_progress.Held(item=1, units=6),
        item_progress.Expected(item=1, units=6),
        item_progress.OnPickList(item=1, units=6),
        item_progress.Picked(item=1, units=6),
        item_progress.Released(item=1),
        item_progress.Shipped(item=1, units=1, held=1, labelled=True),
        item_progress.Unshipped(item=1, recorded={"qty_sorted": 1}),
        item_progress.Lost(item=1, units=1),
        item_progress.Returned(item=1, units=1),
        item_progress.Canceled(item=1, units=1),
        item_progress.Invoiced(item=1, units=1),
        item_progress.Credited(item=1, units=1),
    ]
    moved = {name for change in changes for name, value in change.counts(dict(row)).items() if value != row[name]}
    assert field in moved


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("item.qty_picked = 3", ["assigns qty_picked"]),
        ("item.qty_returned += quantity", ["assigns qty_returned"]),
        ("a, item.qty_lost = 1, 2", ["assigns qty_lost"]),
        ("OrderItem.objects.filter(pk=1).update(qty_available=F('quantity'))", ["update() sets qty_available"]),
        ("order.items.update(**{'qty_canceled': 1})", ["update() sets qty_canceled"]),
        ("OrderItem(order=o, qty_expected=2)", ["OrderItem() sets qty_expected"]),
        ("OrderItem.objects.bulk_update(items, ['qty_invoiced', 'qty_credited'])", ["bulk_update() qty_credited",
                                                                                   "bulk_update() qty_invoiced"]),
        ("item.save(update_fields=['qty_sorted'])", ["update_fields qty_sorted"]),
        ("setattr(item, 'qty_label_applied', 1)", ["setattr() qty_label_applied"]),
        ("row['qty_on_pick_list'] = 0", ["stores qty_on_pick_list"]),
        ("FIELDS = ('qty_packed',)\nOrderItem.objects.bulk_update(items, list(FIELDS))",
         ["names, outside a read, qty_packed"]),
        ("changes = {'qty_handed_to_carrier': 1}", ["names, outside a read, qty_handed_to_carrier"]),
        # reads
        ("OrderItem.objects.filter(qty_available__gt=0).values_list('sku', 'qty_available')", []),
        ("units = row['qty_available'] + item.qty_canceled - row.pop('qty_returned')", []),
        ("OrderItem.objects.only('pk', 'qty_expected')", []),
    ],
)  # fmt: skip
def test_the_check_finds_every_way_of_writing_a_counter(source, expected):
    found = writes(SRC / "plans" / "example.py", source)
    assert sorted(f"{site.how} {site.field}" for site in found) == expected
