"""Sandbox: a pretend shop built into Orderly, for trying synchronizing without a real one. Not a shop: nothing
it makes is a real customer's order, and it is named so wherever its channel shows.

Each sync brings the next ORDERS_PER_SYNC orders of an endless, fixed sequence: order n is always the same (its
customer, lines and payment come from n alone), so that re-pulling one order gives it back unchanged. Its change
time is the channel's creation time plus n seconds, which is how the cursor says where the next sync starts. Some
orders carry what a real shop's orders carry and a team has to fix: a SKU the catalog does not know (every
UNKNOWN_SKU_EVERY-th order: map it on the channel), an address without its postal code (every
NO_POSTAL_CODE_EVERY-th), an unpaid order that waits as a draft (every UNPAID_EVERY-th). Shipments are accepted
and told to nobody.
"""

import datetime as dt
import random
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from orderly.channels.connectors.base import BaseConnector, ExternalOrder, Page

ORDERS_PER_SYNC = 3
UNKNOWN_SKU_EVERY = 5
NO_POSTAL_CODE_EVERY = 7
UNPAID_EVERY = 4
UNKNOWN_SKU = "SANDBOX-MYSTERY-BLEND"
# Used when the channel names no SKUs of ours to sell (settings["sandbox_skus"]): they then all need a mapping.
DEFAULT_SKUS = ("SANDBOX-HOUSE-250", "SANDBOX-HOUSE-1000")
VAT_RATE = Decimal("9")
SHIPPING = Decimal("4.95")
CENT = Decimal("0.01")
PREFIX = "sandbox-"

CUSTOMERS = (
    ("Noor Vermeulen", "Prinsengracht 263", "1016 GV", "Amsterdam", "NL"),
    ("Jonas Albrecht", "Bergmannstraße 12", "10961", "Berlin", "DE"),
    ("Lotte Peeters", "Meir 48", "2000", "Antwerpen", "BE"),
    ("Sam Okafor", "Stationsweg 5", "3811 LS", "Amersfoort", "NL"),
    ("Ines Carvalho", "Lindengasse 9", "1070", "Wien", "AT"),
    ("Tom Willems", "Oudegracht 150", "3511 AZ", "Utrecht", "NL"),
)


def _price(sku: str) -> Decimal:
    """A bag's price from its size in the SKU (…-250: 250 g), so the same SKU always costs the same."""
    grams = sku.rsplit("-", 1)[-1]
    return {"250": Decimal("8.95"), "500": Decimal("15.90"), "1000": Decimal("29.50")}.get(grams, Decimal("12.00"))


def sandbox_order(n: int, *, since: dt.datetime, skus: tuple[str, ...]) -> ExternalOrder:
    """Order n of the sandbox's sequence (n ≥ 1): the same every time it is asked for."""
    pick = random.Random(n)  # made-up orders: the same n gives the same order
    name, street, postal_code, city, country = CUSTOMERS[n % len(CUSTOMERS)]
    lines = pick.sample(skus, k=min(len(skus), pick.randint(1, 2)))
    if n % UNKNOWN_SKU_EVERY == 0:
        lines.append(UNKNOWN_SKU)
    items, total = [], SHIPPING
    for sku in lines:
        quantity, price = pick.randint(1, 3), _price(sku)
        tax = (quantity * price * VAT_RATE / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        items.append(
            {
                "sku": sku,
                "name": f"Sandbox coffee {sku}",
                "quantity": quantity,
                "unit_price": str(price),
                "discount": "0.00",
                "tax_rate": f"{VAT_RATE}.00",
                "tax_lines": [{"title": "VAT", "rate": f"{VAT_RATE}.00", "amount": str(tax)}],
            }
        )
        total += quantity * price + tax
    unpaid = n % UNPAID_EVERY == 0
    changed = (since + dt.timedelta(seconds=n)).isoformat()
    return ExternalOrder(
        external_id=f"{PREFIX}{n}",
        external_ref=f"#SBX-{n:04d}",
        external_status="pending" if unpaid else "paid",
        updated_at=changed,
        order_date=changed,
        customer={"name": name, "email": f"{name.split()[0].lower()}.{n}@sandbox.example.com"},
        shipping_address={
            "name": name,
            "line1": street,
            "postal_code": "" if n % NO_POSTAL_CODE_EVERY == 0 else postal_code,
            "city": city,
            "country": country,
        },
        currency="EUR",
        items=items,
        notes="A made-up order of the sandbox shop.",
        charges=[
            {"kind": "shipping", "title": "Standard", "code": "standard", "amount": str(SHIPPING), "tax_lines": []}
        ],
        stated_total=str(total),
        payment={"state": "pending" if unpaid else "paid", "paid": "0.00" if unpaid else str(total)},
        delivery_method="standard",
    )


class Connector(BaseConnector):
    kind = "sandbox"

    @property
    def since(self) -> dt.datetime:
        created = getattr(self.channel, "created_at", None) or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        return created.astimezone(dt.UTC).replace(microsecond=0)

    @property
    def skus(self) -> tuple[str, ...]:
        return tuple(self.settings.get("sandbox_skus") or DEFAULT_SKUS)

    def number_at(self, cursor: str) -> int:
        """The number of the order whose change time is `cursor` (0 before the first)."""
        if not cursor:
            return 0
        return max(0, int((dt.datetime.fromisoformat(cursor) - self.since).total_seconds()))

    def fetch_pages(self, *, cursor: str) -> Iterator[Page]:
        first = self.number_at(cursor) + 1
        orders = [sandbox_order(n, since=self.since, skus=self.skus) for n in range(first, first + ORDERS_PER_SYNC)]
        yield Page(orders=orders, cursor=orders[-1].updated_at)

    def fetch_order(self, external_id: str) -> ExternalOrder | None:
        number = external_id.removeprefix(PREFIX)
        if not external_id.startswith(PREFIX) or not number.isdigit() or int(number) < 1:
            return None
        return sandbox_order(int(number), since=self.since, skus=self.skus)

    def push_shipped(self, *, external_id: str, tracking_number: str, carrier: str, tracking_url: str) -> None:
        """The sandbox takes every shipment and tells nobody."""
