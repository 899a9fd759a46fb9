"""Connectors: one module per channel kind, each defining `Connector`; see base.py for the interface."""

import importlib

from orderly.channels.connectors.base import BaseConnector, ChannelError
from orderly.core import crypto
from orderly.core.error_codes import ErrorCode

# Module per kind where the module's name is not the kind itself.
MODULES = {"csv": "csv_file"}


def get_connector(channel, **kwargs) -> BaseConnector:
    """The connector for the channel's kind, holding its credentials in clear (never stored or shown).

    Raises ChannelError `credentials_unreadable` when the stored credentials cannot be read with this server's key
    (the key changed, or the value was altered): the sync run or webhook answer says so instead of "no token".
    """
    try:
        credentials = crypto.decrypt(channel.credentials_encrypted, purpose=crypto.CHANNELS)
    except crypto.CredentialsUnreadable:
        raise ChannelError(
            f"The credentials of {channel} cannot be read with this server's key (was ORDERLY_CREDENTIALS_KEY or "
            "SECRET_KEY changed?); enter them again in the channel's settings.",
            code=ErrorCode.CREDENTIALS_UNREADABLE,
            channel=channel.name,
        ) from None
    module = importlib.import_module(f"{__name__}.{MODULES.get(channel.kind, channel.kind)}")
    return module.Connector(channel, credentials, **kwargs)
