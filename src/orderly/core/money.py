"""Money and quantity helpers: Decimal only, rounded half-up to cents."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value) -> Decimal:
    """Round a number to cents, half up, as an accountant expects."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
