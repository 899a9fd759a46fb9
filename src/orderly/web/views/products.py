"""Catalog pages: products with their variants. Anyone signed in reads; managers change."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from orderly.catalog.selectors import product_get, product_list, variant_get
from orderly.catalog.services import product_create, product_update, variant_add, variant_update
from orderly.core.exceptions import DomainError, ValidationError
from orderly.core.paging import paginate
from orderly.web.decorators import role_required
from orderly.web.forms.products import ProductForm, VariantForm
from orderly.web.views.common import or_404

ACTIVE = {"": None, "yes": True, "no": False}
PAGE_SIZE = 50


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < len(raw) < 10 and int(raw) > 0 else 1


@role_required()
def product_list_view(request):
    q = request.GET.get("q", "").strip()[:200]
    active = request.GET.get("active", "").strip()
    error = None
    page = None
    if active not in ACTIVE:
        error = ValidationError(f"active must be yes, no or empty, not {active!r}.", field="active")
    else:
        page = paginate(
            product_list(q=q, active=ACTIVE[active]),
            page=_page_number(request.GET.get("page", "")),
            exact_count=request.GET.get("count") == "exact",
        )
    context = {"q": q, "active": active, "page": page, "error": error}
    partial = request.htmx and not request.htmx.history_restore_request
    template = "web/products/_results.html" if partial else "web/products/list.html"
    response = TemplateResponse(request, template, context, status=400 if error else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


@role_required()
def product_detail(request, product_id: int):
    product = or_404(product_get, product_id)
    return TemplateResponse(request, "web/products/detail.html", {"product": product})


def _product_form(request, form: ProductForm, *, product=None, status: int = 200):
    return TemplateResponse(request, "web/products/form.html", {"form": form, "product": product}, status=status)


@role_required("manager")
def product_new(request):
    if request.method != "POST":
        return _product_form(request, ProductForm.blank())
    form = ProductForm.from_post(request.POST, creating=True)
    try:
        product = product_create(**form.create_input())
    except DomainError as exc:
        form.show_error(exc)
        return _product_form(request, form, status=exc.status)
    messages.success(request, f"Product {product.name} created.")
    return redirect("web:product_detail", product_id=product.id)


@role_required("manager")
def product_edit(request, product_id: int):
    product = or_404(product_get, product_id)
    if request.method != "POST":
        return _product_form(request, ProductForm.from_product(product), product=product)
    form = ProductForm.from_post(request.POST, creating=False)
    try:
        product_update(product=product, changes=form.changes())
    except DomainError as exc:
        form.show_error(exc)
        product.refresh_from_db()
        return _product_form(request, form, product=product, status=exc.status)
    messages.success(request, f"Product {product.name} saved.")
    return redirect("web:product_detail", product_id=product.id)


@role_required("manager")
@require_POST
def product_set_active(request, product_id: int, active: bool):
    product = or_404(product_get, product_id)
    product_update(product=product, changes={"is_active": active})
    word = "activated" if active else "deactivated"
    messages.success(request, f"Product {product.name} {word}.")
    return redirect("web:product_detail", product_id=product.id)


def _variant_form(request, form: VariantForm, *, product, variant=None, status: int = 200):
    context = {"form": form, "product": product, "variant": variant}
    return TemplateResponse(request, "web/products/variant_form.html", context, status=status)


@role_required("manager")
def variant_new(request, product_id: int):
    product = or_404(product_get, product_id)
    if request.method != "POST":
        return _variant_form(request, VariantForm(), product=product)
    form = VariantForm.from_post(request.POST)
    try:
        variant = variant_add(product=product, data=form.data())
    except DomainError as exc:
        form.show_error(exc)
        return _variant_form(request, form, product=product, status=exc.status)
    messages.success(request, f"Variant {variant.sku} added to {product.name}.")
    return redirect("web:product_detail", product_id=product.id)


@role_required("manager")
def variant_edit(request, sku: str):
    variant = or_404(variant_get, sku)
    if request.method != "POST":
        return _variant_form(request, VariantForm.from_variant(variant), product=variant.product, variant=variant)
    form = VariantForm.from_post(request.POST)
    try:
        variant = variant_update(variant=variant, changes=form.data())
    except DomainError as exc:
        form.show_error(exc)
        variant.refresh_from_db()
        return _variant_form(request, form, product=variant.product, variant=variant, status=exc.status)
    messages.success(request, f"Variant {variant.sku} saved.")
    return redirect("web:product_detail", product_id=variant.product_id)


@role_required("manager")
@require_POST
def variant_set_active(request, sku: str, active: bool):
    variant = or_404(variant_get, sku)
    variant_update(variant=variant, changes={"is_active": active})
    word = "activated" if active else "deactivated"
    messages.success(request, f"Variant {variant.sku} {word}.")
    return redirect("web:product_detail", product_id=variant.product_id)
