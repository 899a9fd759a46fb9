from orderly.core.exceptions import DomainError, NotFound


class UnknownSku(NotFound):
    code = "unknown_sku"

    def __init__(self, sku: str, *, field: str | None = None):
        super().__init__(f"No product variant has SKU {sku!r}.", field=field, sku=sku)
        self.sku = sku
        self.status = 422


class InactiveVariant(DomainError):
    code = "inactive_product"
    status = 422

    def __init__(self, sku: str, *, field: str | None = None):
        super().__init__(
            f"SKU {sku!r} belongs to an inactive product or variant and cannot be ordered.", field=field, sku=sku
        )
        self.sku = sku
