"""WooCommerce: the REST API v3 orders endpoint, its order webhooks, and status and tracking pushed back.

Pull: `GET {base_url}/wp-json/wc/v3/orders?modified_after=<cursor>&dates_are_gmt=true&orderby=modified&order=asc`,
100 per page, `page=1..X-WP-TotalPages`; HTTP Basic auth with the consumer key and secret. `modified_after` is
exclusive, so we ask from one second before the cursor (orders seen again are skipped as unchanged).
Webhooks (`order.created`, `order.updated`): `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw body
with the webhook's secret; `X-WC-Webhook-Delivery-ID` identifies the delivery.
Push: the order is set `completed` and a customer note carries the carrier and tracking number.
"""

import base64
import datetime as dt
import hmac
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal

from orderly.channels.connectors import parsing
from orderly.channels.connectors.base import (
    BaseConnector,
    ChannelError,
    ExternalOrder,
    Malformed,
    Page,
    WebhookMessage,
    WebhookRefused,
)
from orderly.channels.connectors.parsing import BadPayload

PAGE_SIZE = 100


def _address(data, email: str = "") -> dict | None:
    if not isinstance(data, dict) or not any(data.get(k) for k in ("address_1", "city", "last_name")):
        return None
    return {
        "name": " ".join(filter(None, (parsing.text(data.get("first_name")), parsing.text(data.get("last_name"))))),
        "company": parsing.text(data.get("company")),
        "line1": parsing.text(data.get("address_1")),
        "line2": parsing.text(data.get("address_2")),
        "postal_code": parsing.text(data.get("postcode"), 20),
        "city": parsing.text(data.get("city"), 100),
        "region": parsing.text(data.get("state"), 100),
        "country": parsing.text(data.get("country"), 2),
        "phone": parsing.text(data.get("phone"), 40),
        "email": parsing.text(email or data.get("email"), 254),
    }


def _item(line, n: int) -> dict:
    if not isinstance(line, dict):
        raise BadPayload(f"line_items[{n}] is not an object")
    sku = parsing.text(line.get("sku"), 64) or f"woo-product-{line.get('product_id', n)}"
    subtotal = Decimal(parsing.decimal(line.get("subtotal"), what=f"line_items[{n}].subtotal"))
    total = Decimal(parsing.decimal(line.get("total"), what=f"line_items[{n}].total"))
    tax = Decimal(parsing.decimal(line.get("total_tax"), what=f"line_items[{n}].total_tax"))
    rate = (tax / total * 100) if total > 0 else Decimal(0)
    return {
        "sku": sku,
        "name": parsing.text(line.get("name")) or sku,
        "quantity": line.get("quantity"),
        "unit_price": parsing.decimal(line.get("price"), what=f"line_items[{n}].price"),
        "discount": str(max(subtotal - total, Decimal(0))),
        "tax_rate": parsing.decimal(rate, what=f"line_items[{n}] tax rate"),
        "identifiers": {"woo_line_id": str(line.get("id", "")), "woo_product_id": str(line.get("product_id", ""))},
    }


def parse_order(entry) -> ExternalOrder | Malformed:
    """A WooCommerce order object as an ExternalOrder, or Malformed with the reason."""
    if not isinstance(entry, dict):
        return Malformed(external_id="?", reason="an entry of the orders list is not an object")
    try:
        external_id = parsing.required_id(entry)
    except BadPayload as exc:
        return Malformed(external_id="?", reason=str(exc))
    try:
        lines = entry.get("line_items")
        if not isinstance(lines, list):
            raise BadPayload("line_items is missing")
        billing_raw = entry.get("billing") if isinstance(entry.get("billing"), dict) else {}
        email = parsing.text(billing_raw.get("email"), 254)
        billing = _address(billing_raw, email)
        shipping = _address(entry.get("shipping")) or billing
        name = (billing or shipping or {}).get("name") or email
        return ExternalOrder(
            external_id=external_id,
            external_ref=parsing.text(entry.get("number"), 100),
            external_status=parsing.text(entry.get("status"), 64),
            updated_at=parsing.timestamp(entry.get("date_modified_gmt"), what="date_modified_gmt", gmt=True),
            order_date=parsing.timestamp(entry.get("date_created_gmt"), what="date_created_gmt", gmt=True) or None,
            customer={"name": name, "email": email},
            shipping_address=shipping,
            billing_address=billing,
            currency=parsing.text(entry.get("currency"), 3) or "EUR",
            items=[_item(line, n) for n, line in enumerate(lines)],
            notes=parsing.text(entry.get("customer_note"), 5000),
        )
    except BadPayload as exc:
        return Malformed(external_id=external_id, reason=str(exc))


def _query_from(cursor: str) -> str:
    when = dt.datetime.fromisoformat(cursor) - dt.timedelta(seconds=1)
    return when.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _stamp(entry: dict) -> str:
    return parsing.timestamp(entry.get("date_modified_gmt"), what="date_modified_gmt", gmt=True)


class Connector(BaseConnector):
    kind = "woocommerce"
    page_size = PAGE_SIZE

    @property
    def api(self) -> str:
        return f"{self.settings['base_url']}/wp-json/wc/v3"

    @property
    def auth(self) -> tuple[str, str]:
        key, secret = self.credentials.get("consumer_key"), self.credentials.get("consumer_secret")
        if not key or not secret:
            raise ChannelError("The channel needs consumer_key and consumer_secret; enter them in its credentials.")
        return key, secret

    def fetch_pages(self, *, cursor: str) -> Iterator[Page]:
        params = {"per_page": self.page_size, "orderby": "modified", "order": "asc", "dates_are_gmt": "true"}
        if cursor:
            params["modified_after"] = _query_from(cursor)
        url, auth = f"{self.api}/orders", self.auth
        page_no, soon = 1, self.get_json_soon(url, params={**params, "page": 1}, auth=auth)
        while soon is not None:
            data, response = soon.result()
            if not isinstance(data, list):
                raise ChannelError(f"GET {url} page {page_no} did not answer with a list of orders.")
            try:
                total_pages = int(response.headers.get("X-WP-TotalPages", page_no))
            except ValueError:
                total_pages = page_no
            # The next page downloads while this one is parsed and committed.
            more = bool(data) and page_no < total_pages
            soon = self.get_json_soon(url, params={**params, "page": page_no + 1}, auth=auth) if more else None
            orders = self.parse_entries(data, parse_order, _stamp)
            page_cursor = cursor
            for order in orders:
                page_cursor = parsing.later(page_cursor, order.updated_at)
            yield Page(orders=orders, cursor=page_cursor)
            cursor = page_cursor
            page_no += 1

    def fetch_order(self, external_id: str):
        data, _ = self.get_json(f"{self.api}/orders/{external_id}", auth=self.auth, missing_ok=True)
        return None if data is None else parse_order(data)

    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookMessage:
        secret = self.credentials.get("webhook_secret")
        if not secret:
            raise WebhookRefused("The channel has no webhook_secret; deliveries cannot be verified.")
        given = headers.get("x-wc-webhook-signature", "")
        expected = base64.b64encode(parsing.hmac_sha256(secret, body)).decode()
        if not given or not hmac.compare_digest(given.strip(), expected):
            raise WebhookRefused("X-WC-Webhook-Signature is missing or does not match the body.")
        delivery = headers.get("x-wc-webhook-delivery-id") or parsing.hmac_sha256("delivery", body).hex()
        topic = headers.get("x-wc-webhook-topic", "")
        try:
            entry = json.loads(body)
        except (ValueError, RecursionError):
            # WooCommerce pings a new webhook with a form body (webhook_id=…): acknowledged, nothing to take.
            return WebhookMessage(delivery_id=delivery, topic=topic or "ping", orders=[])
        orders = [parse_order(entry)] if topic.startswith("order.") or not topic else []
        return WebhookMessage(delivery_id=delivery, topic=topic, orders=orders)

    def push_shipped(self, *, external_id: str, tracking_number: str, carrier: str, tracking_url: str) -> None:
        note = f"Shipped with {carrier or 'the carrier'}, tracking number {tracking_number}" + (
            f": {tracking_url}" if tracking_url else "."
        )
        self.request("PUT", f"{self.api}/orders/{external_id}", json={"status": "completed"}, auth=self.auth)
        self.request(
            "POST", f"{self.api}/orders/{external_id}/notes", json={"note": note, "customer_note": True}, auth=self.auth
        )
