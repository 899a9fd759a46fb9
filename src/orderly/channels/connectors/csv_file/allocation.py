"""Spreading an order-level amount (a discount, a tax) over lines in cents, so the parts add up exactly.

The Shopify orders export states discounts and taxes per order only (Discount Amount; Tax 1–5 Name and Value). The
shop's amounts stay the truth: we only decide which line carries which cent of them.
"""

import itertools
import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")
MAX_ASSIGNMENTS = 20_000  # tax-rate-to-line assignments tried for an order with several rates
_RATE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` in cents over `weights` by their share: each part rounded down, the cents left over to the parts with
    the largest remainders (on a tie the later part). Zero weights all round share it equally."""
    if not weights:
        return []
    if total < 0:
        return [-part for part in split(-total, weights)]
    if sum(weights) <= 0:
        weights = [Decimal(1)] * len(weights)
    whole = sum(weights)
    cents = int((total / CENT).to_integral_value())
    exact = [cents * w / whole for w in weights]
    parts = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    left = cents - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - parts[i], i), reverse=True)
    for i in order[:left]:
        parts[i] += 1
    return [Decimal(p) * CENT for p in parts]


def rate_in(title: str) -> Decimal | None:
    """The percentage a tax's name states ("VAT 21%", "GST 5 %"), if any."""
    found = _RATE.findall(title or "")
    return Decimal(found[-1].replace(",", ".")) if found else None


def percent(rate: Decimal) -> str:
    text = format(rate.quantize(Decimal("0.001")).normalize(), "f")
    return text if text != "-0" else "0"


@dataclass
class Tax:
    title: str
    rate: Decimal | None  # from its name; None when the name states none
    value: Decimal


@dataclass
class Receiver:
    base: Decimal  # the amount the tax is on: after discounts, with the tax in it when prices include tax
    taxable: bool
    shipping: bool = False


def _tax_of(base: Decimal, rate: Decimal, inside: bool) -> Decimal:
    return base * rate / (100 + rate) if inside else base * rate / 100


def _fits(tax: Tax, bases: list[Decimal], inside: bool) -> Decimal | None:
    """How far the tax's value is from its rate on these bases, or None when further than rounding explains."""
    off = abs(tax.value - _tax_of(sum(bases, Decimal(0)), tax.rate, inside))
    return off if off <= CENT * (len(bases) + 1) else None


def _receivers_of(taxes: list[Tax], receivers: list[Receiver], inside: bool) -> list[list[int]]:
    """For each tax, the receivers that carry it. A tax with a rate goes where its rate explains its value: on every
    taxable line (with or without the shipping), or, for an order with several rates (reduced and standard VAT),
    on the lines whose assignment to one rate each explains every value. Otherwise it goes on every taxable line
    and the shipping."""
    eligible = [i for i, r in enumerate(receivers) if r.taxable and r.base > 0]
    if not eligible:
        eligible = [i for i, r in enumerate(receivers) if r.base > 0] or list(range(len(receivers)))
    without_shipping = [i for i in eligible if not receivers[i].shipping]
    chosen: list[list[int] | None] = []
    for tax in taxes:
        if tax.rate is None:
            chosen.append(eligible)
            continue
        options = [eligible] + ([without_shipping] if without_shipping != eligible and without_shipping else [])
        fitting = [o for o in options if _fits(tax, [receivers[i].base for i in o], inside) is not None]
        chosen.append(fitting[0] if fitting else None)
    rated = [n for n, tax in enumerate(taxes) if tax.rate is not None]
    if (
        len(rated) > 1
        and any(chosen[n] is None for n in rated)
        and (found := _assign(taxes, rated, receivers, eligible, inside))
    ):
        for n in rated:
            chosen[n] = found[n]
    return [c if c else eligible for c in chosen]


def _assign(taxes, rated, receivers, eligible, inside) -> dict[int, list[int]] | None:
    """One rate per line (the shipping may carry none) such that every rated tax's value is its rate on its lines;
    the closest such assignment, or None."""
    choices = [rated + ([None] if receivers[i].shipping else []) for i in eligible]
    count = 1
    for options in choices:
        count *= len(options)
    if count > MAX_ASSIGNMENTS:
        return None
    best, best_off = None, None
    for combo in itertools.product(*choices):
        groups = {n: [i for i, pick in zip(eligible, combo, strict=True) if pick == n] for n in rated}
        offs = [_fits(taxes[n], [receivers[i].base for i in groups[n]], inside) for n in rated]
        if all(o is not None for o in offs) and all(groups[n] for n in rated):
            total_off = sum(offs, Decimal(0))
            if best_off is None or total_off < best_off:
                best, best_off = groups, total_off
    return best


def allocate(taxes: list[Tax], receivers: list[Receiver], *, inside: bool) -> list[list[dict]]:
    """Each receiver's tax lines [{"title", "rate", "amount"}]: every tax's value split over its receivers by
    their bases (see `split`), so that the receivers' tax adds up to exactly the shop's value."""
    lines: list[list[dict]] = [[] for _ in receivers]
    taxes = [t for t in taxes if t.value != 0]
    for tax, where in zip(taxes, _receivers_of(taxes, receivers, inside), strict=True):
        bases = [receivers[i].base for i in where]
        rate = tax.rate
        if rate is None:  # the rate the shop's own amounts give, for display; the amounts stay the shop's
            base = sum(bases, Decimal(0)) - (tax.value if inside else 0)
            rate = tax.value / base * 100 if base > 0 else Decimal(0)
        for i, amount in zip(where, split(tax.value, bases), strict=True):
            if amount:
                lines[i].append({"title": tax.title, "rate": percent(rate), "amount": str(amount)})
    return lines
