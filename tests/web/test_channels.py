"""Web pages of sales channels: overview, channel page, form, enable/disable, SKU mappings, by role."""

import pytest

from orderly.catalog.models import ChannelSkuMapping
from orderly.channels.models import SalesChannel, SyncRun
from orderly.channels.services import channel_create
from orderly.channels.settings_schema import SWITCHES
from orderly.core import crypto
from orderly.core.actors import Actor
from orderly.orders.services import order_reset
from tests.factories import VariantFactory
from tests.web.helpers import error_order, messages_of, text

pytestmark = pytest.mark.django_db

SECRET = "shpat_0123456789abcdef"


@pytest.fixture
def shop(db):
    return channel_create(
        name="Roastery shop",
        kind="shopify",
        settings={"base_url": "http://127.0.0.1:9/shop"},
        credentials={"access_token": SECRET, "webhook_secret": "whsec-0123456789-xyz"},
    )


def _channels() -> list:
    return list(
        SalesChannel.objects.order_by("id").values_list("name", "kind", "enabled", "settings", "credentials_encrypted")
    )


@pytest.mark.parametrize("role", ["viewer", "operator", "manager", "admin"])
def test_overview_and_channel_page_render_for_every_role(clients, role, shop):
    error_order(channel=shop)
    response = clients[role].get("/channels/")
    assert response.status_code == 200
    page = text(response)
    assert "Manual Manually entered Enabled Never 0 0" in page
    assert "Roastery shop Shopify Enabled Never 1 1" in page
    response = clients[role].get(f"/channels/{shop.id}/")
    assert response.status_code == 200
    page = text(response)
    assert "Kind Shopify Orders 1 Orders with errors 1" in page
    assert "Synchronization Last successful sync Never Last attempt Never" in page
    assert "Shop address http://127.0.0.1:9/shop Sync every 15 minutes" in page
    assert "access_token ••••cdef webhook_secret ••••-xyz" in page
    assert f"http://testserver/api/v1/channels/{shop.id}/webhook" in page
    assert "1 SKU seen in this channel's orders is not mapped to a product: GONE-1 (1 order)." in page
    assert SECRET not in response.content.decode()
    assert "No syncs yet." in page


def test_nav_links_to_channels(viewer):
    response = viewer.get("/channels/")
    assert '<a href="/channels/" aria-current="page">Channels</a>' in response.content.decode()


def test_buttons_follow_the_role(clients, shop):
    for role, operate, manage in (
        ("viewer", False, False),
        ("operator", True, False),
        ("manager", True, True),
        ("admin", True, True),
    ):
        html = clients[role].get(f"/channels/{shop.id}/").content.decode()
        assert (f'action="/channels/{shop.id}/sync/"' in html) is operate, role
        assert (f'href="/channels/{shop.id}/edit/"' in html) is manage, role
        assert (f'action="/channels/{shop.id}/disable/"' in html) is manage, role
        assert ("New channel" in clients[role].get("/channels/").content.decode()) is manage, role


def test_sync_log_shows_each_run(viewer, shop):
    SyncRun.objects.create(
        channel=shop,
        status="partial",
        trigger="olga",
        imported=3,
        updated=1,
        skipped=2,
        failed=1,
        failures=[{"external_id": "4501", "reason": "The shop sent no line items."}],
    )
    page = text(viewer.get(f"/channels/{shop.id}/"))
    assert "Channel sync olga Partly failed 3 1 2 1 4501 : The shop sent no line items." in page


def test_manager_creates_a_channel(manager):
    response = manager.post(
        "/channels/new/",
        {
            "name": "Woo shop",
            "kind": "woocommerce",
            "enabled": "1",
            "settings.base_url": "https://woo.example.com/",
            "settings.sync_interval_minutes": "30",
            "credentials.consumer_key": "ck_0123456789abcdef",
            "credentials.consumer_secret": "cs_0123456789abcdef",
            "credentials.webhook_secret": "woo-secret-0123456789",
        },
    )
    channel = SalesChannel.objects.get(name="Woo shop")
    assert response.status_code == 302
    assert response["Location"] == f"/channels/{channel.id}/"
    assert channel.kind == "woocommerce"
    assert channel.enabled is True
    assert channel.settings == {
        "base_url": "https://woo.example.com",
        "sync_interval_minutes": 30,
        "status_map": {},
        **SWITCHES,
    }
    assert crypto.decrypt(channel.credentials_encrypted, purpose=crypto.CHANNELS) == {
        "consumer_key": "ck_0123456789abcdef",
        "consumer_secret": "cs_0123456789abcdef",
        "webhook_secret": "woo-secret-0123456789",
    }
    assert messages_of(manager.get(response["Location"])) == ["Channel Woo shop created."]


def test_a_bad_channel_shows_the_error_next_to_the_field_and_saves_nothing(manager):
    before = _channels()
    response = manager.post("/channels/new/", {"name": "Shop", "kind": "shopify", "settings.base_url": "ftp://x"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="f-settings-base-url" name="settings.base_url" value="ftp://x"' in html
    assert 'aria-invalid="true" aria-describedby="f-settings-base-url-error"' in html
    assert "Shop address (base URL) &#x27;ftp://x&#x27; is not an http(s) address" in html
    assert _channels() == before


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_managers_configure(clients, role, shop):
    before = _channels()
    assert clients[role].get("/channels/new/").status_code == 403
    assert clients[role].post("/channels/new/", {"name": "X", "kind": "csv"}).status_code == 403
    assert clients[role].post(f"/channels/{shop.id}/edit/", {"name": "X"}).status_code == 403
    assert clients[role].post(f"/channels/{shop.id}/disable/").status_code == 403
    assert (
        clients[role].post(f"/channels/{shop.id}/mappings/", {"external_sku": "A", "variant_sku": "B"}).status_code
        == 403
    )
    assert _channels() == before


def test_edit_keeps_secrets_left_empty_and_the_status_table(manager, shop):
    SalesChannel.objects.filter(pk=shop.pk).update(settings={**shop.settings, "status_map": {"on_hold": "hold"}})
    form = manager.get(f"/channels/{shop.id}/edit/")
    html = form.content.decode()
    assert SECRET not in html
    assert 'name="credentials.consumer_key"' not in html
    response = manager.post(
        f"/channels/{shop.id}/edit/",
        {"name": "Roastery shop NL", "settings.base_url": "http://127.0.0.1:9/shop", "enabled": "1"},
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.name == "Roastery shop NL"
    assert shop.settings["status_map"] == {"on_hold": "hold"}
    assert crypto.decrypt(shop.credentials_encrypted, purpose=crypto.CHANNELS)["access_token"] == SECRET


def test_disable_and_enable(manager, shop):
    response = manager.post(f"/channels/{shop.id}/disable/")
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.enabled is False
    assert shop.next_sync_at is None
    assert messages_of(manager.get(f"/channels/{shop.id}/")) == ["Channel Roastery shop disabled: its syncing stopped."]
    manager.post(f"/channels/{shop.id}/enable/")
    shop.refresh_from_db()
    assert shop.enabled is True
    assert shop.next_sync_at is not None


def test_map_an_unmapped_sku_then_reset_clears_the_error(manager, shop):
    order = error_order(channel=shop)
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g")
    page = manager.get(f"/channels/{shop.id}/mappings/")
    assert "GONE-1 1" in text(page)
    response = manager.post(f"/channels/{shop.id}/mappings/", {"external_sku": "GONE-1", "variant_sku": "ESP-250"})
    assert response.status_code == 302
    mapping = ChannelSkuMapping.objects.get()
    assert (mapping.channel_id, mapping.external_sku, mapping.variant.sku) == (shop.id, "GONE-1", "ESP-250")
    page = manager.get(response["Location"])
    assert messages_of(page) == ["GONE-1 now maps to ESP-250. Reset the orders that had an error for it."]
    order = order_reset(order=order, actor=Actor.system())
    assert order.has_error is False
    assert "Every SKU in this channel's orders names one of our variants." in text(
        manager.get(f"/channels/{shop.id}/mappings/")
    )


def test_a_mapping_to_an_unknown_variant_is_refused_next_to_the_field(manager, shop):
    response = manager.post(f"/channels/{shop.id}/mappings/", {"external_sku": "X-1", "variant_sku": "NOPE"})
    assert response.status_code == 422
    assert "No product variant has SKU &#x27;NOPE&#x27;." in response.content.decode()
    assert ChannelSkuMapping.objects.count() == 0


def test_remove_a_mapping(manager, shop):
    VariantFactory(sku="ESP-250")
    manager.post(f"/channels/{shop.id}/mappings/", {"external_sku": "S-1", "variant_sku": "ESP-250"})
    response = manager.post(f"/channels/{shop.id}/mappings/delete/", {"external_sku": "S-1"})
    assert response.status_code == 302
    assert ChannelSkuMapping.objects.count() == 0
    assert messages_of(manager.get(response["Location"]))[-1] == "The mapping of S-1 was removed."


def test_unknown_channel_is_404(viewer, manager):
    assert viewer.get("/channels/999999/").status_code == 404
    assert manager.get("/channels/999999/edit/").status_code == 404


def _failed_push(shop):
    from orderly.channels.models import OutboxMessage
    from orderly.channels.services.outbox import shipment_record
    from tests.factories import make_order

    order = make_order(channel=shop, external_id="5001", external_ref="#1001")
    message = shipment_record(order=order, tracking_number="3SABC123", carrier="PostNL", actor=Actor.system())
    OutboxMessage.objects.filter(pk=message.pk).update(status="failed", attempts=8, last_error="The shop answered 503.")
    return order, OutboxMessage.objects.get(pk=message.pk)


def test_a_failed_push_shows_on_the_channel_and_the_order_and_can_be_retried(op, viewer, shop):
    order, message = _failed_push(shop)
    channel_page = text(viewer.get(f"/channels/{shop.id}/"))
    assert (
        "Updates to the shop Order What Created Status Attempts Next attempt Last error "
        f"{order.number} shipped · 3SABC123" in channel_page
    )
    assert "Failed 8 — The shop answered 503." in channel_page
    order_page = viewer.get(f"/orders/{order.number}/")
    assert "Failed 8 — The shop answered 503." in text(order_page)
    assert "Retry now" not in order_page.content.decode()
    assert (
        f'action="/channels/{shop.id}/pushes/{message.id}/retry/"'
        in op.get(f"/orders/{order.number}/").content.decode()
    )

    assert viewer.post(f"/channels/{shop.id}/pushes/{message.id}/retry/").status_code == 403
    message.refresh_from_db()
    assert message.status == "failed"

    response = op.post(f"/channels/{shop.id}/pushes/{message.id}/retry/", {"next": f"/orders/{order.number}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)
    assert messages_of(op.get(response["Location"])) == [
        f"The update of order {order.number} will be sent to Roastery shop again now."
    ]


def test_retrying_a_push_of_another_channel_is_404(op, shop):
    _, message = _failed_push(shop)
    other = channel_create(name="Files", kind="csv")
    assert op.post(f"/channels/{other.id}/pushes/{message.id}/retry/").status_code == 404


def test_credentials_this_key_cannot_read_are_pointed_out(viewer, shop, monkeypatch):
    assert "cannot be read with this server's key" not in text(viewer.get(f"/channels/{shop.id}/"))
    monkeypatch.setenv("ORDERLY_CREDENTIALS_KEY", "a different key than the one that wrote them")
    page = text(viewer.get(f"/channels/{shop.id}/"))
    assert "cannot be read with this server's key" in page
