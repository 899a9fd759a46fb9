"""What the carriers services share: the connector of an account, carrier failures as domain errors, and locking.

Locks follow the global order: the order, then its items (shipping's own helpers), then the fulfillment, then its
parcel. A carrier is never called while a row is locked: the services reserve what they change, commit, call, and
record the answer in a second transaction that checks again what the first one saw.
"""

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


def connector_for(account: CarrierAccount, *, client=None):
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
    """Let go of the connector's HTTP client (connectors that hold none have nothing to close)."""
    if callable(closing := getattr(connector, "close", None)):
        closing()
