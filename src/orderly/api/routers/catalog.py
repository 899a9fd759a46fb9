"""/products and /variants: the catalog. Everyone with a token reads it; managers and admins change it."""

from django.http import HttpRequest
from ninja import Query, Router

from orderly.api.auth import can_change_catalog, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.catalog import (
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductPatch,
    ProductQuery,
    VariantIn,
    VariantOut,
    VariantPatch,
    product_out,
    product_page,
    variant_out,
)
from orderly.catalog import services
from orderly.catalog.selectors import product_get, product_list, variant_get
from orderly.core.paging import paginate

router = Router(tags=["catalog"])

READ_ERRORS = error_responses(401, 403, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


@router.get(
    "/products", response={200: ProductPage, **error_responses(401, 403, 422)}, auth=can_read, summary="List products"
)
def list_products(request: HttpRequest, query: Query[ProductQuery]):
    """Products by name, each with its variants."""
    page = paginate(product_list(q=query.q, active=query.active), page=query.page, page_size=query.page_size)
    return product_page(page)


@router.post(
    "/products",
    response={201: ProductOut, **error_responses(400, 401, 403, 409, 413, 422)},
    auth=can_change_catalog,
    summary="Create a product",
)
def create_product(request: HttpRequest, payload: ProductCreate, idempotency_key: str | None = IdempotencyKey):
    """A product with its variants, all or nothing; every SKU must be new."""

    def run():
        product = services.product_create(**payload.model_dump())
        return product_out(product_get(product.id))

    return respond(request, idempotency_key, run=run, schema=ProductOut, status=201)


@router.get("/products/{int:product_id}", response={200: ProductOut, **READ_ERRORS}, auth=can_read, summary="Get")
def get_product(request: HttpRequest, product_id: int):
    return product_out(product_get(product_id))


@router.patch(
    "/products/{int:product_id}", response={200: ProductOut, **WRITE_ERRORS}, auth=can_change_catalog, summary="Edit"
)
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch):
    """Change the name, description, unit or active flag; an inactive product cannot be ordered."""
    services.product_update(product=product_get(product_id), changes=payload.model_dump(exclude_unset=True))
    return product_out(product_get(product_id))


@router.post(
    "/products/{int:product_id}/variants",
    response={201: VariantOut, **WRITE_ERRORS},
    auth=can_change_catalog,
    summary="Add a variant",
)
def add_variant(
    request: HttpRequest, product_id: int, payload: VariantIn, idempotency_key: str | None = IdempotencyKey
):
    def run():
        variant = services.variant_add(product=product_get(product_id), data=payload.model_dump())
        return variant_out(variant_get(variant.sku))

    return respond(request, idempotency_key, run=run, schema=VariantOut, status=201)


@router.get("/variants/{path:sku}", response={200: VariantOut, **READ_ERRORS}, auth=can_read, summary="Get a variant")
def get_variant(request: HttpRequest, sku: str):
    return variant_out(variant_get(sku))


@router.patch(
    "/variants/{path:sku}",
    response={200: VariantOut, **WRITE_ERRORS},
    auth=can_change_catalog,
    summary="Edit a variant",
)
def update_variant(request: HttpRequest, sku: str, payload: VariantPatch):
    """Change a variant's fields, its SKU included (the new one must be free)."""
    variant = services.variant_update(variant=variant_get(sku), changes=payload.model_dump(exclude_unset=True))
    return variant_out(variant_get(variant.sku))
