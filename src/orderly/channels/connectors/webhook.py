"""Generic webhook: any shop posts our own JSON order schema, signed with HMAC-SHA256. See channels/FORMATS.md.

Headers: `X-Orderly-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the channel's webhook_secret>`,
`X-Orderly-Delivery: <unique id of this delivery>` (a replay with the same id creates nothing new),
optional `X-Orderly-Topic` (e.g. `order.updated`).
"""

import hmac
import json
from collections.abc import Mapping

from orderly.channels.connectors import parsing
from orderly.channels.connectors.base import BaseConnector, ExternalOrder, Malformed, WebhookMessage, WebhookRefused
from orderly.channels.connectors.parsing import BadPayload
from orderly.core.exceptions import ValidationError

ADDRESS_KEYS = ("name", "company", "line1", "line2", "postal_code", "city", "region", "country", "phone", "email")
ITEM_KEYS = ("sku", "name", "quantity", "unit_price", "tax_rate", "discount")


def _address(value) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadPayload("an address must be an object")
    return {key: parsing.text(value.get(key), 254) for key in ADDRESS_KEYS}


def parse_order(entry) -> ExternalOrder | Malformed:
    """An order in our JSON schema as an ExternalOrder, or Malformed with the reason."""
    if not isinstance(entry, dict):
        return Malformed(external_id="?", reason="the body must be a JSON object (one order)")
    try:
        external_id = parsing.required_id(entry)
    except BadPayload as exc:
        return Malformed(external_id="?", reason=str(exc))
    try:
        items = entry.get("items")
        if not isinstance(items, list) or not items:
            raise BadPayload("items must be a non-empty list")
        if not all(isinstance(item, dict) for item in items):
            raise BadPayload("each item must be an object")
        customer = entry.get("customer")
        if not isinstance(customer, dict):
            raise BadPayload("customer must be an object with name, email and type")
        return ExternalOrder(
            external_id=external_id,
            external_ref=parsing.text(entry.get("number"), 100),
            external_status=parsing.text(entry.get("status") or "open", 64),
            updated_at=parsing.timestamp(entry.get("updated_at"), what="updated_at"),
            order_date=parsing.timestamp(entry.get("order_date"), what="order_date") or None,
            customer={k: customer.get(k) for k in ("name", "email", "type") if k in customer},
            shipping_address=_address(entry.get("shipping_address")),
            billing_address=_address(entry.get("billing_address")),
            currency=parsing.text(entry.get("currency"), 3) or "EUR",
            items=[{k: item.get(k) for k in ITEM_KEYS if item.get(k) is not None} for item in items],
            notes=parsing.text(entry.get("notes"), 5000),
        )
    except BadPayload as exc:
        return Malformed(external_id=external_id, reason=str(exc))


class Connector(BaseConnector):
    kind = "webhook"

    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookMessage:
        secret = self.credentials.get("webhook_secret")
        if not secret:
            raise WebhookRefused("The channel has no webhook_secret; deliveries cannot be verified.")
        given = headers.get("x-orderly-signature", "").strip()
        expected = "sha256=" + parsing.hmac_sha256(secret, body).hex()
        if not given or not hmac.compare_digest(given, expected):
            raise WebhookRefused("X-Orderly-Signature is missing or does not match the body.")
        delivery = headers.get("x-orderly-delivery", "").strip()
        if not delivery or len(delivery) > 200:
            raise ValidationError(
                "X-Orderly-Delivery (a unique id per delivery) is required.", field="X-Orderly-Delivery"
            )
        try:
            entry = json.loads(body)
        except (ValueError, RecursionError):
            raise ValidationError("The body is not JSON.", field="body") from None
        return WebhookMessage(
            delivery_id=delivery, topic=headers.get("x-orderly-topic", ""), orders=[parse_order(entry)]
        )
