from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderly.catalog.models import Product, Variant
from tests.factories import ProductFactory, VariantFactory
from tests.web.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def espresso(db):
    product = ProductFactory(name="Espresso blend", description="Dark and sweet.")
    VariantFactory(product=product, sku="ESP-250", name="Espresso blend 250 g", package_size="0.250", price="8.50")
    VariantFactory(product=product, sku="ESP-1000", name="Espresso blend 1 kg", package_size="1.000", price="29.00")
    return product


def _state():
    return (
        list(Product.objects.order_by("id").values_list("name", "description", "unit", "is_active")),
        list(Variant.objects.order_by("id").values_list("sku", "name", "package_size", "price", "is_active")),
    )


@pytest.mark.parametrize("role", ["viewer", "operator", "manager", "admin"])
def test_product_list_and_page_render_for_every_role(clients, role, espresso):
    response = clients[role].get("/products/")
    assert response.status_code == 200
    assert (
        "Espresso blend kg Active ESP-1000 · Espresso blend 1 kg · 1 kg · 29.00 · Active "
        "ESP-250 · Espresso blend 250 g · 0.25 kg · 8.50 · Active"
    ) in text(response)
    response = clients[role].get(f"/products/{espresso.id}/")
    assert response.status_code == 200
    assert "ESP-250 Espresso blend 250 g 0.25 kg 0.27 kg 8.50 9 % Active" in text(response)


def test_only_managers_get_catalog_buttons(clients, espresso):
    for role, expected in (("viewer", False), ("operator", False), ("manager", True), ("admin", True)):
        html = clients[role].get(f"/products/{espresso.id}/").content.decode()
        assert (f'href="/products/{espresso.id}/edit/"' in html) is expected
        assert ('href="/variants/ESP-250/edit/"' in html) is expected
        assert ("New product" in clients[role].get("/products/").content.decode()) is expected


def test_search_and_active_filter(manager, espresso):
    ProductFactory(name="Decaf", is_active=False)
    assert [p.name for p in manager.get("/products/?q=esp-1000").context["page"].items] == ["Espresso blend"]
    assert [p.name for p in manager.get("/products/?q=decaf").context["page"].items] == ["Decaf"]
    assert [p.name for p in manager.get("/products/?active=no").context["page"].items] == ["Decaf"]
    assert [p.name for p in manager.get("/products/?active=yes").context["page"].items] == ["Espresso blend"]
    response = manager.get("/products/?active=maybe")
    assert response.status_code == 400
    assert "active must be yes, no or empty, not 'maybe'." in text(response)


def test_htmx_gets_only_the_product_results(manager, espresso):
    html = manager.get("/products/?q=esp", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html
    assert "Espresso blend" in html


def test_product_list_runs_a_fixed_number_of_queries(manager):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            manager.get("/products/")
        return len(captured)

    VariantFactory()
    one = queries()
    for _ in range(10):
        VariantFactory()
    assert queries() == one


def test_unknown_product_or_variant_is_404(manager):
    assert manager.get("/products/999/").status_code == 404
    assert manager.get("/products/99999999999999999999999/").status_code == 404
    assert manager.get("/variants/NOPE/edit/").status_code == 404


def test_create_a_product_with_variants(manager):
    data = {
        "name": "House blend",
        "description": "Our everyday coffee.",
        "unit": "kg",
        "is_active": "1",
        "variants[0].sku": "HOUSE-250",
        "variants[0].name": "House blend 250 g",
        "variants[0].package_size": "0.25",
        "variants[0].price": "7.50",
        "variants[0].tax_rate": "9",
        "variants[0].weight": "",
        "variants[1].sku": "",
        "variants[2].sku": "HOUSE-1000",
        "variants[2].name": "House blend 1 kg",
        "variants[2].package_size": "1",
    }
    response = manager.post("/products/new/", data, follow=True)
    product = Product.objects.get(name="House blend")
    assert response.redirect_chain == [(f"/products/{product.id}/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Product House blend created."]
    assert list(product.variants.order_by("sku").values_list("sku", "package_size", "price", "tax_rate")) == [
        ("HOUSE-1000", Decimal("1.000"), Decimal("0.00"), Decimal("0.00")),
        ("HOUSE-250", Decimal("0.250"), Decimal("7.50"), Decimal("9.00")),
    ]


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"name": ""}, "f-name", "Name is required."),
        ({"name": "Espresso blend"}, "f-name", "A product named 'Espresso blend' already exists."),
        ({"variants[2].sku": "ESP-250"}, "f-variants-2-sku", "SKU 'ESP-250' is already used by another variant."),
        ({"variants[2].sku": "NEW 1"}, "f-variants-2-sku", "SKU 'NEW 1' may hold only letters, digits and . _ - /."),
        ({"variants[2].package_size": "0"}, "f-variants-2-package-size", "Package size must be greater than 0."),
        ({"variants[2].price": "abc"}, "f-variants-2-price", "Price must be a number."),
    ],
)
def test_product_validation_errors_next_to_the_field(manager, espresso, overrides, field_id, message):
    before = _state()
    data = {
        "name": "House blend",
        "unit": "kg",
        "is_active": "1",
        "variants[0].sku": "HOUSE-250",
        "variants[0].name": "House blend 250 g",
        "variants[0].package_size": "0.25",
        "variants[1].sku": "",  # a browser sends the blank row in between too
        "variants[2].sku": "HOUSE-1000",
        "variants[2].name": "House blend 1 kg",
        "variants[2].package_size": "1",
        **overrides,
    }
    response = manager.post("/products/new/", data)
    assert response.status_code in (409, 422)
    html = response.content.decode()
    escaped = message.replace("'", "&#x27;")
    assert f'<p class="field-error" id="{field_id}-error">{escaped}</p>' in html
    assert _state() == before


def test_operator_and_viewer_cannot_change_the_catalog(clients, espresso):
    before = _state()
    variant = espresso.variants.get(sku="ESP-250")
    for role in ("viewer", "operator"):
        client = clients[role]
        assert client.get("/products/new/").status_code == 403
        assert client.post("/products/new/", {"name": "X", "unit": "kg"}).status_code == 403
        assert client.get(f"/products/{espresso.id}/edit/").status_code == 403
        assert client.post(f"/products/{espresso.id}/edit/", {"name": "X", "unit": "kg"}).status_code == 403
        assert client.post(f"/products/{espresso.id}/deactivate/").status_code == 403
        assert client.post(f"/products/{espresso.id}/variants/new/", {"sku": "X-1"}).status_code == 403
        assert client.post(f"/variants/{variant.sku}/edit/", {"sku": "X-1"}).status_code == 403
        assert client.post(f"/variants/{variant.sku}/deactivate/").status_code == 403
    assert _state() == before


def test_edit_a_product(manager, espresso):
    html = manager.get(f"/products/{espresso.id}/edit/").content.decode()
    assert 'name="name" value="Espresso blend"' in html
    response = manager.post(
        f"/products/{espresso.id}/edit/",
        {"name": "Espresso No. 1", "description": "New.", "unit": "kg", "is_active": "1"},
    )
    assert response.status_code == 302
    espresso.refresh_from_db()
    assert (espresso.name, espresso.description) == ("Espresso No. 1", "New.")


def test_edit_a_product_with_a_taken_name_changes_nothing(manager, espresso):
    ProductFactory(name="Decaf")
    before = _state()
    response = manager.post(f"/products/{espresso.id}/edit/", {"name": "Decaf", "unit": "kg", "is_active": "1"})
    assert response.status_code == 409
    assert "A product named &#x27;Decaf&#x27; already exists." in response.content.decode()
    assert "Edit Espresso blend" in text(response)
    assert _state() == before


def test_deactivate_and_activate_a_product(manager, espresso):
    response = manager.post(f"/products/{espresso.id}/deactivate/", follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Product Espresso blend deactivated."]
    espresso.refresh_from_db()
    assert espresso.is_active is False
    assert "This product is inactive: none of its variants can be ordered." in text(response)
    manager.post(f"/products/{espresso.id}/activate/")
    espresso.refresh_from_db()
    assert espresso.is_active is True


def test_add_a_variant(manager, espresso):
    assert manager.get(f"/products/{espresso.id}/variants/new/").status_code == 200
    data = {"sku": "ESP-500", "name": "Espresso blend 500 g", "package_size": "0.5", "price": "15.00", "is_active": "1"}
    response = manager.post(f"/products/{espresso.id}/variants/new/", data, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Variant ESP-500 added to Espresso blend."]
    assert Variant.objects.get(sku="ESP-500").product == espresso


def test_add_a_variant_with_a_taken_sku_changes_nothing(manager, espresso):
    before = _state()
    data = {"sku": "ESP-250", "name": "Again", "package_size": "0.5", "is_active": "1"}
    response = manager.post(f"/products/{espresso.id}/variants/new/", data)
    assert response.status_code == 409
    assert (
        '<p class="field-error" id="f-sku-error">SKU &#x27;ESP-250&#x27; is already used by another variant.</p>'
        in (response.content.decode())
    )
    assert 'name="name" value="Again"' in response.content.decode()
    assert _state() == before


def test_edit_a_variant(manager, espresso):
    html = manager.get("/variants/ESP-250/edit/").content.decode()
    assert 'name="package_size" value="0.250"' in html
    data = {"sku": "ESP-250", "name": "Espresso 250 g", "package_size": "0.25", "price": "8.90", "tax_rate": "9"}
    response = manager.post("/variants/ESP-250/edit/", data)
    assert response.status_code == 302
    variant = Variant.objects.get(sku="ESP-250")
    assert (variant.name, variant.price, variant.is_active) == ("Espresso 250 g", Decimal("8.90"), False)


def test_edit_a_variant_with_a_bad_package_size_changes_nothing(manager, espresso):
    before = _state()
    response = manager.post("/variants/ESP-250/edit/", {"sku": "ESP-250", "name": "X", "package_size": "-1"})
    assert response.status_code == 422
    assert '<p class="field-error" id="f-package-size-error">Package size must be greater than 0.</p>' in (
        response.content.decode()
    )
    assert _state() == before


def test_variant_with_a_slash_in_its_sku_has_working_pages(manager, espresso):
    VariantFactory(product=espresso, sku="ESP/GIFT")
    html = manager.get(f"/products/{espresso.id}/").content.decode()
    assert 'href="/variants/ESP/GIFT/edit/"' in html
    assert manager.get("/variants/ESP/GIFT/edit/").status_code == 200
    manager.post("/variants/ESP/GIFT/deactivate/")
    assert Variant.objects.get(sku="ESP/GIFT").is_active is False


def test_deactivate_and_activate_a_variant(manager, espresso):
    response = manager.post("/variants/ESP-250/deactivate/", follow=True)
    assert response.redirect_chain == [(f"/products/{espresso.id}/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Variant ESP-250 deactivated."]
    assert Variant.objects.get(sku="ESP-250").is_active is False
    manager.post("/variants/ESP-250/activate/")
    assert Variant.objects.get(sku="ESP-250").is_active is True
