"""Channel forms: posted values → the channel services' input, and back for redisplay.

Secrets are never put back into a form: on edit a blank secret keeps the stored one.
"""

from orderly.web.forms.fields import FormState

KIND_LABELS = {
    "csv": "CSV file",
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "webhook": "Generic webhook",
    "manual": "Manually entered",
}
# The secrets each kind needs, as the services name them.
SECRETS = {
    "shopify": ("access_token", "webhook_secret"),
    "woocommerce": ("consumer_key", "consumer_secret", "webhook_secret"),
    "webhook": ("webhook_secret",),
    "csv": (),
    "manual": (),
}
SECRET_LABELS = {
    "access_token": "Access token (Shopify)",
    "consumer_key": "Consumer key (WooCommerce)",
    "consumer_secret": "Consumer secret (WooCommerce)",
    "webhook_secret": "Webhook secret",
}
ALL_SECRETS = tuple(SECRET_LABELS)
SHOP_KINDS = ("shopify", "woocommerce")


class ChannelForm(FormState):
    """A channel's own fields; settings and credentials are named `settings.x` and `credentials.x`."""

    def __init__(self, *, creating: bool, kind: str | None = None):
        super().__init__()
        self.creating = creating
        self.name = self.add("name", "Name")
        self.kind = self.add("kind", "Kind", "shopify")
        self.base_url = self.add("settings.base_url", "Shop address (base URL)")
        self.sync_interval = self.add("settings.sync_interval_minutes", "Sync every (minutes)")
        # Editing shows the secrets of the channel's kind only; creating shows them all, each labelled by kind.
        names = SECRETS.get(kind, ALL_SECRETS) if kind else ALL_SECRETS
        self.secrets = [self.add(f"credentials.{name}", SECRET_LABELS[name]) for name in names]
        self.enabled = True

    @classmethod
    def from_channel(cls, channel) -> "ChannelForm":
        form = cls(creating=False, kind=channel.kind)
        form.name.value, form.kind.value, form.enabled = channel.name, channel.kind, channel.enabled
        settings = getattr(channel, "settings", None) or {}
        form.base_url.value = str(settings.get("base_url", "") or "")
        interval = settings.get("sync_interval_minutes")
        form.sync_interval.value = "" if interval is None else str(interval)
        return form

    @classmethod
    def from_post(cls, data, *, creating: bool, kind: str | None = None) -> "ChannelForm":
        form = cls(creating=creating, kind=kind)
        form.values_from(data)
        form.enabled = bool(data.get("enabled"))
        return form

    def settings(self) -> dict:
        settings = {}
        if self.base_url.value:
            settings["base_url"] = self.base_url.value
        if self.sync_interval.value:
            value = self.sync_interval.value
            settings["sync_interval_minutes"] = int(value) if value.isdigit() and len(value) < 7 else value
        return settings

    def credentials(self) -> dict:
        """The secrets typed in; on create every one the kind needs, on edit only those to replace."""
        return {field.name.split(".", 1)[1]: field.value for field in self.secrets if field.value}

    def create_input(self) -> dict:
        return {
            "name": self.name.value,
            "kind": self.kind.value,
            "enabled": self.enabled,
            "settings": self.settings(),
            "credentials": self.credentials(),
        }

    def changes(self, channel) -> dict:
        """What the edit sends; settings the form does not show (the status table) are kept as they are."""
        settings = {**self.settings()}
        if status_map := (channel.settings or {}).get("status_map"):
            settings["status_map"] = status_map
        changes = {"name": self.name.value, "enabled": self.enabled, "settings": settings}
        if credentials := self.credentials():
            changes["credentials"] = credentials
        return changes


class MappingForm(FormState):
    """One channel SKU → one of our variants."""

    def __init__(self):
        super().__init__()
        self.external_sku = self.add("external_sku", "Channel SKU")
        self.variant_sku = self.add("variant_sku", "Our variant")

    @classmethod
    def from_post(cls, data) -> "MappingForm":
        form = cls()
        form.values_from(data)
        return form

    def data(self) -> dict:
        return {"external_sku": self.external_sku.value, "variant_sku": self.variant_sku.value}
