"""Request and response bodies of the catalog endpoints (products and their variants)."""

import datetime as dt

from ninja import Schema
from pydantic import Field

from orderly.api.schemas.common import Amount, InputSchema, Money, MoneyIn, OutputSchema, PageMeta, page_meta
from orderly.catalog.models import Product, Variant

# ---- requests ------------------------------------------------------------------------------------------------


class VariantIn(InputSchema):
    sku: str = Field(examples=["ESP-250"])
    name: str = Field(examples=["Espresso blend 250 g"])
    package_size: MoneyIn = Field(description="In the product's unit, more than zero", examples=["0.250"])
    weight: MoneyIn | None = Field(None, description="Shipping weight in kg")
    price: MoneyIn | None = None
    tax_rate: MoneyIn | None = Field(None, description="Percent")
    is_active: bool | None = None


class VariantPatch(InputSchema):
    sku: str | None = None
    name: str | None = None
    package_size: MoneyIn | None = None
    weight: MoneyIn | None = None
    price: MoneyIn | None = None
    tax_rate: MoneyIn | None = None
    is_active: bool | None = None


class ProductCreate(InputSchema):
    name: str = Field(examples=["Espresso blend"])
    description: str = ""
    unit: str = Field("kg", description="What the product is kept loose in")
    is_active: bool = True
    variants: list[VariantIn] = []


class ProductPatch(InputSchema):
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    is_active: bool | None = None


class ProductQuery(Schema):
    q: str = Field("", description="Part of the product name or a variant's SKU")
    active: bool | None = None
    page: int = 1
    page_size: int = Field(50, description="1 to 200")


# ---- responses -----------------------------------------------------------------------------------------------


class VariantOut(OutputSchema):
    id: int
    product_id: int
    sku: str
    name: str
    package_size: Amount
    weight: Amount
    price: Money
    tax_rate: Money
    is_active: bool
    orderable: bool = Field(description="Active, and of an active product")


class ProductOut(OutputSchema):
    id: int
    name: str
    description: str
    unit: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    variants: list[VariantOut]


class ProductPage(PageMeta):
    items: list[ProductOut]


def _variant_dict(variant: Variant, product: Product) -> dict:
    return {
        "id": variant.id,
        "product_id": product.id,
        "sku": variant.sku,
        "name": variant.name,
        "package_size": str(variant.package_size),
        "weight": str(variant.weight),
        "price": str(variant.price),
        "tax_rate": str(variant.tax_rate),
        "is_active": variant.is_active,
        "orderable": variant.is_active and product.is_active,
    }


def _product_dict(product: Product) -> dict:
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "unit": product.unit,
        "is_active": product.is_active,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
        "variants": [_variant_dict(variant, product) for variant in product.variants.all()],
    }


def variant_out(variant: Variant) -> VariantOut:
    """Expects the variant's product loaded."""
    return VariantOut.model_validate(_variant_dict(variant, variant.product))


def product_out(product: Product) -> ProductOut:
    """Expects the product's variants loaded (or costs one query for them)."""
    return ProductOut.model_validate(_product_dict(product))


def product_page(page) -> ProductPage:
    return ProductPage.model_validate({**page_meta(page), "items": [_product_dict(p) for p in page.items]})
