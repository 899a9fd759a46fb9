"""What an own label carries: a parcel Orderly numbers and labels itself (a merchant's own courier, a carrier
without an API)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from orderly.carriers.connectors.base import Address
from orderly.core.exceptions import ValidationError


@dataclass(frozen=True)
class OwnLabel:
    """One parcel's label. `parcel_number` (`PA-000123`) becomes the Code 128 barcode, so it must be printable
    ASCII; `service` is the shipping method's name, `carrier` the carrier account's name."""

    sender: Address
    recipient: Address
    order_number: str
    parcel_number: str
    weight_kg: Decimal
    service: str
    carrier: str
    shipped_on: dt.date
    reference: str = ""  # the customer's own reference for the order, where they gave one
    notes: str = ""  # a short instruction for the courier ("leave with neighbour")

    def __post_init__(self) -> None:
        if not self.parcel_number or not all(" " <= char <= "~" for char in self.parcel_number):
            raise ValidationError(
                f"The parcel number {self.parcel_number!r} must be printable ASCII to become a Code 128 barcode.",
                field="parcel_number",
            )
        if not isinstance(self.weight_kg, Decimal) or not self.weight_kg.is_finite() or self.weight_kg < 0:
            raise ValidationError(
                f"The weight {self.weight_kg!r} must be a Decimal number of kilograms, zero or more.", field="weight_kg"
            )


def address_lines(address: Address) -> list[str]:
    """The lines of an address as printed on a label, empty parts left out: name, company, street (two lines at
    most), postal code with city (and state), country code."""
    place = " ".join(part for part in (address.postal_code, address.city, address.state) if part)
    lines = [address.name, address.company, address.street, address.street2, place, address.country.upper()]
    return [" ".join(line.split()) for line in lines if line and line.strip()]


def weight_text(weight_kg: Decimal) -> str:
    """`1.25 kg` for Decimal('1.250'): at most three decimals, trailing zeros dropped, never scientific notation."""
    value = weight_kg.quantize(Decimal("0.001")).normalize()
    return f"{value:f} kg"
