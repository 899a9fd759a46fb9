"""Roasting's weight arithmetic: kilograms to the gram, and the weight a roast loses. Pure: the services, the
selectors and the figures all read it, so it imports none of them."""

from decimal import ROUND_HALF_UP, Decimal

KG_STEP = Decimal("0.001")
HUNDRED = Decimal("100")


def end_from_loss(batch_kg: Decimal, loss: Decimal) -> Decimal:
    """Roasted kg out of `batch_kg` green at `loss` percent, to the gram."""
    return (batch_kg * (HUNDRED - loss) / HUNDRED).quantize(KG_STEP, rounding=ROUND_HALF_UP)


def loss_of(batch_kg: Decimal, end_kg: Decimal) -> Decimal:
    """The weight loss in percent, (start − end) / start, to 2 decimals."""
    return ((batch_kg - end_kg) * HUNDRED / batch_kg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
