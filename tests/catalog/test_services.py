from decimal import Decimal

import pytest

from orderly.catalog.models import Product, Variant
from orderly.catalog.services import product_create, product_update, variant_add, variant_update
from orderly.core.exceptions import Conflict, ValidationError
from tests.factories import VariantFactory

ESPRESSO_250 = {"sku": "ESP-250", "name": "Espresso blend 250 g", "package_size": "0.25", "weight": "0.27"}


def test_product_with_variants_is_created_whole(db):
    product = product_create(
        name="Espresso blend",
        variants=[ESPRESSO_250, {"sku": "ESP-1000", "name": "Espresso blend 1 kg", "package_size": "1"}],
    )
    assert product.unit == "kg"
    assert [(v.sku, v.package_size) for v in product.variants.order_by("sku")] == [
        ("ESP-1000", Decimal("1.000")),
        ("ESP-250", Decimal("0.250")),
    ]


@pytest.mark.parametrize(
    ("variants", "field"),
    [
        ([{**ESPRESSO_250, "package_size": "0"}], "variants[0].package_size"),
        ([{**ESPRESSO_250, "package_size": "abc"}], "variants[0].package_size"),
        ([{**ESPRESSO_250, "sku": "has space"}], "variants[0].sku"),
        ([{**ESPRESSO_250, "sku": ""}], "variants[0].sku"),
        ([{**ESPRESSO_250, "name": "n" * 201}], "variants[0].name"),
        ([{**ESPRESSO_250, "tax_rate": "150"}], "variants[0].tax_rate"),
        ([ESPRESSO_250, ESPRESSO_250], "variants[1].sku"),
    ],
)
def test_bad_variant_refuses_the_whole_product(db, variants, field):
    with pytest.raises(ValidationError) as refused:
        product_create(name="Espresso blend", variants=variants)
    assert refused.value.field == field
    assert (Product.objects.count(), Variant.objects.count()) == (0, 0)


def test_sku_and_name_must_be_unique(db):
    VariantFactory(sku="ESP-250")
    with pytest.raises(Conflict) as refused:
        product_create(name="Espresso blend", variants=[ESPRESSO_250])
    assert refused.value.field == "variants[0].sku"
    product_create(name="House blend")
    with pytest.raises(Conflict):
        product_create(name="House blend")
    assert Product.objects.filter(name="Espresso blend").count() == 0


def test_update_product_and_variant(db):
    product = product_create(name="Espresso blend", variants=[ESPRESSO_250])
    product_update(product=product, changes={"name": "Espresso", "is_active": False})
    product.refresh_from_db()
    assert (product.name, product.is_active) == ("Espresso", False)
    variant = product.variants.get()
    variant_update(variant=variant, changes={"price": "9.25", "is_active": False})
    variant.refresh_from_db()
    assert (variant.price, variant.is_active, variant.is_orderable) == (Decimal("9.25"), False, False)


def test_new_sku_must_be_free(db):
    other = VariantFactory(sku="HOU-250")
    product = product_create(name="Espresso blend", variants=[ESPRESSO_250])
    variant = product.variants.get()
    with pytest.raises(Conflict):
        variant_update(variant=variant, changes={"sku": "HOU-250"})
    with pytest.raises(Conflict):
        variant_add(product=product, data={**ESPRESSO_250, "sku": other.sku})
    variant.refresh_from_db()
    assert variant.sku == "ESP-250"
    added = variant_add(product=product, data={**ESPRESSO_250, "sku": "ESP-500", "package_size": "0.5"})
    assert added.product == product
