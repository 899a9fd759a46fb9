"""Connectors: one module per channel kind, each defining `Connector`; see base.py for the interface."""

import importlib

from orderly.channels.connectors.base import BaseConnector

# Module per kind where the module's name is not the kind itself.
MODULES = {"csv": "csv_file"}


def get_connector(channel, **kwargs) -> BaseConnector:
    """The connector for the channel's kind, holding its credentials in clear (never stored or shown)."""
    from orderly.channels.selectors import channel_credentials

    module = importlib.import_module(f"{__name__}.{MODULES.get(channel.kind, channel.kind)}")
    return module.Connector(channel, channel_credentials(channel), **kwargs)
