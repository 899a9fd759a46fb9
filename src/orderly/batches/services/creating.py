"""Creating a batch from a selection of orders: by their numbers or by the orders list's filter."""

from django.db import transaction

from orderly.batches import events
from orderly.batches.models import Batch, BatchOrder
from orderly.batches.services.common import enqueue_processing
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.orders.locks import lock_orders_by_number
from orderly.orders.models import Order
from orderly.orders.selectors import OrderFilters, order_search
from orderly.orders.services import order_set_stage
from orderly.orders.status import Stage

PREFIX = "BA"
MAX_ORDERS = 1000


def _clean_numbers(numbers) -> list[str]:
    if isinstance(numbers, str) or not isinstance(numbers, (list, tuple)):
        raise ValidationError("orders must be a list of order numbers.", field="orders")
    cleaned, seen = [], set()
    for index, number in enumerate(numbers):
        if not isinstance(number, str):
            raise ValidationError(
                f"orders[{index}] must be an order number such as OR-000123.", field=f"orders[{index}]"
            )
        number = number.strip().upper()
        if len(number) > 16:
            raise ValidationError(f"orders[{index}] is not an order number: {number[:20]!r}…", field=f"orders[{index}]")
        if number and number not in seen:
            seen.add(number)
            cleaned.append(number)
    return cleaned


def selection(*, orders=None, filters: OrderFilters | None = None) -> list[str]:
    """The order numbers a request names: `orders` as given (each once), or every order `filters` matches in the
    list's order. Exactly one of the two; at least one order and at most MAX_ORDERS."""
    if (orders is None) == (filters is None):
        raise ValidationError("Send either orders (a list of order numbers) or filter, not both.", field="orders")
    if filters is not None:
        numbers = list(order_search(filters).values_list("number", flat=True)[: MAX_ORDERS + 1])
        field = "filter"
    else:
        numbers = _clean_numbers(orders)
        field = "orders"
    if not numbers:
        raise ValidationError(
            "The filter matches no orders." if filters is not None else "Choose at least one order.", field=field
        )
    if len(numbers) > MAX_ORDERS:
        more = "The filter matches more than" if filters is not None else f"{len(numbers)} orders: more than"
        raise ValidationError(f"{more} {MAX_ORDERS:,} orders; a batch takes at most {MAX_ORDERS:,}.", field=field)
    return numbers


def _refusals(numbers: list[str], found: dict[str, Order]) -> list[dict]:
    busy = dict(
        BatchOrder.objects.filter(order__in=found.values(), active=True).values_list("order_id", "batch__number")
    )
    refused = []
    for number in numbers:
        order = found.get(number)
        if order is None:
            refused.append({"order": number, "reason": f"{number} does not exist."})
        elif order.pk in busy:
            refused.append(
                {"order": number, "reason": f"{number} is in batch {busy[order.pk]}, which is not finished."}
            )
    return refused


@retry_on_conflict
@transaction.atomic
def batch_create(*, actor: Actor, orders=None, filters: OrderFilters | None = None) -> Batch:
    """A batch `BA-…` of the orders named (by number, or all that `filters` matches; 1 to MAX_ORDERS), queued for
    the worker, which processes each order and records its outcome.

    Needs orders that exist and are in no other unfinished batch: otherwise refused (batch_orders_refused, each
    order with its reason) and nothing is written. Whether each order can be processed (open, no error, address,
    stock, shipping method) is its outcome, not a refusal. Locks the orders (in key order) before the batch's
    rows; new orders move to *In progress*; each order's timeline says it joined the batch.
    """
    numbers = selection(orders=orders, filters=filters)
    locked = lock_orders_by_number(numbers)
    found = {order.number: order for order in locked}
    if refused := _refusals(numbers, found):
        raise ValidationError(
            "Cannot put these orders in a batch: " + " ".join(r["reason"] for r in refused[:20]),
            code=ErrorCode.BATCH_ORDERS_REFUSED,
            field="orders",
            refused=refused,
        )
    user = actor.user if actor.kind == "user" else None
    batch = Batch.objects.create(
        number=next_number(PREFIX), created_by=user, created_by_name=actor.name[:150], order_count=len(numbers)
    )
    entries = []
    for position, number in enumerate(numbers):
        order = found[number]
        entries.append(BatchOrder(batch=batch, order=order, position=position, stage_set=order.stage == Stage.NEW))
    BatchOrder.objects.bulk_create(entries)
    for entry in entries:
        if entry.stage_set:
            order_set_stage(order=entry.order, stage=Stage.IN_PROGRESS, actor=actor, reason=f"In batch {batch.number}.")
        events.added(entry.order, actor, batch.number)
    enqueue_processing(batch.pk)
    return batch
