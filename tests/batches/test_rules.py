import pytest

from orderly.batches.models import Batch, BatchOrder
from orderly.batches.services import MAX_ORDERS, batch_create, batch_remove_order, batch_reprocess
from orderly.batches.status import BatchStatus
from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.orders.models import Order, OrderEvent
from orderly.orders.selectors import OrderFilters
from tests.batches.helpers import create, order_of, receive, run, variant

pytestmark = pytest.mark.django_db


def _state():
    return (
        sorted(Batch.objects.values_list("number", "status", "order_count", "succeeded_count", "failed_count")),
        sorted(BatchOrder.objects.values_list("order_id", "outcome", "active")),
        OrderEvent.objects.count(),
        sorted(Order.objects.values_list("number", "stage")),
    )


def _failed_batch(actor):
    variant("ESP-250")
    receive("ESP-250", 1)
    good, short = order_of(("ESP-250", 1)), order_of(("ESP-250", 5))
    return run(create(actor, good, short)), good, short


def test_unknown_orders_and_empty_or_oversized_selections_are_refused(actor, carriers):
    with pytest.raises(ValidationError) as refused:
        batch_create(orders=["OR-999999"], actor=actor)
    assert refused.value.detail == {"refused": [{"order": "OR-999999", "reason": "OR-999999 does not exist."}]}
    with pytest.raises(ValidationError) as empty:
        batch_create(orders=[], actor=actor)
    assert (empty.value.field, empty.value.message) == ("orders", "Choose at least one order.")
    with pytest.raises(ValidationError) as many:
        batch_create(orders=[f"OR-{n:06d}" for n in range(MAX_ORDERS + 1)], actor=actor)
    assert many.value.message == "1001 orders: more than 1,000 orders; a batch takes at most 1,000."
    with pytest.raises(ValidationError) as none:
        batch_create(filters=OrderFilters(q="nobody-matches-this"), actor=actor)
    assert (none.value.field, none.value.message) == ("filter", "The filter matches no orders.")
    assert Batch.objects.count() == 0


def test_a_filter_selects_the_orders_it_matches(actor, carriers):
    variant("ESP-250")
    receive("ESP-250", 5)
    mine = order_of(("ESP-250", 1), customer={"name": "Zoë Batchtest", "email": "z@example.com", "type": "retail"})
    order_of(("ESP-250", 1))

    batch = batch_create(filters=OrderFilters(q="Batchtest"), actor=actor)

    assert list(BatchOrder.objects.filter(batch=batch).values_list("order_id", flat=True)) == [mine.pk]
    mine.refresh_from_db()
    assert mine.stage == "in_progress"


def test_reprocess_and_remove_are_refused_unless_the_batch_failed(actor, carriers):
    variant("ESP-250")
    receive("ESP-250", 5)
    order = order_of(("ESP-250", 1))
    batch = create(actor, order)
    before = _state()
    with pytest.raises(Conflict) as processing:
        batch_reprocess(batch=batch, actor=actor)
    assert (processing.value.code, processing.value.detail) == (
        "batch_not_failed", {"batch": batch.number, "status": "processing"},
    )  # fmt: skip
    batch = run(batch)
    with pytest.raises(Conflict) as finished:
        batch_remove_order(batch=batch, order=order.number, actor=actor)
    assert finished.value.message == (
        f"Cannot remove order {order.number}: batch {batch.number} is finished, not failed. A finished batch is "
        "history."
    )
    assert _state()[0] == [(batch.number, BatchStatus.FINISHED, 1, 1, 0)]
    assert before[1] != _state()[1]  # only processing changed it


def test_only_failed_orders_are_reprocessed_or_removed(actor, carriers):
    batch, good, short = _failed_batch(actor)
    before = _state()
    with pytest.raises(Conflict) as refused:
        batch_reprocess(batch=batch, actor=actor, orders=[good.number])
    assert refused.value.detail == {"batch": batch.number, "orders": [good.number]}
    with pytest.raises(Conflict):
        batch_remove_order(batch=batch, order=good.number, actor=actor)
    with pytest.raises(NotFound) as missing:
        batch_remove_order(batch=batch, order="OR-424242", actor=actor)
    assert missing.value.detail == {"resource": "batch_order", "key": "OR-424242"}
    assert _state() == before


def test_removing_the_last_failed_order_finishes_the_batch_and_frees_the_order(actor, carriers):
    batch, good, short = _failed_batch(actor)

    batch = batch_remove_order(batch=batch, order=short.number, actor=actor)

    assert (batch.status, batch.counts, batch.order_count) == (
        BatchStatus.FINISHED, {"succeeded": 1, "failed": 0, "waiting": 0}, 1,
    )  # fmt: skip
    short.refresh_from_db()
    assert short.stage == "new"
    assert OrderEvent.objects.filter(order=short, kind="batch_removed").get().message == (
        f"Removed from batch {batch.number}."
    )
    again = create(actor, short)  # free to join another batch
    assert again.number == "BA-000002"


def test_reprocess_all_takes_only_the_failed_ones(actor, carriers):
    batch, good, short = _failed_batch(actor)
    receive("ESP-250", 5)

    batch = batch_reprocess(batch=batch, actor=actor)
    assert batch.counts == {"succeeded": 1, "failed": 0, "waiting": 1}
    batch = run(batch)

    assert batch.status == BatchStatus.FINISHED
    assert carriers.bought == 2
    assert OrderEvent.objects.filter(order=good, kind="batch_outcome").count() == 1
    assert OrderEvent.objects.filter(order=short, kind="batch_outcome").count() == 2


def test_reprocessing_an_empty_list_is_refused_naming_the_field(actor, carriers):
    batch, _good, _short = _failed_batch(actor)
    before = _state()
    with pytest.raises(ValidationError) as refused:
        batch_reprocess(batch=batch, actor=actor, orders=[])
    assert (refused.value.field, refused.value.code) == ("orders", "invalid")
    assert _state() == before
