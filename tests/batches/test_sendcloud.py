"""The batch rules through the carriers area itself, booking with a Sendcloud account against the loopback Sendcloud
(tests/carriers/fake_sendcloud.py): a refusal in the carrier's words with its fix, a reprocess that books after
it, an order no rule ships, and a worker killed between booking a label and recording it (inside the carriers
area, and between the carriers area and the batch), which still ends with one label per parcel."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from orderly.batches.models import BatchOrder
from orderly.batches.services import batch_reprocess, processing
from orderly.batches.status import BatchStatus, Outcome, Step
from orderly.carriers.models import Parcel
from orderly.carriers.services import booking, carrier_create, rule_create
from orderly.inventory.models import Lot, Movement
from orderly.orders.models import Order, OrderEvent
from orderly.shipping.models import Fulfillment
from tests.batches.fake_carrier import Killed
from tests.batches.helpers import create, order_of, receive, run, variant
from tests.carriers.fake_sendcloud import FakeSendcloud
from tests.carriers.helpers import SYSTEM
from tests.factories import address

pytestmark = pytest.mark.django_db
SENDER = address(name="Pieter de Wit", company="Branderij Noord", line1="Veemkade 300", postal_code="1019HD",
                 city="Amsterdam", email="pieter@branderij.example", phone="+31200003344")  # fmt: skip
REFUSED = (
    "Sendcloud: Sendcloud refused the request: to_address.postal_code: Postal code 9999ZZ is not valid for the "
    "Netherlands."
)


@pytest.fixture
def sendcloud():
    with FakeSendcloud(lifetime=120) as fake:
        account = carrier_create(
            name="Sendcloud", kind="sendcloud", actor=SYSTEM, sender_address=SENDER,
            settings={"base_url": fake.base_url, "timeout": 2}, credentials=FakeSendcloud.connector_credentials,
            methods=[{"code": "postnl:standard", "name": "PostNL Standard", "countries": ["NL"],
                      "max_weight_kg": "23"}],
        )  # fmt: skip
        rule_create(data={"country": "NL", "carrier": account.pk, "method": "postnl:standard"}, actor=SYSTEM)
        yield fake


def _announced(fake) -> int:
    return sum(1 for request in fake.requests if request.path == "/api/v3/shipments/announce")


def _stocked(units=10):
    variant("ESP-250")
    receive("ESP-250", units)


def _time_passes(batch, seconds):
    """The clock moves on `seconds` for the batch's claims and its parcels' bookings in flight (a worker died)."""
    back = dt.timedelta(seconds=seconds)
    for entry in BatchOrder.objects.filter(batch=batch).exclude(claimed_at=None):
        BatchOrder.objects.filter(pk=entry.pk).update(claimed_at=entry.claimed_at - back)
    for parcel in Parcel.objects.exclude(booking_started_at=None):
        Parcel.objects.filter(pk=parcel.pk).update(booking_started_at=parcel.booking_started_at - back)


def _once_each(orders, fake, *, outcomes=1):
    assert sorted(Fulfillment.objects.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    assert Movement.objects.filter(kind="shipment").count() == len(orders)
    assert len(fake.shipments) == len(orders)  # one label bought per parcel
    assert list(Parcel.objects.values_list("label_status", flat=True)) == ["booked"] * len(orders)
    for order in orders:
        assert OrderEvent.objects.filter(order=order, kind="batch_outcome").count() == outcomes


def test_a_batch_books_each_order_with_sendcloud(actor, sendcloud):
    _stocked()
    orders = [order_of(("ESP-250", 2)), order_of(("ESP-250", 1))]

    batch = run(create(actor, *orders))

    assert (batch.status, batch.counts) == (BatchStatus.FINISHED, {"succeeded": 2, "failed": 0, "waiting": 0})
    parcels = {p.fulfillment.order_id: p for p in Parcel.objects.select_related("fulfillment")}
    for entry in BatchOrder.objects.filter(batch=batch):
        parcel = parcels[entry.order_id]
        assert (entry.outcome, entry.step, entry.parcel) == (Outcome.SUCCEEDED, Step.TOLD, parcel.number)
        assert entry.tracking_number == parcel.tracking_number == f"3SBRNO{int(parcel.carrier_reference):09d}"
        assert Fulfillment.objects.get(pk=entry.fulfillment_id).carrier == "Sendcloud"
    assert _announced(sendcloud) == 2
    _once_each(orders, sendcloud)


def test_a_sendcloud_refusal_fails_the_order_with_its_words_and_fix_and_a_reprocess_books_it(actor, sendcloud):
    _stocked()
    order = order_of(("ESP-250", 2))
    sendcloud.fail_next("refused")

    batch = run(create(actor, order))

    entry = BatchOrder.objects.get(batch=batch)
    assert (batch.status, batch.counts) == (BatchStatus.FAILED, {"succeeded": 0, "failed": 1, "waiting": 0})
    assert (entry.outcome, entry.step, entry.error_code, entry.reason) == (
        Outcome.FAILED, Step.FULFILLED, "carrier_refused", REFUSED,
    )  # fmt: skip
    assert entry.fix == "Correct what the carrier names and try again."  # the carriers area's words
    assert (Parcel.objects.get().label_status, len(sendcloud.shipments)) == ("failed", 0)
    assert Order.objects.get(pk=order.pk).error_code == "carrier_refused"
    fulfillment = entry.fulfillment_id

    batch_reprocess(batch=batch, actor=actor)  # the merchant had the address corrected with the carrier
    batch = run(batch)

    entry.refresh_from_db()
    assert (batch.status, entry.outcome, entry.step, entry.fulfillment_id) == (
        BatchStatus.FINISHED, Outcome.SUCCEEDED, Step.TOLD, fulfillment,
    )  # fmt: skip
    parcel = Parcel.objects.get()
    assert (parcel.label_status, parcel.booking_attempts, entry.parcel) == ("booked", 2, parcel.number)
    assert _announced(sendcloud) == 2  # the refused attempt and the one that bought the label
    _once_each([order], sendcloud, outcomes=2)  # failed, then succeeded
    assert Lot.objects.get().on_hand == Decimal("8")  # fulfilled once


def test_an_order_no_rule_ships_fails_before_anything_is_fulfilled(actor, sendcloud):
    _stocked()
    order = order_of(("ESP-250", 1), shipping_address=address(country="BE", postal_code="1000", city="Brussel"))

    batch = run(create(actor, order))

    entry = BatchOrder.objects.get(batch=batch)
    assert (entry.outcome, entry.step, entry.error_code, entry.fulfillment_id) == (
        Outcome.FAILED, Step.NONE, "no_shipping_method", None,
    )  # fmt: skip
    assert entry.reason == (
        f"No shipping rule gives a carrier for order {order.number} (to BE, delivery method 'none'). Add a "
        "shipping rule for BE at Settings › Carriers, or choose the carrier and method when booking."
    )
    assert entry.fix == "Fix what the reason names, then reprocess the order."
    assert (Fulfillment.objects.count(), Parcel.objects.count(), sendcloud.requests) == (0, 0, [])
    assert Lot.objects.get().on_hand == Decimal("10")


def _kill_once(monkeypatch, module, name):
    """`module.name` kills the worker the first time it is called (after what came before it was done)."""
    real = getattr(module, name)
    calls = []

    def dying(*args, **kwargs):
        if not calls:
            calls.append(1)
            raise Killed(f"worker killed at {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, dying)


def test_killed_after_sendcloud_booked_but_before_the_carriers_area_recorded_it(actor, sendcloud, monkeypatch):
    _stocked()
    orders = [order_of(("ESP-250", 2)), order_of(("ESP-250", 1))]
    batch = create(actor, *orders)
    _kill_once(monkeypatch, booking, "_record_booked")

    with pytest.raises(Killed):
        run(batch, worker="first")

    parcel = Parcel.objects.get()
    assert (parcel.label_status, len(sendcloud.shipments)) == ("booking", 1)  # bought, not recorded
    _time_passes(batch, processing.lease_seconds() + 1)
    batch = run(batch, worker="second")

    assert (batch.status, batch.counts) == (BatchStatus.FINISHED, {"succeeded": 2, "failed": 0, "waiting": 0})
    parcel.refresh_from_db()
    assert (parcel.label_status, parcel.booking_attempts) == ("booked", 2)
    first = BatchOrder.objects.get(batch=batch, order=orders[0])
    assert (first.attempts, first.parcel, first.tracking_number) == (2, parcel.number, parcel.tracking_number)
    assert any(r.method == "GET" and r.query.get("external_reference_id") == parcel.number for r in sendcloud.requests)
    assert _announced(sendcloud) == 2
    _once_each(orders, sendcloud)


def test_killed_after_booking_but_before_the_batch_recorded_the_label(actor, sendcloud, monkeypatch):
    _stocked()
    orders = [order_of(("ESP-250", 2)), order_of(("ESP-250", 1))]
    batch = create(actor, *orders)
    _kill_once(monkeypatch, processing, "_tell")

    with pytest.raises(Killed):
        run(batch, worker="first")

    entry = BatchOrder.objects.get(batch=batch, order=orders[0])
    assert (entry.outcome, entry.step, entry.parcel, entry.claimed_by) == (Outcome.WAITING, Step.FULFILLED, "", "first")
    assert list(Parcel.objects.values_list("label_status", flat=True)) == ["booked"]
    run(batch, worker="second")  # the claim is alive still: only the other order is taken
    assert BatchOrder.objects.get(pk=entry.pk).outcome == Outcome.WAITING
    _time_passes(batch, processing.lease_seconds() + 1)
    batch = run(batch, worker="second")

    assert batch.status == BatchStatus.FINISHED
    entry.refresh_from_db()
    parcel = Parcel.objects.get(fulfillment_id=entry.fulfillment_id)
    assert (entry.outcome, entry.attempts, entry.parcel) == (Outcome.SUCCEEDED, 2, parcel.number)
    assert parcel.booking_attempts == 1  # answered as booked: the carrier was not asked again
    assert _announced(sendcloud) == 2
    _once_each(orders, sendcloud)


def _statements_of_next_order(batch) -> list[str]:
    from django.db import connection

    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        run(batch, limit=1)
    return statements


def test_every_order_takes_the_same_statements_whatever_its_number_of_lines(actor, sendcloud):
    for sku in ("ESP-250", "FIL-1KG", "DEC-250"):
        variant(sku)
        receive(sku, 50)
    one_line = create(actor, *[order_of(("ESP-250", 2)) for _ in range(4)])
    three_lines = create(actor, *[order_of(("ESP-250", 2), ("FIL-1KG", 1), ("DEC-250", 3)) for _ in range(4)])
    run(one_line, limit=1), run(three_lines, limit=1)  # the first numbers of each prefix are made then

    second, third = _statements_of_next_order(one_line), _statements_of_next_order(one_line)
    with_three = _statements_of_next_order(three_lines)

    assert len(second) == len(third)  # nothing read again per order grows with the batch
    # two more lines add no statement: the items' counters are written by one joined UPDATE per set of counters
    assert len(with_three) == len(second)
    assert _kinds(with_three) == _kinds(second)


def _kinds(statements: list[str]) -> Counter:
    return Counter(" ".join(sql.split()[:3]) for sql in statements if "SAVEPOINT" not in sql)


def test_a_parcel_too_heavy_for_its_method_fails_the_order_before_anything_is_fulfilled(actor, sendcloud):
    from tests.factories import VariantFactory

    VariantFactory(sku="SACK-30", weight=Decimal("30"))  # the method takes 23 kg
    receive("SACK-30", 5)
    order = order_of(("SACK-30", 1))

    batch = run(create(actor, order))

    entry = BatchOrder.objects.get(batch=batch)
    assert (entry.outcome, entry.step, entry.error_code, entry.fulfillment_id) == (
        Outcome.FAILED, Step.NONE, "parcel_overweight", None,
    )  # fmt: skip
    assert entry.reason == (
        "The parcel weighs 30.000 kg, over the 23.000 kg that PostNL Standard (postnl:standard) takes. Split the "
        "fulfillment into lighter parcels, or book it with a method that takes more."
    )
    # the fulfillment and the parcel's reservation were one transaction: nothing shipped that cannot be labelled
    assert (Fulfillment.objects.count(), Parcel.objects.count(), sendcloud.requests) == (0, 0, [])
    assert Lot.objects.get().on_hand == Decimal("5")


def test_a_run_reads_the_rules_the_packaging_weight_and_the_variants_once(actor, sendcloud):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _stocked(20)
    batch = create(actor, *[order_of(("ESP-250", 1)) for _ in range(5)])

    with CaptureQueriesContext(connection) as captured:
        batch = run(batch)

    assert batch.counts == {"succeeded": 5, "failed": 0, "waiting": 0}
    reads = Counter(
        table
        for query in captured.captured_queries
        for table in ("carriers_shippingrule", "carriers_packagingweight", "catalog_variant")
        if f'FROM "{table}"' in query["sql"]
    )
    assert reads == {"carriers_shippingrule": 1, "carriers_packagingweight": 1, "catalog_variant": 1}
    assert _announced(sendcloud) == 5


def test_killed_after_the_fulfillment_reserved_its_parcel_books_once_when_taken_over(actor, sendcloud, monkeypatch):
    _stocked()
    orders = [order_of(("ESP-250", 2)), order_of(("ESP-250", 1))]
    batch = create(actor, *orders)
    _kill_once(monkeypatch, processing, "_label")  # the fulfillment and its parcel's reservation committed

    with pytest.raises(Killed):
        run(batch, worker="first")

    parcel = Parcel.objects.get()
    assert (parcel.label_status, parcel.booking_attempts, sendcloud.requests) == ("booking", 1, [])
    _time_passes(batch, processing.lease_seconds() + 1)
    batch = run(batch, worker="second")

    assert (batch.status, batch.counts) == (BatchStatus.FINISHED, {"succeeded": 2, "failed": 0, "waiting": 0})
    parcel.refresh_from_db()
    # the booking left in flight is looked up at the carrier first (nothing there), then booked once
    assert (parcel.label_status, parcel.booking_attempts) == ("booked", 2)
    assert any(r.method == "GET" and r.query.get("external_reference_id") == parcel.number for r in sendcloud.requests)
    assert _announced(sendcloud) == 2
    _once_each(orders, sendcloud)
