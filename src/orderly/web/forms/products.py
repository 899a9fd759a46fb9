"""Product and variant forms: posted values → the catalog services' input, and back for redisplay."""

from orderly.catalog.models import Product, Variant
from orderly.core.exceptions import DomainError
from orderly.web.forms.fields import FormState, blank_to_none, remap_row, row_indices

VARIANT_LABELS = {
    "sku": "SKU",
    "name": "Name",
    "package_size": "Package size",
    "weight": "Weight (kg)",
    "price": "Price",
    "tax_rate": "Tax rate %",
}
OPTIONAL_NUMBERS = ("weight", "price", "tax_rate")
MIN_VARIANT_ROWS = 3
MAX_VARIANT_ROWS = 200


class VariantRow:
    def __init__(self, form: FormState, index: int, prefix: str = "variants"):
        self.index = index
        self.fields = {
            name: form.add(f"{prefix}[{index}].{name}", label, context=f"Variant row {index + 1}")
            for name, label in VARIANT_LABELS.items()
        }

    def __getattr__(self, name):
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def is_blank(self) -> bool:
        return all(field.value == "" for field in self.fields.values())


def _variant_input(fields: dict) -> dict:
    data = {name: fields[name].value for name in ("sku", "name", "package_size")}
    for name in OPTIONAL_NUMBERS:
        if (value := blank_to_none(fields[name].value)) is not None:
            data[name] = value
    return data


class ProductForm(FormState):
    """A product's own fields; on create also rows of variants."""

    def __init__(self, *, creating: bool):
        super().__init__()
        self.creating = creating
        self.name = self.add("name", "Name")
        self.description = self.add("description", "Description")
        self.unit = self.add("unit", "Unit kept in", "kg")
        self.is_active = True
        self.variants: list[VariantRow] = []
        self._sent_rows: list[int] = []

    @classmethod
    def blank(cls) -> "ProductForm":
        form = cls(creating=True)
        form.variants = [VariantRow(form, i) for i in range(MIN_VARIANT_ROWS)]
        return form

    @classmethod
    def from_product(cls, product: Product) -> "ProductForm":
        form = cls(creating=False)
        form.name.value, form.description.value, form.unit.value = product.name, product.description, product.unit
        form.is_active = product.is_active
        return form

    @classmethod
    def from_post(cls, data, *, creating: bool) -> "ProductForm":
        form = cls(creating=creating)
        form.values_from(data)
        form.is_active = bool(data.get("is_active"))
        if creating:
            for position, posted in enumerate(row_indices(data, "variants", MAX_VARIANT_ROWS)):
                row = VariantRow(form, position)
                for name, field in row.fields.items():
                    field.value = str(data.get(f"variants[{posted}].{name}", "")).strip()
                form.variants.append(row)
            while len(form.variants) < MIN_VARIANT_ROWS:
                form.variants.append(VariantRow(form, len(form.variants)))
        return form

    def create_input(self) -> dict:
        variants = []
        self._sent_rows = []
        for row in self.variants:
            if not row.is_blank:
                variants.append(_variant_input(row.fields))
                self._sent_rows.append(row.index)
        return {
            "name": self.name.value,
            "description": self.description.value,
            "unit": self.unit.value,
            "is_active": self.is_active,
            "variants": variants,
        }

    def changes(self) -> dict:
        return {
            "name": self.name.value,
            "description": self.description.value,
            "unit": self.unit.value,
            "is_active": self.is_active,
        }

    def show_error(self, exc: DomainError, *, place: str | None = None) -> None:
        super().show_error(exc, place=place or remap_row(exc.field, self._sent_rows, "variants"))


class VariantForm(FormState):
    """One variant's fields, named as `variant_add` and `variant_update` name them."""

    def __init__(self):
        super().__init__()
        self.fields_by_name = {name: self.add(name, label) for name, label in VARIANT_LABELS.items()}
        self.is_active = True

    def __getattr__(self, name):
        try:
            return self.__dict__["fields_by_name"][name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def from_variant(cls, variant: Variant) -> "VariantForm":
        form = cls()
        for name, field in form.fields_by_name.items():
            field.value = str(getattr(variant, name))
        form.is_active = variant.is_active
        return form

    @classmethod
    def from_post(cls, data) -> "VariantForm":
        form = cls()
        form.values_from(data)
        form.is_active = bool(data.get("is_active"))
        return form

    def data(self) -> dict:
        return {**_variant_input(self.fields_by_name), "is_active": self.is_active}
