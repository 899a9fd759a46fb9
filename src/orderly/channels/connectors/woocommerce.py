"""WooCommerce: the REST API v3 orders endpoint, its order webhooks, and status and tracking pushed back.

Pull: `GET {base_url}/wp-json/wc/v3/orders?modified_after=<cursor>&dates_are_gmt=true&orderby=modified&order=asc`,
100 per page, `page=1..X-WP-TotalPages`; HTTP Basic auth with the consumer key and secret. `modified_after` is
exclusive, so we ask from one second before the cursor (orders seen again are skipped as unchanged).
Webhooks (`order.created`, `order.updated`, …): `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw body
with the webhook's secret. WooCommerce pings a new webhook once, unsigned, with the form body `webhook_id=<n>`.
`X-WC-Webhook-Delivery-ID` is a hash of the webhook id and the current second, so an order delivery is identified by
what it carries instead: the order's id and change time.
Push: the order is set `completed` and a customer note carries the carrier and tracking number.

What an order is taken as (the mapping is described in FORMATS.md, "WooCommerce orders: what is taken"): lines,
shipping and fee lines with the shop's own amounts and per-rate taxes, coupons as discount codes, the money state
from the payment date, status and refunds, the units and charges the refund objects paid back, and a `completed`
order as fulfilled by the shop.
"""

import base64
import datetime as dt
import hmac
import html
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from orderly.channels.connectors import parsing
from orderly.channels.connectors import woocommerce_money as wm
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

PAGE_SIZE = 100
PING = re.compile(rb"\s*webhook_id=\d+\s*")
PAID_STATUSES = ("processing", "completed", "refunded")
ADDRESS_KEYS = ("first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country")
TRACKING_META = "_wc_shipment_tracking_items"
RESTOCKED_META = "_restock_refunded_items"
NON_STOCK = {"allocate": False, "fulfil": False}


def _name(data: dict) -> str:
    return " ".join(filter(None, (wm.text(data, "first_name"), wm.text(data, "last_name"))))


def _address(data, email: str = "") -> dict | None:
    """The shop's address as it has it, empty fields and all (our side checks it); None when every field is empty."""
    if not isinstance(data, dict) or not any(wm.text(data, key) for key in (*ADDRESS_KEYS, "phone")):
        return None
    return {
        "name": _name(data),
        "company": wm.text(data, "company"),
        "line1": wm.text(data, "address_1"),
        "line2": wm.text(data, "address_2"),
        "postal_code": wm.text(data, "postcode", 20),
        "city": wm.text(data, "city", 100),
        "region": wm.text(data, "state", 100),
        "country": wm.text(data, "country", 2),
        "phone": wm.text(data, "phone", 40),
        "email": email,
    }


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def _positive_id(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return ""
    value = str(value).strip()
    return value if value not in ("", "0") else ""


def _meta(data: dict) -> list[dict]:
    meta = data.get("meta_data")
    return [m for m in meta if isinstance(m, dict)] if isinstance(meta, list) else []


def _sku(line: dict, name: str) -> str:
    """The shop's SKU; for a product without one, its variation or product id; for a custom line, its name."""
    if sku := wm.text(line, "sku", 64):
        return sku
    if variation := _positive_id(line.get("variation_id")):
        return f"woo-variation-{variation}"[:64]
    if product := _positive_id(line.get("product_id")):
        return f"woo-product-{product}"[:64]
    if slug := _slug(name):
        return f"woo-title-{slug}"[:64].rstrip("-")
    return f"woo-line-{_positive_id(line.get('id'))}"[:64].rstrip("-")


def _is_gift_card(line: dict) -> bool:
    """A gift card sold on the line: the gift card plugins (WooCommerce Gift Cards, PW Gift Cards, YITH) write their
    recipient and amount as line meta whose keys name the gift card."""
    for meta in _meta(line):
        key = meta.get("key")
        if isinstance(key, str) and ("gift_card" in key.lower() or "giftcard" in key.lower()):
            return True
    return False


def _item(line: wm.Line, rates: wm.Rates, include_tax: bool) -> dict:
    data = line.data
    name = html.unescape(wm.text(data, "name"))
    sku = _sku(data, name)
    gross, net = line.amounts(include_tax)
    unit_price, discount = wm.unit_and_discount(line.quantity, gross, net)
    identifiers = {
        key: value
        for key, value in (
            ("line_id", _positive_id(data.get("id"))),
            ("product_id", _positive_id(data.get("product_id"))),
            ("variation_id", _positive_id(data.get("variation_id"))),
        )
        if value
    }
    item = {
        "sku": sku,
        "name": name or sku,
        "quantity": line.quantity,
        "unit_price": wm.money(unit_price),
        "discount": wm.money(discount),
        "tax_rate": line.tax_rate(rates),
        "tax_lines": rates.tax_lines(line.shares),
        "identifiers": identifiers,
    }
    if not identifiers.get("product_id") or _is_gift_card(data):
        item["options"] = dict(NON_STOCK)
    return item


def _charge(kind: str, line: wm.Line, rates: wm.Rates, include_tax: bool) -> dict:
    data = line.data
    if kind == "shipping":
        title, code = wm.text(data, "method_title"), wm.text(data, "method_id", 100)
    else:
        title, code = wm.text(data, "name"), ""
    return {
        "kind": kind,
        "title": html.unescape(title) or ("Shipping" if kind == "shipping" else "Fee"),
        "code": code,
        "amount": wm.money(line.amounts(include_tax)[1]),
        "discount": "0.00",
        "tax_lines": rates.tax_lines(line.shares),
    }


def _discount_codes(entry: dict, include_tax: bool) -> list[dict]:
    codes = []
    for where, coupon in wm.objects(entry, "coupon_lines"):
        amount = wm.exact(coupon.get("discount"), what=f"{where}.discount")
        if include_tax:
            amount += wm.exact(coupon.get("discount_tax"), what=f"{where}.discount_tax")
        code, kind = wm.text(coupon, "code"), wm.text(coupon, "discount_type")
        codes.append({"code": code, "type": kind, "amount": wm.money(amount)})
    return codes


def _payment(entry: dict, status: str, total: Decimal) -> dict:
    """Paid: the order's total once WooCommerce records a payment date or a paid status; refunded: its refunds,
    which it lists with negative totals."""
    refunded = sum(
        (abs(wm.exact(refund.get("total"), what=f"{where}.total")) for where, refund in wm.objects(entry, "refunds")),
        wm.ZERO,
    )
    paid = bool(entry.get("date_paid_gmt") or entry.get("date_paid")) or status in PAID_STATUSES
    return {"state": status, "paid": wm.money(total if paid else wm.ZERO), "refunded": wm.money(refunded)}


def _tracking(entry: dict) -> dict:
    """The first parcel the Shipment Tracking extension recorded in the order's meta (`_wc_shipment_tracking_items`)."""
    for meta in _meta(entry):
        if meta.get("key") != TRACKING_META:
            continue
        items = meta.get("value")
        items = list(items.values()) if isinstance(items, dict) else items
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and wm.text(item, "tracking_number"):
                carrier = wm.text(item, "tracking_provider", 100) or wm.text(item, "custom_tracking_provider", 100)
                return {
                    "carrier": carrier,
                    "tracking_number": wm.text(item, "tracking_number", 100),
                    "tracking_url": wm.text(item, "custom_tracking_link", 500),
                }
    return {"carrier": "", "tracking_number": "", "tracking_url": ""}


def _fulfillments(entry: dict, status: str) -> list[dict]:
    """A completed order is one the shop fulfilled in full (WooCommerce records no parcels of its own)."""
    if status != "completed":
        return []
    completed = parsing.timestamp(entry.get("date_completed_gmt"), what="date_completed_gmt", gmt=True)
    return [{"external_id": "woo-completed", **_tracking(entry), "created_at": completed, "lines": []}]


def _customer(entry: dict, billing_raw: dict, email: str) -> dict:
    shipping_raw = entry.get("shipping") if isinstance(entry.get("shipping"), dict) else {}
    name = _name(billing_raw) or _name(shipping_raw) or wm.text(billing_raw, "company") or "Guest"
    return {"name": name, "email": email}


def _refunded_item(line: dict) -> str:
    """The order line a refund line pays back: its `_refunded_item_id` meta."""
    for meta in line.get("meta_data") if isinstance(line.get("meta_data"), list) else []:
        if isinstance(meta, dict) and meta.get("key") == "_refunded_item_id":
            return parsing.text(meta.get("value"), 40)
    return ""


def _units(value, what: str) -> int:
    """A refund line's units as a count: WooCommerce writes them negative (`-2`), and 0 on a line whose money
    alone was paid back."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadPayload(f"{what} {value!r} is not a whole number of units")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadPayload(f"{what} {value!r} is not a whole number of units") from None
    if not number.is_finite() or number != number.to_integral_value() or abs(number) > 10**9:
        raise BadPayload(f"{what} {value!r} is not a whole number of units")
    return abs(int(number))


def _restocked(lines: list[wm.Line]) -> dict[str, int]:
    """Units put back in the shop's stock per order line: WooCommerce counts them on the order line, all refunds
    together, in its `_restock_refunded_items` meta (the refund objects do not say it)."""
    restocked = {}
    for line in lines:
        value = next((m.get("value") for m in _meta(line.data) if m.get("key") == RESTOCKED_META), None)
        what = f"{line.where}.meta_data.{RESTOCKED_META}"
        restocked[wm.text(line.data, "id", 40)] = 0 if value in (None, "") else _units(value, what)
    return restocked


def _refund_number(refund: dict) -> int:
    return int(refund["external_id"]) if refund["external_id"].isdigit() else 0


def _unit_refunds(details: list | None, lines: list[wm.Line]) -> list[dict]:
    """Units paid back, per refund object: its `line_items`, each naming the order line by its `_refunded_item_id`
    meta, units as a negative `quantity` (0: money alone, no units). The units the shop restocked on a line go to
    the newest refunds of that line first: a refund arrives (webhook or sync) soon after it is made, when the
    line's restocked count has just grown by what that refund put back (an older refund restocked and a newer one
    not is the case the count cannot tell; FORMATS.md says so). Oldest refund first in the result."""
    if not details:
        return []
    restocked = _restocked(lines)
    refunds = []
    for where, refund in wm.objects({"refunds": details}, "refunds"):
        units = []
        for here, line in wm.objects(refund, "line_items"):
            count = _units(line.get("quantity"), f"{where}.{here}.quantity")
            line_id = _refunded_item(line)
            if count and (not line_id or line_id not in restocked):
                raise BadPayload(f"{where}.{here}._refunded_item_id {line_id!r} names no line of the order")
            if count:
                units.append({"line_id": line_id, "quantity": count, "restock": False})
        if units:
            if not (refund_id := _positive_id(refund.get("id"))):
                raise BadPayload(f"{where}.id is missing")
            refunds.append({"external_id": refund_id, "lines": units})
    refunds.sort(key=_refund_number)
    for refund in reversed(refunds):
        for unit in refund["lines"]:
            if restocked[unit["line_id"]] >= unit["quantity"]:
                restocked[unit["line_id"]] -= unit["quantity"]
                unit["restock"] = True
    return refunds


def _charge_refunds(details: list | None, shipping: list[wm.Line], fees: list[wm.Line]) -> list[dict]:
    """Money paid back for shipping and fee lines, from the order's refund objects (`/orders/<id>/refunds`): each
    refund's shipping_lines and fee_lines, WooCommerce's negative total and total_tax, as positive amounts with
    their tax (the terms of our charge totals whether or not prices include tax). A refund line names its order
    line by its `_refunded_item_id` meta; one naming none counts against the charges of its kind in order."""
    if not details:
        return []
    refunds = wm.objects({"refunds": details}, "refunds")
    positions = {wm.text(line.data, "id", 40): n for n, line in enumerate([*shipping, *fees], 1)}
    result = []
    for where, refund in refunds:
        for key, kind in (("shipping_lines", "shipping"), ("fee_lines", "fee")):
            for here, line in wm.objects(refund, key):
                paid_back = wm.exact(line.get("total"), what=f"{where}.{here}.total") + wm.exact(
                    line.get("total_tax"), what=f"{where}.{here}.total_tax"
                )
                position = positions.get(_refunded_item(line))
                result.append({"position": position, "kind": kind, "amount": wm.money(abs(paid_back))})
    return result


def parse_order(entry, refund_details: list | None = None) -> ExternalOrder | Malformed:
    """A WooCommerce order object as an ExternalOrder, or Malformed with the reason and the entry. `refund_details`
    are its refund objects (`/orders/<id>/refunds`) when it has refunds: the units and the shipping and fees they
    paid back."""
    if not isinstance(entry, dict):
        return Malformed(external_id="?", reason="an entry of the orders list is not an object", raw=entry)
    try:
        external_id = parsing.required_id(entry)
    except BadPayload as exc:
        return Malformed(external_id="?", reason=str(exc), raw=entry)
    try:
        return _parse(entry, external_id, refund_details)
    except BadPayload as exc:
        return Malformed(external_id=external_id, reason=str(exc), raw=entry)


def _parse(entry: dict, external_id: str, refund_details: list | None = None) -> ExternalOrder:
    if not isinstance(entry.get("line_items"), list):
        raise BadPayload("line_items is missing")
    include_tax = entry.get("prices_include_tax") in (True, "true", "yes", 1)
    status = wm.text(entry, "status", 64)
    total = wm.cents(wm.exact(entry.get("total"), what="total"))
    total_tax = wm.cents(wm.exact(entry.get("total_tax"), what="total_tax"))
    rates = wm.Rates(entry)
    lines = [wm.Line(where, data, rates, product=True) for where, data in wm.objects(entry, "line_items")]
    shipping = [wm.Line(where, data, rates, product=False) for where, data in wm.objects(entry, "shipping_lines")]
    fees = [wm.Line(where, data, rates, product=False) for where, data in wm.objects(entry, "fee_lines")]
    wm.settle_rates([s for line in (*lines, *fees) for s in line.shares], rates.items)
    wm.settle_rates([s for line in shipping for s in line.shares], rates.shipping)

    billing_raw = entry.get("billing") if isinstance(entry.get("billing"), dict) else {}
    email = wm.text(billing_raw, "email", 254)
    billing = _address(billing_raw, email)
    first_shipping = shipping[0].data if shipping else {}
    return ExternalOrder(
        external_id=external_id,
        external_ref=wm.text(entry, "number", 100),
        external_status=status,
        updated_at=parsing.timestamp(entry.get("date_modified_gmt"), what="date_modified_gmt", gmt=True),
        order_date=parsing.timestamp(entry.get("date_created_gmt"), what="date_created_gmt", gmt=True) or None,
        customer=_customer(entry, billing_raw, email),
        shipping_address=_address(entry.get("shipping")) or billing,
        billing_address=billing,
        currency=wm.text(entry, "currency", 3) or "EUR",
        items=[_item(line, rates, include_tax) for line in lines],
        notes=wm.text(entry, "customer_note", 5000),
        prices_include_tax=include_tax,
        charges=[_charge("shipping", line, rates, include_tax) for line in shipping]
        + [_charge("fee", line, rates, include_tax) for line in fees],
        discount_codes=_discount_codes(entry, include_tax),
        stated_total=wm.money(total),
        stated_tax=wm.money(total_tax),
        payment=_payment(entry, status, total),
        fulfillments=_fulfillments(entry, status),
        refunds=_unit_refunds(refund_details, lines),
        charge_refunds=_charge_refunds(refund_details, shipping, fees),
        delivery_method=wm.text(first_shipping, "method_id", 100) or wm.text(first_shipping, "method_title", 100),
    )


def _delivery_id(entry, fallback: str) -> str:
    """An order delivery's identity: the order and the change it carries, so a retry of the same change is a
    duplicate and two changes are two deliveries whatever WooCommerce's delivery id says."""
    if not isinstance(entry, dict):
        return fallback
    order_id = wm.text(entry, "id", 100)
    changed = wm.text(entry, "date_modified_gmt") or wm.text(entry, "date_modified")
    return f"order:{order_id}:{changed}" if order_id and changed else fallback


def _query_from(cursor: str) -> str:
    when = dt.datetime.fromisoformat(cursor) - dt.timedelta(seconds=1)
    return when.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _stamp(entry: dict) -> str:
    return parsing.timestamp(entry.get("date_modified_gmt"), what="date_modified_gmt", gmt=True)


class Connector(PullConnector):
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

    def first_request(self, cursor: str) -> PageRequest:
        params = {"per_page": self.page_size, "orderby": "modified", "order": "asc", "dates_are_gmt": "true"}
        if cursor:
            params["modified_after"] = _query_from(cursor)
        return PageRequest(url=f"{self.api}/orders", params={**params, "page": 1})

    def request_kwargs(self) -> dict:
        return {"auth": self.auth}

    def read_page(self, request: PageRequest, data, response) -> tuple[list, PageRequest | None]:
        if not isinstance(data, list):
            raise ChannelError(f"GET {request.url} page {request.number} did not answer with a list of orders.")
        try:
            total_pages = int(response.headers.get("X-WP-TotalPages", request.number))
        except ValueError:
            total_pages = request.number
        if not data or request.number >= total_pages:
            return data, None
        number = request.number + 1
        return data, PageRequest(url=request.url, params={**request.params, "page": number}, number=number)

    def parse_entry(self, entry) -> ExternalOrder | Malformed:
        """The order, with its refund objects fetched when it lists refunds (the order says only their amounts)."""
        return parse_order(entry, self.refund_details(entry))

    def refund_details(self, entry) -> list | None:
        """`GET /orders/<id>/refunds` for an order that lists refunds; None for the others. ChannelError when the
        shop cannot answer (a passing cause: the pull stops before the order, the webhook is answered 502)."""
        if not isinstance(entry, dict) or not isinstance(entry.get("refunds"), list) or not entry["refunds"]:
            return None
        order_id = wm.text(entry, "id", 40)
        if not order_id.isdigit():
            return None
        url = f"{self.api}/orders/{order_id}/refunds"
        data, _ = self.get_json(url, params={"per_page": 100}, auth=self.auth, missing_ok=True)
        if data is not None and not isinstance(data, list):
            raise ChannelError(f"GET {url} did not answer with a list of refunds.")
        return data

    def stamp_entry(self, entry: dict) -> str:
        return _stamp(entry)

    def fetch_order(self, external_id: str):
        data, _ = self.get_json(f"{self.api}/orders/{external_id}", auth=self.auth, missing_ok=True)
        return None if data is None else self.parse_entry(data)

    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookMessage:
        if PING.fullmatch(body):
            # The set-up ping WooCommerce sends, unsigned, when the webhook is saved: acknowledged, nothing taken.
            return WebhookMessage(delivery_id="", topic="ping", orders=[])
        secret = self.credentials.get("webhook_secret")
        if not secret:
            raise WebhookRefused("The channel has no webhook_secret; deliveries cannot be verified.")
        given = headers.get("x-wc-webhook-signature", "")
        expected = base64.b64encode(parsing.hmac_sha256(secret, body)).decode()
        if not given or not hmac.compare_digest(given.strip(), expected):
            raise WebhookRefused("X-WC-Webhook-Signature is missing or does not match the body.")
        header_id = headers.get("x-wc-webhook-delivery-id") or parsing.hmac_sha256("delivery", body).hex()
        topic = headers.get("x-wc-webhook-topic", "")
        if (topic and not topic.startswith("order.")) or topic == "order.deleted":
            # action.* hooks and other resources carry no order; a deleted order's body is only its id.
            return WebhookMessage(delivery_id=header_id, topic=topic, orders=[])
        try:
            entry = json.loads(body)
        except (ValueError, RecursionError):
            text = body[:2000].decode("utf-8", "replace")
            malformed = Malformed(external_id="?", reason="the body is not JSON", raw=text)
            return WebhookMessage(delivery_id=header_id, topic=topic, orders=[malformed])
        return WebhookMessage(delivery_id=_delivery_id(entry, header_id), topic=topic, orders=[self.parse_entry(entry)])

    def push_shipped(self, *, external_id: str, tracking_number: str, carrier: str, tracking_url: str) -> None:
        note = f"Shipped with {carrier or 'the carrier'}, tracking number {tracking_number}" + (
            f": {tracking_url}" if tracking_url else "."
        )
        self.request("PUT", f"{self.api}/orders/{external_id}", json={"status": "completed"}, auth=self.auth)
        self.request(
            "POST", f"{self.api}/orders/{external_id}/notes", json={"note": note, "customer_note": True}, auth=self.auth
        )
