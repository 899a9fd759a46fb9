"""Small, forgiving readers for shop payloads: they return our values or raise BadPayload with the reason."""

import datetime as dt
import functools
import hashlib
import hmac
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime


class BadPayload(Exception):
    """An order entry we cannot use; the message says what is wrong."""


def text(value, limit: int = 200) -> str:
    if value is None:
        return ""
    return str(value).strip()[:limit]


def required_id(entry: dict, key: str = "id") -> str:
    value = entry.get(key)
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        raise BadPayload(f"the order has no {key}")
    value = str(value).strip()
    if len(value) > 100:
        raise BadPayload(f"the order's {key} is longer than 100 characters")
    return value


def timestamp(value, *, what: str, gmt: bool = False) -> str:
    """An ISO 8601 time as a UTC ISO string (the cursor's unit); `gmt` for times without an offset that are UTC."""
    if value in (None, ""):
        return ""
    parsed = _iso(value) if isinstance(value, str) else None
    if parsed is None:
        raise BadPayload(f"{what} {value!r} is not an ISO 8601 time")
    if parsed.tzinfo is None:
        if not gmt:
            raise BadPayload(f"{what} {value!r} has no time zone")
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).isoformat()


def _iso(value: str) -> dt.datetime | None:
    # The standard library's reader first: it takes what shops send (Python 3.11 reads `Z`) several times faster
    # than Django's; Django's takes the rest (it also reads a comma before the fraction, for instance).
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def decimal(value, *, what: str, places: str = "0.01") -> str:
    """A money-like value as a string with at most 2 decimals (shops send strings or JSON numbers)."""
    if value in (None, ""):
        return "0"
    if isinstance(value, bool):
        raise BadPayload(f"{what} {value!r} is not a number")
    # Orders repeat the same amounts (0.00 above all): a text seen before costs a dictionary look-up.
    short = isinstance(value, str) and len(value) <= 32
    found = _read_text(value, places) if short else _read(str(value), places)
    if found.startswith("!"):
        raise BadPayload(f"{what} {value!r} {found[1:]}")
    return found


def _read(text: str, places: str) -> str:
    """The amount as text with `places`, or "!" and why not."""
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return "!is not a number"
    if not number.is_finite():
        return "!is not a number"
    try:
        return str(number.quantize(_quantum(places), rounding=ROUND_HALF_UP))
    except InvalidOperation:  # more digits than decimal arithmetic holds: no real amount
        return "!is too large"


@functools.lru_cache(maxsize=4096)
def _read_text(text: str, places: str) -> str:
    return _read(text, places)


@functools.cache
def _quantum(places: str) -> Decimal:
    return Decimal(places)


def later(a: str, b: str) -> str:
    """The later of two UTC ISO strings from `timestamp` (same format, so text order is time order)."""
    return max(a, b)


def hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


# Keys the connectors make for lines the shop sent without a SKU (stable across orders: a variant, a product or
# the title), so that one mapping serves every later order.
GENERATED_SKU_PREFIXES = (
    "shopify-variant-", "shopify-product-", "shopify-title-", "woo-variation-", "woo-product-", "woo-title-",
)  # fmt: skip


def generated_sku(sku) -> bool:
    return isinstance(sku, str) and sku.startswith(GENERATED_SKU_PREFIXES)
