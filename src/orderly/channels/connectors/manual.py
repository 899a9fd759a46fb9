"""Manual: orders typed in by a person or posted to the orders API. Nothing to pull, verify or push."""

from orderly.channels.connectors.base import BaseConnector


class Connector(BaseConnector):
    kind = "manual"
