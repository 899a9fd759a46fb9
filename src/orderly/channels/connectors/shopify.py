"""Shopify: the Admin REST API's orders endpoint, its order webhooks, and fulfillments with tracking pushed back.

Pull: `GET {base_url}/admin/api/{version}/orders.json?status=any&order=updated_at asc&updated_at_min=<cursor>`,
250 per page, following the `Link: <…>; rel="next"` header (page_info paging: the next URL carries everything).
Auth header `X-Shopify-Access-Token`. Rate limit: a 429 waits its `Retry-After` seconds.
Webhooks (`orders/create`, `orders/updated`, …): `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body
with the app's webhook secret; `X-Shopify-Webhook-Id` identifies the delivery (replays are ignored).
Push: the order's open fulfillment orders are fulfilled with `tracking_info` (number, company, url).
An order is read as FORMATS.md "Shopify orders: what is taken" says (its money: shopify_money).
"""

import base64
import hmac
import json
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from orderly.channels.connectors import parsing
from orderly.channels.connectors import shopify_money as money
from orderly.channels.connectors.base import (
    ChannelError,
    ExternalOrder,
    Malformed,
    PageRequest,
    WebhookMessage,
    WebhookRefused,
)
from orderly.channels.connectors.parsing import BadPayload
from orderly.channels.connectors.pulling import PullConnector

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


def _customer(entry: dict, shipping: dict | None, billing: dict | None) -> dict:
    """The customer's name, else the billing then the shipping address's (guests, POS, draft orders), else "Guest";
    the order's e-mail, which a guest or POS order may not have."""
    customer = entry.get("customer") if isinstance(entry.get("customer"), dict) else {}
    name = " ".join(filter(None, (parsing.text(customer.get("first_name")), parsing.text(customer.get("last_name")))))
    name = name or (billing or {}).get("name") or (shipping or {}).get("name") or "Guest"
    email = entry.get("email") or entry.get("contact_email") or customer.get("email")
    return {"name": name, "email": parsing.text(email, 254)}


def _first(values, single) -> str:
    if isinstance(values, list):
        for value in values:
            if value not in (None, ""):
                return parsing.text(value, 500)
    return parsing.text(single, 500)


def _fulfillments(entry: dict) -> list[dict]:
    """Parcels the shop fulfilled itself: successful fulfillments (cancelled, failed and errored ones are not)."""
    result = []
    for n, fulfillment in enumerate(money.objects(entry.get("fulfillments"), "fulfillments")):
        if fulfillment.get("status") != "success":
            continue
        where = f"fulfillments[{n}]"
        lines = money.objects(fulfillment.get("line_items"), f"{where}.line_items")
        result.append(
            {
                "external_id": money.ident(fulfillment.get("id")),
                "carrier": parsing.text(fulfillment.get("tracking_company"), 100),
                "tracking_number": _first(fulfillment.get("tracking_numbers"), fulfillment.get("tracking_number")),
                "tracking_url": _first(fulfillment.get("tracking_urls"), fulfillment.get("tracking_url")),
                "created_at": parsing.timestamp(fulfillment.get("created_at"), what=f"{where}.created_at"),
                "lines": [
                    {
                        "line_id": money.ident(line.get("id")),
                        "quantity": money.whole(line.get("quantity"), f"{where}.line_items[{m}].quantity"),
                    }
                    for m, line in enumerate(lines)
                ],
            }
        )
    return result


def _refunds(entry: dict) -> list[dict]:
    """Units the shop refunded, per refund; refunds of money alone (no refund_line_items) name no units."""
    result = []
    for n, refund in enumerate(money.objects(entry.get("refunds"), "refunds")):
        where = f"refunds[{n}].refund_line_items"
        lines = []
        for m, line in enumerate(money.objects(refund.get("refund_line_items"), where)):
            restock_type = line.get("restock_type")
            lines.append(
                {
                    "line_id": money.ident(line.get("line_item_id")),
                    "quantity": money.whole(line.get("quantity"), f"{where}[{m}].quantity"),
                    # Before restock_type, the refund's own restock flag said it.
                    "restock": restock_type in money.RESTOCKED
                    if restock_type is not None
                    else refund.get("restock") is True,
                }
            )
        if lines:
            result.append({"external_id": money.ident(refund.get("id")), "lines": lines})
    return result


def _with_tax(charge: dict, subtotal: Decimal, included: bool) -> Decimal:
    """A refunded part of a shipping line's price with its share of the line's tax (none added when the price
    holds the tax): refund_shipping_lines state the price part only."""
    taxable = Decimal(charge["amount"]) - Decimal(charge["discount"])
    tax = sum((Decimal(line["amount"]) for line in charge["tax_lines"]), Decimal("0"))
    if included or not tax or taxable <= 0:
        return subtotal
    return subtotal + (tax * min(subtotal, taxable) / taxable).quantize(money.CENT, rounding=ROUND_HALF_UP)


def _charge_refunds(entry: dict, charges: list[dict]) -> list[dict]:
    """Money paid back for shipping lines, as positive amounts with their tax: a refund's `refund_shipping_lines`
    (2024-10 and later; each names its shipping line), else its `order_adjustments` of kind shipping_refund (older
    versions; they name no line, and their tax_amount is added to their amount). Shopify may send both for the
    same money: a refund with refund_shipping_lines does not read its adjustments."""
    shipping = money.objects(entry.get("shipping_lines"), "shipping_lines")
    positions = {money.ident(line.get("id")): n for n, line in enumerate(shipping, 1)}
    included = entry.get("taxes_included") is True
    result = []
    for n, refund in enumerate(money.objects(entry.get("refunds"), "refunds")):
        where = f"refunds[{n}]"
        lines = money.objects(refund.get("refund_shipping_lines"), f"{where}.refund_shipping_lines")
        for m, line in enumerate(lines):
            here = f"{where}.refund_shipping_lines[{m}]"
            subtotal = abs(money.amount(line, "subtotal_amount", here))
            position = positions.get(money.ident(line.get("shipping_line_id")))
            paid_back = _with_tax(charges[position - 1], subtotal, included) if position else subtotal
            result.append({"position": position, "kind": "shipping", "amount": money.fmt(paid_back, here)})
        if lines:
            continue
        for m, adjustment in enumerate(money.objects(refund.get("order_adjustments"), f"{where}.order_adjustments")):
            if adjustment.get("kind") == "shipping_refund":
                here = f"{where}.order_adjustments[{m}]"
                paid_back = money.amount(adjustment, "amount", here) + money.amount(adjustment, "tax_amount", here)
                result.append({"position": None, "kind": "shipping", "amount": money.fmt(abs(paid_back), here)})
    return result


def _delivery_method(charges: list[dict]) -> str:
    for charge in charges:
        if charge["kind"] == "shipping":
            return (charge["code"] or charge["title"])[:100]
    return ""


def parse_order(entry) -> ExternalOrder | Malformed:
    """A Shopify order object as an ExternalOrder, or Malformed with the reason and the entry as it came."""
    if not isinstance(entry, dict):
        return Malformed(external_id="?", reason="an entry of the orders list is not an object", raw=entry)
    try:
        external_id = parsing.required_id(entry)
    except BadPayload as exc:
        return Malformed(external_id="?", reason=str(exc), raw=entry)
    try:
        updated_at = parsing.timestamp(entry.get("updated_at"), what="updated_at")
        lines = entry.get("line_items")
        if lines is None:
            raise BadPayload("line_items is missing")
        if not isinstance(lines, list):
            raise BadPayload("line_items is not a list")
        shipping = _address(entry.get("shipping_address"))
        billing = _address(entry.get("billing_address"))
        status = "cancelled" if entry.get("cancelled_at") else parsing.text(entry.get("financial_status"), 64)
        currency, _ = money.currencies(entry)
        items = [money.line_item(line, n) for n, line in enumerate(lines)]
        charges = money.charges(entry)
        stated_total = money.stated(entry, "total_price")
        return ExternalOrder(
            external_id=external_id,
            external_ref=parsing.text(entry.get("name") or entry.get("order_number"), 100),
            external_status=status,
            updated_at=updated_at,
            order_date=parsing.timestamp(entry.get("created_at"), what="created_at") or None,
            customer=_customer(entry, shipping, billing),
            shipping_address=shipping,
            billing_address=billing,
            currency=currency,
            items=items,
            notes=parsing.text(entry.get("note"), 5000),
            prices_include_tax=entry.get("taxes_included") is True,
            charges=charges,
            discount_codes=_discount_codes(entry),
            stated_total=stated_total,
            stated_tax=money.stated(entry, "total_tax"),
            payment=money.payment(entry, stated_total),
            fulfillments=_fulfillments(entry),
            refunds=_refunds(entry),
            charge_refunds=_charge_refunds(entry, charges),
            is_test=entry.get("test") is True,
            delivery_method=_delivery_method(charges),
            shop_money=money.shop_money(entry),
        )
    except BadPayload as exc:
        return Malformed(external_id=external_id, reason=str(exc), raw=entry)


def _discount_codes(entry: dict) -> list[dict]:
    """The codes the customer entered, for showing on the order: their amounts are already in the lines' and
    shipping lines' discounts (Shopify allocates them), never subtracted again."""
    return [
        {
            "code": parsing.text(code.get("code"), 100),
            "type": parsing.text(code.get("type"), 40),
            "amount": money.fmt(money.amount(code, "amount", f"discount_codes[{n}]")),
        }
        for n, code in enumerate(money.objects(entry.get("discount_codes"), "discount_codes"))
    ]


def _stamp(entry: dict) -> str:
    return parsing.timestamp(entry.get("updated_at"), what="updated_at")


class Connector(PullConnector):
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

    def first_request(self, cursor: str) -> PageRequest:
        params = {"status": "any", "limit": self.page_size, "order": "updated_at asc"}
        if cursor:
            params["updated_at_min"] = cursor
        return PageRequest(url=f"{self.api}/orders.json", params=params)

    def request_kwargs(self) -> dict:
        return {"headers": self.headers}

    def read_page(self, request: PageRequest, data, response) -> tuple[list, PageRequest | None]:
        if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
            raise ChannelError(f"GET {request.url} did not answer with an orders list.")
        url = next_link(response.headers.get("Link"))  # page_info paging: the next URL carries everything
        return data["orders"], PageRequest(url=url, number=request.number + 1) if url else None

    def parse_entry(self, entry) -> ExternalOrder | Malformed:
        return parse_order(entry)

    def stamp_entry(self, entry: dict) -> str:
        return _stamp(entry)

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
