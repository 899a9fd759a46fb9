"""Lists run a fixed number of queries whatever the page size."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProductFactory, VariantFactory, address, make_order


def _queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, role="viewer")
    assert response.status_code == 200, response.content
    return len(captured)


def test_the_order_list_costs_the_same_queries_for_5_or_50_orders(api, db):
    variants = [VariantFactory() for _ in range(3)]
    for n in range(50):
        make_order(
            items=[{"sku": v.sku, "quantity": 1 + n % 3} for v in variants],
            billing_address=address(city="Utrecht") if n % 2 else None,
        )
    api.get("/orders", role="viewer")  # the token's last use is recorded once; measure after

    small = _queries(api, "/orders?page_size=5")
    large = _queries(api, "/orders?page_size=50")
    searched = _queries(api, "/orders?page_size=50&q=anna&status=open&sort=-total")

    assert len(api.get("/orders?page_size=50", role="viewer").json()["items"]) == 50
    # the token, the count, the page of orders with channel and addresses, their items, their charges
    assert small == large == searched == 5


def test_the_product_list_costs_the_same_queries_for_5_or_50_products(api, db):
    for n in range(50):
        product = ProductFactory()
        for size in range(1 + n % 3):
            VariantFactory(product=product, sku=f"P{n}-{size}")
    api.get("/products", role="viewer")

    small = _queries(api, "/products?page_size=5")
    large = _queries(api, "/products?page_size=50")

    # the token, the count, the page of products, their variants
    assert small == large == 4


def test_the_timeline_costs_the_same_queries_for_5_or_50_events(api, variant):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    for n in range(60):
        api.post(f"/orders/{order.number}/notes", {"text": f"note {n}"}, role="operator")
    api.get(f"/orders/{order.number}/timeline", role="viewer")

    small = _queries(api, f"/orders/{order.number}/timeline?page_size=5")
    large = _queries(api, f"/orders/{order.number}/timeline?page_size=50")

    # the token, the order, its items, its charges, the count, the page of events
    assert small == large == 6
