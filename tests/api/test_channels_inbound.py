"""API: CSV upload (body or multipart) with its error report, and inbound webhooks verified by signature."""

import base64
import hashlib
import hmac
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orderly.channels.models import SyncRun, WebhookDelivery
from orderly.channels.services import channel_create
from orderly.orders.models import Order, OrderEvent
from tests.api.helpers import API, error_of
from tests.channels.fake_shops import shopify_order
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

HEADER = "order_id,customer_name,sku,quantity,unit_price,ship_name,ship_line1,ship_postal_code,ship_city,ship_country\n"
GOOD = (
    HEADER + "A1,Ann,ESP-250,2,9.50,Ann,Main 1,1011 AA,Amsterdam,NL\nA2,Bob,SHOP-X,1,5.00,Bob,Road 2,10115,Berlin,DE\n"
)
BAD = HEADER + "A1,,ESP-250,zero,9.50,Ann,Main 1,1011 AA,Amsterdam,NL\nA2,Bob,,1,5.00,Bob,Road 2,10115,Berlin,XX\n"
SECRET = "shh-shopify-secret"


@pytest.fixture
def csv_channel(db):
    VariantFactory(sku="ESP-250")
    return channel_create(name="Wholesale file", kind="csv")


@pytest.fixture
def shopify(db):
    VariantFactory(sku="ESP-250")
    return channel_create(
        name="Roastery Shopify",
        kind="shopify",
        settings={"base_url": "http://127.0.0.1:9"},
        credentials={"access_token": "shpat_test_token", "webhook_secret": SECRET},
    )


def nothing_written() -> tuple:
    return (Order.all_objects.count(), OrderEvent.objects.count(), SyncRun.objects.count())


def upload_body(api, channel, content: str, role="operator", **headers):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api.tokens[role]}"} if role else {}
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return api.client.post(
        f"{API}/channels/{channel.id}/import", data=content.encode(), content_type="text/csv", **auth, **extra
    )


def test_a_csv_body_imports_its_orders_and_flags_unknown_skus(api, csv_channel):
    response = upload_body(api, csv_channel, GOOD)
    assert response.status_code == 200, response.content
    run = response.json()
    assert (run["kind"], run["status"], run["imported"], run["trigger"]) == ("csv", "succeeded", 2, "operator")
    errored = Order.objects.get(external_id="A2")
    assert errored.has_error is True
    assert "SHOP-X" in errored.error_message
    assert Order.objects.get(external_id="A1").has_error is False


def test_a_multipart_file_imports_too(api, csv_channel):
    response = api.client.post(
        f"{API}/channels/{csv_channel.id}/import",
        {"file": SimpleUploadedFile("orders.csv", GOOD.encode(), content_type="text/csv")},
        HTTP_AUTHORIZATION=f"Bearer {api.tokens['operator']}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["imported"] == 2


def test_a_bad_file_is_refused_whole_with_every_error(api, csv_channel):
    before = nothing_written()
    response = upload_body(api, csv_channel, BAD)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "csv_rejected"
    assert error["field"] == "file"
    assert error["detail"]["errors"] == [
        {"line": 2, "column": "customer_name", "reason": "is required"},
        {"line": 2, "column": "quantity", "reason": "'zero' is not a whole number from 1 to 1000000"},
        {"line": 3, "column": "sku", "reason": "is required"},
        {"line": 3, "column": "ship_country", "reason": "'XX' is not an ISO 3166-1 country code (e.g. NL, DE)"},
    ]
    assert nothing_written() == before


def test_a_multipart_body_without_the_file_field_is_refused(api, csv_channel):
    response = api.client.post(
        f"{API}/channels/{csv_channel.id}/import",
        {"other": "x"},
        HTTP_AUTHORIZATION=f"Bearer {api.tokens['operator']}",
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "file"


def test_a_file_for_a_shop_channel_is_refused(api, shopify):
    before = nothing_written()
    response = upload_body(api, shopify, GOOD)
    assert response.status_code == 422
    assert error_of(response)["code"] == "channel_kind_unsupported"
    assert error_of(response)["detail"] == {"channel": shopify.name, "kind": "shopify", "action": "import_csv"}
    assert nothing_written() == before


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 403), ("operator", 200), ("admin", 200)])
def test_importing_needs_an_operator(api, csv_channel, role, status):
    response = upload_body(api, csv_channel, GOOD, role=role)
    assert response.status_code == status
    assert Order.objects.count() == (2 if status == 200 else 0)


def test_a_repeated_upload_with_the_same_key_is_taken_once(api, csv_channel):
    first = upload_body(api, csv_channel, GOOD, **{"Idempotency-Key": "file-1"})
    again = upload_body(api, csv_channel, GOOD, **{"Idempotency-Key": "file-1"})
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert SyncRun.objects.count() == 1


# ---- webhooks ---------------------------------------------------------------------------------------------------


def signed(body: bytes, secret: str = SECRET, delivery: str = "d-1") -> dict:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "HTTP_X_SHOPIFY_HMAC_SHA256": digest,
        "HTTP_X_SHOPIFY_WEBHOOK_ID": delivery,
        "HTTP_X_SHOPIFY_TOPIC": "orders/create",
    }


def post_webhook(api, channel, body: bytes, headers: dict):
    return api.client.post(
        f"{API}/channels/{channel.id}/webhook", data=body, content_type="application/json", **headers
    )


def test_a_signed_webhook_imports_the_order_without_a_token(api, shopify):
    body = json.dumps(shopify_order(1)).encode()
    response = post_webhook(api, shopify, body, signed(body))
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["delivery_id"], data["duplicate"]) == ("d-1", False)
    assert (data["run"]["kind"], data["run"]["imported"]) == ("webhook", 1)
    assert Order.objects.get().external_id == "5000001"


def test_a_replayed_webhook_writes_nothing_new(api, shopify):
    body = json.dumps(shopify_order(1)).encode()
    post_webhook(api, shopify, body, signed(body))
    before = (nothing_written(), WebhookDelivery.objects.count())
    response = post_webhook(api, shopify, body, signed(body))
    assert response.status_code == 200
    assert response.json() == {"delivery_id": "d-1", "duplicate": True, "run": None}
    assert (nothing_written(), WebhookDelivery.objects.count()) == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_SHOPIFY_WEBHOOK_ID": "d-1"},
        "wrong-secret",
        "tampered",
    ],
    ids=["no headers", "no signature", "wrong secret", "body changed after signing"],
)
def test_a_wrong_or_missing_signature_is_refused_with_nothing_written(api, shopify, headers):
    body = json.dumps(shopify_order(1)).encode()
    if headers == "wrong-secret":
        headers = signed(body, secret="not-the-secret")
    elif headers == "tampered":
        headers = signed(body)
        body = body.replace(b"Keizersgracht", b"Prinsengracht")
    response = post_webhook(api, shopify, body, headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "webhook_refused"
    assert nothing_written() == (0, 0, 0)
    assert WebhookDelivery.objects.count() == 0


def test_a_bearer_token_is_no_substitute_for_the_signature(api, shopify):
    body = json.dumps(shopify_order(1)).encode()
    response = post_webhook(api, shopify, body, {"HTTP_AUTHORIZATION": f"Bearer {api.tokens['admin']}"})
    assert response.status_code == 401
    assert nothing_written() == (0, 0, 0)


def test_a_disabled_channel_refuses_its_webhooks(api, shopify):
    shopify.enabled = False
    shopify.save(update_fields=["enabled"])
    body = json.dumps(shopify_order(1)).encode()
    response = post_webhook(api, shopify, body, signed(body))
    assert response.status_code == 409
    assert nothing_written() == (0, 0, 0)


def test_a_webhook_to_an_unknown_channel_is_404(api, db):
    response = api.client.post(f"{API}/channels/999999/webhook", data=b"{}", content_type="application/json")
    assert response.status_code == 404
    assert error_of(response)["detail"] == {"resource": "channel", "key": 999999}


GENERIC_ORDER = {
    "id": "M-1001",
    "number": "1001",
    "status": "open",
    "customer": {"name": "Cleo Buyer", "email": "cleo@example.com", "type": "retail"},
    "shipping_address": {
        "name": "Cleo Buyer",
        "line1": "Rue 1",
        "postal_code": "75001",
        "city": "Paris",
        "country": "FR",
    },
    "items": [{"sku": "ESP-250", "quantity": 2, "unit_price": "9.50"}],
}


@pytest.fixture
def generic(db):
    VariantFactory(sku="ESP-250")
    return channel_create(name="Other shop", kind="webhook", credentials={"webhook_secret": "generic-secret-1"})


def generic_headers(body: bytes, secret: str = "generic-secret-1", delivery: str = "g-1") -> dict:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_X_ORDERLY_SIGNATURE": signature, "HTTP_X_ORDERLY_DELIVERY": delivery}


def test_the_generic_webhook_takes_our_json_schema_signed_with_hmac(api, generic):
    body = json.dumps(GENERIC_ORDER).encode()
    response = post_webhook(api, generic, body, generic_headers(body))
    assert response.status_code == 200, response.content
    assert response.json()["run"]["imported"] == 1
    order = Order.objects.get(channel=generic)
    assert (order.external_id, order.external_ref, order.customer_name) == ("M-1001", "1001", "Cleo Buyer")


def test_the_generic_webhook_refuses_a_wrong_signature(api, generic):
    body = json.dumps(GENERIC_ORDER).encode()
    response = post_webhook(api, generic, body, generic_headers(body, secret="guess"))
    assert response.status_code == 401
    assert nothing_written() == (0, 0, 0)


def test_a_signed_but_unreadable_body_is_422_with_nothing_written(api, generic):
    body = b"{not json"
    response = post_webhook(api, generic, body, generic_headers(body))
    assert response.status_code == 422
    assert error_of(response) == {"code": "invalid", "message": "The body is not JSON.", "field": "body", "detail": {}}
    assert nothing_written() == (0, 0, 0)
    assert WebhookDelivery.objects.count() == 0


def _big_file(size: int) -> str:
    """Our columns, padded with order lines to about `size` bytes (past Django's 2.5 MB in-memory body limit)."""
    line = "A{n},Ann,ESP-250,1,9.50,Ann,Main 1,1011 AA,Amsterdam,NL\n"
    rows, length, n = [HEADER], len(HEADER), 0
    while length < size:
        n += 1
        rows.append(line.format(n=n))
        length += len(rows[-1])
    return "".join(rows)


@pytest.mark.parametrize("way", ["body", "multipart"])
def test_the_size_limit_is_what_formats_md_says_by_either_way_of_sending(api, csv_channel, way):
    too_big = _big_file(10 * 1024 * 1024 + 10)
    if way == "body":
        response = upload_body(api, csv_channel, too_big)
    else:
        response = api.client.post(
            f"{API}/channels/{csv_channel.id}/import",
            data={"file": SimpleUploadedFile("orders.csv", too_big.encode(), content_type="text/csv")},
            HTTP_AUTHORIZATION=f"Bearer {api.tokens['operator']}",
        )

    assert response.status_code == 422
    assert response.json()["error"]["detail"]["errors"] == [
        {"line": 0, "column": "", "reason": "the file is larger than 10 MB (10,485,760 bytes); split it"}
    ]
    assert nothing_written() == (0, 0, 0)


def test_a_file_past_djangos_in_memory_body_limit_is_read_and_checked_whole(api, csv_channel, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # a file is not a form: this limit is not the file's
    content = _big_file(5000).replace("A7,Ann,ESP-250,1,", "A7,Ann,ESP-250,none,")

    response = upload_body(api, csv_channel, content, **{"Idempotency-Key": "big-file-1"})

    assert response.status_code == 422
    assert response.json()["error"]["detail"]["errors"] == [
        {"line": 8, "column": "quantity", "reason": "'none' is not a whole number from 1 to 1000000"}
    ]


def test_a_generic_order_whose_customer_name_is_not_text_is_kept_as_an_error_order(api, generic):
    body = json.dumps({**GENERIC_ORDER, "customer": {"name": True, "email": 7}}).encode()

    response = post_webhook(api, generic, body, generic_headers(body))

    assert response.status_code == 200, response.content
    order = Order.objects.get(channel=generic)
    assert (order.external_id, order.customer_name, order.customer_email) == ("M-1001", "Unknown customer", "")
    assert (order.status, order.error_code) == ("draft", "unreadable")
