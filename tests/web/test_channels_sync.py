"""Web: Synchronize (a channel, all, one order), CSV upload with its error report, the orders overview's shop."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from orderly.channels.models import SyncRun
from orderly.channels.services import channel_create
from orderly.orders.models import Order, OrderEvent
from tests.channels.fake_shops import FakeShopify, shopify_order
from tests.factories import VariantFactory, make_order
from tests.web.helpers import messages_of, text
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

HEADER = "order_id,customer_name,sku,quantity,unit_price,ship_name,ship_line1,ship_postal_code,ship_city,ship_country\n"
GOOD = (
    HEADER + "A1,Ann,ESP-250,2,9.50,Ann,Main 1,1011 AA,Amsterdam,NL\nA2,Bob,SHOP-X,1,5.00,Bob,Road 2,10115,Berlin,DE\n"
)
BAD = HEADER + "A1,,ESP-250,zero,9.50,Ann,Main 1,1011 AA,Amsterdam,NL\nA2,Bob,,1,5.00,Bob,Road 2,10115,Berlin,XX\n"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    import httpx

    from orderly.channels.connectors.base import BaseConnector

    monkeypatch.setattr(BaseConnector, "backoff_base", 0.001)
    monkeypatch.setattr(BaseConnector, "timeout", httpx.Timeout(0.5))


STARTED = "Synchronization of Roastery Shopify started (queued): its progress and outcome are in the sync log."


def synchronized(op, shopify) -> None:
    """Synchronize now on the channel's page, then the worker runs the queue, as `orderly worker` would."""
    response = op.post(f"/channels/{shopify.id}/sync/", follow=True)
    assert messages_of(response) == [STARTED]
    assert run_queued_tasks() == 1


@pytest.fixture
def shop_server():
    with FakeShopify(lifetime=60) as shop:
        yield shop


@pytest.fixture
def espresso(db):
    return VariantFactory(sku="ESP-250")


@pytest.fixture
def shopify(espresso, shop_server):
    return channel_create(
        name="Roastery Shopify",
        kind="shopify",
        settings={"base_url": shop_server.base_url},
        credentials={"access_token": FakeShopify.token, "webhook_secret": "shh-shopify-secret"},
    )


@pytest.fixture
def csv_channel(espresso):
    return channel_create(name="Wholesale file", kind="csv")


def upload(client, channel, content: str):
    file = SimpleUploadedFile("orders.csv", content.encode(), content_type="text/csv")
    return client.post(f"/channels/{channel.id}/import/", {"file": file})


def test_synchronize_button_imports_and_tells_what_happened(op, shopify, shop_server):
    shop_server.add(*(shopify_order(n) for n in range(1, 3)))
    response = op.post(f"/channels/{shopify.id}/sync/")
    assert response.status_code == 302
    assert response["Location"] == f"/channels/{shopify.id}/"
    assert messages_of(op.get(response["Location"])) == [STARTED]
    assert run_queued_tasks() == 1
    assert "Channel sync operator Succeeded 2 0 0 0" in text(op.get(f"/channels/{shopify.id}/"))
    assert Order.objects.filter(channel=shopify).count() == 2


def test_an_unreachable_shop_is_a_failed_run_in_the_log(op, shopify, shop_server):
    base_url = shop_server.base_url
    shop_server.stop()
    synchronized(op, shopify)
    run = SyncRun.objects.get()
    assert run.status == "failed"
    assert run.error == f"GET {base_url}/admin/api/2024-10/orders.json failed: ConnectError, 4 attempts."
    page = text(op.get(f"/channels/{shopify.id}/"))
    assert "Channel sync operator Failed 0 0 0 0" in page
    # the page leads with the failure in words and the fix; the technical reason is one click away
    finished = timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M")
    assert f"Last successful sync Never Last attempt {finished}, failed Next sync " in page
    assert (
        "The shop's address could not be reached. What to do: Check the shop's address (base URL) from Edit and "
        "that the shop is online; the next sync tries again. Technical reason GET "
    ) in page


def test_the_channel_page_shows_the_last_success_beside_a_later_failure(op, shopify, shop_server):
    shop_server.add(shopify_order(1))
    synchronized(op, shopify)
    first = SyncRun.objects.get()
    assert first.status == "succeeded"
    SyncRun.objects.create(
        channel=shopify,
        status="failed",
        finished_at=first.finished_at + dt.timedelta(minutes=5),
        error="GET https://shop.example/admin/api/2024-10/orders.json was refused: 401 Invalid API key",
    )
    page = text(op.get(f"/channels/{shopify.id}/"))
    success = timezone.localtime(first.finished_at).strftime("%Y-%m-%d %H:%M")
    attempt = timezone.localtime(first.finished_at + dt.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    assert f"Last successful sync {success} Last attempt {attempt}, failed Next sync " in page
    assert "Technical reason GET https://shop.example/admin/api/2024-10/orders.json was refused: 401" in page
    assert "The shop refused the access token." in page
    assert "Create a new API token (or key) in the shop's admin with access to orders, and enter it from Edit." in page
    assert "ConnectError" not in page


def test_synchronize_all(op, shopify, shop_server):
    shop_server.add(shopify_order(1))
    response = op.post("/channels/sync/", follow=True)
    assert messages_of(response) == [STARTED]
    assert run_queued_tasks() == 1
    assert (SyncRun.objects.get().status, Order.objects.count()) == ("succeeded", 1)


def test_viewers_cannot_synchronize_or_upload(viewer, shopify, csv_channel):
    assert viewer.post(f"/channels/{shopify.id}/sync/").status_code == 403
    assert viewer.post("/channels/sync/").status_code == 403
    assert viewer.get(f"/channels/{csv_channel.id}/import/").status_code == 403
    assert upload(viewer, csv_channel, GOOD).status_code == 403
    assert (SyncRun.objects.count(), Order.objects.count()) == (0, 0)


def test_csv_upload_imports_and_shows_the_channels_orders(op, csv_channel):
    response = upload(op, csv_channel, GOOD)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/?channel={csv_channel.id}"
    page = op.get(response["Location"])
    assert messages_of(page) == ["orders.csv: 2 imported, 0 updated, 0 unchanged."]
    assert "2 orders found" in text(page)
    assert Order.objects.get(external_id="A2").has_error is True


def test_a_bad_csv_shows_every_error_and_imports_nothing(op, csv_channel):
    response = upload(op, csv_channel, BAD)
    assert response.status_code == 422
    page = text(response)
    assert "Nothing was imported: the file has 4 errors" in page
    assert (
        "Line Column Reason 2 customer_name is required 2 quantity 'zero' is not a whole number from 1 to 1000000 "
        "3 sku is required 3 ship_country 'XX' is not an ISO 3166-1 country code (e.g. NL, DE)"
    ) in page
    assert (Order.all_objects.count(), OrderEvent.objects.count(), SyncRun.objects.count()) == (0, 0, 0)


def test_upload_without_a_file_is_refused(op, csv_channel):
    response = op.post(f"/channels/{csv_channel.id}/import/", {})
    assert response.status_code == 422
    assert "Nothing was imported. Choose a CSV file to upload." in text(response)


def test_the_upload_page_documents_the_columns(op, csv_channel):
    page = text(op.get(f"/channels/{csv_channel.id}/import/"))
    assert "Required: order_id customer_name sku quantity unit_price ship_name" in page


def test_order_page_offers_synchronize_for_shop_orders_only(op, shopify, shop_server):
    shop_server.add(shopify_order(1))
    synchronized(op, shopify)
    shop_order = Order.objects.get(channel=shopify)
    manual = make_order()
    assert (
        f'action="/orders/{shop_order.number}/synchronize/"' in op.get(f"/orders/{shop_order.number}/").content.decode()
    )
    assert "synchronize" not in op.get(f"/orders/{manual.number}/").content.decode()
    page = text(op.get(f"/orders/{shop_order.number}/"))
    assert "Shop Roastery Shopify External ref #1001 External status paid" in page


def test_synchronize_one_order_shows_the_change_on_its_timeline(op, shopify, shop_server):
    shop_server.add(shopify_order(1))
    synchronized(op, shopify)
    order = Order.objects.get(channel=shopify)
    shop_server.add(shopify_order(1, updated=50, status="cancelled"))
    response = op.post(f"/orders/{order.number}/synchronize/", follow=True)
    assert messages_of(response)[-1] == (
        f"Synchronization of order {order.number} started: changes the shop has will show on its timeline."
    )
    assert run_queued_tasks() == 1
    order.refresh_from_db()
    assert order.external_status == "cancelled"


def test_a_manual_order_cannot_be_synchronized(op, db):
    order = make_order()
    response = op.post(f"/orders/{order.number}/synchronize/", follow=True)
    assert messages_of(response) == [
        f"Order {order.number} comes from Manual (Manually entered), which cannot be re-pulled."
    ]
    assert SyncRun.objects.count() == 0


def test_orders_overview_shows_shop_and_status_and_filters_by_channel(op, shopify, shop_server):
    shop_server.add(shopify_order(1))
    synchronized(op, shopify)
    make_order()
    page = text(op.get(f"/orders/?channel={shopify.id}"))
    assert "1 order found" in page
    assert "Roastery Shopify paid" in page
    assert "Manually entered" not in page.split("Clear filters")[1]


def test_synchronizing_a_csv_channel_is_refused_with_a_notification(op, csv_channel):
    assert f'action="/channels/{csv_channel.id}/sync/"' not in op.get(f"/channels/{csv_channel.id}/").content.decode()
    response = op.post(f"/channels/{csv_channel.id}/sync/", follow=True)
    assert messages_of(response) == ["Channel Wholesale file (CSV file) does not pull orders; nothing to synchronize."]
    assert SyncRun.objects.count() == 0


def test_synchronize_starts_a_background_run_and_the_log_shows_it(op, shopify, shop_server):
    shop_server.add(shopify_order(1))
    response = op.post(f"/channels/{shopify.id}/sync/", follow=True)
    assert messages_of(response) == [
        "Synchronization of Roastery Shopify started (queued): its progress and outcome are in the sync log."
    ]
    assert Order.objects.count() == 0
    assert SyncRun.objects.get().status == "queued"
    assert "Queued" in text(op.get(f"/channels/{shopify.id}/"))
    op.post(f"/channels/{shopify.id}/sync/")  # asked again while queued: still one run
    assert SyncRun.objects.count() == 1
