"""When an order's items are done, and what its payment and fulfillment figures are: pure rules, no ORM.

An item is done when every process its options ask for has finished for the units the customer keeps:
- *fulfil*: every unit not canceled has been shipped or handed over (lost units count as not shipped);
- *invoice*: every unit kept (not canceled, not returned) is on an invoice and not taken back by a credit note;
- *cover*: the order's payments match what the customer owes, no more (a refund is due) and no less.
An order closes when all its items are done and reopens when one is not any more.

What the customer owes is what the lines and charges come to, tax included; when the order's invoices reverse
charge the VAT (Order.vat_reverse_charged, set by billing) it is their amounts without tax (`net`), as the invoices
bill them.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orderly.core.money import net_part

CENT = Decimal("0.01")


def units_kept(item) -> int:
    """Units the customer keeps and pays for: neither canceled nor returned. The one definition, for the
    completion rules here, invoicing and credit notes; `item` is an OrderItem or ItemFigures."""
    return max(item.quantity - item.qty_canceled - item.qty_returned, 0)


@dataclass(frozen=True)
class ItemFigures:
    quantity: int
    line_total: Decimal
    option_fulfil: bool
    option_cover: bool
    option_invoice: bool
    qty_canceled: int = 0
    qty_returned: int = 0
    qty_handed_to_carrier: int = 0
    qty_invoiced: int = 0
    qty_credited: int = 0

    @property
    def to_fulfil(self) -> int:
        """Units that must be shipped or handed over."""
        return self.quantity - self.qty_canceled

    @property
    def kept(self) -> int:
        """Units the customer keeps and pays for (units_kept)."""
        return units_kept(self)

    @property
    def unit_value(self) -> Decimal:
        return self.line_total / self.quantity if self.quantity else Decimal("0")

    @property
    def value_kept(self) -> Decimal:
        if self.kept == self.quantity:
            return self.line_total
        return (self.unit_value * self.kept).quantize(CENT, rounding=ROUND_HALF_UP)

    def fulfilled(self) -> bool:
        return not self.option_fulfil or self.qty_handed_to_carrier >= self.to_fulfil

    def invoiced(self) -> bool:
        return not self.option_invoice or self.qty_invoiced - self.qty_credited >= self.kept


def figures_of(item, *, net: bool = False) -> ItemFigures:
    """The figures of an order item (anything with OrderItem's attributes); with `net`, its value is its line total
    without its tax (the VAT reverse charged)."""
    return ItemFigures(
        quantity=item.quantity,
        line_total=item.line_total - item.line_tax if net else item.line_total,
        option_fulfil=item.option_fulfil,
        option_cover=item.option_cover,
        option_invoice=item.option_invoice,
        qty_canceled=item.qty_canceled,
        qty_returned=item.qty_returned,
        qty_handed_to_carrier=item.qty_handed_to_carrier,
        qty_invoiced=item.qty_invoiced,
        qty_credited=item.qty_credited,
    )


def charge_owed(charge, *, net: bool = False) -> Decimal:
    """What the customer owes for one charge (an OrderCharge, or anything with its total, tax, credited and
    refunded): nothing while a credit note has taken it back (until an invoice bills it again), else its total less
    what the shop paid back for it; with `net` (the VAT reverse charged), that without its share of the tax."""
    if charge.credited:
        return Decimal("0")
    # a negative fee (a discount written as a fee) is never refunded
    refunded = min(max(charge.refunded, Decimal("0")), charge.total) if charge.total > 0 else Decimal("0")
    owed = charge.total - refunded
    return net_part(charge.total, charge.tax, owed) if net else owed


def owed_for_charges(charges, *, net: bool = False) -> Decimal:
    """What the customer owes for the order's shipping and fees, before the canceled-order rule (charges_owed)."""
    return sum((charge_owed(charge, net=net) for charge in charges), Decimal("0"))


def charges_owed(items: list[ItemFigures], charges: Decimal) -> Decimal:
    """Shipping and fees (`charges`: what owed_for_charges gives) are owed with the order, unless every unit of it
    was canceled (nothing was delivered)."""
    if not charges or not any(item.quantity > item.qty_canceled for item in items):
        return Decimal("0")
    return charges


def amount_due(items: list[ItemFigures], charges: Decimal = Decimal("0")) -> Decimal:
    """What the customer owes for the items whose payment Orderly tracks, for the units they keep, and for the
    order's shipping and fees (`charges`: what owed_for_charges gives, never a credited or refunded charge)."""
    kept = sum((item.value_kept for item in items if item.option_cover), Decimal("0"))
    return kept + charges_owed(items, charges)


def payment_status(due: Decimal, paid: Decimal) -> str:
    if paid > due:
        return "refund_due"
    if paid == due:
        return "paid"
    return "partially_paid" if paid > 0 else "unpaid"


def units_paid(items: list[ItemFigures], paid: Decimal, due: Decimal) -> list[int]:
    """Units of each item covered by `paid` (the costs paid indicator), filling the items strictly in line order:
    money left over after a unit it cannot cover in full does not skip ahead to a cheaper later line."""
    covered = []
    remaining = paid
    for item in items:
        if not item.option_cover or item.kept == 0:
            covered.append(0)
        elif paid >= due or item.unit_value == 0:
            covered.append(item.kept)
        else:
            units = max(min(item.kept, int(remaining // item.unit_value)), 0)
            covered.append(units)
            remaining = remaining - item.unit_value * units if units == item.kept else Decimal("0")
    return covered


def fulfillment_status(items: list[ItemFigures]) -> str:
    needed = sum(item.to_fulfil for item in items if item.option_fulfil)
    shipped = sum(min(item.qty_handed_to_carrier, item.to_fulfil) for item in items if item.option_fulfil)
    if needed and shipped >= needed:
        return "fulfilled"
    return "partially_fulfilled" if shipped else "unfulfilled"


def item_done(item: ItemFigures) -> bool:
    if item.qty_canceled >= item.quantity:
        return True
    return item.fulfilled() and item.invoiced()


def order_done(items: list[ItemFigures], payment: str) -> bool:
    """Every item done as its options require, and the payments settled where any item tracks them."""
    live = [item for item in items if item.qty_canceled < item.quantity]
    if not live:
        return False
    if any(item.option_cover for item in live) and payment != "paid":
        return False
    return all(item_done(item) for item in live)
