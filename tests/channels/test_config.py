import pytest

from orderly.channels.models import SalesChannel
from orderly.channels.selectors import channel_credentials, channel_overview, masked_credentials, unmapped_skus
from orderly.channels.services import channel_create, channel_update, mapping_delete, mapping_set
from orderly.channels.settings_schema import SWITCHES
from orderly.core import crypto
from orderly.core.exceptions import Conflict, NotFound, ValidationError


def test_credentials_are_encrypted_at_rest_and_masked_when_shown(db):
    channel = channel_create(
        name="Shop",
        kind="shopify",
        settings={"base_url": "https://shop.example.com/"},
        credentials={"access_token": "shpat_0123456789abcdef", "webhook_secret": "whsec-abcdefghijkl"},
    )
    stored = SalesChannel.objects.get(pk=channel.pk).credentials_encrypted
    assert stored.startswith("v2.")
    assert "shpat" not in stored and "0123456789abcdef" not in stored
    assert channel_credentials(channel) == {
        "access_token": "shpat_0123456789abcdef",
        "webhook_secret": "whsec-abcdefghijkl",
    }
    assert masked_credentials(channel) == {"access_token": "••••cdef", "webhook_secret": "••••ijkl"}
    assert channel.settings == {
        "base_url": "https://shop.example.com",
        "sync_interval_minutes": 15,
        "status_map": {},
        **SWITCHES,
    }
    assert channel.next_sync_at is not None


def test_an_altered_or_foreign_ciphertext_is_not_read(db, monkeypatch):
    token = crypto.encrypt({"access_token": "secret-value-123"}, purpose=crypto.CHANNELS)
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(crypto.CredentialsUnreadable):
        crypto.decrypt(tampered, purpose=crypto.CHANNELS)
    monkeypatch.setenv("ORDERLY_CREDENTIALS_KEY", "another key from the environment, long enough")
    with pytest.raises(crypto.CredentialsUnreadable):
        crypto.decrypt(token, purpose=crypto.CHANNELS)
    assert crypto.decrypt(crypto.encrypt({"a": "b"}, purpose=crypto.CHANNELS), purpose=crypto.CHANNELS) == {"a": "b"}


def test_credentials_left_out_of_an_update_keep_their_value(db):
    channel = channel_create(
        name="Woo",
        kind="woocommerce",
        settings={"base_url": "http://127.0.0.1:9"},
        credentials={"consumer_key": "ck_1", "consumer_secret": "cs_1"},
    )
    channel_update(channel=channel, credentials={"consumer_secret": "cs_2"})
    channel.refresh_from_db()
    assert channel_credentials(channel) == {"consumer_key": "ck_1", "consumer_secret": "cs_2"}


@pytest.mark.parametrize(
    "kind, channel_settings, credentials, field",
    [
        ("shopify", {}, {}, "settings.base_url"),
        ("shopify", {"base_url": "ftp://x"}, {}, "settings.base_url"),
        (
            "woocommerce",
            {"base_url": "https://w.example", "sync_interval_minutes": 0},
            {},
            "settings.sync_interval_minutes",
        ),
        ("csv", {"base_url": "https://x.example"}, {}, "settings.base_url"),
        ("csv", {"colour": "red"}, {}, "settings.colour"),
        ("webhook", {"status_map": {"paid": "ship"}}, {}, "settings.status_map"),
        ("webhook", {}, {"access_token": "x"}, "credentials.access_token"),
        ("shopify", {"base_url": "https://s.example"}, {"access_token": 5}, "credentials.access_token"),
        ("fax", {}, {}, "kind"),
    ],
)
def test_bad_settings_and_credentials_are_refused_naming_the_field(db, kind, channel_settings, credentials, field):
    with pytest.raises(ValidationError) as refused:
        channel_create(name="X", kind=kind, settings=channel_settings, credentials=credentials)
    assert refused.value.field == field
    assert not SalesChannel.objects.filter(name="X").exists()


def test_names_are_unique(db):
    channel_create(name="Shop", kind="csv")
    with pytest.raises(Conflict):
        channel_create(name="Shop", kind="csv")


def test_enabling_schedules_and_disabling_stops_syncing(db):
    channel = channel_create(name="Shop", kind="shopify", enabled=False, settings={"base_url": "https://s.example"})
    assert channel.next_sync_at is None
    channel = channel_update(channel=channel, enabled=True)
    assert channel.next_sync_at is not None
    channel = channel_update(channel=channel, enabled=False)
    assert channel.next_sync_at is None


def test_mappings_and_unmapped_skus(db, variants, actor):
    from tests.factories import make_order

    channel = channel_create(name="File", kind="csv")
    make_order(
        channel=channel, items=[{"sku": "SHOP-1", "quantity": 1, "unit_price": "1.00"}], actor=actor, strict=False
    )
    assert unmapped_skus(channel) == [{"sku": "SHOP-1", "orders": 1, "mapped": False}]
    mapping = mapping_set(channel=channel, external_sku="SHOP-1", variant_sku="ESP-250")
    assert mapping.variant == variants["ESP-250"]
    assert unmapped_skus(channel) == [{"sku": "SHOP-1", "orders": 1, "mapped": True}]  # until the order is reset
    assert mapping_set(channel=channel, external_sku="SHOP-1", variant_sku="DEC-250").pk == mapping.pk
    with pytest.raises(ValidationError) as refused:
        mapping_set(channel=channel, external_sku="SHOP-2", variant_sku="NOPE")
    assert (refused.value.code, refused.value.detail) == ("unknown_sku", {"sku": "NOPE"})
    mapping_delete(channel=channel, external_sku="SHOP-1")
    with pytest.raises(NotFound):
        mapping_delete(channel=channel, external_sku="SHOP-1")
    [row] = [c for c in channel_overview() if c.pk == channel.pk]
    assert (row.order_count, row.error_count) == (1, 1)
