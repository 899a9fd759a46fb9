import pytest

from orderly.channels.services import channel_create
from tests.channels.fake_shops import FakeShopify, FakeWoo
from tests.factories import VariantFactory


@pytest.fixture
def shopify_server():
    with FakeShopify(lifetime=120) as shop:
        yield shop


@pytest.fixture
def woo_server():
    with FakeWoo(lifetime=120) as shop:
        yield shop


@pytest.fixture
def variants(db):
    return {sku: VariantFactory(sku=sku) for sku in ("ESP-250", "ESP-1000", "DEC-250")}


@pytest.fixture
def shopify(db, shopify_server):
    return channel_create(
        name="Roastery Shopify",
        kind="shopify",
        settings={"base_url": shopify_server.base_url},
        credentials={"access_token": FakeShopify.token, "webhook_secret": "shh-shopify-secret"},
    )


@pytest.fixture
def woo(db, woo_server):
    return channel_create(
        name="Roastery Woo",
        kind="woocommerce",
        settings={"base_url": woo_server.base_url},
        credentials={"consumer_key": FakeWoo.key, "consumer_secret": FakeWoo.secret, "webhook_secret": "woo-secret"},
    )


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    """Retries back off in milliseconds in tests, and the client gives up on a stalled answer after 0.5 s."""
    import httpx

    from orderly.channels.connectors.base import BaseConnector

    monkeypatch.setattr(BaseConnector, "backoff_base", 0.001)
    monkeypatch.setattr(BaseConnector, "timeout", httpx.Timeout(0.5))
