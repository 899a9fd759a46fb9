"""When an invoice reverse charges the VAT: goods sold to a business in another EU member state.

The EU's rule (Council Directive 2006/112/EC): goods that a seller established in one member state sends to a
business in another member state, which gave the seller its VAT number of a member state other than the seller's,
are an intra-Community supply. The seller charges no VAT on it (Article 138) and the buyer accounts for the VAT in
its own state: the VAT is reverse charged. The place of supply of goods is where they are sent, so the order's
shipping address decides where the goods go (its billing address only when it has no shipping address).

An invoice reverse charges the VAT when, and only when, all of these hold:
- the seller's settings say so (ORDERLY_SELLER_REVERSE_CHARGE, billing/seller.py) and the seller's country
  (ORDERLY_SELLER_COUNTRY) is a member state;
- the customer has a VAT number (that makes it a business) whose two letters are a member state other than the
  seller's (EL for Greece);
- the goods go to a member state other than the seller's.
Anyone else pays VAT as the order's lines carry it: a consumer (no VAT number), a business in the seller's own
country, one outside the EU, goods sent out of the EU, or any order while the setting is off.

Such an invoice bills every line and charge at 0 %, at its net amount (amounts.reverse_charged), records that it
is reverse charged and prints REVERSE_CHARGE_NOTE; its credit notes follow it. Pure rules: no query but the
order's addresses.
"""

from dataclasses import dataclass

from orderly.core.countries import EU_MEMBER_STATES, vat_number_country

# What the invoice says of its missing VAT: "Reverse charge" (Article 226(11a)) and the exemption it applies
# (Article 226(11): an intra-Community supply of goods, Article 138).
REVERSE_CHARGE_NOTE = (
    "VAT reverse charged: intra-Community supply of goods, exempt from VAT under Article 138 of Council Directive "
    "2006/112/EC. The customer accounts for the VAT."
)


@dataclass(frozen=True)
class VatTreatment:
    reverse_charge: bool
    why: str  # in words, for the order page: why the VAT is reverse charged, or why it is not

    def __str__(self) -> str:
        return f"VAT {'reverse charged' if self.reverse_charge else 'charged'}: {self.why}."


def vat_treatment(*, seller: dict, vat_number: str, destination: str) -> VatTreatment:
    """How an invoice treats the VAT of goods sent to `destination` (an ISO country code, "" when unknown) for a
    customer with `vat_number` ("" for none), by the seller's settings (`seller`: billing.seller.seller_details)."""
    seller_country = str(seller.get("country") or "").upper()
    destination = (destination or "").upper()
    number_country = vat_number_country(vat_number)

    def charged(why: str) -> VatTreatment:
        return VatTreatment(False, why)

    if not vat_number:
        return charged("the customer has no VAT number")
    if not seller.get("reverse_charge"):
        return charged("the seller's settings do not reverse charge intra-EU supplies to businesses")
    if seller_country not in EU_MEMBER_STATES:
        return charged(f"the seller's country ({seller_country or 'none'}) is not an EU member state")
    if number_country not in EU_MEMBER_STATES:
        return charged(f"the VAT number {vat_number} is not of an EU member state")
    if number_country == seller_country:
        return charged(f"the VAT number {vat_number} is of the seller's own country, {seller_country}")
    if not destination:
        return charged("the order has no address the goods go to")
    if destination not in EU_MEMBER_STATES:
        return charged(f"the goods go to {destination}, outside the EU")
    if destination == seller_country:
        return charged(f"the goods stay in the seller's own country, {seller_country}")
    return VatTreatment(True, f"a business with VAT number {vat_number}, the goods go to {destination}")


def destination_of(order) -> str:
    """Where the order's goods go: its shipping address's country, else its billing address's ("" with neither)."""
    address = order.shipping_address or order.billing_address
    return address.country if address else ""


def order_vat_treatment(order, seller: dict) -> VatTreatment:
    """How the order's next invoice treats the VAT (with the order's addresses loaded, no query)."""
    return vat_treatment(seller=seller, vat_number=order.customer_vat_number, destination=destination_of(order))
