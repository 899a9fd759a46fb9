from decimal import Decimal

import pytest

from orderly.batches.models import Batch, BatchOrder
from orderly.batches.status import BatchStatus, Outcome, Step
from orderly.inventory.models import Lot
from orderly.orders.models import Order, OrderEvent, OrderItem
from orderly.orders.services import order_update
from orderly.shipping.models import Fulfillment
from tests.batches.helpers import break_address, create, order_of, outcomes, receive, run, variant
from tests.factories import address

pytestmark = pytest.mark.django_db


def test_a_batch_fulfills_labels_and_finishes_every_order(actor, carriers):
    variant("ESP-250")
    receive("ESP-250", 10)
    first, second = order_of(("ESP-250", 2)), order_of(("ESP-250", 3))

    batch = run(create(actor, first, second))

    assert batch.number == "BA-000001"
    assert batch.status == BatchStatus.FINISHED
    assert batch.counts == {"succeeded": 2, "failed": 0, "waiting": 0}
    assert batch.created_by_name == "olga"
    entries = list(BatchOrder.objects.filter(batch=batch).order_by("position"))
    assert [(e.outcome, e.step, e.attempts, e.active) for e in entries] == [
        (Outcome.SUCCEEDED, Step.TOLD, 1, False),
        (Outcome.SUCCEEDED, Step.TOLD, 1, False),
    ]
    assert [e.tracking_number for e in entries] == [
        f"3STEST{entries[0].fulfillment_id:08d}",
        f"3STEST{entries[1].fulfillment_id:08d}",
    ]
    assert carriers.bought == 2
    assert Lot.objects.get().on_hand == Decimal("5")
    item = OrderItem.objects.get(order=first)
    assert (item.qty_released, item.qty_picked, item.qty_packed, item.qty_sorted, item.qty_label_applied) == (
        2, 2, 2, 2, 2,
    )  # fmt: skip
    assert item.qty_handed_to_carrier == 2
    first.refresh_from_db()
    assert (first.status, first.stage, first.fulfillment_status) == (
        "open",
        "completed",
        "fulfilled",
    )  # open: still to be paid and invoiced
    kinds = list(OrderEvent.objects.filter(order=first, kind__startswith="batch").order_by("id").values_list("message"))
    assert kinds == [
        ("Added to batch BA-000001 for processing.",),
        (f"Processed in batch BA-000001: fulfilled as {entries[0].fulfillment.number}, tracking "
         f"{entries[0].tracking_number}.",),
    ]  # fmt: skip


def test_each_order_fails_with_its_reason_and_fix_and_the_rest_succeed(actor, carriers):
    variant("ESP-250")
    receive("ESP-250", 3)
    good = order_of(("ESP-250", 1))
    short = order_of(("ESP-250", 5))
    no_postal = break_address(order_of(("ESP-250", 1)))
    abroad = order_of(("ESP-250", 1), shipping_address=address(country="DE", postal_code="10115", city="Berlin"))
    carriers.refuse_countries = {"DE"}

    batch = run(create(actor, good, short, no_postal, abroad))

    assert batch.status == BatchStatus.FAILED
    assert batch.counts == {"succeeded": 1, "failed": 3, "waiting": 0}
    got = {n: (o, s) for n, (o, s, _r) in outcomes(batch).items()}
    assert got == {
        good.number: ("succeeded", "told"),
        short.number: ("failed", ""),
        no_postal.number: ("failed", ""),
        abroad.number: ("failed", ""),
    }
    entries = {e.order_id: e for e in BatchOrder.objects.filter(batch=batch)}
    assert (entries[short.pk].reason, entries[short.pk].fix) == (
        "Not enough stock of ESP-250: 5 needed, 2 available.",
        "Receive stock of ESP-250 (or allocate it to this order in a plan), then reprocess it.",
    )
    assert entries[no_postal.pk].reason == (
        "The shipping address is incomplete: it has no postal code, which an address in NL needs."
    )
    assert entries[no_postal.pk].fix == "Correct the shipping address (postal code) on the order, then reprocess it."
    assert entries[abroad.pk].reason.startswith("No shipping rule gives a method for DE")
    assert Fulfillment.objects.count() == 1
    assert Lot.objects.get().on_hand == Decimal("2")


def test_reprocessing_the_fixed_order_finishes_the_batch_by_itself(actor, carriers):
    from orderly.batches.services import batch_reprocess
    from orderly.orders.services import order_reset

    variant("ESP-250")
    receive("ESP-250", 5)
    good = order_of(("ESP-250", 1))
    broken = break_address(order_of(("ESP-250", 1)))
    assert broken.error_code == "invalid_address"
    batch = run(create(actor, good, broken))
    assert batch.status == BatchStatus.FAILED

    order_update(order=broken, changes={"shipping_address": address(postal_code="1015 CJ")}, actor=actor)
    broken.refresh_from_db()
    if broken.has_error:
        order_reset(order=broken, actor=actor)
    batch_reprocess(batch=batch, actor=actor, orders=[broken.number])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING
    assert batch.counts == {"succeeded": 1, "failed": 0, "waiting": 1}

    batch = run(batch)

    assert batch.status == BatchStatus.FINISHED
    assert batch.counts == {"succeeded": 2, "failed": 0, "waiting": 0}
    assert carriers.bought == 2
    assert BatchOrder.objects.get(batch=batch, order=broken).attempts == 2
    assert BatchOrder.objects.get(batch=batch, order=good).attempts == 1


def test_an_order_is_in_one_unfinished_batch_at_a_time(actor, carriers):
    from orderly.core.exceptions import ValidationError

    variant("ESP-250")
    order = order_of(("ESP-250", 1))
    batch = run(create(actor, order))  # no stock: fails, the batch stays failed
    assert batch.status == BatchStatus.FAILED
    before = (Batch.objects.count(), BatchOrder.objects.count(), OrderEvent.objects.count())

    with pytest.raises(ValidationError) as refused:
        create(actor, order)

    assert refused.value.code == "batch_orders_refused"
    assert refused.value.detail == {
        "refused": [{"order": order.number, "reason": f"{order.number} is in batch BA-000001, which is not finished."}]
    }
    assert (Batch.objects.count(), BatchOrder.objects.count(), OrderEvent.objects.count()) == before
    Order.objects.filter(pk=order.pk)  # unchanged


def test_held_archived_and_draft_orders_fail_with_their_fix(actor, carriers):
    from orderly.orders.services import order_archive

    variant("ESP-250")
    receive("ESP-250", 10)
    held = order_of(("ESP-250", 1))
    Order.objects.filter(pk=held.pk).update(
        error_code="on_hold", error_message=f"On hold in {held.channel}.", error_fix="Lift the hold in the shop."
    )
    archived = order_archive(order=order_of(("ESP-250", 1)), actor=actor)
    draft = order_of(("ESP-250", 1), status="draft")

    batch = run(create(actor, held, archived, draft))

    entries = {e.order_id: (e.error_code, e.reason, e.fix) for e in BatchOrder.objects.filter(batch=batch)}
    assert entries == {
        held.pk: (
            "on_hold",
            f"On hold in {held.channel}.",
            "Lift the hold in the shop, then Synchronize order and reprocess it.",
        ),
        archived.pk: (
            "order_archived",
            f"Order {archived.number} is archived.",
            "Unarchive the order, then reprocess it.",
        ),
        draft.pk: ("order_draft", f"Order {draft.number} is a draft.", "Open the order, then reprocess it."),
    }
    assert Fulfillment.objects.count() == 0 and carriers.bought == 0
    assert Lot.objects.get().on_hand == Decimal("10")


def test_a_carrier_refusal_keeps_the_fulfillment_and_reprocessing_books_without_fulfilling_again(actor, carriers):
    variant("ESP-250")
    receive("ESP-250", 10)
    order = order_of(("ESP-250", 2), shipping_address=address(postal_code="9999 ZZ"))
    carriers.refuse_postal_codes = {"9999 ZZ"}

    batch = run(create(actor, order))

    entry = BatchOrder.objects.get(batch=batch)
    assert (entry.outcome, entry.step, entry.reason) == (
        Outcome.FAILED, Step.FULFILLED, "The carrier refused the address: postal code 9999 ZZ does not exist.",
    )  # fmt: skip
    assert entry.fix == "Fix what the reason names, then reprocess the order."
    first_fulfillment = entry.fulfillment_id

    carriers.refuse_postal_codes = set()  # the merchant corrected it with the carrier
    from orderly.batches.services import batch_reprocess

    batch_reprocess(batch=batch, actor=actor)
    batch = run(batch)

    entry.refresh_from_db()
    assert (batch.status, entry.outcome, entry.fulfillment_id) == (
        BatchStatus.FINISHED,
        Outcome.SUCCEEDED,
        first_fulfillment,
    )
    assert Fulfillment.objects.count() == 1 and carriers.bought == 1
    assert Lot.objects.get().on_hand == Decimal("8")
