"""Bad input gets a clear 4xx naming the field, and writes nothing; no input at all gets a 5xx."""

import json

import pytest

from orderly.catalog.models import Product, Variant
from orderly.orders.models import Address, Order, OrderEvent
from tests.api.helpers import error_of, order_body, snapshot
from tests.factories import address, make_order


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def _item(**fields) -> dict:
    return {"sku": "ESP-250", "quantity": 1, **fields}


BAD_ORDERS = [
    # over-long strings
    ("customer name too long", {"customer": {"name": "A" * 201}}, "customer.name"),
    ("street too long", {"shipping_address": address(line1="K" * 201)}, "shipping_address.line1"),
    ("postal code too long", {"shipping_address": address(postal_code="1" * 21)}, "shipping_address.postal_code"),
    ("billing city too long", {"billing_address": address(city="U" * 101)}, "billing_address.city"),
    ("notes too long", {"notes": "n" * 5001}, "notes"),
    ("external ref too long", {"external_ref": "r" * 101}, "external_ref"),
    ("sku too long", {"items": [_item(sku="S" * 65)]}, "items[0].sku"),
    ("item name too long", {"items": [_item(name="N" * 201)]}, "items[0].name"),
    ("position too long", {"items": [_item(position="P" * 65)]}, "items[0].position"),
    ("delivery method too long", {"items": [_item(delivery_method="D" * 101)]}, "items[0].delivery_method"),
    # e-mail
    ("bad customer e-mail", {"customer": {"name": "Anna", "email": "anna.example.com"}}, "customer.email"),
    ("bad address e-mail", {"shipping_address": address(email="anna@")}, "shipping_address.email"),
    # country
    ("unknown country", {"shipping_address": address(country="XX")}, "shipping_address.country"),
    ("country spelled out", {"shipping_address": address(country="Netherlands")}, "shipping_address.country"),
    ("empty billing country", {"billing_address": address(country="")}, "billing_address.country"),
    # quantity
    ("zero quantity", {"items": [_item(quantity=0)]}, "items[0].quantity"),
    ("negative quantity", {"items": [_item(quantity=-3)]}, "items[0].quantity"),
    ("fractional quantity", {"items": [_item(quantity=1.5)]}, "items[0].quantity"),
    ("quantity as text", {"items": [_item(quantity="2")]}, "items[0].quantity"),
    ("quantity true", {"items": [_item(quantity=True)]}, "items[0].quantity"),
    ("huge quantity", {"items": [_item(quantity=10**30)]}, "items[0].quantity"),
    ("second item's quantity", {"items": [_item(), _item(quantity=0)]}, "items[1].quantity"),
    # catalog
    ("unknown sku", {"items": [_item(sku="NOPE-1")]}, "items[0].sku"),
    # money and other values
    ("negative price", {"items": [_item(unit_price="-1")]}, "items[0].unit_price"),
    ("price with 3 decimals", {"items": [_item(unit_price="1.005")]}, "items[0].unit_price"),
    ("price not a number", {"items": [_item(unit_price="cheap")]}, "items[0].unit_price"),
    ("huge price", {"items": [_item(unit_price="1e30")]}, "items[0].unit_price"),
    ("infinite price", {"items": [_item(unit_price="Infinity")]}, "items[0].unit_price"),
    ("tax over 100", {"items": [_item(tax_rate="101")]}, "items[0].tax_rate"),
    ("line too large to store", {"items": [_item(quantity=1_000_000, unit_price="9999999999.99")]}, "items[0]"),
    ("order too large to store", {"items": [_item(quantity=1, unit_price="600000000")] * 2}, "items"),
    ("discount over the line", {"items": [_item(discount="100")]}, "items[0].discount"),
    ("adjustment without label", {"items": [_item(adjustments=[{"amount": "1"}])]}, "items[0].adjustments[0].label"),
    ("unknown option", {"items": [_item(options={"gift": True})]}, "items[0].options.gift"),
    ("bad delivery type", {"items": [_item(delivery_type="drone")]}, "items[0].delivery_type"),
    ("bad expected date", {"items": [_item(expected_on="next week")]}, "items[0].expected_on"),
    ("metadata not an object", {"items": [_item(metadata=[1, 2])]}, "items[0].metadata"),
    ("metadata too large", {"items": [_item(metadata={"blob": "x" * 20000})]}, "items[0].metadata"),
    ("unknown item field", {"items": [_item(colour="red")]}, "items[0].colour"),
    ("bad currency", {"currency": "XYZ"}, "currency"),
    ("bad status", {"status": "closed"}, "status"),
    ("bad customer type", {"customer": {"name": "Anna", "type": "vip"}}, "customer.type"),
    ("bad order date", {"order_date": "31/12/2025"}, "order_date"),
    ("order date out of range", {"order_date": "0001-01-01T00:00:00+01:00"}, "order_date"),
    ("unknown top-level field", {"total": "1.00"}, "total"),
    ("unknown address field", {"shipping_address": {**address(), "street": "x"}}, "shipping_address.street"),
    # missing
    ("no customer name", {"customer": {"email": "anna@example.com"}}, "customer.name"),
    ("blank customer name", {"customer": {"name": "   "}}, "customer.name"),
    ("no city", {"shipping_address": {k: v for k, v in address().items() if k != "city"}}, "shipping_address.city"),
    ("no items", {"items": []}, "items"),
    ("items not a list", {"items": {"sku": "ESP-250"}}, "items"),
    ("item without sku", {"items": [{"quantity": 1}]}, "items[0].sku"),
    ("item without quantity", {"items": [{"sku": "ESP-250"}]}, "items[0].quantity"),
    ("NUL in a name", {"customer": {"name": "An\x00na"}}, "customer.name"),
    ("NUL in metadata", {"items": [_item(metadata={"note": "a\x00b"})]}, "items[0].metadata.note"),
    ("lone surrogate", {"notes": "\ud800"}, "notes"),
    ("metadata nested too deep", {"items": [_item(metadata=_nested(30))]}, "items[0].metadata" + ".a" * 18),
]


@pytest.mark.parametrize(("overrides", "field"), [case[1:] for case in BAD_ORDERS], ids=[c[0] for c in BAD_ORDERS])
def test_a_bad_order_answers_422_naming_the_field_and_writes_nothing(api, variant, overrides, field):
    response = api.post("/orders", order_body(**overrides), role="operator")

    assert response.status_code == 422, response.content
    error = error_of(response)
    assert error["field"] == field
    assert field in error["message"]
    assert Order.all_objects.count() == 0
    assert Address.objects.count() == 0
    assert OrderEvent.objects.count() == 0


def test_missing_top_level_parts_are_named(api, variant):
    for name in ("customer", "shipping_address", "items"):
        body = order_body()
        del body[name]

        response = api.post("/orders", body, role="operator")

        assert response.status_code == 422
        assert error_of(response) == {
            "code": "required",
            "message": f"{name} is required.",
            "field": name,
            "detail": {},
        }
    assert (Order.all_objects.count(), Address.objects.count()) == (0, 0)


def test_unknown_sku_says_which(api, variant):
    response = api.post("/orders", order_body(items=[_item(), _item(sku="DECAF-250")]), role="operator")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "unknown_sku",
        "message": "items[1].sku: No product variant has SKU 'DECAF-250'.",
        "field": "items[1].sku",
        "detail": {"sku": "DECAF-250"},
    }
    assert (Order.all_objects.count(), Address.objects.count()) == (0, 0)


@pytest.mark.parametrize("inactive", ["product", "variant"])
def test_an_inactive_product_cannot_be_ordered(api, variant, inactive):
    model = Product if inactive == "product" else Variant
    model.objects.update(is_active=False)

    response = api.post("/orders", order_body(), role="operator")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "inactive_product",
        "message": "items[0].sku: SKU 'ESP-250' belongs to an inactive product or variant and cannot be ordered.",
        "field": "items[0].sku",
        "detail": {"sku": "ESP-250"},
    }
    assert (Order.all_objects.count(), Address.objects.count()) == (0, 0)


def test_malformed_json_answers_400(api, variant):
    response = api.post("/orders", b'{"customer": {"name": "Anna"', role="operator")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "malformed_json",
        "message": "The request body is not valid JSON.",
        "field": None,
        "detail": {},
    }
    assert (Order.all_objects.count(), Address.objects.count()) == (0, 0)


def test_a_body_that_is_not_an_object_answers_422(api, variant):
    response = api.post("/orders", b"[1, 2, 3]", role="operator")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid",
        "message": "The request body must be a JSON object.",
        "field": None,
        "detail": {},
    }


def test_an_unserved_method_answers_405_in_json(api, db):
    response = api.call("PUT", "/orders", {})

    assert response.status_code == 405
    error = error_of(response)
    assert error["code"] == "method_not_allowed"
    assert error["detail"]["method"] == "PUT"
    assert set(error["detail"]["allowed"]) == set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_an_unknown_path_answers_404_in_json(api, db):
    for path in ("/nothing", "/orders/OR-1/timeline/extra"):  # "/" is the index
        response = api.get(path)

        assert response.status_code == 404
        assert error_of(response) == {
            "code": "unknown_endpoint",
            "message": f"No API endpoint at /api/v1{path}.",
            "field": None,
            "detail": {"path": f"/api/v1{path}"},
        }


# ---- fuzz: odd bodies everywhere ---------------------------------------------------------------------------------

ODD_BODIES = [
    b"",
    b" ",
    b"{",
    b"null",
    b"true",
    b"42",
    b'"an order"',
    b"[]",
    b"[{}]",
    b"{}",
    b'{"": ""}',
    b"NaN",
    b'{"customer": NaN}',
    b'{"items": [{"sku": "ESP-250", "quantity": Infinity}]}',
    b"\xff\xfe\x00\x01",
    b"<order><sku>ESP-250</sku></order>",
    b"customer=Anna&items=1",
    b"[" * 5000 + b"]" * 5000,
    b'{"items": [{"sku": "ESP-250", "quantity": 1' + b"0" * 5000 + b"}]}",
    json.dumps({"customer": {"name": {"first": "Anna"}}}).encode(),
    json.dumps({"customer": [], "shipping_address": "Amsterdam", "items": "ESP-250"}).encode(),
    json.dumps({"items": [None, 1, "x", [], {}]}).encode(),
    json.dumps({"items": [{"sku": None, "quantity": None}]}).encode(),
    ('{"notes": "' + "\\u0000" * 10 + '"}').encode(),
    b'{"notes": "\\ud800"}',
]

GARBAGE = [
    None,
    0,
    -1,
    1.5,
    1e308,
    -(10**40),
    10**400,
    "",
    " ",
    "x" * 10_000,
    "\u202e\ufeff🙂",
    "\\u0000",
    "\x00",
    True,
    [],
    [None],
    {},
    {"$gt": ""},
    {"a": {"b": {"c": [1, {"d": None}]}}},
    _nested(900),
    [[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]],
]


def _assert_4xx(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    error_of(response)


def _endpoints(world_order: str, product_id: int) -> list[tuple[str, str]]:
    return [
        ("POST", "/orders"),
        ("PATCH", f"/orders/{world_order}"),
        ("POST", f"/orders/{world_order}/notes"),
        ("POST", "/products"),
        ("PATCH", f"/products/{product_id}"),
        ("POST", f"/products/{product_id}/variants"),
        ("PATCH", "/variants/ESP-250"),
    ]


def test_odd_bodies_answer_4xx_on_every_endpoint_that_takes_a_body(api, variant):
    order = make_order(items=[_item()])
    before = snapshot()

    for method, path in _endpoints(order.number, variant.product_id):
        for body in ODD_BODIES:
            if body in (b"{}", b'{"": ""}') and method == "PATCH":
                continue  # an empty change is a valid PATCH
            _assert_4xx(api.call(method, path, body, content_type="application/json"))

    assert snapshot() == before


@pytest.mark.parametrize("field", [*order_body(), "billing_address", "status", "notes", "external_ref", "order_date"])
def test_garbage_in_any_order_field_never_gives_a_5xx(api, variant, field):
    for value in GARBAGE:
        response = api.post("/orders", order_body(**{field: value}), role="operator")

        assert response.status_code < 500, (value, response.content[:300])
        if response.status_code >= 400:
            error_of(response)


@pytest.mark.parametrize(
    "field",
    [
        "sku",
        "quantity",
        "name",
        "unit_price",
        "tax_rate",
        "discount",
        "adjustments",
        "purchase_price",
        "commission",
        "identifiers",
        "position",
        "options",
        "delivery_type",
        "delivery_method",
        "expected_on",
        "metadata",
    ],
)
def test_garbage_in_any_item_field_never_gives_a_5xx(api, variant, field):
    for value in GARBAGE:
        response = api.post("/orders", order_body(items=[_item(**{field: value})]), role="operator")

        assert response.status_code < 500, (value, response.content[:300])
        if response.status_code >= 400:
            error_of(response)


@pytest.mark.parametrize("field", ["customer", "shipping_address"])
def test_garbage_in_any_nested_field_never_gives_a_5xx(api, variant, field):
    names = ["name", "email", "type"] if field == "customer" else list(address())
    for name in names:
        for value in GARBAGE:
            base = order_body()[field]
            response = api.post("/orders", order_body(**{field: {**base, name: value}}), role="operator")

            assert response.status_code < 500, (name, value, response.content[:300])


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=" + "x" * 5000,
        "q=%ff%fe",
        "status=%00",
        "page=99999999999999999999999",
        "page=-1",
        "page_size=1e3",
        "channel=-5",
        "date_from=0000-00-00",
        "date_to=99999-01-01",
        "has_error=2",
        "archived=",
        "sort=-",
        "q[]=a&q[]=b",
    ],
)
def test_odd_queries_never_give_a_5xx(api, variant, query):
    for path in ("/orders", "/products", "/orders/OR-000001/timeline"):
        response = api.get(f"{path}?{query}", role="viewer")

        assert response.status_code < 500, (path, response.content[:300])


@pytest.mark.parametrize("segment", ["%00", "OR-%00", "x" * 2000, "%ff", "..", "OR-000001%20"])
def test_odd_path_values_never_give_a_5xx(api, variant, segment):
    for method, path in [
        ("GET", f"/orders/{segment}"),
        ("POST", f"/orders/{segment}/open"),
        ("GET", f"/variants/{segment}"),
        ("GET", f"/products/{segment}"),
    ]:
        response = api.call(method, path)

        assert 400 <= response.status_code < 500, (path, response.content[:300])
