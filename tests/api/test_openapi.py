"""The OpenAPI schema and the interactive docs, which must work with no internet."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from orderly.api.openapi import NOT_ANSWERED
from orderly.api.v1 import api as ninja_api
from orderly.core.error_codes import ErrorCode

PATHS = {
    "/api/v1/orders": {"get", "post"},
    "/api/v1/orders/{number}": {"get", "patch", "delete"},
    "/api/v1/orders/{number}/open": {"post"},
    "/api/v1/orders/{number}/cancel": {"post"},
    "/api/v1/orders/{number}/archive": {"post"},
    "/api/v1/orders/{number}/unarchive": {"post"},
    "/api/v1/orders/{number}/reset": {"post"},
    "/api/v1/orders/{number}/notes": {"post"},
    "/api/v1/orders/{number}/timeline": {"get"},
    "/api/v1/products": {"get", "post"},
    "/api/v1/products/{product_id}": {"get", "patch"},
    "/api/v1/products/{product_id}/variants": {"post"},
    "/api/v1/variants/{sku}": {"get", "patch"},
    "/api/v1/channels/{channel_id}/webhook": {"post"},
    "/api/v1/tokens": {"get", "post"},
    "/api/v1/tokens/{prefix}/revoke": {"post"},
}
# The operations a shop or a carrier calls: authenticated by a signature over the raw body, not by a bearer token.
WEBHOOK = ("post", "/api/v1/channels/{channel_id}/webhook")
WEBHOOKS = {WEBHOOK, ("post", "/api/v1/carriers/{carrier_id}/webhook")}


@pytest.fixture
def schema(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_openapi_lists_every_path_and_method(schema):
    assert schema["info"]["title"] == "Orderly API"
    assert schema["info"]["version"] == "1"
    listed = {path: set(operations) for path, operations in schema["paths"].items()}
    assert {path: listed.get(path) for path in PATHS} == PATHS


def test_every_operation_declares_its_errors_in_the_one_shape(schema):
    shared = schema["components"]["responses"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation["responses"]}
            assert {401, 403} - ({403} if (method, path) in WEBHOOKS else set()) <= codes, (method, path)
            assert {400, 413, 422, 429} <= codes, (method, path)
            assert any(200 <= code < 300 for code in codes), (method, path)
            for code, answer in operation["responses"].items():
                if int(code) >= 400:
                    assert answer == {"$ref": f"#/components/responses/Error{code}"}, (method, path, code)
                    content = shared[f"Error{code}"]["content"]["application/json"]
                    assert content["schema"]["$ref"] == "#/components/schemas/ErrorOut", (method, path, code)
            if "{" in path:
                assert 404 in codes, (method, path)
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"error"}
    assert set(schema["components"]["schemas"]["ErrorBody"]["properties"]) == {"code", "message", "field", "detail"}


def test_each_error_answer_lists_its_codes_with_their_detail_keys_and_an_example_each(schema):
    shared = schema["components"]["responses"]
    examples = schema["components"]["examples"]

    assert set(shared) == {f"Error{status}" for status in (400, 401, 403, 404, 409, 413, 422, 429, 503)}
    assert schema["components"]["schemas"]["ErrorCode"]["enum"] == [code.value for code in ErrorCode]
    for name, response in shared.items():
        status = int(name.removeprefix("Error"))
        codes = [code for code in ErrorCode if code.status == status and code not in NOT_ANSWERED]
        listed = response["content"]["application/json"]["examples"]
        assert list(listed) == [code.value for code in codes], name
        for code in codes:
            keys = ", ".join(f"`{key}`" for key in code.detail) or "none"
            assert f"- `{code}`: {code.meaning} Detail: {keys}." in response["description"], code
            assert listed[code.value] == {"$ref": f"#/components/examples/{code}"}
            value = examples[code.value]["value"]["error"]
            assert (value["code"], value["detail"]) == (code.value, dict(code.detail))
    conflict = shared["Error409"]["description"]
    assert "- `insufficient_stock`: Not enough packaged stock of the SKU" in conflict
    assert "Detail: `sku`, `needed`, `available`." in conflict
    assert examples["transition_not_allowed"]["value"]["error"]["detail"] == {
        "resource": "order",
        "key": "OR-000123",
        "current": "closed",
        "attempted": "canceled",
    }


def test_every_post_accepts_an_idempotency_key_and_every_operation_needs_a_token(schema):
    assert schema["components"]["securitySchemes"] == {"BearerToken": {"type": "http", "scheme": "bearer"}}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if (method, path) in WEBHOOKS:
                assert operation["security"] == [], (method, path)
                continue
            assert operation["security"] == [{"BearerToken": []}], (method, path)
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            assert headers == ({"Idempotency-Key"} if method == "post" else set()), (method, path)
    assert "security" not in schema  # no global default an operation could inherit by leaving security out


def test_the_inbound_webhook_documents_its_body_signature_headers_and_answers(schema):
    operation = schema["paths"][WEBHOOK[1]][WEBHOOK[0]]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"X-Shopify-Hmac-Sha256", "X-WC-Webhook-Signature", "X-Orderly-Signature"} <= headers
    assert all(not p["required"] for p in operation["parameters"] if p["in"] == "header")
    body = operation["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"]["type"] == "object"
    assert {"200", "401", "404", "413"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/WebhookOut")


def test_the_order_list_documents_its_filters(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/orders"]["get"]["parameters"]}

    assert names == {
        "q",
        "status",
        "stage",
        "fulfillment_status",
        "payment_status",
        "channel",
        "customer_type",
        "has_error",
        "archived",
        "test",
        "date_from",
        "date_to",
        "sort",
        "page",
        "page_size",
        "cursor",
        "count",
    }


def test_the_schema_is_built_without_a_request(db):
    assert set(PATHS) <= set(ninja_api.get_openapi_schema()["paths"])


def test_the_docs_page_loads_everything_from_this_server(db, plain_static_files):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Orderly API" in html
    assert re.search(r"(https?:)?//", html) is None
    assert '"url": "/api/v1/openapi.json"' in html
    assert '"validatorUrl": null' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"}
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")) is not None, asset


def test_the_docs_script_fetches_nothing_from_elsewhere(db):
    init = Path(finders.find("ninja/swagger-ui-init.js")).read_text()

    assert re.search(r"https?://", init) is None


def test_the_api_root_is_an_index_of_its_docs_and_schema(db):
    response = Client().get("/api/v1/")

    assert response.status_code == 200
    assert response.json() == {
        "name": "Orderly API",
        "version": "1",
        "docs": "http://testserver/api/v1/docs",
        "openapi": "http://testserver/api/v1/openapi.json",
        "authentication": "Authorization: Bearer <token>; `orderly token create USERNAME` makes one.",
    }
    refused = Client().post("/api/v1/")
    assert (refused.status_code, refused["Allow"], refused.json()["error"]["code"]) == (
        405,
        "GET, HEAD",
        "method_not_allowed",
    )


def test_the_schema_is_built_once_per_process(db, monkeypatch):
    first = Client().get("/api/v1/openapi.json").json()
    monkeypatch.setattr("ninja.main.get_schema", lambda **kwargs: pytest.fail("the schema was built again"))

    assert Client().get("/api/v1/openapi.json").json() == first


def test_no_operation_lists_a_status_twice(api):
    # JSON object keys are strings: a status given as 200 and as "200" would be written twice, and the docs'
    # parser refuses the whole document for a duplicated key.
    schema = api.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = [str(status) for status in operation["responses"]]
            assert len(statuses) == len(set(statuses)), (method, path, statuses)


def test_the_order_list_documents_its_cursor_and_its_links(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/orders"]["get"]["parameters"]}
    page = schema["components"]["schemas"]["OrderPage"]["properties"]

    assert "`next`" in parameters["cursor"]["description"]
    assert parameters["count"]["schema"]["enum"] == ["", "exact"]
    assert {"total_exact", "next", "previous"} <= set(page)
    assert "10,000" in page["total"]["description"]
