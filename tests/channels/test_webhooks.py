import base64
import hashlib
import hmac
import json

import pytest

from orderly.channels.models import SyncRun, WebhookDelivery
from orderly.channels.services import WebhookRefused, channel_create, channel_update, webhook_receive
from orderly.core.exceptions import Conflict, ValidationError
from orderly.orders.models import Order, OrderEvent
from tests.channels.fake_shops import shopify_order, woo_order


def b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def nothing_written():
    return (Order.all_objects.count(), WebhookDelivery.objects.count(), SyncRun.objects.count()) == (0, 0, 0)


def shopify_headers(body: bytes, *, secret="shh-shopify-secret", delivery="d-1", topic="orders/create"):
    return {
        "X-Shopify-Hmac-Sha256": b64_hmac(secret, body),
        "X-Shopify-Webhook-Id": delivery,
        "X-Shopify-Topic": topic,
    }


def test_a_signed_shopify_delivery_imports_the_order(shopify, variants):
    body = json.dumps(shopify_order(1)).encode()

    result = webhook_receive(channel=shopify, headers=shopify_headers(body), body=body)

    assert (result.duplicate, result.run.kind, result.run.imported) == (False, "webhook", 1)
    assert Order.objects.get().external_id == "5000001"


def test_a_replayed_delivery_creates_nothing_new(shopify, variants):
    body = json.dumps(shopify_order(1)).encode()
    webhook_receive(channel=shopify, headers=shopify_headers(body), body=body)
    counts = (Order.objects.count(), OrderEvent.objects.count(), SyncRun.objects.count())

    result = webhook_receive(channel=shopify, headers=shopify_headers(body), body=body)

    assert (result.duplicate, result.run) == (True, None)
    assert (Order.objects.count(), OrderEvent.objects.count(), SyncRun.objects.count()) == counts


def test_an_update_delivery_changes_the_order(shopify, variants):
    body = json.dumps(shopify_order(1)).encode()
    webhook_receive(channel=shopify, headers=shopify_headers(body), body=body)
    body2 = json.dumps(shopify_order(1, updated=40, status="refunded")).encode()

    result = webhook_receive(
        channel=shopify, headers=shopify_headers(body2, delivery="d-2", topic="orders/updated"), body=body2
    )

    assert result.run.updated == 1
    assert Order.objects.get().status == "canceled"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Shopify-Hmac-Sha256": "", "X-Shopify-Webhook-Id": "d-1"},
        {"X-Shopify-Hmac-Sha256": "bm90IHRoZSByaWdodCBzaWduYXR1cmU=", "X-Shopify-Webhook-Id": "d-1"},
    ],
)
def test_shopify_deliveries_without_a_valid_signature_are_refused_with_nothing_written(shopify, variants, headers):
    body = json.dumps(shopify_order(1)).encode()
    with pytest.raises(WebhookRefused) as refused:
        webhook_receive(channel=shopify, headers=headers, body=body)
    assert refused.value.status == 401
    assert nothing_written()


def test_a_body_altered_after_signing_is_refused(shopify, variants):
    body = json.dumps(shopify_order(1)).encode()
    headers = shopify_headers(body)
    with pytest.raises(WebhookRefused):
        webhook_receive(channel=shopify, headers=headers, body=body.replace(b"12.50", b"0.01"))
    assert nothing_written()


def test_a_signature_with_another_secret_is_refused(shopify, variants):
    body = json.dumps(shopify_order(1)).encode()
    with pytest.raises(WebhookRefused):
        webhook_receive(channel=shopify, headers=shopify_headers(body, secret="guess"), body=body)
    assert nothing_written()


def test_woocommerce_deliveries_are_verified_and_deduplicated(woo, variants):
    body = json.dumps(woo_order(1)).encode()
    headers = {
        "X-WC-Webhook-Signature": b64_hmac("woo-secret", body),
        "X-WC-Webhook-Delivery-ID": "77",
        "X-WC-Webhook-Topic": "order.created",
    }
    assert webhook_receive(channel=woo, headers=headers, body=body).run.imported == 1
    assert webhook_receive(channel=woo, headers=headers, body=body).duplicate is True
    assert Order.objects.count() == 1
    with pytest.raises(WebhookRefused):
        webhook_receive(channel=woo, headers={**headers, "X-WC-Webhook-Signature": "x"}, body=body)


def test_woocommerce_ping_is_acknowledged_and_writes_nothing(woo):
    body = b"webhook_id=12"
    # WooCommerce sends the set-up ping unsigned; signed or not, it writes nothing.
    for headers in ({}, {"X-WC-Webhook-Signature": b64_hmac("woo-secret", body)}):
        result = webhook_receive(channel=woo, headers=headers, body=body)
        assert (result.run, result.duplicate) == (None, False)
    assert (Order.objects.count(), SyncRun.objects.count(), WebhookDelivery.objects.count()) == (0, 0, 0)


@pytest.fixture
def generic(db):
    return channel_create(name="Market", kind="webhook", credentials={"webhook_secret": "generic-secret"})


def generic_order(**overrides):
    order = {
        "id": "M-1",
        "number": "1001",
        "status": "open",
        "updated_at": "2026-03-01T10:00:00Z",
        "customer": {"name": "Cleo Buyer", "email": "cleo@example.com"},
        "shipping_address": {
            "name": "Cleo",
            "line1": "Rue 1",
            "postal_code": "75001",
            "city": "Paris",
            "country": "FR",
        },
        "items": [{"sku": "ESP-250", "quantity": 2, "unit_price": "9.50"}],
    }
    order.update(overrides)
    return order


def signed(body: bytes, secret="generic-secret", delivery="g-1"):
    return {
        "X-Orderly-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "X-Orderly-Delivery": delivery,
    }


def test_generic_webhook_takes_our_schema(generic, variants):
    body = json.dumps(generic_order()).encode()

    result = webhook_receive(channel=generic, headers=signed(body), body=body)

    order = Order.objects.get()
    assert (result.run.imported, order.external_ref, order.customer_name, order.error_code) == (
        1,
        "1001",
        "Cleo Buyer",
        "",
    )
    assert str(order.subtotal) == "19.00"


def test_generic_webhook_refuses_a_bad_signature_and_a_missing_delivery_id(generic, variants):
    body = json.dumps(generic_order()).encode()
    with pytest.raises(WebhookRefused):
        webhook_receive(channel=generic, headers=signed(body, secret="nope"), body=body)
    with pytest.raises(ValidationError):
        webhook_receive(
            channel=generic, headers={"X-Orderly-Signature": signed(body)["X-Orderly-Signature"]}, body=body
        )
    assert nothing_written()


def test_a_signed_but_unusable_order_is_logged_as_failed_and_kept_as_an_error_order(generic, variants):
    body = json.dumps(generic_order(items=[])).encode()
    result = webhook_receive(channel=generic, headers=signed(body), body=body)
    assert (result.run.status, result.run.failed) == ("partial", 1)
    assert result.run.failures == [{"external_id": "M-1", "reason": "items must be a non-empty list"}]
    order = Order.objects.get()
    assert (order.external_id, order.status, order.error_code) == ("M-1", "draft", "unreadable")
    assert "items must be a non-empty list" in order.error_message

    # The corrected delivery (a new delivery id) is taken over the error order.
    body = json.dumps(generic_order()).encode()
    result = webhook_receive(channel=generic, headers=signed(body, delivery="d-2"), body=body)
    order.refresh_from_db()
    assert (result.run.updated, order.status, order.error_code, order.items.count()) == (1, "open", "", 1)


def test_a_disabled_channel_takes_no_webhooks(generic, variants):
    channel_update(channel=generic, enabled=False)
    generic.refresh_from_db()
    body = json.dumps(generic_order()).encode()
    with pytest.raises(Conflict):
        webhook_receive(channel=generic, headers=signed(body), body=body)
    assert nothing_written()


def test_a_kind_without_webhooks_refuses(db):
    manual = channel_create(name="Phone", kind="manual")
    with pytest.raises(WebhookRefused):
        webhook_receive(channel=manual, headers={}, body=b"{}")


def test_an_older_state_sent_again_under_a_new_delivery_id_never_rolls_the_order_back(shopify, variants):
    def deliver(order: dict, delivery: str):
        body = json.dumps(order).encode()
        headers = {
            "X-Shopify-Hmac-Sha256": b64_hmac("shh-shopify-secret", body),
            "X-Shopify-Webhook-Id": delivery,
            "X-Shopify-Topic": "orders/updated",
        }
        return webhook_receive(channel=shopify, headers=headers, body=body)

    version_one = shopify_order(1, updated=10, email="one@example.com")
    version_two = shopify_order(1, updated=20, email="two@example.com")
    deliver(version_one, "w-1")
    deliver(version_two, "w-2")
    result = deliver(version_one, "w-3")  # the old body again, under a new id

    order = Order.objects.get()
    assert (order.customer_email, result.run.skipped, result.run.updated) == ("two@example.com", 1, 0)
