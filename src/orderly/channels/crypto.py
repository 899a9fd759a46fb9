"""Channel credentials encrypted at rest.

The key comes from the environment (`ORDERLY_CREDENTIALS_KEY`, any string of 32 or more characters); without it a key
is derived from SECRET_KEY so a fresh install works (rotate SECRET_KEY and the credentials must be entered again).

The scheme uses only the standard library: HMAC-SHA256 as a pseudo-random function in counter mode for the
keystream, and an HMAC-SHA256 tag over version, nonce and ciphertext (encrypt-then-MAC), with separate keys derived
for each. A token is `v1.` + urlsafe base64 of nonce (16 bytes) + ciphertext + tag (32 bytes).
"""

import base64
import hashlib
import hmac
import json
import os
import secrets

from django.conf import settings

VERSION = b"v1"
NONCE_BYTES = 16
TAG_BYTES = 32


class CredentialsUnreadable(Exception):
    """The stored credentials were not written with this key (or were altered)."""


def _master_key() -> bytes:
    if key := os.environ.get("ORDERLY_CREDENTIALS_KEY"):
        return hashlib.sha256(key.encode()).digest()
    return hmac.new(settings.SECRET_KEY.encode(), b"orderly channel credentials", hashlib.sha256).digest()


def _keys() -> tuple[bytes, bytes]:
    master = _master_key()
    return (
        hmac.new(master, b"encrypt", hashlib.sha256).digest(),
        hmac.new(master, b"authenticate", hashlib.sha256).digest(),
    )


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest())
    return b"".join(blocks)[:length]


def encrypt(data: dict) -> str:
    """Encrypt a JSON object of credentials; an empty object is stored as an empty string."""
    if not data:
        return ""
    plain = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    enc_key, mac_key = _keys()
    nonce = secrets.token_bytes(NONCE_BYTES)
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(enc_key, nonce, len(plain)), strict=True))
    tag = hmac.new(mac_key, VERSION + nonce + cipher, hashlib.sha256).digest()
    return "v1." + base64.urlsafe_b64encode(nonce + cipher + tag).decode()


def decrypt(token: str) -> dict:
    """The credentials object; raises CredentialsUnreadable when the token was altered or made with another key."""
    if not token:
        return {}
    if not token.startswith("v1."):
        raise CredentialsUnreadable("Unknown credentials format.")
    try:
        raw = base64.urlsafe_b64decode(token[3:].encode())
    except (ValueError, TypeError):
        raise CredentialsUnreadable("Credentials are not valid base64.") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise CredentialsUnreadable("Credentials are truncated.")
    nonce, cipher, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    enc_key, mac_key = _keys()
    expected = hmac.new(mac_key, VERSION + nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise CredentialsUnreadable("Credentials were altered or encrypted with another key.")
    plain = bytes(a ^ b for a, b in zip(cipher, _keystream(enc_key, nonce, len(cipher)), strict=True))
    return json.loads(plain)


def mask(value: str) -> str:
    """Show enough to recognise a secret, never the secret: the last 4 characters of a long one."""
    if not value:
        return ""
    if len(value) < 12:
        return "••••"
    return "••••" + value[-4:]
