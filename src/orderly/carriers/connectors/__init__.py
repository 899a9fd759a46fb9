"""Carrier connectors: one class per carrier kind, all speaking the contract in `base`.

`connector_class(kind)` finds the class; each module is imported only when its kind is first asked for, so a
deployment without one carrier's dependencies still runs the others.
"""

import importlib

KINDS: dict[str, tuple[str, str]] = {
    "sendcloud": ("orderly.carriers.connectors.sendcloud", "SendcloudConnector"),
    "easypost": ("orderly.carriers.connectors.easypost", "EasyPostConnector"),
    "own": ("orderly.carriers.connectors.own", "OwnConnector"),
}


class UnknownCarrierKind(LookupError):
    """A carrier kind Orderly has no connector for."""

    def __init__(self, kind: str):
        self.kind = kind
        super().__init__(f"Unknown carrier kind {kind!r}; Orderly knows {', '.join(sorted(KINDS))}.")


def connector_class(kind: str) -> type:
    """The connector class of a carrier kind (`sendcloud`, `easypost`, `own`); UnknownCarrierKind otherwise."""
    try:
        module_name, class_name = KINDS[kind]
    except (KeyError, TypeError):
        raise UnknownCarrierKind(kind) from None
    return getattr(importlib.import_module(module_name), class_name)
