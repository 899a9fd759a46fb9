from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError


class UnknownSku(ValidationError):
    code = ErrorCode.UNKNOWN_SKU

    def __init__(self, sku: str, *, field: str | None = None, message: str | None = None):
        super().__init__(message or f"No product variant has SKU {sku!r}.", field=field, sku=sku)
        self.sku = sku


class InactiveVariant(ValidationError):
    code = ErrorCode.INACTIVE_PRODUCT

    def __init__(self, sku: str, *, field: str | None = None):
        super().__init__(
            f"SKU {sku!r} belongs to an inactive product or variant and cannot be ordered.", field=field, sku=sku
        )
        self.sku = sku
