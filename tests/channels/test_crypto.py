"""Credentials at rest: Fernet (v2) with an HKDF-derived key, the first scheme's values still read and re-encrypted,
and a wrong key or altered value refused with a clear reason, never a server error."""

import base64
import hashlib
import hmac
import importlib
import json
import secrets

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.test import Client

from orderly.channels.models import SalesChannel
from orderly.channels.services import channel_create, channel_sync, channel_update, webhook_receive
from orderly.channels.services.webhooks import WebhookRefused
from orderly.core import crypto

OTHER_KEY = "another key from the environment, long enough"


def legacy_token(data: dict) -> str:
    """A value as the first scheme wrote it (written out here from its description, independent of crypto.py)."""
    master = hmac.new(settings.SECRET_KEY.encode(), b"orderly channel credentials", hashlib.sha256).digest()
    enc = hmac.new(master, b"encrypt", hashlib.sha256).digest()
    mac = hmac.new(master, b"authenticate", hashlib.sha256).digest()
    plain = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    nonce = secrets.token_bytes(16)
    stream = b"".join(
        hmac.new(enc, nonce + n.to_bytes(8, "big"), hashlib.sha256).digest() for n in range(len(plain) // 32 + 1)
    )
    cipher = bytes(a ^ b for a, b in zip(plain, stream, strict=False))
    tag = hmac.new(mac, b"v1" + nonce + cipher, hashlib.sha256).digest()
    return "v1." + base64.urlsafe_b64encode(nonce + cipher + tag).decode()


def test_values_are_fernet_tokens_under_a_derived_key():
    token = crypto.encrypt({"access_token": "shpat_secret"}, purpose=crypto.CHANNELS)
    assert token.startswith("v2.gAAAAA")  # Fernet's version byte 0x80
    assert crypto.decrypt(token, purpose=crypto.CHANNELS) == {"access_token": "shpat_secret"}
    assert token != crypto.encrypt({"access_token": "shpat_secret"}, purpose=crypto.CHANNELS)  # a fresh IV each time
    assert crypto.encrypt({}, purpose=crypto.CHANNELS) == "" and crypto.decrypt("", purpose=crypto.CHANNELS) == {}


def test_the_first_schemes_values_are_still_read():
    assert crypto.decrypt(legacy_token({"access_token": "old-token"}), purpose=crypto.CHANNELS) == {
        "access_token": "old-token"
    }


@pytest.mark.parametrize("scheme", ["v1", "v2"])
def test_altered_or_truncated_values_are_refused(scheme):
    token = legacy_token({"a": "b"}) if scheme == "v1" else crypto.encrypt({"a": "b"}, purpose=crypto.CHANNELS)
    for bad in (token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:], token[:20], "v9.abc", "garbage"):
        with pytest.raises(crypto.CredentialsUnreadable):
            crypto.decrypt(bad, purpose=crypto.CHANNELS)


def test_a_value_from_another_key_is_refused(monkeypatch):
    token = crypto.encrypt({"a": "b"}, purpose=crypto.CHANNELS)
    monkeypatch.setenv("ORDERLY_CREDENTIALS_KEY", OTHER_KEY)
    with pytest.raises(crypto.CredentialsUnreadable):
        crypto.decrypt(token, purpose=crypto.CHANNELS)


def test_the_migration_reencrypts_old_values_and_leaves_unreadable_ones(db):
    old = channel_create(name="Old", kind="shopify", settings={"base_url": "https://a.example"})
    foreign = channel_create(name="Foreign", kind="shopify", settings={"base_url": "https://b.example"})
    SalesChannel.objects.filter(pk=old.pk).update(credentials_encrypted=legacy_token({"access_token": "t-1"}))
    SalesChannel.objects.filter(pk=foreign.pk).update(credentials_encrypted="v1.AAAA" + "A" * 64)
    migration = importlib.import_module("orderly.channels.migrations.0005_credentials_fernet")

    migration.reencrypt(django_apps, None)

    old.refresh_from_db()
    assert old.credentials_encrypted.startswith("v2.")
    assert crypto.decrypt(old.credentials_encrypted, purpose=crypto.CHANNELS) == {"access_token": "t-1"}
    assert SalesChannel.objects.get(pk=foreign.pk).credentials_encrypted.startswith("v1.")


def test_saving_credentials_writes_the_new_scheme(db):
    channel = channel_create(name="Shop", kind="woocommerce", settings={"base_url": "https://w.example"})
    SalesChannel.objects.filter(pk=channel.pk).update(
        credentials_encrypted=legacy_token({"consumer_key": "ck", "consumer_secret": "cs"})
    )
    channel_update(channel=channel, credentials={"consumer_secret": "cs-2"})
    stored = SalesChannel.objects.get(pk=channel.pk).credentials_encrypted
    assert stored.startswith("v2.")
    assert crypto.decrypt(stored, purpose=crypto.CHANNELS) == {"consumer_key": "ck", "consumer_secret": "cs-2"}


def test_a_wrong_key_fails_the_sync_with_a_clear_reason(db, monkeypatch):
    channel = channel_create(
        name="Shop", kind="shopify", settings={"base_url": "http://127.0.0.1:9"}, credentials={"access_token": "t"}
    )
    monkeypatch.setenv("ORDERLY_CREDENTIALS_KEY", OTHER_KEY)
    run = channel_sync(channel=channel)
    assert run.status == "failed"
    assert "cannot be read with this server's key" in run.error


def test_a_wrong_key_refuses_a_webhook_without_saying_more(db, monkeypatch):
    channel = channel_create(
        name="Shop",
        kind="shopify",
        settings={"base_url": "http://127.0.0.1:9"},
        credentials={"access_token": "t", "webhook_secret": "shh"},
    )
    monkeypatch.setenv("ORDERLY_CREDENTIALS_KEY", OTHER_KEY)
    with pytest.raises(WebhookRefused) as refused:
        webhook_receive(channel=channel, headers={}, body=b"{}")
    assert refused.value.message == "The delivery cannot be verified."

    response = Client().post(f"/api/v1/channels/{channel.pk}/webhook", data=b"{}", content_type="application/json")
    assert response.status_code == 401  # not a server error, and nothing about the credentials
    assert response.json()["error"]["message"] == "The delivery cannot be verified."
