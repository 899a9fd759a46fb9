"""Creating and configuring channels: settings, encrypted credentials, the enabled switch and its schedule."""

from django.db import transaction
from django.utils import timezone

from orderly.channels.locks import lock_channel
from orderly.channels.models import ChannelKind, SalesChannel
from orderly.channels.settings_schema import clean_credentials, clean_settings
from orderly.core import crypto
from orderly.core.exceptions import AlreadyExists, ValidationError
from orderly.core.retry import retry_on_conflict


def _clean_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) or name is None else None
    if not name or len(name) > 100:
        raise ValidationError("A channel name of 1 to 100 characters is required.", field="name")
    return name


def _check_kind(kind) -> str:
    if kind not in ChannelKind.values:
        raise ValidationError(
            f"Unknown channel kind {kind!r}; choose one of {', '.join(ChannelKind.values)}.", field="kind"
        )
    return kind


def channel_create(
    *,
    name: str,
    kind: str = ChannelKind.MANUAL,
    enabled: bool = True,
    settings: dict | None = None,
    credentials: dict | None = None,
) -> SalesChannel:
    """Create a channel. Names are unique; settings and credentials are checked for the kind (ValidationError naming
    the field); credentials are stored encrypted. An enabled pulling channel is due for its first sync at once."""
    name = _clean_name(name)
    kind = _check_kind(kind)
    clean = clean_settings(kind, settings)
    secrets = clean_credentials(kind, credentials)
    with transaction.atomic():
        if SalesChannel.objects.filter(name=name).exists():
            raise AlreadyExists(f"A channel named {name!r} already exists.", resource="channel", key=name, field="name")
        channel = SalesChannel(
            name=name,
            kind=kind,
            enabled=bool(enabled),
            settings=clean,
            credentials_encrypted=crypto.encrypt(secrets, purpose=crypto.CHANNELS),
        )
        channel.next_sync_at = timezone.now() if channel.enabled and channel.pulls else None
        channel.save()
    return channel


@retry_on_conflict
def channel_update(
    *,
    channel: SalesChannel,
    name: str | None = None,
    enabled: bool | None = None,
    settings: dict | None = None,
    credentials: dict | None = None,
) -> SalesChannel:
    """Change a channel's name, switch, settings (replaced whole) or credentials (keys given replace, others stay).

    Enabling a pulling channel makes it due at once; disabling clears its schedule. The kind never changes.
    """
    with transaction.atomic():
        channel = lock_channel(channel.pk)
        if channel is None:
            raise SalesChannel.DoesNotExist
        fields = ["updated_at"]
        if name is not None:
            name = _clean_name(name)
            if SalesChannel.objects.filter(name=name).exclude(pk=channel.pk).exists():
                raise AlreadyExists(
                    f"A channel named {name!r} already exists.", resource="channel", key=name, field="name"
                )
            channel.name = name
            fields.append("name")
        if settings is not None:
            channel.settings = clean_settings(channel.kind, settings)
            fields.append("settings")
        if credentials is not None:
            current = _read_credentials(channel)
            channel.credentials_encrypted = crypto.encrypt(
                clean_credentials(channel.kind, credentials, current=current), purpose=crypto.CHANNELS
            )
            fields.append("credentials_encrypted")
        if enabled is not None and bool(enabled) != channel.enabled:
            channel.enabled = bool(enabled)
            channel.next_sync_at = timezone.now() if channel.enabled and channel.pulls else None
            fields += ["enabled", "next_sync_at"]
        channel.save(update_fields=fields)
    return channel


def _read_credentials(channel: SalesChannel) -> dict:
    try:
        return crypto.decrypt(channel.credentials_encrypted, purpose=crypto.CHANNELS)
    except crypto.CredentialsUnreadable:
        return {}
