"""Helpers for API tests: a client that speaks JSON with a role's token, a valid order, the error shape, and a
snapshot proving nothing changed."""

import json

from django.test import Client

from orderly.catalog.models import Product, Variant
from orderly.core.error_codes import ErrorCode
from orderly.core.models import IdempotencyRecord
from orderly.orders.models import Address, Order, OrderEvent, OrderItem
from tests.factories import address

API = "/api/v1"


class ApiClient:
    """Calls /api/v1 as `role` (None: without a token). Bodies are JSON unless given as bytes."""

    def __init__(self, tokens: dict[str, str]):
        self.tokens = tokens
        self.client = Client()

    def call(
        self, method: str, path: str, body=None, *, role: str | None = "admin", token: str | None = None, **headers
    ):
        token = token if token is not None else (self.tokens[role] if role else None)
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body)
        kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
        return getattr(self.client, method.lower())(API + path, **kwargs, **extra)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def order_body(**overrides) -> dict:
    """A valid manual order for POST /orders (needs the `variant` fixture)."""
    body = {
        "customer": {"name": "Anna de Vries", "email": "anna@example.com", "type": "retail"},
        "shipping_address": address(),
        "currency": "EUR",
        "items": [{"sku": "ESP-250", "quantity": 2, "unit_price": "8.50", "tax_rate": "9"}],
    }
    body.update(overrides)
    return body


def error_of(response) -> dict:
    """The error body, checked to have exactly the one shape: a code of the catalogue with its status, and a
    detail with exactly that code's keys."""
    data = response.json()
    assert set(data) == {"error"}
    error = data["error"]
    assert set(error) == {"code", "message", "field", "detail"}
    code = ErrorCode(error["code"])
    assert response.status_code == code.status, (response.status_code, error)
    assert set(error["detail"]) == set(code.detail), error
    return error


def snapshot() -> dict:
    """Everything an API call could change, to prove a refused call changed nothing."""
    return {
        "orders": list(
            Order.all_objects.order_by("id").values_list(
                "number",
                "status",
                "stage",
                "is_archived",
                "deleted_at",
                "error_code",
                "customer_name",
                "notes",
                "total",
                "updated_at",
            )
        ),
        "items": list(OrderItem.objects.order_by("id").values_list("id", "sku", "quantity", "status")),
        "addresses": Address.objects.count(),
        "events": OrderEvent.objects.count(),
        "products": list(Product.objects.order_by("id").values_list("name", "is_active", "updated_at")),
        "variants": list(Variant.objects.order_by("id").values_list("sku", "name", "is_active", "updated_at")),
        "idempotency": IdempotencyRecord.objects.count(),
    }
