"""Money and quantity helpers: Decimal only, rounded half-up to cents."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value) -> Decimal:
    """Round a number to cents, half up, as an accountant expects."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def net_part(total: Decimal, tax: Decimal, part: Decimal) -> Decimal:
    """Without its tax, `part` of an amount whose `total` contains (or adds) `tax`: the part less its share of the
    tax, half-up to the cent (the whole less its tax for the whole). What a charge, or what is left of it after a
    refund, comes to when its VAT is reverse charged; billing and the orders area both take it so."""
    if part == total or not total:
        return total - tax
    return part - to_money(tax * part / total)


def rate_text(value) -> str:
    """A tax rate in percent as text: at least two decimals, more only where the rate has them (9.00, 9.975)."""
    number = Decimal(value).normalize()
    if number.as_tuple().exponent > -2:
        number = number.quantize(CENT)
    return format(number, "f")


def quantity_text(value) -> str:
    """A quantity as plain digits with no trailing zeros, as an error's detail carries it: 5.000 → "5", 12.50 →
    "12.5"."""
    return format(Decimal(value).normalize(), "f")
