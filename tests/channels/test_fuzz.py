"""Whatever a shop or a file sends, the sync records a failure with a reason or takes the order: never a crash."""

import base64
import hashlib
import hmac
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderly.channels.connectors.csv_file import CsvRejected, parse_csv
from orderly.channels.connectors.shopify import parse_order
from orderly.channels.models import SyncRun
from orderly.channels.services import channel_create, webhook_receive
from orderly.channels.services.sync import take_orders
from orderly.core.actors import Actor
from orderly.core.exceptions import DomainError
from tests.channels.fake_shops import shopify_order

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
ORDER_KEYS = [
    "id",
    "name",
    "email",
    "updated_at",
    "created_at",
    "currency",
    "customer",
    "shipping_address",
    "line_items",
    "billing_address",
    "cancelled_at",
    "financial_status",
]
LINE_KEYS = ["sku", "quantity", "price", "total_discount", "tax_lines", "title"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order_changes=st.dictionaries(st.sampled_from(ORDER_KEYS), json_values, max_size=3),
    line_changes=st.dictionaries(st.sampled_from(LINE_KEYS), json_values, max_size=3),
)
def test_random_shopify_fields_are_taken_or_failed_with_a_reason(db, order_changes, line_changes):
    channel = _channel() or channel_create(name="Fuzz", kind="shopify", settings={"base_url": "http://127.0.0.1:9"})
    entry = shopify_order(1)
    entry["line_items"][0].update(line_changes)
    entry.update(order_changes)
    run = SyncRun.objects.create(channel=channel, kind="webhook")

    counts = take_orders(channel, [parse_order(entry)], run, Actor.system())

    assert sum(counts.values()) == 1
    run.refresh_from_db()
    assert all(f["reason"] for f in run.failures)


def _channel():
    from orderly.channels.models import SalesChannel

    return SalesChannel.objects.filter(name="Fuzz").first()


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=300) | st.text(max_size=300))
def test_random_files_are_refused_with_line_and_reason_or_parsed(content):
    try:
        parse_csv(content)
    except CsvRejected as rejected:
        assert rejected.errors and all(e["reason"] for e in rejected.errors)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values)
def test_signed_webhook_bodies_of_any_shape_never_crash(db, body):
    channel = _channel() or channel_create(
        name="Fuzz", kind="shopify", settings={"base_url": "http://127.0.0.1:9"}, credentials={"webhook_secret": "s"}
    )
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(b"s", raw, hashlib.sha256).digest()).decode()
    try:
        webhook_receive(
            channel=channel,
            headers={"X-Shopify-Hmac-Sha256": signature, "X-Shopify-Webhook-Id": hashlib.sha256(raw).hexdigest()},
            body=raw,
        )
    except DomainError as refused:
        assert refused.status < 500


def test_deeply_nested_signed_body_is_a_failure_not_a_crash(db):
    channel = channel_create(name="Deep", kind="webhook", credentials={"webhook_secret": "s"})
    raw = b"[" * 100_000 + b"]" * 100_000
    headers = {
        "X-Orderly-Signature": "sha256=" + hmac.new(b"s", raw, hashlib.sha256).hexdigest(),
        "X-Orderly-Delivery": "deep-1",
    }
    try:
        webhook_receive(channel=channel, headers=headers, body=raw)
    except DomainError as refused:
        assert refused.status == 422
