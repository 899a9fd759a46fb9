"""The built-in sandbox shop: a channel that really pulls, made-up orders with problems to fix."""

import datetime as dt
from decimal import Decimal

import pytest

from orderly.channels.connectors import get_connector
from orderly.channels.connectors.sandbox import UNKNOWN_SKU, sandbox_order
from orderly.channels.services import channel_create, channel_sync, mapping_set, order_synchronize
from orderly.core.actors import Actor
from orderly.core.exceptions import ValidationError
from orderly.orders.models import Order
from orderly.orders.services import order_reset

SKUS = ["ESP-250", "ESP-1000", "DEC-250"]


@pytest.fixture
def sandbox(db, variants):
    return channel_create(name="Try-out shop", kind="sandbox", settings={"sandbox_skus": SKUS})


def test_each_sync_brings_the_next_orders_of_the_sequence(sandbox):
    first = channel_sync(channel=sandbox)
    second = channel_sync(channel=sandbox)

    assert (first.status, first.imported, first.failed) == ("succeeded", 3, 0)
    assert (second.status, second.imported, second.skipped) == ("succeeded", 3, 0)
    orders = Order.objects.filter(channel=sandbox).order_by("id")
    assert [o.external_id for o in orders] == [f"sandbox-{n}" for n in range(1, 7)]
    assert [o.external_ref for o in orders] == [f"#SBX-{n:04d}" for n in range(1, 7)]
    sandbox.refresh_from_db()
    assert sandbox.sync_cursor == (sandbox.created_at.replace(microsecond=0) + dt.timedelta(seconds=6)).isoformat()


def test_its_orders_come_in_exactly_as_it_states_them(sandbox):
    channel_sync(channel=sandbox)
    channel_sync(channel=sandbox)

    for order in Order.objects.filter(channel=sandbox):
        assert order.total == order.stated_total
        assert order.charges_total == Decimal("4.95")
    paid = Order.objects.get(channel=sandbox, external_id="sandbox-1")
    assert (paid.status, paid.payment_status, paid.amount_paid) == ("open", "paid", paid.total)
    unpaid = Order.objects.get(channel=sandbox, external_id="sandbox-4")
    assert (unpaid.status, unpaid.payment_status) == ("draft", "unpaid")


def test_some_orders_carry_a_problem_to_fix_with_its_fix(sandbox):
    for _ in range(3):
        channel_sync(channel=sandbox)

    errors = dict(Order.objects.filter(channel=sandbox).exclude(error_code="").values_list("external_id", "error_code"))
    assert errors == {"sandbox-5": "unknown_sku", "sandbox-7": "invalid_address"}

    mapping_set(channel=sandbox, external_sku=UNKNOWN_SKU, variant_sku="DEC-250")
    order_reset(order=Order.objects.get(channel=sandbox, external_id="sandbox-5"), actor=Actor.system())
    assert Order.objects.get(channel=sandbox, external_id="sandbox-5").error_code == ""


def test_an_order_pulled_again_is_the_same_order(sandbox):
    channel_sync(channel=sandbox)
    order = Order.objects.get(channel=sandbox, external_id="sandbox-2")

    run = order_synchronize(order=order, actor=Actor.system())

    assert (run.status, run.updated, run.skipped) == ("succeeded", 0, 1)


def test_the_sequence_is_fixed_by_the_order_number():
    since = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    assert sandbox_order(12, since=since, skus=tuple(SKUS)) == sandbox_order(12, since=since, skus=tuple(SKUS))
    assert sandbox_order(12, since=since, skus=tuple(SKUS)).updated_at == "2026-11-30T09:00:12+00:00"


def test_a_sandbox_is_marked_as_such_and_takes_no_webhooks(sandbox):
    assert sandbox.get_kind_display() == "Sandbox (made-up orders, not a shop)"
    with pytest.raises(Exception, match="takes no webhooks"):
        get_connector(sandbox).verify_webhook(headers={}, body=b"{}")


def test_sandbox_skus_belong_to_a_sandbox_only(db):
    with pytest.raises(ValidationError, match="applies only to a sandbox channel"):
        channel_create(name="A shop", kind="manual", settings={"sandbox_skus": ["ESP-250"]})
    with pytest.raises(ValidationError, match=r"settings.sandbox_skus\[0\] must be a SKU"):
        channel_create(name="Try", kind="sandbox", settings={"sandbox_skus": [""]})
