"""The per-channel switch "send customer e-mails".

Stored in this area (ChannelEmailSetting, one row per channel that has been set) rather than among the channel's
settings: the channels area sits below this one and checks its settings against its own list, and the switch is
this area's business. Without a row, the channel's kind decides: off for the shops that e-mail their customers
themselves once Orderly tells them the order shipped (Shopify fulfillments are created with notify_customer;
WooCommerce sends its "completed order" mail and the tracking note to the customer), on for every other kind
(manual and CSV orders, the generic webhook and the sandbox have no shop that writes to the customer).
"""

from django.db import transaction
from django.utils import timezone

from orderly.channels.models import ChannelKind, SalesChannel
from orderly.core.actors import Actor
from orderly.notifications.models import ChannelEmailSetting

DEFAULT_OFF_KINDS = frozenset({ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE})


def default_for(channel: SalesChannel) -> bool:
    return channel.kind not in DEFAULT_OFF_KINDS


def sends_customer_emails(channel: SalesChannel) -> bool:
    """Whether the customers of this channel's orders get Orderly's shipped and delivered e-mails."""
    setting = ChannelEmailSetting.objects.filter(channel=channel).first()
    return default_for(channel) if setting is None else setting.send_customer_emails


def channel_switches() -> list[tuple[SalesChannel, bool, bool]]:
    """Every channel by name with (channel, whether it sends, whether that is its kind's default), in two queries."""
    stored = dict(ChannelEmailSetting.objects.values_list("channel_id", "send_customer_emails"))
    channels = SalesChannel.objects.order_by("name", "id")
    return [(c, stored.get(c.pk, default_for(c)), c.pk not in stored) for c in channels]


def channel_emails_set(*, channel: SalesChannel, send: bool, actor: Actor) -> ChannelEmailSetting:
    """Turn the channel's customer e-mails on or off (from now on: e-mails already queued are still sent)."""
    with transaction.atomic():
        setting, _ = ChannelEmailSetting.objects.update_or_create(
            channel=channel,
            defaults={"send_customer_emails": bool(send), "updated_at": timezone.now(), "updated_by": actor.name[:150]},
        )
    return setting
