"""What the carriers services share: the connector of an account, carrier failures as domain errors, and locking.

Locks follow the global order: the order, then its items (shipping's own helpers), then the fulfillment, then its
parcel. A carrier is never called while a row is locked: the services reserve what they change, commit, call, and
record the answer in a second transaction that checks again what the first one saw.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from orderly.carriers.connectors import base, connector_class
from orderly.carriers.models import CarrierAccount
from orderly.core import crypto
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, DomainError, ValidationError


def credentials_of(account: CarrierAccount) -> dict:
    """The account's decrypted credentials; CARRIER_AUTH_FAILED when this server's key cannot read them."""
    try:
        return crypto.decrypt(account.credentials_encrypted, purpose=crypto.CARRIERS)
    except crypto.CredentialsUnreadable:
        raise Conflict(
            f"The credentials of carrier {account.name} cannot be read with this server's key.",
            code=ErrorCode.CARRIER_AUTH_FAILED,
            carrier=account.name,
            carrier_text="",
            fix="Enter the account's credentials again on its settings.",
        ) from None


T = TypeVar("T")
SESSION_MAX_AGE = 60.0  # seconds a session keeps what it read before reading it again


class _Session(threading.local):
    """What a booking session of this thread keeps: {name: (when read, value)} and {account key: connector}."""

    def __init__(self):
        self.depth = 0
        self.max_age = SESSION_MAX_AGE
        self.read: dict[str, tuple[float, object]] = {}
        self.connectors: dict[tuple, object] = {}


_session = _Session()


@contextmanager
def booking_session(*, max_age: float = SESSION_MAX_AGE) -> Iterator[None]:
    """Within the block (a batch worker's run of many bookings, in one thread), what every booking reads alike is
    read once: the shipping rules with their methods and accounts and the packaging weight (session_read), and
    each account's connector with its HTTP client (connector_for), whose connection to the carrier stays open from
    one booking to the next instead of being opened for each. A setting edited meanwhile counts after `max_age`
    seconds (an account's new credentials or settings at once: its connector is made again). The connectors are
    closed when the outermost block ends. Outside a block everything is read and made afresh for each booking."""
    _session.depth += 1
    if _session.depth == 1:
        _session.max_age = max_age
    try:
        yield
    finally:
        _session.depth -= 1
        if not _session.depth:
            connectors, _session.connectors, _session.read = list(_session.connectors.values()), {}, {}
            for connector in connectors:
                _close(connector)


def in_session() -> bool:
    """Whether this thread is inside a booking session."""
    return _session.depth > 0


def session_read(name: str, read: Callable[[], T]) -> T:
    """`read()`, once per booking session (again when older than its max_age); every time outside a session."""
    if not _session.depth:
        return read()
    now = time.monotonic()
    kept = _session.read.get(name)
    if kept is None or now - kept[0] > _session.max_age:
        kept = _session.read[name] = (now, read())
    return kept[1]


def connector_for(account: CarrierAccount, *, client=None):
    """The account's connector; in a booking session the one made for it before (the same credentials and
    settings), its HTTP client kept open."""
    if client is not None or not _session.depth:
        return _connector(account, client)
    key = (account.pk, account.kind, account.credentials_encrypted, json.dumps(account.settings or {}, sort_keys=True))
    connector = _session.connectors.get(key)
    if connector is None:
        connector = _session.connectors[key] = _connector(account, None)
    return connector


def _connector(account: CarrierAccount, client):
    return connector_class(account.kind)(credentials=credentials_of(account), settings=account.settings or {},
                                         client=client)  # fmt: skip


def carrier_failure(account: CarrierAccount, exc: base.CarrierError) -> DomainError:
    """The domain error a carrier's failure is answered with: what the carrier said, and what to do."""
    detail = {"carrier": account.name, "carrier_text": (exc.carrier_text or "")[:500], "fix": exc.fix or ""}
    message = f"{account.name}: {exc.message}"
    if isinstance(exc, base.CarrierAuthFailed):
        detail["fix"] = detail["fix"] or "Enter the account's API keys again on the carrier's settings."
        return Conflict(message, code=ErrorCode.CARRIER_AUTH_FAILED, **detail)
    if isinstance(exc, base.CarrierRefused):
        return ValidationError(message, code=ErrorCode.CARRIER_REFUSED, field=exc.field or None, **detail)
    detail["fix"] = detail["fix"] or "Try again in a few minutes; the same request never buys a second label."
    return Conflict(message, code=ErrorCode.CARRIER_UNAVAILABLE, **detail)


def close(connector) -> None:
    """Let go of the connector's HTTP client (connectors that hold none have nothing to close); one a booking
    session keeps is closed when the session ends."""
    if any(kept is connector for kept in _session.connectors.values()):
        return
    _close(connector)


def _close(connector) -> None:
    if callable(closing := getattr(connector, "close", None)):
        closing()
