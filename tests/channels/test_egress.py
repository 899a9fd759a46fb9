"""No request forgery from the server: a channel connects to public addresses only, unless allowed."""

import socket

import pytest

from orderly.channels.connectors import get_connector
from orderly.channels.connectors.base import ChannelError
from orderly.channels.services import channel_create, channel_sync
from orderly.core import egress
from orderly.core.exceptions import ValidationError
from tests.channels.fake_shops import FakeShopify, shopify_order


@pytest.fixture
def private_refused(settings):
    settings.ORDERLY_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1 is a loopback address (this server itself)"),
        ("http://[::1]/", "::1 is a loopback address (this server itself)"),
        ("http://169.254.169.254/latest", "169.254.169.254 is a link-local address (such as a cloud metadata service)"),
        ("https://10.1.2.3", "10.1.2.3 is a private or reserved address"),
        ("https://192.168.0.10:8443", "192.168.0.10 is a private or reserved address"),
        ("http://[::ffff:127.0.0.1]", "::ffff:127.0.0.1 is a loopback address (this server itself)"),
        ("http://localhost:9", "localhost (127.0.0.1) is a loopback address (this server itself)"),
    ],
)
def test_a_shop_address_that_is_not_public_is_refused_when_saved(db, private_refused, url, why):
    with pytest.raises(ValidationError) as refused:
        channel_create(name="Shop", kind="shopify", settings={"base_url": url})

    assert refused.value.field == "settings.base_url"
    assert refused.value.message == (
        f"settings.base_url: {why}; Orderly connects to shops on public addresses only "
        "(set ORDERLY_ALLOW_PRIVATE_NETWORKS=1 to allow private networks)."
    )


def test_a_name_that_resolves_to_loopback_at_connection_time_is_refused_then(db, settings, monkeypatch):
    with FakeShopify(lifetime=60) as shop:
        shop.add(shopify_order(1))
        # saved while allowed (the name was public then, say), refused when its answer turns to loopback
        channel = channel_create(
            name="Shop",
            kind="shopify",
            settings={"base_url": shop.base_url.replace("127.0.0.1", "shop.rebinding.example")},
            credentials={"access_token": FakeShopify.token},
        )
        settings.ORDERLY_ALLOW_PRIVATE_NETWORKS = False
        real = socket.getaddrinfo
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda host, *a, **k: real("127.0.0.1" if host == "shop.rebinding.example" else host, *a, **k),
        )

        run = channel_sync(channel=channel)

        assert run.status == "failed"
        assert "was not sent: shop.rebinding.example (127.0.0.1) is a loopback address" in run.error
        assert shop.requests == []  # nothing reached it


def test_the_client_follows_no_redirect(db):
    channel = channel_create(name="Shop", kind="shopify", settings={"base_url": "https://shop.example.com"})
    assert get_connector(channel).client.follow_redirects is False


def test_allowed_private_networks_connect(db):
    with FakeShopify(lifetime=60) as shop:
        shop.add(shopify_order(1))
        channel = channel_create(
            name="Shop",
            kind="shopify",
            settings={"base_url": shop.base_url},
            credentials={"access_token": FakeShopify.token},
        )
        assert channel_sync(channel=channel).status == "succeeded"


def test_public_addresses_pass_and_unresolvable_names_fail_as_unreachable(db, private_refused):
    assert egress.why_refused("93.184.215.14") is None
    assert egress.why_refused("2606:4700:4700::1111") is None
    assert egress.refusal("shop.example.invalid", 443) is None
    channel = channel_create(name="Shop", kind="shopify", settings={"base_url": "https://shop.example.invalid"})
    connector = get_connector(channel, sleep=lambda seconds: None)

    with pytest.raises(ChannelError) as failed:
        connector.get_json("https://shop.example.invalid/admin/api/2024-10/orders.json")

    assert failed.value.message == (
        "GET https://shop.example.invalid/admin/api/2024-10/orders.json failed: ConnectError, 4 attempts."
    )
    assert isinstance(connector.client._transport, egress.GuardedTransport)
