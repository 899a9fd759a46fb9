"""The shops' own orders, end to end: every order of the payload corpus (shaped as Shopify's and WooCommerce's
APIs return them, with the shop's own figures in "expect") is taken in through the loopback shop and through the
signed webhook endpoint, and the order stored here must equal the shop's: totals, lines, tax, discounts, shipping
and fees, payment, fulfillment and refunds, to the cent. Generated orders within the documented schemas always
come to their stated total, never answer 5xx and are never skipped."""

import base64
import hashlib
import hmac
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings

from orderly.channels.models import SyncedOrder
from orderly.channels.services import channel_sync, webhook_receive
from orderly.orders.models import Order
from tests.channels.test_shopify_payloads import shopify_orders
from tests.channels.test_woocommerce_payloads import woo_orders

PAYLOADS = Path(__file__).parent / "payloads"
SECRETS = {"shopify": "shh-shopify-secret", "woocommerce": "woo-secret"}


def corpus(kind: str) -> list[Path]:
    folder = "shopify" if kind == "shopify" else "woocommerce"
    return sorted(p for p in (PAYLOADS / folder).glob("*.json") if not json.loads(p.read_text())["expect"]["malformed"])


CASES = [(kind, path) for kind in ("shopify", "woocommerce") for path in corpus(kind)]


def test_the_corpus_has_at_least_thirty_usable_orders():
    assert len(CASES) >= 30


def signed_headers(kind: str, body: bytes, delivery: str) -> dict:
    signature = base64.b64encode(hmac.new(SECRETS[kind].encode(), body, hashlib.sha256).digest()).decode()
    if kind == "shopify":
        return {
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Webhook-Id": delivery,
            "X-Shopify-Topic": "orders/create",
        }
    return {
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-Delivery-ID": delivery,
        "X-WC-Webhook-Topic": "order.created",
    }


def by_line_id(order: Order) -> dict:
    return {str(item.identifiers.get("line_id")): item for item in order.items.all()}


def assert_as_the_shop_sold_it(order: Order, expect: dict) -> None:
    """The stored order carries the shop's own figures of `expect`, to the cent."""
    assert order.error_code not in ("total_mismatch", "unreadable"), order.error_message
    assert order.currency == expect["currency"]
    assert order.prices_include_tax is expect["prices_include_tax"]
    assert (str(order.total), str(order.stated_total)) == (expect["total"], expect["total"])
    assert str(order.tax_total) == expect["tax_total"]
    assert str(order.discount_total) == expect["discount_total"]
    assert str(order.charges_total) == expect["charges_total"]
    items = list(order.items.order_by("line_no"))
    assert [
        (
            i.sku,
            i.quantity,
            str(i.unit_price),
            str(i.discount),
            str(i.line_tax),
            str(i.line_total),
            not i.option_allocate,
        )
        for i in items
    ] == [
        (e["sku"], e["quantity"], e["unit_price"], e["discount"], e["tax"], e["total"], e["non_stock"])
        for e in expect["lines"]
    ]
    assert [
        (c.kind, c.title, str(c.amount), str(c.discount), str(c.tax), str(c.total)) for c in order.charges.all()
    ] == [(e["kind"], e["title"], e["amount"], e["discount"], e["tax"], e["total"]) for e in expect["charges"]]
    assert order.customer_name == expect["customer_name"]
    assert order.is_test is expect["is_test"]
    assert order.external_status == expect["external_status"]
    if expect["payment"] is not None:
        paid = Decimal(expect["payment"]["paid"]) - Decimal(expect["payment"]["refunded"])
        assert order.amount_paid == paid
    if "amount_due" in expect:  # what the customer owes now, after what the shop paid back
        assert (str(order.amount_due), order.payment_status) == (expect["amount_due"], expect["payment_status"])
    if "charge_refunded" in expect:
        assert [str(c.refunded) for c in order.charges.all()] == expect["charge_refunded"]
    lines = by_line_id(order)
    for line_id, units in expect["fulfilled_lines"].items():
        assert lines[str(line_id)].qty_handed_to_carrier == units, line_id
    assert sum(i.qty_handed_to_carrier for i in items) == sum(expect["fulfilled_lines"].values())
    for line_id, units in expect["refunded_lines"].items():
        item = lines[str(line_id)]
        taken_back = item.qty_canceled + item.qty_returned
        # A canceled order cancels every unit that did not ship, refunded or not.
        assert taken_back == units or order.status == "canceled" and taken_back >= units, line_id
    if expect["fulfilled_lines"]:
        assert order.fulfillments.filter(pushed_at__isnull=False).count() == order.fulfillments.count()


def _serve_refunds(server, payload: dict) -> None:
    """A WooCommerce order's refund objects, as `GET /orders/<id>/refunds` answers (the corpus keeps them beside the
    order: the order itself lists only their ids and amounts)."""
    if "refunds" in payload:
        server.refunds[payload["order"]["id"]] = payload["refunds"]


@pytest.fixture
def channels(shopify, woo):
    return {"shopify": shopify, "woocommerce": woo}


@pytest.fixture
def servers(shopify_server, woo_server):
    return {"shopify": shopify_server, "woocommerce": woo_server}


@pytest.mark.parametrize(("kind", "path"), CASES, ids=[f"{k}-{p.stem}" for k, p in CASES])
def test_each_shop_order_arrives_through_the_shop_as_the_shop_sold_it(channels, servers, kind, path):
    payload = json.loads(path.read_text())
    servers[kind].add(payload["order"])
    _serve_refunds(servers[kind], payload)

    run = channel_sync(channel=channels[kind])

    assert (run.status, run.imported, run.failed) == ("succeeded", 1, 0), run.failures
    assert_as_the_shop_sold_it(Order.objects.get(external_id=str(payload["order"]["id"])), payload["expect"])
    again = channel_sync(channel=channels[kind])
    assert (again.imported, again.updated, again.failed) == (0, 0, 0)


@pytest.mark.parametrize(("kind", "path"), CASES, ids=[f"{k}-{p.stem}" for k, p in CASES])
def test_each_shop_order_arrives_through_its_signed_webhook_as_the_shop_sold_it(channels, servers, kind, path):
    payload = json.loads(path.read_text())
    body = json.dumps(payload["order"]).encode()
    if "refunds" in payload:  # the webhook carries the order; its refund objects are asked of the shop
        servers[kind].add(payload["order"])
        _serve_refunds(servers[kind], payload)

    result = webhook_receive(channel=channels[kind], headers=signed_headers(kind, body, "d-1"), body=body)

    assert (result.run.imported, result.run.failed) == (1, 0), result.run.failures
    order = Order.objects.get(external_id=str(payload["order"]["id"]))
    assert_as_the_shop_sold_it(order, payload["expect"])
    # The same state again (a retry under a new delivery id) records nothing twice.
    webhook_receive(channel=channels[kind], headers=signed_headers(kind, body, "d-2"), body=body)
    order.refresh_from_db()
    assert_as_the_shop_sold_it(order, payload["expect"])
    assert order.payments.count() == len({(p.kind, p.amount, p.reference) for p in order.payments.all()})


def _post_webhook(client: Client, channel, kind: str, order: dict, delivery: str):
    body = json.dumps(order).encode()
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed_headers(kind, body, delivery).items()}
    return client.post(f"/api/v1/channels/{channel.pk}/webhook", body, content_type="application/json", **headers)


def _stated(order: dict, key: str) -> Decimal | None:
    """The shop's stated total in the customer's currency (Shopify's presentment money where it gives one)."""
    money = (order.get(f"{key}_set") or {}).get("presentment_money") or {}
    value = money.get("amount", order.get(key))
    return Decimal(str(value)) if value not in (None, "") else None


def _check_generated(client, channel, kind: str, order: dict, n: int, stated_key: str) -> None:
    response = _post_webhook(client, channel, kind, order, f"gen-{n}")
    assert response.status_code == 200, response.content
    key = str(order["id"])
    stored = Order.all_objects.filter(channel=channel, external_id=key).first()
    assert stored is not None, "the order was skipped"
    if stored.error_code != "unreadable":
        assert stored.stated_total == _stated(order, stated_key)
        assert stored.total == stored.stated_total
        assert stored.error_code != "total_mismatch", stored.error_message
        assert SyncedOrder.objects.filter(channel=channel, external_id=key).exists()


GENERATED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@GENERATED
@given(order=shopify_orders())
def test_generated_shopify_orders_come_to_their_stated_total_and_are_never_skipped(channels, order):
    counter = _counter()
    order = {**order, "id": 7_000_000_000 + counter}
    _check_generated(Client(), channels["shopify"], "shopify", order, counter, "total_price")


@GENERATED
@given(order=woo_orders())
def test_generated_woocommerce_orders_come_to_their_stated_total_and_are_never_skipped(channels, order):
    counter = _counter()
    order = {
        **order,
        "id": 800_000 + counter,
        "date_modified_gmt": f"2026-05-01T10:{counter // 60 % 60:02}:{counter % 60:02}",
    }
    _check_generated(Client(), channels["woocommerce"], "woocommerce", order, counter, "total")


_COUNT = {"n": 0}


def _counter() -> int:
    _COUNT["n"] += 1
    return _COUNT["n"]
