"""A long pull hands its later pages to a reader process: the same orders, pages and cursor as in one process."""

import multiprocessing
import os

import httpx
import pytest

from orderly.channels.connectors import pulling
from orderly.channels.connectors import shopify as shopify_module
from orderly.channels.connectors import woocommerce as woo_module
from orderly.channels.models import SyncedOrder
from orderly.channels.services import channel_sync
from orderly.orders.models import Order, OrderItem
from tests.channels.fake_shops import shopify_order, woo_order


@pytest.fixture
def reader_from_two(monkeypatch):
    """Pages of two orders, and a reader process from the first full page on (the reader is a fork: it sees
    these settings too)."""
    for module in (shopify_module, woo_module):
        monkeypatch.setattr(module.Connector, "page_size", 2)
        monkeypatch.setattr(module.Connector, "reader_from_entries", 2)
    started = []
    real = pulling.ReaderProcess.__init__

    def counting(self, *args, **kwargs):
        started.append(True)
        real(self, *args, **kwargs)

    monkeypatch.setattr(pulling.ReaderProcess, "__init__", counting)
    return started


def list_requests(server, suffix):
    return [r for r in server.requests if r[1].endswith(suffix)]


def test_a_long_shopify_pull_reads_its_later_pages_in_a_reader_process(
    shopify, shopify_server, variants, reader_from_two
):
    shopify_server.add(*(shopify_order(n, skus=("ESP-250", "DEC-250")) for n in range(1, 8)))

    run = channel_sync(channel=shopify)

    assert reader_from_two == [True]
    assert (run.status, run.imported, run.updated, run.skipped, run.failed) == ("succeeded", 7, 0, 0, 0)
    assert len(list_requests(shopify_server, "/orders.json")) == 4  # each page asked for once
    assert sorted(Order.objects.filter(channel=shopify).values_list("external_id", flat=True)) == [
        str(5_000_000 + n) for n in range(1, 8)
    ]
    assert OrderItem.objects.filter(order__channel=shopify).count() == 14
    shopify.refresh_from_db()
    assert shopify.sync_cursor == "2026-01-01T00:00:07+00:00"
    assert multiprocessing.active_children() == []


def test_a_re_sync_through_the_reader_parses_nothing_unchanged(shopify, shopify_server, variants, reader_from_two):
    shopify_server.add(*(shopify_order(n) for n in range(1, 8)))
    channel_sync(channel=shopify)
    shopify.sync_cursor = ""
    shopify.save(update_fields=["sync_cursor"])
    digests = dict(SyncedOrder.objects.values_list("external_id", "digest"))

    run = channel_sync(channel=shopify)

    assert (run.status, run.imported, run.updated, run.skipped, run.failed) == ("succeeded", 0, 0, 7, 0)
    assert dict(SyncedOrder.objects.values_list("external_id", "digest")) == digests


def test_an_order_changed_in_the_shop_is_updated_through_the_reader(shopify, shopify_server, variants, reader_from_two):
    shopify_server.add(*(shopify_order(n) for n in range(1, 8)))
    channel_sync(channel=shopify)
    shopify_server.add(shopify_order(6, updated=20, email="ada.new@example.com"))
    shopify.sync_cursor = ""
    shopify.save(update_fields=["sync_cursor"])

    run = channel_sync(channel=shopify)

    assert (run.status, run.imported, run.updated, run.skipped, run.failed) == ("succeeded", 0, 1, 6, 0)
    assert Order.objects.get(channel=shopify, external_id="5000006").customer_email == "ada.new@example.com"


def test_a_long_woocommerce_pull_reads_its_later_pages_in_a_reader_process(woo, woo_server, variants, reader_from_two):
    woo_server.add(*(woo_order(n) for n in range(1, 6)))

    run = channel_sync(channel=woo)

    assert reader_from_two == [True]
    assert (run.status, run.imported, run.failed) == ("succeeded", 5, 0)
    pages = [r[2]["page"] for r in list_requests(woo_server, "/orders")]
    assert pages == ["1", "2", "3"]
    assert Order.objects.filter(channel=woo).count() == 5


def test_a_shop_refusal_in_the_reader_fails_the_run_after_the_pages_before_it(
    shopify, shopify_server, variants, reader_from_two
):
    shopify_server.add(*(shopify_order(n) for n in range(1, 8)))
    shopify_server.faults.extend([None, None, ("status", 403, {})])  # the third page is refused

    run = channel_sync(channel=shopify)

    assert run.status == "failed"
    assert "403" in run.error and "was refused" in run.error
    assert run.imported == 4
    shopify.refresh_from_db()
    assert shopify.sync_cursor == "2026-01-01T00:00:04+00:00"  # the next sync goes on from the last stored page
    assert multiprocessing.active_children() == []


def test_a_reader_that_dies_fails_the_run_with_the_reason(
    shopify, shopify_server, variants, reader_from_two, monkeypatch
):
    shopify_server.add(*(shopify_order(n) for n in range(1, 8)))
    monkeypatch.setattr(pulling, "read_pages", lambda *args: os._exit(3))

    run = channel_sync(channel=shopify)

    assert run.status == "failed"
    assert run.error.startswith("The process reading the shop's pages stopped before the last page")
    assert run.imported == 2
    assert multiprocessing.active_children() == []


def test_short_pulls_and_pulls_with_a_given_client_stay_in_this_process(monkeypatch):
    connector = shopify_module.Connector(pulling._Channel({"base_url": "http://127.0.0.1:9"}), {"access_token": "t"})
    assert connector.reads_in_process(250) is True
    assert connector.reads_in_process(99) is False
    given = shopify_module.Connector(
        pulling._Channel({"base_url": "http://127.0.0.1:9"}), {"access_token": "t"}, client=httpx.Client()
    )
    assert given.reads_in_process(250) is False
