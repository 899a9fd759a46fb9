"""What a channel's settings and credentials hold, per kind, and how they are checked."""

from urllib.parse import urlsplit

from orderly.channels.models import ChannelKind
from orderly.core import egress
from orderly.core.exceptions import ValidationError

DEFAULT_SYNC_INTERVAL = 15  # minutes
MIN_SYNC_INTERVAL, MAX_SYNC_INTERVAL = 1, 24 * 60


class StatusAction:
    """What a shop's order status means here."""

    OPEN = "open"  # confirmed: process it
    DRAFT = "draft"  # not final yet (unpaid): keep, do not process
    HOLD = "hold"  # on hold in the shop: keep, do not process (draft when new, an error when already open)
    CANCEL = "cancel"  # canceled in the shop: cancel here

    ALL = (OPEN, DRAFT, HOLD, CANCEL)


# Shopify's financial statuses (and cancelled, on hold): its orders' and its CSV export's.
SHOPIFY_STATUSES: dict[str, str] = {
    "pending": StatusAction.DRAFT,
    "authorized": StatusAction.OPEN,
    "partially_paid": StatusAction.OPEN,
    "paid": StatusAction.OPEN,
    "partially_refunded": StatusAction.OPEN,
    "refunded": StatusAction.CANCEL,
    "voided": StatusAction.CANCEL,
    "cancelled": StatusAction.CANCEL,
    "on_hold": StatusAction.HOLD,
}

DEFAULT_STATUS_MAPS: dict[str, dict[str, str]] = {
    ChannelKind.SHOPIFY: SHOPIFY_STATUSES,
    ChannelKind.WOOCOMMERCE: {
        "pending": StatusAction.DRAFT,
        "processing": StatusAction.OPEN,
        "on-hold": StatusAction.HOLD,
        "completed": StatusAction.OPEN,
        "cancelled": StatusAction.CANCEL,
        "refunded": StatusAction.CANCEL,
        "failed": StatusAction.CANCEL,
        "trash": StatusAction.CANCEL,
    },
    ChannelKind.WEBHOOK: {
        "draft": StatusAction.DRAFT,
        "open": StatusAction.OPEN,
        "on_hold": StatusAction.HOLD,
        "canceled": StatusAction.CANCEL,
    },
    ChannelKind.SANDBOX: {"paid": StatusAction.OPEN, "pending": StatusAction.DRAFT},
    ChannelKind.CSV: {
        "draft": StatusAction.DRAFT,
        "open": StatusAction.OPEN,
        "on_hold": StatusAction.HOLD,
        "canceled": StatusAction.CANCEL,
        # the financial statuses of Shopify's order export, which the CSV channel reads too
        **SHOPIFY_STATUSES,
    },
}

CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    ChannelKind.MANUAL: (),
    ChannelKind.CSV: (),
    ChannelKind.SHOPIFY: ("access_token", "webhook_secret"),
    ChannelKind.WOOCOMMERCE: ("consumer_key", "consumer_secret", "webhook_secret"),
    ChannelKind.WEBHOOK: ("webhook_secret",),
    ChannelKind.SANDBOX: (),
}

# On/off switches of how a shop's orders are taken, with their defaults (documented in FORMATS.md).
SWITCHES = {
    # Test orders (Shopify `test: true`) come in marked as tests and carry an error that keeps them out of
    # processing; on: they are processed like any other.
    "process_test_orders": False,
    # Lines without a SKU in the shop (custom items, gift cards, tips) come in as items whose stock Orderly does
    # not keep, needing no product mapping; off: they must be mapped like any SKU.
    "sku_less_lines_as_non_stock": False,
    # Fulfillments made in the shop take their units out of our stock (the shop ships from our warehouse); off:
    # they are recorded with no stock movement.
    "shop_fulfillments_use_our_stock": False,
}
SETTING_FIELDS = ("base_url", "sync_interval_minutes", "status_map", "sandbox_skus", *SWITCHES)


def switch(channel, name: str) -> bool:
    return bool((channel.settings or {}).get(name, SWITCHES[name]))


def status_action(channel, external_status: str) -> str:
    """Our action for the shop's status: the channel's own table first, then the kind's defaults, else open."""
    table = {**DEFAULT_STATUS_MAPS.get(channel.kind, {}), **(channel.settings or {}).get("status_map", {})}
    return table.get(external_status, StatusAction.OPEN)


def sync_interval(channel) -> int:
    return int((channel.settings or {}).get("sync_interval_minutes") or DEFAULT_SYNC_INTERVAL)


def clean_settings(kind: str, value, *, field: str = "settings") -> dict:
    """Checked settings for a channel of `kind`; raises a ValidationError naming the field at fault."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    unknown = set(value) - set(SETTING_FIELDS)
    if unknown:
        raise ValidationError(
            f"{field} has unknown keys: {', '.join(sorted(unknown))}; allowed are {', '.join(SETTING_FIELDS)}.",
            field=f"{field}.{min(unknown)}",
        )
    clean: dict = {}
    base_url = value.get("base_url")
    if kind in (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE):
        if not isinstance(base_url, str) or not base_url.strip():
            raise ValidationError(f"{field}.base_url (the shop's address) is required.", field=f"{field}.base_url")
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or len(base_url) > 500:
            raise ValidationError(
                f"{field}.base_url {base_url!r} is not an http(s) address such as https://shop.example.com.",
                field=f"{field}.base_url",
            )
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ValidationError(
                f"{field}.base_url {base_url!r} has no valid port.", field=f"{field}.base_url"
            ) from None
        if refused := egress.refusal(parts.hostname, port):
            raise ValidationError(f"{field}.base_url: {refused}", field=f"{field}.base_url")
        clean["base_url"] = base_url.strip().rstrip("/")
    elif base_url not in (None, ""):
        raise ValidationError(f"{field}.base_url applies only to Shopify and WooCommerce.", field=f"{field}.base_url")
    interval = value.get("sync_interval_minutes", DEFAULT_SYNC_INTERVAL)
    if (
        isinstance(interval, bool)
        or not isinstance(interval, int)
        or not (MIN_SYNC_INTERVAL <= interval <= MAX_SYNC_INTERVAL)
    ):
        raise ValidationError(
            f"{field}.sync_interval_minutes must be a whole number from {MIN_SYNC_INTERVAL} to {MAX_SYNC_INTERVAL}.",
            field=f"{field}.sync_interval_minutes",
        )
    clean["sync_interval_minutes"] = interval
    status_map = value.get("status_map") or {}
    if not isinstance(status_map, dict) or len(status_map) > 100:
        raise ValidationError(
            f"{field}.status_map must be an object of shop status → action.", field=f"{field}.status_map"
        )
    for external, action in status_map.items():
        if not isinstance(external, str) or not external or len(external) > 64 or action not in StatusAction.ALL:
            raise ValidationError(
                f"{field}.status_map[{external!r}] must map a shop status to one of {', '.join(StatusAction.ALL)}.",
                field=f"{field}.status_map",
            )
    clean["status_map"] = dict(status_map)
    if (skus := _sandbox_skus(kind, value.get("sandbox_skus"), field=f"{field}.sandbox_skus")) is not None:
        clean["sandbox_skus"] = skus
    for name, default in SWITCHES.items():
        flag = value.get(name, default)
        if not isinstance(flag, bool):
            raise ValidationError(f"{field}.{name} must be true or false.", field=f"{field}.{name}")
        clean[name] = flag
    return clean


def _sandbox_skus(kind: str, value, *, field: str) -> list[str] | None:
    """The SKUs a sandbox channel sells (our catalog's, so its orders come in clean), or None when not given."""
    if value in (None, []):
        return None
    if kind != ChannelKind.SANDBOX:
        raise ValidationError(f"{field} applies only to a sandbox channel.", field=field)
    if not isinstance(value, list) or not 1 <= len(value) <= 20:
        raise ValidationError(f"{field} must be a list of 1 to 20 SKUs.", field=field)
    for n, sku in enumerate(value):
        if not isinstance(sku, str) or not sku.strip() or len(sku) > 64:
            raise ValidationError(f"{field}[{n}] must be a SKU of 1 to 64 characters.", field=f"{field}[{n}]")
    return [sku.strip() for sku in value]


def clean_credentials(kind: str, value, *, field: str = "credentials", current: dict | None = None) -> dict:
    """Checked credentials for `kind`. Keys left out keep their current value (so a form need not re-enter them)."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValidationError(f"{field} must be an object.", field=field)
    allowed = CREDENTIAL_FIELDS.get(kind, ())
    unknown = set(value) - set(allowed)
    if unknown:
        expected = ", ".join(allowed) or "nothing"
        raise ValidationError(
            f"{field} has unknown keys for a {kind} channel: {', '.join(sorted(unknown))} (expected {expected}).",
            field=f"{field}.{min(unknown)}",
        )
    clean = {k: v for k, v in (current or {}).items() if k in allowed}
    for name, secret in value.items():
        if secret in (None, ""):
            continue
        if not isinstance(secret, str) or len(secret) > 500 or "\x00" in secret:
            raise ValidationError(f"{field}.{name} must be text of at most 500 characters.", field=f"{field}.{name}")
        clean[name] = secret.strip()
    return clean
