"""Shopify: the Admin REST API's orders endpoint, its order webhooks, and fulfillments with tracking pushed back.

Pull: `GET {base_url}/admin/api/{version}/orders.json?status=any&order=updated_at asc&updated_at_min=<cursor>`,
250 per page, following the `Link: <…>; rel="next"` header (page_info paging: the next URL carries everything).
Auth header `X-Shopify-Access-Token`. Rate limit: a 429 waits its `Retry-After` seconds.
Webhooks (`orders/create`, `orders/updated`, …): `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body
with the app's webhook secret; `X-Shopify-Webhook-Id` identifies the delivery (replays are ignored).
Push: the order's open fulfillment orders are fulfilled with `tracking_info` (number, company, url).
"""

import base64
import hmac
import json
import re
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

API_VERSION = "2024-10"
PAGE_SIZE = 250
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def next_link(header: str | None) -> str | None:
    """The URL marked rel="next" in a Link header, if any."""
    for part in (header or "").split(","):
        if match := NEXT_LINK.search(part):
            return match.group(1)
    return None


def _address(data) -> dict | None:
    if not isinstance(data, dict) or not data:
        return None
    name = parsing.text(data.get("name")) or " ".join(
        filter(None, (parsing.text(data.get("first_name")), parsing.text(data.get("last_name"))))
    )
    return {
        "name": name,
        "company": parsing.text(data.get("company")),
        "line1": parsing.text(data.get("address1")),
        "line2": parsing.text(data.get("address2")),
        "postal_code": parsing.text(data.get("zip"), 20),
        "city": parsing.text(data.get("city"), 100),
        "region": parsing.text(data.get("province_code") or data.get("province"), 100),
        "country": parsing.text(data.get("country_code"), 2),
        "phone": parsing.text(data.get("phone"), 40),
        "email": "",
    }


def _item(line, n: int) -> dict:
    if not isinstance(line, dict):
        raise BadPayload(f"line_items[{n}] is not an object")
    sku = parsing.text(line.get("sku"), 64) or (
        f"shopify-variant-{line['variant_id']}" if line.get("variant_id") else f"shopify-line-{line.get('id', n)}"
    )
    tax_lines = line.get("tax_lines") if isinstance(line.get("tax_lines"), list) else []
    rate = sum(
        (
            Decimal(parsing.decimal(t.get("rate"), what=f"line_items[{n}].tax_lines.rate", places="0.000001"))
            for t in tax_lines
            if isinstance(t, dict)
        ),
        Decimal(0),
    )
    return {
        "sku": sku,
        "name": parsing.text(line.get("title") or line.get("name")) or sku,
        "quantity": line.get("quantity"),
        "unit_price": parsing.decimal(line.get("price"), what=f"line_items[{n}].price"),
        "discount": parsing.decimal(line.get("total_discount"), what=f"line_items[{n}].total_discount"),
        "tax_rate": parsing.decimal(rate * 100, what=f"line_items[{n}].tax rate"),
        "identifiers": {
            "shopify_line_id": str(line.get("id", "")),
            "shopify_variant_id": str(line.get("variant_id") or ""),
        },
    }


def parse_order(entry) -> ExternalOrder | Malformed:
    """A Shopify order object as an ExternalOrder, or Malformed with the reason."""
    if not isinstance(entry, dict):
        return Malformed(external_id="?", reason="an entry of the orders list is not an object")
    try:
        external_id = parsing.required_id(entry)
    except BadPayload as exc:
        return Malformed(external_id="?", reason=str(exc))
    try:
        updated_at = parsing.timestamp(entry.get("updated_at"), what="updated_at")
        lines = entry.get("line_items")
        if not isinstance(lines, list):
            raise BadPayload("line_items is missing")
        shipping = _address(entry.get("shipping_address"))
        billing = _address(entry.get("billing_address"))
        customer = entry.get("customer") if isinstance(entry.get("customer"), dict) else {}
        customer_name = " ".join(
            filter(None, (parsing.text(customer.get("first_name")), parsing.text(customer.get("last_name"))))
        ) or (shipping or billing or {}).get("name", "")
        email = parsing.text(entry.get("email") or customer.get("email"), 254)
        status = "cancelled" if entry.get("cancelled_at") else parsing.text(entry.get("financial_status"), 64)
        return ExternalOrder(
            external_id=external_id,
            external_ref=parsing.text(entry.get("name") or entry.get("order_number"), 100),
            external_status=status,
            updated_at=updated_at,
            order_date=parsing.timestamp(entry.get("created_at"), what="created_at") or None,
            customer={"name": customer_name or email, "email": email},
            shipping_address=shipping,
            billing_address=billing,
            currency=parsing.text(entry.get("currency"), 3) or "EUR",
            items=[_item(line, n) for n, line in enumerate(lines)],
            notes=parsing.text(entry.get("note"), 5000),
        )
    except BadPayload as exc:
        return Malformed(external_id=external_id, reason=str(exc))


def _stamp(entry: dict) -> str:
    return parsing.timestamp(entry.get("updated_at"), what="updated_at")


class Connector(BaseConnector):
    kind = "shopify"
    page_size = PAGE_SIZE

    @property
    def api(self) -> str:
        return f"{self.settings['base_url']}/admin/api/{API_VERSION}"

    @property
    def headers(self) -> dict:
        token = self.credentials.get("access_token")
        if not token:
            raise ChannelError("The channel has no access_token; enter it in the channel's credentials.")
        return {"X-Shopify-Access-Token": token, "Accept": "application/json"}

    def fetch_pages(self, *, cursor: str) -> Iterator[Page]:
        params = {"status": "any", "limit": self.page_size, "order": "updated_at asc"}
        if cursor:
            params["updated_at_min"] = cursor
        url, headers = f"{self.api}/orders.json", self.headers
        soon = self.get_json_soon(url, params=params, headers=headers)
        while soon is not None:
            data, response = soon.result()
            if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
                raise ChannelError(f"GET {url} did not answer with an orders list.")
            # The next page downloads while this one is parsed and committed (it carries its own cursor).
            url = next_link(response.headers.get("Link"))
            soon = self.get_json_soon(url, headers=headers) if url else None
            orders = self.parse_entries(data["orders"], parse_order, _stamp)
            page_cursor = cursor
            for order in orders:
                page_cursor = parsing.later(page_cursor, order.updated_at)
            yield Page(orders=orders, cursor=page_cursor)
            cursor = page_cursor

    def fetch_order(self, external_id: str):
        data, _ = self.get_json(f"{self.api}/orders/{external_id}.json", headers=self.headers, missing_ok=True)
        if data is None:
            return None
        if not isinstance(data, dict) or "order" not in data:
            raise ChannelError(f"Shopify's answer for order {external_id} has no order.")
        return parse_order(data["order"])

    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookMessage:
        secret = self.credentials.get("webhook_secret")
        if not secret:
            raise WebhookRefused("The channel has no webhook_secret; deliveries cannot be verified.")
        given = headers.get("x-shopify-hmac-sha256", "")
        expected = base64.b64encode(parsing.hmac_sha256(secret, body)).decode()
        if not given or not hmac.compare_digest(given.strip(), expected):
            raise WebhookRefused("X-Shopify-Hmac-Sha256 is missing or does not match the body.")
        delivery = headers.get("x-shopify-webhook-id") or parsing.hmac_sha256("delivery", body).hex()
        try:
            entry = json.loads(body)
        except (ValueError, RecursionError):
            return WebhookMessage(
                delivery_id=delivery,
                topic=headers.get("x-shopify-topic", ""),
                orders=[Malformed(external_id="?", reason="the body is not JSON")],
            )
        topic = headers.get("x-shopify-topic", "")
        orders = [parse_order(entry)] if topic.startswith("orders/") or not topic else []
        return WebhookMessage(delivery_id=delivery, topic=topic, orders=orders)

    def push_shipped(self, *, external_id: str, tracking_number: str, carrier: str, tracking_url: str) -> None:
        data, _ = self.get_json(f"{self.api}/orders/{external_id}/fulfillment_orders.json", headers=self.headers)
        if not isinstance(data, dict) or not isinstance(data.get("fulfillment_orders"), list):
            raise ChannelError(f"Shopify's fulfillment orders of {external_id} could not be read.")
        open_ids = [
            fo["id"]
            for fo in data["fulfillment_orders"]
            if isinstance(fo, dict) and fo.get("status") in ("open", "in_progress") and "id" in fo
        ]
        if not open_ids:
            return  # already fulfilled in the shop: nothing left to tell
        body = {
            "fulfillment": {
                "line_items_by_fulfillment_order": [{"fulfillment_order_id": fo_id} for fo_id in open_ids],
                "tracking_info": {"number": tracking_number, "company": carrier, "url": tracking_url},
                "notify_customer": True,
            }
        }
        self.request("POST", f"{self.api}/fulfillments.json", json=body, headers=self.headers)
