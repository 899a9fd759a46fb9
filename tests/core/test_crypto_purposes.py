"""Credentials at rest, per purpose: channels and carriers each read only their own values, and the channels' key
is still derived exactly as before the module moved to core (stored channel credentials keep decrypting)."""

import base64
import json

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from orderly.core import crypto


def fernet_for(info: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"orderly", info=info).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def test_a_channel_value_stored_under_the_old_derivation_still_decrypts(monkeypatch):
    monkeypatch.delenv("ORDERLY_CREDENTIALS_KEY", raising=False)
    stored = "v2." + fernet_for(b"orderly channel credentials v2").encrypt(b'{"access_token":"shpat_1"}').decode()
    assert crypto.decrypt(stored, purpose=crypto.CHANNELS) == {"access_token": "shpat_1"}


def test_carriers_use_their_own_key(monkeypatch):
    monkeypatch.delenv("ORDERLY_CREDENTIALS_KEY", raising=False)
    token = crypto.encrypt({"api_key": "EZTK-secret"}, purpose=crypto.CARRIERS)
    plain = fernet_for(b"orderly carrier credentials v1").decrypt(token[3:].encode())
    assert json.loads(plain) == {"api_key": "EZTK-secret"}
    assert crypto.decrypt(token, purpose=crypto.CARRIERS) == {"api_key": "EZTK-secret"}


def test_a_value_of_one_purpose_is_unreadable_as_the_other():
    carrier = crypto.encrypt({"api_key": "k"}, purpose=crypto.CARRIERS)
    channel = crypto.encrypt({"access_token": "t"}, purpose=crypto.CHANNELS)
    with pytest.raises(crypto.CredentialsUnreadable):
        crypto.decrypt(carrier, purpose=crypto.CHANNELS)
    with pytest.raises(crypto.CredentialsUnreadable):
        crypto.decrypt(channel, purpose=crypto.CARRIERS)


def test_carriers_never_read_the_channels_first_scheme():
    with pytest.raises(crypto.CredentialsUnreadable):
        crypto.decrypt("v1." + "A" * 80, purpose=crypto.CARRIERS)
