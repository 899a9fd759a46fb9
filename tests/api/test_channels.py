"""API: channels and their SKU mappings, by role, with bad input refused and nothing written."""

import pytest

from orderly.catalog.models import ChannelSkuMapping
from orderly.channels.models import SalesChannel
from orderly.channels.settings_schema import SWITCHES
from orderly.core import crypto
from tests.api.helpers import error_of

pytestmark = pytest.mark.django_db

SHOPIFY = {
    "name": "Roastery shop",
    "kind": "shopify",
    "settings": {"base_url": "http://127.0.0.1:9/shop"},
    "credentials": {"access_token": "shpat_0123456789abcdef", "webhook_secret": "whsec-0123456789-xyz"},
}


def channels_state() -> list:
    return list(
        SalesChannel.objects.order_by("id").values_list(
            "name", "kind", "enabled", "settings", "credentials_encrypted", "updated_at"
        )
    )


def make_shopify(api, **overrides) -> dict:
    response = api.post("/channels", {**SHOPIFY, **overrides}, role="manager")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_shopify_channel_masks_credentials_and_encrypts_them(api):
    body = make_shopify(api)
    assert body["name"] == "Roastery shop"
    assert body["kind"] == "shopify"
    assert body["enabled"] is True
    assert body["settings"] == {
        "base_url": "http://127.0.0.1:9/shop",
        "sync_interval_minutes": 15,
        "status_map": {},
        **SWITCHES,
    }
    assert body["credentials"] == {"access_token": "••••cdef", "webhook_secret": "••••-xyz"}
    assert body["webhook_url"] == f"http://testserver/api/v1/channels/{body['id']}/webhook"
    assert body["orders"] == 0
    assert body["errors"] == 0
    assert body["last_sync_at"] is None
    assert body["next_sync_at"] is not None
    stored = SalesChannel.objects.get(pk=body["id"])
    assert "shpat_0123456789abcdef" not in stored.credentials_encrypted
    assert (
        crypto.decrypt(stored.credentials_encrypted, purpose=crypto.CHANNELS)["access_token"]
        == "shpat_0123456789abcdef"
    )
    assert "shpat_0123456789abcdef" not in api.get(f"/channels/{body['id']}", role="viewer").content.decode()


def test_list_channels_includes_the_manual_channel_and_counts(api):
    make_shopify(api)
    response = api.get("/channels", role="viewer")
    assert response.status_code == 200
    data = response.json()
    assert [item["name"] for item in data["items"]] == ["Manual", "Roastery shop"]
    assert data["total"] == 2
    assert data["items"][0]["credentials"] == {}


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("viewer", 403), ("operator", 403), ("manager", 201), ("admin", 201)]
)
def test_create_channel_needs_a_manager(api, role, status):
    before = channels_state()
    response = api.post("/channels", SHOPIFY, role=role)
    assert response.status_code == status
    if status != 201:
        assert channels_state() == before


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 200), ("operator", 200), ("admin", 200)])
def test_reading_channels_needs_a_token(api, role, status):
    assert api.get("/channels", role=role).status_code == status
    channel = SalesChannel.objects.get(name="Manual")
    assert api.get(f"/channels/{channel.id}", role=role).status_code == status


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**SHOPIFY, "kind": "ebay"}, "kind", "invalid"),
        ({**SHOPIFY, "name": ""}, "name", "invalid"),
        ({**SHOPIFY, "settings": {}}, "settings.base_url", "invalid"),
        ({**SHOPIFY, "settings": {"base_url": "ftp://shop"}}, "settings.base_url", "invalid"),
        ({**SHOPIFY, "settings": {"base_url": "http://x.test", "colour": 1}}, "settings.colour", "invalid"),
        ({**SHOPIFY, "credentials": {"consumer_key": "k"}}, "credentials.consumer_key", "invalid"),
        ({**SHOPIFY, "credentials": {"access_token": 5}}, "credentials.access_token", "invalid"),
        ({**SHOPIFY, "surprise": True}, "surprise", "unknown_field"),
        ({k: v for k, v in SHOPIFY.items() if k != "kind"}, "kind", "required"),
    ],
)
def test_bad_channel_is_refused_naming_the_field(api, body, field, code):
    before = channels_state()
    response = api.post("/channels", body, role="manager")
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field
    assert error["code"] == code
    assert channels_state() == before


def test_duplicate_name_is_a_conflict(api):
    make_shopify(api)
    before = channels_state()
    response = api.post("/channels", SHOPIFY, role="manager")
    assert response.status_code == 409
    assert error_of(response)["field"] == "name"
    assert channels_state() == before


def test_patch_keeps_secrets_not_sent_and_disables(api):
    channel = make_shopify(api)
    response = api.patch(
        f"/channels/{channel['id']}",
        {"enabled": False, "credentials": {"access_token": "shpat_new_token_9999"}},
        role="manager",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["enabled"] is False
    assert body["next_sync_at"] is None
    assert body["credentials"] == {"access_token": "••••9999", "webhook_secret": "••••-xyz"}
    stored = crypto.decrypt(SalesChannel.objects.get(pk=channel["id"]).credentials_encrypted, purpose=crypto.CHANNELS)
    assert stored == {"access_token": "shpat_new_token_9999", "webhook_secret": "whsec-0123456789-xyz"}


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 403), ("operator", 403), ("manager", 200)])
def test_patch_needs_a_manager(api, role, status):
    channel = make_shopify(api)
    before = channels_state()
    response = api.patch(f"/channels/{channel['id']}", {"name": "Renamed"}, role=role)
    assert response.status_code == status
    if status != 200:
        assert channels_state() == before


def test_patch_bad_settings_writes_nothing(api):
    channel = make_shopify(api)
    before = channels_state()
    response = api.patch(f"/channels/{channel['id']}", {"settings": {"sync_interval_minutes": 0}}, role="manager")
    assert response.status_code == 422
    assert error_of(response)["field"] == "settings.base_url"
    assert channels_state() == before


def test_unknown_channel_is_404(api):
    response = api.get("/channels/999999", role="viewer")
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "No channel 999999.",
        "field": None,
        "detail": {"resource": "channel", "key": 999999},
    }
    assert api.patch("/channels/999999", {"name": "x"}, role="manager").status_code == 404


def test_mappings_create_replace_list_delete(api, variant):
    channel = make_shopify(api)
    path = f"/channels/{channel['id']}/mappings"
    response = api.post(path, {"external_sku": "SHOP-ESP", "variant_sku": "ESP-250"}, role="manager")
    assert response.status_code == 200, response.content
    assert response.json()["variant_sku"] == "ESP-250"
    assert response.json()["external_sku"] == "SHOP-ESP"
    listed = api.get(path, role="viewer").json()
    assert [(m["external_sku"], m["variant_sku"]) for m in listed["items"]] == [("SHOP-ESP", "ESP-250")]
    assert api.delete(f"{path}/SHOP-ESP", role="manager").status_code == 204
    assert ChannelSkuMapping.objects.count() == 0
    missing = api.delete(f"{path}/SHOP-ESP", role="manager")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    assert error_of(missing)["detail"] == {"resource": "mapping", "key": "SHOP-ESP"}


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 403), ("operator", 403), ("admin", 200)])
def test_mapping_needs_a_manager(api, variant, role, status):
    channel = make_shopify(api)
    response = api.post(
        f"/channels/{channel['id']}/mappings", {"external_sku": "S-1", "variant_sku": "ESP-250"}, role=role
    )
    assert response.status_code == status
    assert ChannelSkuMapping.objects.count() == (1 if status == 200 else 0)


def test_mapping_to_an_unknown_variant_is_refused(api, variant):
    channel = make_shopify(api)
    response = api.post(
        f"/channels/{channel['id']}/mappings", {"external_sku": "S-1", "variant_sku": "NOPE"}, role="manager"
    )
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "unknown_sku",
        "message": "variant_sku: No product variant has SKU 'NOPE'.",
        "field": "variant_sku",
        "detail": {"sku": "NOPE"},
    }
    assert ChannelSkuMapping.objects.count() == 0
