"""The global row-lock order: owned in one place, checked as locks are taken; and the bounded retry of a
transaction the database refuses for a passing reason (serialization failure, deadlock, lock timeout)."""

import ast
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from orderly.core import locks, retry
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.core.locks import LOCK_ORDER, LockOrderViolation, lock_rows
from orderly.core.models import NumberSequence
from orderly.core.retry import retry_on_conflict, run_with_retry
from orderly.inventory.locks import lock_lots
from orderly.inventory.models import Lot
from orderly.inventory.services import stock_adjust, stock_receive
from orderly.orders import events
from orderly.orders.locks import lock_item_values, lock_items, lock_order, lock_order_ids, lock_orders
from orderly.orders.models import OrderItem
from orderly.orders.services import order_items_progress
from orderly.orders.services.item_progress import Held
from tests.factories import VariantFactory, make_order

SRC = Path(__file__).resolve().parents[2] / "src" / "orderly"
LOCKERS = {"lock_rows", "lock_row", "lock_values", "bump_sequence"}


def _calls(path: Path) -> list[tuple[str, int]]:
    """(name, line) of every call in the module whose callee is a plain or attribute name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            found.append((name, node.lineno))
    return found


def test_select_for_update_appears_only_in_core_locks():
    """A new row lock goes through an area's locks.py, so that the order stays owned in one place."""
    offenders = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        if path != SRC / "core" / "locks.py"
        for name, line in _calls(path)
        if name == "select_for_update"
    ]
    assert offenders == [], "lock rows with an area's locks.py helper (orderly.core.locks.lock_rows), not by hand"


def test_rows_are_locked_only_by_the_areas_locks_modules():
    callers = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path != SRC / "core" / "locks.py" and any(name in LOCKERS for name, _ in _calls(path))
    )
    assert callers == [
        "batches/locks.py",
        "carriers/locks.py",
        "channels/locks.py",
        "core/numbering.py",
        "inventory/locks.py",
        "notifications/locks.py",
        "orders/locks.py",
        "plans/locks.py",
        "production/locks.py",
        "shipping/locks.py",
    ]


def test_every_table_a_locks_module_locks_has_its_place_in_the_order():
    from django.apps import apps

    placed = {label for labels in LOCK_ORDER for label in labels}
    for path in SRC.rglob("locks.py"):
        if path.parent.name == "core":
            continue
        tree = ast.parse(path.read_text())
        models = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("orderly.")
            and node.module.endswith(".models")
            for alias in node.names
        }
        for name in models:
            label = apps.get_model(path.parent.name, name)._meta.label
            assert label in placed, f"{path.relative_to(SRC)} locks {label}, which has no place in LOCK_ORDER"


# ---- the order, checked as locks are taken (the tests raise; production logs)


@pytest.fixture
def two_orders(db):
    variant = VariantFactory(sku="ESP-250")
    items = [{"sku": "ESP-250", "quantity": 1, "unit_price": "8.50", "tax_rate": "9"}]
    orders = sorted((make_order(items=items), make_order(items=items)), key=lambda o: o.pk)
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=5, actor=Actor.system())
    return orders, variant, lot


@pytest.mark.django_db
def test_a_table_locked_after_a_later_one_is_refused_in_the_tests(two_orders):
    orders, _variant, lot = two_orders
    with transaction.atomic(), locks.entry():
        lock_lots([lot.pk])
        with pytest.raises(LockOrderViolation, match="orders.Order locked after inventory.Lot"):
            lock_order(orders[0])


@pytest.mark.django_db
def test_rows_of_one_table_lock_in_key_order(two_orders):
    orders, _variant, _lot = two_orders
    with transaction.atomic(), locks.entry():
        lock_order(orders[1])
        with pytest.raises(LockOrderViolation, match=f"orders.Order {orders[0].pk} locked after orders.Order"):
            lock_order(orders[0])


@pytest.mark.django_db
def test_the_global_order_and_locking_again_what_is_held_pass(two_orders):
    orders, _variant, lot = two_orders
    with transaction.atomic(), locks.entry():
        assert [o.pk for o in lock_orders([o.pk for o in reversed(orders)])] == [o.pk for o in orders]
        items = lock_items(order_ids=[o.pk for o in orders])
        assert [i.pk for i in items] == sorted(i.pk for i in items)
        lock_lots([lot.pk])
        # rows held already wait for no one: locking them again later is no breach
        assert lock_order(orders[0]).pk == orders[0].pk


@pytest.mark.django_db
def test_locks_taken_as_values_are_kept_in_the_books_like_rows(two_orders):
    orders, variant, lot = two_orders
    order_ids = [o.pk for o in orders]
    items = list(OrderItem.objects.filter(order_id__in=order_ids).order_by("pk").values_list("pk", "order_id"))
    later = make_order(items=[{"sku": variant.sku, "quantity": 1, "unit_price": "1", "tax_rate": "9"}])
    with transaction.atomic(), locks.entry():
        assert lock_order_ids(reversed(order_ids)) == order_ids
        assert lock_item_values(order_ids=order_ids, fields=("sku", "quantity")) == [
            {"id": pk, "order_id": order_id, "sku": "ESP-250", "quantity": 1} for pk, order_id in items
        ]
        lock_lots([lot.pk])
        # held already, so locking them again after the lot waits for no one
        assert [o.pk for o in lock_orders(order_ids)] == order_ids
        with pytest.raises(LockOrderViolation, match="orders.Order locked after inventory.Lot"):
            lock_order_ids([later.pk])


@pytest.mark.django_db
def test_items_a_caller_holds_are_read_again_without_a_lock_and_only_those(two_orders):
    """A plan's service locks its orders and items before its stock, then tells the orders area what it held:
    items it says it holds are read, not locked again after the lots; items it does not hold are refused."""
    orders, _variant, lot = two_orders
    first, second = (OrderItem.objects.get(order=order).pk for order in orders)
    with transaction.atomic(), locks.entry():
        lock_order_ids([orders[0].pk])
        lock_item_values(order_ids=[orders[0].pk])
        lock_lots([lot.pk])
        moved = order_items_progress(
            changes=[Held(item=first, units=1)], actor=Actor.system(), note=events.allocated("OF-1"), locked=True
        )
        assert moved == {first: {"qty_available": 1}}
        assert OrderItem.objects.get(pk=first).qty_available == 1
        with pytest.raises(LockOrderViolation, match=f"orders.OrderItem {second} read as locked"):
            order_items_progress(
                changes=[Held(item=second, units=1)], actor=Actor.system(), note=events.allocated("OF-1"), locked=True
            )


@pytest.mark.django_db
def test_items_locked_as_values_without_their_order_are_refused(two_orders):
    orders, _variant, _lot = two_orders
    with (
        transaction.atomic(),
        locks.entry(),
        pytest.raises(LockOrderViolation, match=f"orders.OrderItem locked without its orders.Order {orders[0].pk}"),
    ):
        lock_item_values(order_ids=[orders[0].pk])


@pytest.mark.django_db
def test_a_lock_outside_a_service_entry_point_is_refused_in_the_tests(two_orders):
    orders, _variant, _lot = two_orders
    with transaction.atomic(), pytest.raises(LockOrderViolation, match="outside a service entry point"):
        lock_order(orders[0])


@pytest.mark.django_db
def test_a_table_without_a_place_in_the_order_cannot_be_locked():
    with transaction.atomic(), locks.entry(), pytest.raises(LockOrderViolation, match="core.User has no place"):
        from orderly.core.models import User

        lock_rows(User.objects.all())


@pytest.mark.django_db
def test_outside_the_tests_a_breach_is_logged_not_raised(two_orders, settings, caplog):
    orders, _variant, lot = two_orders
    settings.ORDERLY_LOCK_ORDER_CHECK = "log"
    with transaction.atomic(), locks.entry():
        lock_lots([lot.pk])
        assert lock_order(orders[0]).pk == orders[0].pk
    assert [r.getMessage() for r in caplog.records if r.name == "orderly.core.locks"] == [
        "lock order broken: orders.Order locked after inventory.Lot, which comes later in orderly.core.locks.LOCK_ORDER"
    ]


# ---- the bounded retry


def _refusal(state_class) -> OperationalError:
    """What Django raises when PostgreSQL refuses a transaction with this SQLSTATE's error class."""
    error = OperationalError(f"refused: {state_class.sqlstate}")
    error.__cause__ = state_class("refused")
    return error


@pytest.fixture
def no_pause(monkeypatch):
    pauses = []
    monkeypatch.setattr(retry, "pause_for", pauses.append)
    return pauses


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "state_class",
    [psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable],
)
def test_a_transient_refusal_runs_the_whole_transaction_again_then_succeeds(state_class, no_pause):
    attempts = []

    @retry_on_conflict
    def work():
        attempts.append(1)
        NumberSequence.objects.create(prefix=f"T{len(attempts)}")  # written, then rolled back with the attempt
        if len(attempts) < 3:
            raise _refusal(state_class)
        return "done"

    assert work() == "done"
    assert len(attempts) == 3
    assert list(NumberSequence.objects.filter(prefix__startswith="T").values_list("prefix", flat=True)) == ["T3"]
    assert len(no_pause) == 2 and 0 < no_pause[0] <= retry.FIRST_PAUSE < no_pause[1] <= 2 * retry.FIRST_PAUSE


@pytest.mark.django_db(transaction=True)
def test_always_refused_it_gives_up_with_409_busy_and_writes_nothing(no_pause):
    attempts = []

    @retry_on_conflict
    def work():
        attempts.append(1)
        NumberSequence.objects.create(prefix=f"T{len(attempts)}")
        raise _refusal(psycopg.errors.DeadlockDetected)

    with pytest.raises(Conflict) as refused:
        work()
    assert (refused.value.code, refused.value.status) == (ErrorCode.BUSY, 409)
    assert refused.value.detail == {"attempts": retry.ATTEMPTS}
    assert "nothing was changed" in refused.value.message
    assert len(attempts) == retry.ATTEMPTS
    assert not NumberSequence.objects.filter(prefix__startswith="T").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("error", [IntegrityError("duplicate key"), ValueError("a bug"), OperationalError("gone")])
def test_other_errors_are_not_retried(error, no_pause):
    attempts = []

    def work():
        attempts.append(1)
        raise error

    with pytest.raises(type(error)):
        run_with_retry(work)
    assert len(attempts) == 1


@pytest.mark.django_db(transaction=True)
def test_inside_an_open_transaction_it_leaves_the_retry_to_whoever_opened_it(no_pause):
    attempts = []

    @retry_on_conflict
    def work():
        attempts.append(1)
        raise _refusal(psycopg.errors.SerializationFailure)

    with pytest.raises(OperationalError), transaction.atomic():
        work()
    assert len(attempts) == 1


def _savepoints(run) -> list[str]:
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        run()
    return [sql for sql in statements if sql.startswith("SAVEPOINT")]


@pytest.mark.django_db(transaction=True)
def test_an_atomic_service_called_outside_a_transaction_opens_no_savepoint_and_still_rolls_back(no_pause):
    @retry_on_conflict
    @transaction.atomic
    def work(prefix, fail=False):
        NumberSequence.objects.create(prefix=prefix)
        if fail:
            raise ValueError("refused after writing")
        return transaction.get_connection().in_atomic_block

    assert _savepoints(lambda: work("T1")) == []
    with pytest.raises(ValueError):
        work("T2", fail=True)
    assert list(NumberSequence.objects.filter(prefix__startswith="T").values_list("prefix", flat=True)) == ["T1"]
    assert work("T3") is True  # its body ran in the retry's transaction

    def nested():
        with transaction.atomic():
            work("T4")

    assert len(_savepoints(nested)) == 1  # inside a transaction: its own savepoint, as written


def test_only_a_plain_atomic_on_the_default_database_is_unwrapped():
    def body():
        return None

    assert retry._under_plain_atomic(transaction.atomic(body)) is body
    assert retry._under_plain_atomic(transaction.atomic(durable=True)(body)) is None
    assert retry._under_plain_atomic(transaction.atomic(savepoint=False)(body)) is None
    assert retry._under_plain_atomic(transaction.atomic(using="other")(body)) is None
    assert retry._under_plain_atomic(body) is None


# ---- real lock waits on PostgreSQL


def _hold_lot_lock(lot_id: int, release: threading.Event, held: threading.Event) -> threading.Thread:
    """A thread that keeps the lot locked in a transaction of its own until `release` is set."""

    def work():
        try:
            with transaction.atomic(), locks.entry():
                lock_lots([lot_id])
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    assert held.wait(10)
    return thread


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: row locks and lock_timeout")
@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_is_retried_and_succeeds_once_the_row_is_free(monkeypatch):
    VariantFactory(sku="ESP-250")
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=5, actor=Actor.system())
    release, held = threading.Event(), threading.Event()
    holder = _hold_lot_lock(lot.pk, release, held)
    pauses = []

    def pause(seconds):  # the first attempt waited out its lock_timeout; during the pause the holder lets go
        pauses.append(seconds)
        release.set()
        holder.join(10)

    monkeypatch.setattr(retry, "pause_for", pause)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        adjusted = stock_adjust(lot=lot.number, quantity=-1, reason="Counted again.", actor=Actor.system())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert adjusted.on_hand == 4
    assert len(pauses) == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: row locks and lock_timeout")
@pytest.mark.django_db(transaction=True)
def test_a_row_busy_through_every_attempt_answers_409_busy_not_500(client, tokens, no_pause):
    VariantFactory(sku="ESP-250")
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=5, actor=Actor.system())
    release, held = threading.Event(), threading.Event()
    holder = _hold_lot_lock(lot.pk, release, held)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '100ms'")
    try:
        answer = client.post(
            "/api/v1/inventory/adjustments",
            {"lot": lot.number, "quantity": "-1", "reason": "Counted again."},
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens['manager']}"},
        )
    finally:
        release.set()
        holder.join(10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert (error["code"], error["detail"]) == ("busy", {"attempts": retry.ATTEMPTS})
    assert len(no_pause) == retry.ATTEMPTS - 1
    assert Lot.objects.get(pk=lot.pk).on_hand == 5
