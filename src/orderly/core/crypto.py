"""Credentials encrypted at rest (sales channels', carrier accounts'), with Fernet (AES-128-CBC and HMAC-SHA256,
from `cryptography`).

Key: `ORDERLY_CREDENTIALS_KEY` from the environment (any string; 32 or more random characters), or SECRET_KEY when
it is not set, so a fresh install works (change the key and the credentials must be entered again). Each purpose
gets its own Fernet key, derived from that string with HKDF-SHA256 (salt `orderly`, the purpose's info string, 32
bytes), so any length of secret gives a full-strength key and a value encrypted for one purpose cannot be read as
another's. Channels keep the info string `orderly channel credentials v2` they always had, so the credentials
stored before this module moved to core still decrypt; carriers use `orderly carrier credentials v1`.

Stored form: `v2.` + the Fernet token. Channel tokens of the first scheme (`v1.`: the standard library's
HMAC-SHA256 in counter mode with an encrypt-then-MAC tag) are still read; channels' migration 0005 re-encrypts them
as v2, and every save writes v2. Carriers never had the first scheme: a `v1.` value is refused for them. A token
altered, truncated or made with another key raises CredentialsUnreadable: callers turn that into a clear message,
never a server error and never a hint of the content.
"""

import base64
import functools
import hashlib
import hmac
import json
import os
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v2."
LEGACY_PREFIX = "v1."


class CredentialsUnreadable(Exception):
    """The stored credentials were not written with this key (or were altered)."""


@dataclass(frozen=True)
class Purpose:
    """What a value is encrypted for: its own key (the HKDF info string), and whether the first scheme is read."""

    info: bytes
    reads_legacy: bool = False


CHANNELS = Purpose(info=b"orderly channel credentials v2", reads_legacy=True)
CARRIERS = Purpose(info=b"orderly carrier credentials v1")


def _secret() -> bytes:
    return (os.environ.get("ORDERLY_CREDENTIALS_KEY") or settings.SECRET_KEY).encode()


@functools.lru_cache(maxsize=8)
def _fernet(secret: bytes, info: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"orderly", info=info)
    return Fernet(base64.urlsafe_b64encode(key.derive(secret)))


def encrypt(data: dict, *, purpose: Purpose) -> str:
    """Encrypt a JSON object of credentials (always the current scheme); an empty object is stored as ""."""
    if not data:
        return ""
    plain = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return PREFIX + _fernet(_secret(), purpose.info).encrypt(plain).decode()


def decrypt(token: str, *, purpose: Purpose) -> dict:
    """The credentials object; raises CredentialsUnreadable when the token was altered or made with another key."""
    if not token:
        return {}
    if token.startswith(LEGACY_PREFIX) and purpose.reads_legacy:
        return json.loads(_legacy_decrypt(token))
    if not token.startswith(PREFIX):
        raise CredentialsUnreadable("Unknown credentials format.")
    try:
        plain = _fernet(_secret(), purpose.info).decrypt(token[len(PREFIX) :].encode())
    except (InvalidToken, ValueError, TypeError):
        raise CredentialsUnreadable("Credentials were altered or encrypted with another key.") from None
    return json.loads(plain)


def is_legacy(token: str) -> bool:
    """Whether the token was written by the first scheme and should be re-encrypted."""
    return token.startswith(LEGACY_PREFIX)


# ---- the channels' first scheme, read only -------------------------------------------------------------------------

_NONCE, _TAG = 16, 32


def _legacy_keys() -> tuple[bytes, bytes]:
    if key := os.environ.get("ORDERLY_CREDENTIALS_KEY"):
        master = hashlib.sha256(key.encode()).digest()
    else:
        master = hmac.new(settings.SECRET_KEY.encode(), b"orderly channel credentials", hashlib.sha256).digest()
    return (
        hmac.new(master, b"encrypt", hashlib.sha256).digest(),
        hmac.new(master, b"authenticate", hashlib.sha256).digest(),
    )


def _legacy_decrypt(token: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token[len(LEGACY_PREFIX) :].encode())
    except (ValueError, TypeError):
        raise CredentialsUnreadable("Credentials are not valid base64.") from None
    if len(raw) < _NONCE + _TAG:
        raise CredentialsUnreadable("Credentials are truncated.")
    nonce, cipher, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    enc_key, mac_key = _legacy_keys()
    if not hmac.compare_digest(tag, hmac.new(mac_key, b"v1" + nonce + cipher, hashlib.sha256).digest()):
        raise CredentialsUnreadable("Credentials were altered or encrypted with another key.")
    stream = b"".join(
        hmac.new(enc_key, nonce + n.to_bytes(8, "big"), hashlib.sha256).digest()
        for n in range((len(cipher) + 31) // 32)
    )
    return bytes(a ^ b for a, b in zip(cipher, stream, strict=False))


def mask(value: str) -> str:
    """Show enough to recognise a secret, never the secret: the last 4 characters of a long one."""
    if not value:
        return ""
    if len(value) < 12:
        return "••••"
    return "••••" + value[-4:]
