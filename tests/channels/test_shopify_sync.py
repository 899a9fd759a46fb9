from decimal import Decimal

import pytest

from orderly.channels.connectors import shopify as shopify_module
from orderly.channels.models import SalesChannel, SyncedOrder, SyncRun
from orderly.channels.services import channel_sync, mapping_set, order_synchronize
from orderly.channels.services import sync as sync_module
from orderly.core.actors import Actor
from orderly.core.money import rate_text
from orderly.orders.models import Order, OrderEvent
from orderly.orders.services import order_delete, order_reset
from tests.channels.fake_shops import shopify_order


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(shopify_module.Connector, "page_size", 3)


def list_requests(server):
    return [r for r in server.requests if r[1].endswith("/orders.json")]


def test_sync_imports_every_page_once_and_advances_the_cursor(shopify, shopify_server, variants, small_pages):
    shopify_server.add(*(shopify_order(n, skus=("ESP-250", "DEC-250")) for n in range(1, 8)))

    run = channel_sync(channel=shopify)

    assert (run.status, run.imported, run.updated, run.skipped, run.failed) == ("succeeded", 7, 0, 0, 0)
    assert run.finished_at is not None
    assert len(list_requests(shopify_server)) == 3
    assert "page_info" in list_requests(shopify_server)[1][2]
    orders = Order.objects.filter(channel=shopify).order_by("external_id")
    assert [o.external_id for o in orders] == [str(5_000_000 + n) for n in range(1, 8)]
    first = orders[0]
    assert (first.external_ref, first.external_status, first.status, first.error_code) == ("#1001", "paid", "open", "")
    assert [(i.sku, i.quantity, str(i.unit_price), rate_text(i.tax_rate)) for i in first.items.all()] == [
        ("ESP-250", 1, "12.50", "9.00"),
        ("DEC-250", 2, "12.50", "9.00"),
    ]
    assert first.shipping_address.as_dict()["postal_code"] == "1015 CJ"
    assert sorted(first.events.values_list("kind", flat=True)) == ["imported", "payment_received"]
    assert (first.payment_status, first.amount_paid, first.total) == ("paid", Decimal("39.76"), Decimal("39.76"))
    shopify.refresh_from_db()
    assert shopify.sync_cursor == "2026-01-01T00:00:07+00:00"
    assert shopify.next_sync_at is not None and shopify.last_synced_at is not None


def test_a_second_sync_of_unchanged_orders_writes_nothing(shopify, shopify_server, variants):
    shopify_server.add(*(shopify_order(n) for n in range(1, 5)))
    channel_sync(channel=shopify)
    events = OrderEvent.objects.count()

    run = channel_sync(channel=shopify)

    # The cursor is inclusive (nothing with the same change time is missed): the last order is seen again, skipped.
    assert (run.imported, run.updated, run.skipped, run.failed) == (0, 0, 1, 0)
    assert Order.objects.count() == 4
    assert OrderEvent.objects.count() == events
    assert list_requests(shopify_server)[-1][2]["updated_at_min"] == "2026-01-01T00:00:04+00:00"


def test_changes_in_the_shop_show_as_a_sync_event_with_before_and_after(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1))
    channel_sync(channel=shopify)
    changed = shopify_order(1, updated=50)
    changed["shipping_address"]["address1"] = "Prinsengracht 2"
    changed["line_items"][0]["quantity"] = 4
    shopify_server.add(changed)

    run = channel_sync(channel=shopify)

    assert (run.imported, run.updated) == (0, 1)
    order = Order.objects.get(channel=shopify)
    assert order.shipping_address.line1 == "Prinsengracht 2"
    assert order.items.get().quantity == 4
    event = order.events.get(kind="synced")
    assert event.data["changes"]["shipping_address"]["before"]["line1"] == "Keizersgracht 1"
    assert event.data["changes"]["shipping_address"]["after"]["line1"] == "Prinsengracht 2"
    assert event.data["changes"]["items"]["before"][0]["quantity"] == "1"
    assert event.data["changes"]["items"]["after"][0]["quantity"] == "4"
    assert event.actor_kind == "channel"


def test_shop_item_changes_to_an_order_shipped_here_are_recorded_not_applied(shopify, shopify_server, variants):
    from orderly.inventory.services import stock_receive
    from orderly.shipping.services import fulfillment_create

    shopify_server.add(shopify_order(1))
    channel_sync(channel=shopify)
    order = Order.objects.get(channel=shopify)
    sku = order.items.get().sku
    stock_receive(kind="packaged", sku=sku, quantity=5, lot_date="2026-01-01", actor=Actor.system())
    fulfillment_create(order=order, actor=Actor.system())
    changed = shopify_order(1, updated=50)
    changed["line_items"][0]["quantity"] = 4
    changed["shipping_address"]["address1"] = "Prinsengracht 2"
    shopify_server.add(changed)

    run = channel_sync(channel=shopify)

    assert (run.updated, run.failed) == (1, 0)
    order.refresh_from_db()
    assert (order.items.get().quantity, order.shipping_address.line1) == (1, "Prinsengracht 2")
    event = order.events.get(kind="synced")
    assert event.data["ignored"] == ["items"] and "Not applied (order past editing): items." in event.message


def test_a_shop_cancellation_cancels_here_and_keeps_the_external_status(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1))
    channel_sync(channel=shopify)
    shopify_server.add(shopify_order(1, updated=60, cancelled_at="2026-01-01T00:01:00Z", status="voided"))

    channel_sync(channel=shopify)

    order = Order.objects.get(channel=shopify)
    assert (order.status, order.external_status) == ("canceled", "cancelled")
    assert order.events.get(kind="synced").data["changes"]["external_status"] == {
        "before": "paid",
        "after": "cancelled",
    }
    assert order.events.filter(kind="status_changed").count() == 1


def test_pending_orders_come_in_as_drafts_and_open_when_paid(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1, status="pending"))
    channel_sync(channel=shopify)
    assert Order.objects.get(channel=shopify).status == "draft"

    shopify_server.add(shopify_order(1, updated=30, status="paid"))
    channel_sync(channel=shopify)

    assert Order.objects.get(channel=shopify).status == "open"


def test_rate_limit_waits_retry_after_and_continues(shopify, shopify_server, variants, monkeypatch):
    waits = []
    monkeypatch.setattr(shopify_module.Connector, "__init__", _recording_init(waits))
    shopify_server.add(shopify_order(1))
    shopify_server.faults.append(("status", 429, {"Retry-After": "2.0"}))

    run = channel_sync(channel=shopify)

    assert (run.status, run.imported) == ("succeeded", 1)
    assert waits == [2.0]
    assert len(list_requests(shopify_server)) == 2


def _recording_init(waits):
    original = shopify_module.Connector.__init__

    def init(self, channel, credentials, **kwargs):
        original(self, channel, credentials, sleep=waits.append, **kwargs)

    return init


def test_server_errors_are_retried_then_the_run_fails_with_the_reason(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1))
    shopify_server.faults.extend([("status", 503, {})] * 4)

    run = channel_sync(channel=shopify)

    assert run.status == "failed"
    assert "answered 503, 4 attempts" in run.error
    assert Order.objects.count() == 0
    shopify.refresh_from_db()
    assert shopify.sync_cursor == ""
    assert channel_sync(channel=shopify).imported == 1


def test_a_stalled_answer_times_out_and_is_retried(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1))
    shopify_server.faults.append(("sleep", 1.0))

    run = channel_sync(channel=shopify)

    assert (run.status, run.imported) == ("succeeded", 1)


def test_an_answer_that_is_not_json_fails_the_run(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1))
    shopify_server.faults.append(("body", b"<html>maintenance</html>"))

    run = channel_sync(channel=shopify)

    assert run.status == "failed"
    assert "not JSON" in run.error
    assert Order.objects.count() == 0


def test_refused_credentials_fail_the_run_at_once(shopify, shopify_server, variants):
    from orderly.channels.services import channel_update

    channel_update(channel=shopify, credentials={"access_token": "wrong"})
    shopify_server.add(shopify_order(1))

    run = channel_sync(channel=shopify)

    assert run.status == "failed"
    assert "401" in run.error
    assert len(shopify_server.requests) == 1


def test_partial_and_malformed_orders_fail_alone_and_are_kept_as_error_orders(shopify, shopify_server, variants):
    no_items = shopify_order(2)
    del no_items["line_items"]
    bad_quantity = shopify_order(3)
    bad_quantity["line_items"][0]["quantity"] = "lots"
    no_id = shopify_order(4)
    del no_id["id"]
    shopify_server.add(shopify_order(1), no_items, bad_quantity, shopify_order(5), no_id)

    run = channel_sync(channel=shopify)

    assert (run.status, run.imported, run.failed) == ("partial", 2, 3)
    reasons = {f["external_id"]: f["reason"] for f in run.failures}
    assert reasons["5000002"] == "line_items is missing"
    assert "quantity" in reasons["5000003"]
    assert reasons["?"] == "the order has no id"
    # Nothing the shop sent is dropped: each unusable entry is an Error order with its reason and raw data.
    orders = {o.external_id: o for o in Order.objects.all()}
    assert (orders["5000001"].error_code, orders["5000005"].error_code) == ("", "")
    for key, reason in (("5000002", "line_items is missing"), ("5000003", "quantity")):
        assert (orders[key].status, orders[key].error_code) == ("draft", "unreadable")
        assert reason in orders[key].error_message
        assert SyncedOrder.objects.get(channel=shopify, external_id=key).raw["id"] == int(key)
    [nameless] = [o for key, o in orders.items() if key.startswith("unreadable-")]
    assert nameless.error_message == "The shop's order could not be read: the order has no id"
    assert SyncedOrder.objects.get(order=nameless).raw["name"] == "#1004"

    # The shop corrects an order: it arrives over its error order, and the error clears.
    fixed = shopify_order(3, updated=30)
    shopify_server.add(fixed)
    run = channel_sync(channel=shopify)
    order = Order.objects.get(external_id="5000003")
    assert (run.updated, order.status, order.error_code, order.items.count()) == (1, "open", "", 1)
    assert str(order.total) == fixed["total_price"]


def test_a_sync_killed_midway_resumes_with_each_order_exactly_once(
    shopify, shopify_server, variants, small_pages, monkeypatch
):
    shopify_server.add(*(shopify_order(n) for n in range(1, 11)))
    real = sync_module.import_entry
    calls = {"n": 0}

    def dies_after_five(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt("worker stopped")
        return real(*args, **kwargs)

    # Dies while taking the 6th order: inside the second page, after two of its orders were prepared.
    monkeypatch.setattr(sync_module, "import_entry", dies_after_five)
    with pytest.raises(KeyboardInterrupt):
        channel_sync(channel=shopify)

    # The first page (3 orders) committed with its cursor; the second page died with its 2 orders rolled back.
    assert Order.objects.count() == 3
    killed = SyncRun.objects.get()
    assert (killed.status, killed.imported) == ("interrupted", 3)
    assert killed.error.startswith("Interrupted")
    assert SalesChannel.objects.get(pk=shopify.pk).sync_cursor == "2026-01-01T00:00:03+00:00"

    monkeypatch.setattr(sync_module, "import_entry", real)
    run = channel_sync(channel=shopify)

    assert (run.imported, run.skipped) == (7, 1)
    ids = list(Order.objects.values_list("external_id", flat=True))
    assert sorted(ids) == sorted(str(5_000_000 + n) for n in range(1, 11))
    assert SyncedOrder.objects.count() == 10
    assert OrderEvent.objects.filter(kind="imported").count() == 10


def test_a_deleted_order_is_never_imported_again(shopify, shopify_server, variants, actor):
    shopify_server.add(shopify_order(1))
    channel_sync(channel=shopify)
    order_delete(order=Order.objects.get(), actor=actor)
    shopify_server.add(shopify_order(1, updated=99, note="changed"))

    run = channel_sync(channel=shopify)

    assert (run.imported, run.updated, run.skipped) == (0, 0, 1)
    assert Order.all_objects.count() == 1
    assert Order.objects.count() == 0


def test_unmapped_sku_is_flagged_then_mapping_and_reset_clear_it(shopify, shopify_server, variants, actor):
    shopify_server.add(shopify_order(1, skus=("SHOP-ESPRESSO",)))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    assert order.error_code == "unknown_sku"
    assert "SHOP-ESPRESSO" in order.error_message
    assert "map the channel's SKU" in order.error_fix

    mapping_set(channel=shopify, external_sku="SHOP-ESPRESSO", variant_sku="ESP-250")
    order_reset(order=order, actor=actor)

    order.refresh_from_db()
    assert order.error_code == ""
    assert order.items.get().variant == variants["ESP-250"]
    assert order.events.filter(kind="error_cleared").count() == 1


def test_synchronize_one_order_pulls_its_latest_state(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    changed = shopify_order(1, updated=5)  # older change time than the cursor: only a re-pull sees it
    changed["customer"]["last_name"] = "Renamed"
    shopify_server.add(changed)

    run = order_synchronize(order=order, actor=Actor.system())

    assert (run.kind, run.status, run.updated) == ("order", "succeeded", 1)
    order.refresh_from_db()
    assert order.customer_name == "Ada Renamed"


def test_synchronize_an_order_the_shop_no_longer_has(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1))
    channel_sync(channel=shopify)
    shopify_server.orders.clear()

    run = order_synchronize(order=Order.objects.get())

    assert (run.status, run.failed) == ("partial", 1)
    assert run.failures == [{"external_id": "5000001", "reason": "The shop no longer has this order."}]


def test_channels_that_do_not_pull_are_not_synchronized(db):
    from orderly.channels.services import channel_create
    from orderly.core.exceptions import ValidationError

    channel = channel_create(name="File", kind="csv")
    with pytest.raises(ValidationError) as refused:
        channel_sync(channel=channel)
    assert refused.value.code == "channel_kind_unsupported"
    assert refused.value.detail == {"channel": "File", "kind": "csv", "action": "pull"}
    assert SyncRun.objects.count() == 0


def test_sync_all_enabled_runs_each_pulling_channel(shopify, woo, shopify_server, woo_server, variants):
    from orderly.channels.services import channel_create, channels_sync_enabled
    from tests.channels.fake_shops import woo_order

    channel_create(name="File", kind="csv")
    shopify_server.add(shopify_order(1))
    woo_server.add(woo_order(1))
    woo_server.faults.extend([("status", 500, {})] * 4)

    runs = channels_sync_enabled()

    assert [(r.channel, r.status) for r in runs] == [(shopify, "succeeded"), (woo, "failed")]
    assert Order.objects.count() == 1


def test_an_unreachable_shop_fails_the_run_with_the_reason(db, variants):
    import socket

    from orderly.channels.services import channel_create

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = channel_create(
        name="Gone",
        kind="shopify",
        settings={"base_url": f"http://127.0.0.1:{port}"},
        credentials={"access_token": "t"},
    )

    run = channel_sync(channel=channel)

    assert run.status == "failed"
    assert "failed: ConnectError, 4 attempts" in run.error
    channel.refresh_from_db()
    assert (channel.sync_cursor, channel.next_sync_at is not None) == ("", True)
