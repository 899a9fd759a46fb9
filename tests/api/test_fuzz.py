"""Random JSON in random places of otherwise valid requests: every answer is a success or a 4xx in the one shape."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderly.core import faults
from orderly.orders.models import Order
from tests.api.helpers import error_of, order_body, snapshot
from tests.factories import make_order

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300)
    | st.sampled_from(["ESP-250", "NL", "EUR", "draft", "open", "wholesale", "collect", "2025-03-01", "1e400", "-0"])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)

ORDER_PATHS = [
    (),
    ("customer",),
    ("customer", "name"),
    ("customer", "email"),
    ("customer", "type"),
    ("shipping_address",),
    ("shipping_address", "country"),
    ("shipping_address", "postal_code"),
    ("billing_address",),
    ("currency",),
    ("status",),
    ("order_date",),
    ("items",),
    ("items", 0),
    *[
        ("items", 0, name)
        for name in (
            "sku",
            "quantity",
            "unit_price",
            "tax_rate",
            "discount",
            "adjustments",
            "purchase_price",
            "commission",
            "identifiers",
            "options",
            "delivery_type",
            "expected_on",
            "metadata",
            "id",
        )
    ],
]


def _put(body, path: tuple, value):
    if not path:
        return value
    *parents, last = path
    target = body
    for key in parents:
        target = target[key]
    target[last] = value
    return body


def _assert_answered(response, faults_before: dict):
    """A success or an error in the one shape, and no database refusal reached the endpoint (checked per example,
    so that Hypothesis finds the smallest input that makes one)."""
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        error_of(response)
    assert faults.fault_counts() == faults_before, response.content[:500]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(ORDER_PATHS), value=json_values)
def test_random_values_in_a_new_order(api, variant, path, value):
    before_faults = faults.fault_counts()
    before = snapshot()

    response = api.post("/orders", _put(order_body(), path, value), role="operator")

    _assert_answered(response, before_faults)
    if response.status_code == 201:
        assert Order.all_objects.count() == len(before["orders"]) + 1
    else:
        assert snapshot() == before, response.content[:500]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from([p for p in ORDER_PATHS if p]), value=json_values)
def test_random_values_in_an_order_patch(api, variant, path, value):
    before_faults = faults.fault_counts()
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    before = snapshot()

    response = api.patch(f"/orders/{order.number}", _put(order_body(), path, value), role="operator")

    _assert_answered(response, before_faults)
    if response.status_code != 200:
        assert snapshot() == before, response.content[:500]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(["name", "description", "unit", "is_active", "variants", "sku", "package_size", "price"]),
    value=json_values,
)
def test_random_values_in_the_catalog(api, variant, field, value):
    before_faults = faults.fault_counts()
    product = {"name": "Filter blend", "variants": [{"sku": "FIL-250", "name": "Filter 250 g", "package_size": "0.25"}]}
    variant_body = {"sku": "ESP-1000", "name": "Espresso 1 kg", "package_size": "1"}

    for method, path, body in [
        ("POST", "/products", {**product, field: value}),
        ("POST", "/products", {**product, "variants": [{**product["variants"][0], field: value}]}),
        ("PATCH", f"/products/{variant.product_id}", {field: value}),
        ("POST", f"/products/{variant.product_id}/variants", {**variant_body, field: value}),
        ("PATCH", "/variants/ESP-250", {field: value}),
    ]:
        before = snapshot()
        response = api.call(method, path, body, role="manager")
        _assert_answered(response, before_faults)
        if response.status_code >= 400:
            assert snapshot() == before, (method, path, response.content[:500])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "status",
                "stage",
                "channel",
                "customer_type",
                "has_error",
                "archived",
                "date_from",
                "date_to",
                "sort",
                "page",
                "page_size",
                "active",
            ]
        ),
        st.text(max_size=40) | st.integers(min_value=-(10**25), max_value=10**25).map(str),
        max_size=5,
    )
)
def test_random_list_parameters(api, variant, params):
    before_faults = faults.fault_counts()
    for path in ("/orders", "/products"):
        response = api.client.get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {api.tokens['viewer']}")
        _assert_answered(response, before_faults)
