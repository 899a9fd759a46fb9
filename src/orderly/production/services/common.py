"""Input checks shared by the production services: kg, percents, names; profile figures."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from orderly.core.exceptions import ValidationError
from orderly.production.status import MAX_WEIGHT_LOSS
from orderly.production.weights import HUNDRED, KG_STEP

MAX_KG = Decimal("99999999")


def number(value, *, field: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{field} must be a number, got {value!r}.", field=field)
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} must be a number, got {value!r}.", field=field) from None
    if not result.is_finite():
        raise ValidationError(f"{field} must be a number, got {value!r}.", field=field)
    return result


def kg(value, *, field: str) -> Decimal:
    """Kg more than zero, at most 3 decimals."""
    result = number(value, field=field)
    if result <= 0:
        raise ValidationError(f"{field} must be more than 0 kg, got {result}.", field=field)
    if result > MAX_KG:
        raise ValidationError(f"{field} must be at most {MAX_KG} kg.", field=field)
    if result != result.quantize(KG_STEP):
        raise ValidationError(f"{field} must have at most 3 decimals (grams), got {result}.", field=field)
    return result.quantize(KG_STEP)


def weight_loss(value, *, field: str = "weight_loss") -> Decimal:
    """A weight loss in percent, 0 to 40."""
    result = number(value, field=field)
    if not 0 <= result <= MAX_WEIGHT_LOSS:
        raise ValidationError(f"{field} must be between 0 and {MAX_WEIGHT_LOSS} %, got {result}.", field=field)
    return result


def whole(value, *, field: str, minimum: int = 1, maximum: int = 1_000_000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValidationError(
            f"{field} must be a whole number from {minimum} to {maximum}, got {value!r}.", field=field
        )
    return value


def text(value, *, field: str, max_length: int) -> str:
    result = str(value or "").strip() if value is None or isinstance(value, str) else None
    if not result:
        raise ValidationError(f"{field} is required.", field=field)
    if len(result) > max_length:
        raise ValidationError(f"{field} is at most {max_length} characters.", field=field)
    return result


def split_by_shares(batch_kg: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """`batch_kg` cut into parts by `shares` (percent, summing to 100), to the gram; the last part takes what
    rounding left over, so the parts always add up to the batch exactly."""
    parts = [(batch_kg * share / HUNDRED).quantize(KG_STEP, rounding=ROUND_HALF_UP) for share in shares[:-1]]
    parts.append(batch_kg - sum(parts, Decimal("0")))
    return parts
