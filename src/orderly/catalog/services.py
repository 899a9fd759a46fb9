"""Writes to the catalog: products and their variants."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction

from orderly.catalog.models import Product, Variant
from orderly.core.exceptions import AlreadyExists, ValidationError
from orderly.core.retry import retry_on_conflict

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
VARIANT_FIELDS = ("sku", "name", "package_size", "weight", "price", "tax_rate", "is_active")


def _decimal(
    value, *, field: str, places: int, minimum: Decimal, maximum: Decimal | None = None, strict_min=False
) -> Decimal:
    """The number rounded (half up) to the `places` decimals its column keeps, then checked against the bounds: a
    value that only rounds to zero is refused here, not by the database's check."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} must be a number.", field=field) from None
    if number.is_finite() and abs(number) < Decimal("1e20"):
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if not number.is_finite() or number < minimum or (strict_min and number == minimum):
        bound = "greater than" if strict_min else "at least"
        raise ValidationError(f"{field} must be {bound} {minimum}.", field=field)
    if maximum is not None and number > maximum:
        raise ValidationError(f"{field} must be at most {maximum}.", field=field)
    return number


def _clean_text(value, *, field: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"{field} is required.", field=field)
    if len(text) > max_length:
        raise ValidationError(f"{field} is longer than {max_length} characters.", field=field)
    return text


def _clean_variant(data: dict, *, prefix: str, partial: bool = False) -> dict:
    clean = {}
    if "sku" in data or not partial:
        sku = _clean_text(data.get("sku"), field=f"{prefix}sku", max_length=64)
        if not SKU_PATTERN.match(sku):
            raise ValidationError(
                f"{prefix}sku {sku!r} may hold only letters, digits and . _ - /.", field=f"{prefix}sku"
            )
        clean["sku"] = sku
    if "name" in data or not partial:
        clean["name"] = _clean_text(data.get("name"), field=f"{prefix}name", max_length=200)
    if "package_size" in data or not partial:
        clean["package_size"] = _decimal(
            data.get("package_size"),
            field=f"{prefix}package_size",
            places=3,
            minimum=Decimal(0),
            strict_min=True,
            maximum=Decimal("9999999"),
        )
    for name, places, maximum in (
        ("weight", 3, Decimal("9999999")),
        ("price", 2, Decimal("9999999999")),
        ("tax_rate", 2, Decimal(100)),
    ):
        if data.get(name) is not None:
            clean[name] = _decimal(
                data[name], field=f"{prefix}{name}", places=places, minimum=Decimal(0), maximum=maximum
            )
    if data.get("is_active") is not None:
        clean["is_active"] = bool(data["is_active"])
    return clean


def _ensure_sku_free(sku: str, *, field: str, exclude_id: int | None = None) -> None:
    taken = Variant.objects.filter(sku=sku)
    if exclude_id:
        taken = taken.exclude(id=exclude_id)
    if taken.exists():
        raise AlreadyExists(
            f"SKU {sku!r} is already used by another variant.", resource="variant", key=sku, field=field
        )


@retry_on_conflict
@transaction.atomic
def product_create(
    *, name: str, description: str = "", unit: str = "kg", is_active: bool = True, variants: list[dict] = ()
) -> Product:
    """Create a product with its variants, all or nothing. SKUs must be new and distinct."""
    name = _clean_text(name, field="name", max_length=200)
    if Product.objects.filter(name=name).exists():
        raise AlreadyExists(f"A product named {name!r} already exists.", resource="product", key=name, field="name")
    cleaned = [_clean_variant(v, prefix=f"variants[{i}].") for i, v in enumerate(variants)]
    seen: set[str] = set()
    for i, variant in enumerate(cleaned):
        if variant["sku"] in seen:
            raise ValidationError(f"SKU {variant['sku']!r} appears twice.", field=f"variants[{i}].sku")
        seen.add(variant["sku"])
        _ensure_sku_free(variant["sku"], field=f"variants[{i}].sku")
    product = Product.objects.create(
        name=name,
        description=_clean_text(description, field="description", max_length=5000, required=False),
        unit=_clean_text(unit, field="unit", max_length=16),
        is_active=is_active,
    )
    Variant.objects.bulk_create(Variant(product=product, **variant) for variant in cleaned)
    return product


@retry_on_conflict
@transaction.atomic
def product_update(*, product: Product, changes: dict) -> Product:
    """Change a product's name, description, unit or active flag."""
    if "name" in changes:
        name = _clean_text(changes["name"], field="name", max_length=200)
        if Product.objects.filter(name=name).exclude(id=product.id).exists():
            raise AlreadyExists(f"A product named {name!r} already exists.", resource="product", key=name, field="name")
        product.name = name
    if "description" in changes:
        product.description = _clean_text(changes["description"], field="description", max_length=5000, required=False)
    if "unit" in changes:
        product.unit = _clean_text(changes["unit"], field="unit", max_length=16)
    if changes.get("is_active") is not None:
        product.is_active = bool(changes["is_active"])
    product.save()
    return product


@retry_on_conflict
@transaction.atomic
def variant_add(*, product: Product, data: dict) -> Variant:
    """Add a variant to a product; its SKU must be new."""
    clean = _clean_variant(data, prefix="")
    _ensure_sku_free(clean["sku"], field="sku")
    return Variant.objects.create(product=product, **clean)


@retry_on_conflict
@transaction.atomic
def variant_update(*, variant: Variant, changes: dict) -> Variant:
    """Change a variant's fields; a new SKU must be free."""
    clean = _clean_variant({k: v for k, v in changes.items() if k in VARIANT_FIELDS}, prefix="", partial=True)
    if "sku" in clean:
        _ensure_sku_free(clean["sku"], field="sku", exclude_id=variant.id)
    for name, value in clean.items():
        setattr(variant, name, value)
    variant.save()
    return variant
