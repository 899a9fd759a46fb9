"""Two syncs of one channel at once, and a webhook replayed in parallel: each order exactly once, no deadlock."""

import threading

import pytest
from django.db import connection

from orderly.channels.connectors import shopify as shopify_module
from orderly.channels.models import SyncedOrder, WebhookDelivery
from orderly.channels.services import channel_create, channel_sync, webhook_receive
from orderly.channels.services.runs import SyncRunning
from orderly.orders.models import Order, OrderEvent
from tests.bounds import WAIT_BOUND
from tests.channels.fake_shops import FakeShopify, shopify_order
from tests.channels.test_webhooks import shopify_headers
from tests.factories import VariantFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers with row locks"),
    pytest.mark.django_db(transaction=True),
]


def _all_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    errors, results = [], []

    def work(job):
        try:
            barrier.wait()
            results.append(job())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_BOUND)
    assert not any(thread.is_alive() for thread in threads), "a sync did not finish: a deadlock?"
    return results, errors


def test_two_syncs_of_one_channel_never_run_at_once_and_take_each_order_once(monkeypatch):
    monkeypatch.setattr(shopify_module.Connector, "page_size", 7)
    for sku in ("ESP-250", "DEC-250"):
        VariantFactory(sku=sku)
    with FakeShopify(lifetime=120) as shop:
        shop.add(*(shopify_order(n, skus=("ESP-250", "DEC-250")) for n in range(1, 41)))
        channel = channel_create(
            name="Shop", kind="shopify", settings={"base_url": shop.base_url}, credentials={"access_token": shop.token}
        )

        runs, errors = _all_at_once([lambda: channel_sync(channel=channel)] * 3)

    # One pulls; one asking while it runs is refused (SyncRunning), one asking after it finished pulls nothing new.
    assert all(isinstance(error, SyncRunning) for error in errors), errors
    assert runs and all(run.status == "succeeded" for run in runs)
    assert sum(run.imported for run in runs) == 40
    assert Order.objects.count() == 40
    assert SyncedOrder.objects.count() == 40
    assert OrderEvent.objects.filter(kind="imported").count() == 40
    numbers = sorted(Order.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 40


def test_a_webhook_delivered_twice_at_once_is_taken_once():
    VariantFactory(sku="ESP-250")
    channel = channel_create(
        name="Shop",
        kind="shopify",
        settings={"base_url": "http://127.0.0.1:9"},
        credentials={"access_token": "x", "webhook_secret": "shh-shopify-secret"},
    )
    import json

    body = json.dumps(shopify_order(1)).encode()
    headers = shopify_headers(body)

    results, errors = _all_at_once([lambda: webhook_receive(channel=channel, headers=headers, body=body)] * 4)

    assert errors == []
    assert sorted(r.duplicate for r in results) == [False, True, True, True]
    assert (Order.objects.count(), WebhookDelivery.objects.count()) == (1, 1)
