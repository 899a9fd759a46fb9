"""Locking orders and their items: the first two tables of the global order (orderly.core.locks).

Every process of an order locks the order first, then its items, each in primary-key order. Selectors never lock.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from orderly.core.locks import lock_row, lock_rows, lock_values
from orderly.orders.models import Order, OrderCharge, OrderItem


def lock_orders(ids: Iterable[int], *, deleted: bool = False, related: tuple[str, ...] = ()) -> list[Order]:
    """The orders with these ids (or those a subquery gives), locked in primary-key order; deleted ones too when
    `deleted` (the manager that sees every row), with `related` loaded (not locked)."""
    manager = Order.all_objects if deleted else Order.objects
    ids = ids if isinstance(ids, QuerySet) else set(ids)
    return lock_rows(manager.filter(pk__in=ids).select_related(*related))


def lock_order_ids(ids: Iterable[int], *, deleted: bool = False) -> list[int]:
    """As lock_orders, returning only the ids of the orders locked: for a caller that needs the locks, not the
    orders (a plan's thousand orders have 66 columns each)."""
    manager = Order.all_objects if deleted else Order.objects
    ids = ids if isinstance(ids, QuerySet) else set(ids)
    return [row["id"] for row in lock_values(manager.filter(pk__in=ids).select_related(None))]


def lock_order(
    order: Order | int, *, deleted: bool = False, related: tuple[str, ...] = (), fields: tuple[str, ...] = ()
) -> Order:
    """One order (an instance or its id) locked; Order.DoesNotExist when there is none (deleted ones count only
    with `deleted`). `fields`: only these columns read (and the key), for a service that needs a few of the 45 (an
    order's other fields are read when first used)."""
    pk = order.pk if isinstance(order, Order) else order
    manager = Order.all_objects if deleted else Order.objects
    queryset = manager.filter(pk=pk).select_related(*related)
    found = lock_row(queryset.only(*fields, *related) if fields else queryset)
    if found is None:
        raise Order.DoesNotExist(f"No order {pk}.")
    return found


def lock_orders_by_number(numbers: Iterable[str]) -> list[Order]:
    """The (not deleted) orders with these numbers, locked in primary-key order."""
    return lock_rows(Order.objects.filter(number__in=set(numbers)))


def _items(order_ids: set[int], ids: set[int]) -> QuerySet:
    if order_ids and ids:
        return OrderItem.objects.filter(order_id__in=order_ids) | OrderItem.objects.filter(pk__in=ids)
    if order_ids:
        return OrderItem.objects.filter(order_id__in=order_ids)
    return OrderItem.objects.filter(pk__in=ids)


def lock_items(*, order_ids: Iterable[int] = (), ids: Iterable[int] = ()) -> list[OrderItem]:
    """The items of these orders and these items, locked in primary-key order (after their orders)."""
    order_ids, ids = set(order_ids), set(ids)
    if not order_ids and not ids:
        return []
    return lock_rows(_items(order_ids, ids))


def lock_item_values(
    *, order_ids: Iterable[int] = (), ids: Iterable[int] = (), fields: tuple[str, ...] = ()
) -> list[dict]:
    """As lock_items, each item as a dict of `fields` (with `id` and `order_id`) rather than an instance of its 43
    columns: for the thousands of items of a plan."""
    order_ids, ids = set(order_ids), set(ids)
    if not order_ids and not ids:
        return []
    return lock_values(_items(order_ids, ids), *fields)


def lock_charges(order: Order | int) -> list[OrderCharge]:
    """The order's charges (shipping, fees), locked in primary-key order (after its items)."""
    pk = order.pk if isinstance(order, Order) else order
    return lock_rows(OrderCharge.objects.filter(order_id=pk))


def lock_order_of(queryset, **lookup) -> Order | None:
    """The order `queryset` (orders of one channel, say) finds by `lookup`, locked; None when there is none."""
    return lock_row(queryset.filter(**lookup))
