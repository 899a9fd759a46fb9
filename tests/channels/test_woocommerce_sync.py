import pytest

from orderly.channels.connectors import woocommerce as woo_module
from orderly.channels.services import channel_sync, channel_update
from orderly.core.money import rate_text
from orderly.orders.models import Order
from orderly.orders.services import order_reset
from tests.channels.fake_shops import woo_order


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(woo_module.Connector, "page_size", 2)


def test_sync_pages_through_every_order_with_basic_auth(woo, woo_server, variants, small_pages):
    woo_server.add(*(woo_order(n, skus=("ESP-250", "ESP-1000")) for n in range(1, 6)))

    run = channel_sync(channel=woo)

    assert (run.status, run.imported) == ("succeeded", 5)
    pages = [r[2]["page"] for r in woo_server.requests]
    assert pages == ["1", "2", "3"]
    order = Order.objects.get(external_id="701")
    assert (order.external_ref, order.external_status, order.customer_name) == ("701", "processing", "Bea Woo 1")
    assert [(i.sku, i.quantity, str(i.unit_price), rate_text(i.tax_rate)) for i in order.items.all()] == [
        ("ESP-250", 2, "10.00", "21.00"),
        ("ESP-1000", 2, "10.00", "21.00"),
    ]
    woo.refresh_from_db()
    assert woo.sync_cursor == "2026-01-01T00:00:05+00:00"


def test_changes_since_the_cursor_only(woo, woo_server, variants):
    woo_server.add(*(woo_order(n) for n in range(1, 4)))
    channel_sync(channel=woo)
    woo_server.add(woo_order(2, updated=100, status="cancelled"), woo_order(9, updated=101))

    run = channel_sync(channel=woo)

    # modified_after is exclusive: we ask from one second before the cursor, and skip what we already have.
    assert woo_server.requests[-1][2]["modified_after"] == "2026-01-01T00:00:02"
    assert (run.imported, run.updated, run.skipped) == (1, 1, 1)
    assert Order.objects.get(external_id="702").status == "canceled"


def test_an_order_on_hold_is_not_processed_until_released(woo, woo_server, variants, actor):
    woo_server.add(woo_order(1, status="on-hold"))
    channel_sync(channel=woo)
    order = Order.objects.get()
    assert (order.status, order.error_code) == ("open", "on_hold")

    woo_server.add(woo_order(1, updated=50, status="processing"))
    channel_sync(channel=woo)

    order.refresh_from_db()
    assert (order.external_status, order.error_code) == ("processing", "")
    synced = order.events.filter(kind="synced").order_by("id").last()
    assert synced.data["changes"]["hold"] == {"before": True, "after": False}


def test_the_channel_status_map_overrides_the_defaults(woo, woo_server, variants):
    channel_update(channel=woo, settings={"base_url": woo_server.base_url, "status_map": {"on-hold": "draft"}})
    woo.refresh_from_db()
    woo_server.add(woo_order(1, status="on-hold"))
    channel_sync(channel=woo)
    assert (Order.objects.get().status, Order.objects.get().error_code) == ("draft", "")


def test_a_paid_order_mapped_to_draft_opens_because_it_is_paid(woo, woo_server, variants):
    # Seed 002: a draft opens when it is paid; the shop says processing orders are paid.
    channel_update(channel=woo, settings={"base_url": woo_server.base_url, "status_map": {"processing": "draft"}})
    woo.refresh_from_db()
    woo_server.add(woo_order(1))
    channel_sync(channel=woo)
    order = Order.objects.get()
    assert (order.status, order.payment_status, str(order.amount_paid)) == ("open", "paid", "24.20")
    assert list(order.events.filter(kind="status_changed").values_list("message", flat=True)) == [
        "Status changed from Draft to Open. Opened because it is paid."
    ]


def test_an_unmapped_woo_product_names_the_sku_and_reset_after_mapping_clears_it(woo, woo_server, variants, actor):
    from orderly.channels.services import mapping_set

    woo_server.add(woo_order(1, skus=("WOO-BEANS",)))
    channel_sync(channel=woo)
    order = Order.objects.get()
    assert order.error_code == "unknown_sku" and "WOO-BEANS" in order.error_message

    mapping_set(channel=woo, external_sku="WOO-BEANS", variant_sku="DEC-250")
    order_reset(order=order, actor=actor)

    order.refresh_from_db()
    assert order.error_code == ""


def test_a_list_answer_that_is_not_a_list_fails_the_run(woo, woo_server, variants):
    woo_server.faults.append(("body", b'{"code": "oops"}'))
    run = channel_sync(channel=woo)
    assert run.status == "failed"
    assert "did not answer with a list" in run.error
