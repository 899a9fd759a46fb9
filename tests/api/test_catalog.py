"""Products and variants over the API."""

import pytest

from orderly.catalog.models import Product, Variant
from tests.api.helpers import error_of, snapshot
from tests.factories import ProductFactory, VariantFactory

ESPRESSO = {
    "name": "Espresso blend",
    "description": "Dark and sweet",
    "unit": "kg",
    "variants": [
        {
            "sku": "ESP-250",
            "name": "Espresso blend 250 g",
            "package_size": "0.25",
            "weight": "0.27",
            "price": "8.50",
            "tax_rate": "9",
        },
        {"sku": "ESP-1000", "name": "Espresso blend 1 kg", "package_size": 1, "price": 29.9},
    ],
}


def test_create_a_product_with_its_variants(api, db):
    response = api.post("/products", ESPRESSO, role="manager")

    assert response.status_code == 201, response.content
    data = response.json()
    product = Product.objects.get()
    small, large = product.variants.get(sku="ESP-250"), product.variants.get(sku="ESP-1000")
    assert data == {
        "id": product.id,
        "name": "Espresso blend",
        "description": "Dark and sweet",
        "unit": "kg",
        "is_active": True,
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "variants": [
            {
                "id": large.id,
                "product_id": product.id,
                "sku": "ESP-1000",
                "name": "Espresso blend 1 kg",
                "package_size": "1.000",
                "weight": "0.000",
                "price": "29.90",
                "tax_rate": "0.00",
                "is_active": True,
                "orderable": True,
            },
            {
                "id": small.id,
                "product_id": product.id,
                "sku": "ESP-250",
                "name": "Espresso blend 250 g",
                "package_size": "0.250",
                "weight": "0.270",
                "price": "8.50",
                "tax_rate": "9.00",
                "is_active": True,
                "orderable": True,
            },
        ],
    }


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "name"),
        ({"name": ""}, 422, "name"),
        ({"name": "x" * 201}, 422, "name"),
        ({"name": "Blend", "variants": [{"sku": "A 1", "name": "A", "package_size": "1"}]}, 422, "variants[0].sku"),
        (
            {"name": "Blend", "variants": [{"sku": "A-1", "name": "A", "package_size": "0"}]},
            422,
            "variants[0].package_size",
        ),
        ({"name": "Blend", "variants": [{"sku": "A-1", "name": "A"}]}, 422, "variants[0].package_size"),
        (
            {"name": "Blend", "variants": [{"sku": "A-1", "name": "A", "package_size": "1", "tax_rate": "120"}]},
            422,
            "variants[0].tax_rate",
        ),
        (
            {"name": "Blend", "variants": [{"sku": "A-1", "name": "A", "package_size": "1", "price": "-1"}]},
            422,
            "variants[0].price",
        ),
        ({"name": "Blend", "variants": [{"sku": "A-1", "name": "A", "package_size": "1"}] * 2}, 422, "variants[1].sku"),
        ({"name": "Blend", "variants": [{"sku": "TAKEN-1", "name": "A", "package_size": "1"}]}, 409, "variants[0].sku"),
        ({"name": "Taken blend"}, 409, "name"),
        ({"name": "Blend", "colour": "brown"}, 422, "colour"),
    ],
)
def test_a_bad_product_is_refused_naming_the_field_and_nothing_is_written(api, db, body, status, field):
    VariantFactory(sku="TAKEN-1", product=ProductFactory(name="Taken blend"))
    before = snapshot()

    response = api.post("/products", body, role="manager")

    assert response.status_code == status, response.content
    assert error_of(response)["field"] == field
    assert snapshot() == before


def test_list_products_with_their_variants(api, db):
    for name in ("Filter blend", "Espresso blend", "Decaf"):
        VariantFactory(product=ProductFactory(name=name), sku=f"{name[:3].upper()}-250")
    Product.objects.filter(name="Decaf").update(is_active=False)

    everything = api.get("/products", role="viewer").json()
    active = api.get("/products?active=true", role="viewer").json()
    found = api.get("/products?q=fil", role="viewer").json()
    by_sku = api.get("/products?q=esp-2", role="viewer").json()
    paged = api.get("/products?page_size=2&page=2", role="viewer").json()

    assert [p["name"] for p in everything["items"]] == ["Decaf", "Espresso blend", "Filter blend"]
    assert [v["sku"] for v in everything["items"][0]["variants"]] == ["DEC-250"]
    assert everything["items"][0]["variants"][0]["orderable"] is False
    assert [p["name"] for p in active["items"]] == ["Espresso blend", "Filter blend"]
    assert [p["name"] for p in found["items"]] == ["Filter blend"]
    assert [p["name"] for p in by_sku["items"]] == ["Espresso blend"]
    assert ([p["name"] for p in paged["items"]], paged["total"], paged["pages"]) == (["Filter blend"], 3, 2)


def test_get_and_patch_a_product(api, variant):
    path = f"/products/{variant.product_id}"

    got = api.get(path, role="viewer")
    patched = api.patch(path, {"is_active": False, "description": "Seasonal"}, role="manager")

    assert got.status_code == 200
    assert got.json()["name"] == "Espresso blend"
    assert patched.status_code == 200
    assert (patched.json()["is_active"], patched.json()["description"]) == (False, "Seasonal")
    assert patched.json()["variants"][0]["orderable"] is False
    assert Product.objects.get().is_active is False


def test_an_unknown_product_answers_404(api, db):
    for method, path in [("GET", "/products/999"), ("PATCH", "/products/999"), ("POST", "/products/999/variants")]:
        body = (
            {}
            if method == "PATCH"
            else ({"sku": "X-1", "name": "X", "package_size": "1"} if method == "POST" else None)
        )

        response = api.call(method, path, body)

        assert response.status_code == 404
        assert error_of(response) == {
            "code": "not_found",
            "message": "No product 999.",
            "field": None,
            "detail": {"resource": "product", "key": 999},
        }


def test_a_product_name_already_taken_is_refused_on_patch(api, variant):
    other = ProductFactory(name="Filter blend")
    before = snapshot()

    response = api.patch(f"/products/{other.id}", {"name": "Espresso blend"}, role="manager")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "already_exists",
        "message": "A product named 'Espresso blend' already exists.",
        "field": "name",
        "detail": {"resource": "product", "key": "Espresso blend"},
    }
    assert snapshot() == before


def test_add_a_variant(api, variant):
    response = api.post(
        f"/products/{variant.product_id}/variants",
        {"sku": "ESP-1000", "name": "Espresso blend 1 kg", "package_size": "1", "price": "29.90"},
        role="manager",
    )

    assert response.status_code == 201
    assert response.json()["sku"] == "ESP-1000"
    assert response.json()["product_id"] == variant.product_id
    assert Variant.objects.get(sku="ESP-1000").product_id == variant.product_id


def test_a_variant_with_a_taken_sku_is_refused(api, variant):
    before = snapshot()

    response = api.post(
        f"/products/{variant.product_id}/variants",
        {"sku": "ESP-250", "name": "Again", "package_size": "1"},
        role="manager",
    )

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "already_exists",
        "message": "SKU 'ESP-250' is already used by another variant.",
        "field": "sku",
        "detail": {"resource": "variant", "key": "ESP-250"},
    }
    assert snapshot() == before


def test_get_and_patch_a_variant_by_sku(api, variant):
    got = api.get("/variants/ESP-250", role="viewer")
    patched = api.patch("/variants/ESP-250", {"sku": "ESP-0250", "price": "9.00", "is_active": False}, role="manager")

    assert got.status_code == 200
    assert got.json()["name"] == "Espresso blend 250 g"
    assert patched.status_code == 200
    assert (patched.json()["sku"], patched.json()["price"], patched.json()["orderable"]) == ("ESP-0250", "9.00", False)
    assert api.get("/variants/ESP-250", role="viewer").status_code == 404
    assert api.get("/variants/ESP-0250", role="viewer").status_code == 200


def test_a_sku_with_a_slash_is_reachable(api, db):
    VariantFactory(sku="GIFT/BOX-1")

    response = api.get("/variants/GIFT/BOX-1", role="viewer")

    assert response.status_code == 200
    assert response.json()["sku"] == "GIFT/BOX-1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sku": "bad sku"}, "sku"),
        ({"name": ""}, "name"),
        ({"package_size": "-1"}, "package_size"),
        ({"weight": "heavy"}, "weight"),
        ({"price": "1e30"}, "price"),
        ({"product_id": 5}, "product_id"),
    ],
)
def test_a_bad_variant_patch_is_refused_and_changes_nothing(api, variant, body, field):
    before = snapshot()

    response = api.patch("/variants/ESP-250", body, role="manager")

    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field
    assert snapshot() == before


def test_an_unknown_variant_answers_404(api, db):
    assert api.get("/variants/NOPE", role="viewer").status_code == 404
    assert error_of(api.patch("/variants/NOPE", {"name": "x"}, role="manager")) == {
        "code": "not_found",
        "message": "No variant with SKU 'NOPE'.",
        "field": None,
        "detail": {"resource": "variant", "key": "NOPE"},
    }


@pytest.mark.parametrize(("field", "value"), [("package_size", "0.0004"), ("package_size", "0.0000001")])
def test_a_size_that_rounds_to_zero_where_it_is_kept_is_refused(api, variant, field, value):
    before = snapshot()

    response = api.patch("/variants/ESP-250", {field: value}, role="manager")

    assert error_of(response) == {
        "code": "invalid",
        "message": f"{field} must be greater than 0.",
        "field": field,
        "detail": {},
    }
    assert snapshot() == before


def test_prices_are_kept_rounded_half_up_to_cents(api, variant):
    response = api.patch("/variants/ESP-250", {"price": "8.495", "weight": "0.2705"}, role="manager")

    assert response.status_code == 200
    assert (response.json()["price"], response.json()["weight"]) == ("8.50", "0.271")
