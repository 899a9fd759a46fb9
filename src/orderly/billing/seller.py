"""Who issues the invoices: the seller block printed on every invoice and credit note.

Defaults live here so that settings.py stays free of business data; each can be overridden per installation with
an environment variable, read when an invoice is issued (and snapshotted onto it, so a later change does not alter
invoices already issued):

    ORDERLY_SELLER_NAME       company name
    ORDERLY_SELLER_ADDRESS    address lines, separated by "|" (e.g. "Keizersgracht 1|1015 CJ Amsterdam")
    ORDERLY_SELLER_COUNTRY    ISO 3166-1 alpha-2 code
    ORDERLY_SELLER_VAT_ID     VAT identification number
    ORDERLY_SELLER_COC        chamber of commerce (company registration) number
    ORDERLY_SELLER_IBAN       bank account for payment
    ORDERLY_SELLER_EMAIL      contact e-mail
    ORDERLY_INVOICE_TERMS_DAYS  days to pay an invoice (a whole number)
    ORDERLY_SELLER_REVERSE_CHARGE  1 (also true, yes, on): goods sold to a business in another EU member state, with
                              that business's VAT number, are invoiced without VAT, reverse charged (billing/vat.py);
                              off by default
"""

import os

DEFAULTS = {
    "name": "Orderly Demo Roasters B.V.",
    "address": "Prinsengracht 100|1015 EA Amsterdam",
    "country": "NL",
    "vat_id": "NL000099998B57",
    "coc": "12345678",
    "iban": "NL91 ABNA 0417 1643 00",
    "email": "billing@example.com",
}
TERMS_DAYS = 14
ON = frozenset({"1", "true", "yes", "on"})


def reverse_charge_enabled() -> bool:
    """Whether the seller reverse charges the VAT of intra-EU supplies to businesses (ORDERLY_SELLER_REVERSE_CHARGE)."""
    return os.environ.get("ORDERLY_SELLER_REVERSE_CHARGE", "").strip().lower() in ON


def seller_details() -> dict:
    """The seller block as it stands now: {name, address_lines, country, vat_id, coc, iban, email, terms_days,
    reverse_charge}."""
    values = {key: os.environ.get(f"ORDERLY_SELLER_{key.upper()}", value).strip() for key, value in DEFAULTS.items()}
    try:
        terms = max(int(os.environ.get("ORDERLY_INVOICE_TERMS_DAYS", TERMS_DAYS)), 0)
    except ValueError:
        terms = TERMS_DAYS
    address = values.pop("address")
    values["country"] = values["country"].upper()
    return {
        **values,
        "address_lines": [line.strip() for line in address.split("|") if line.strip()],
        "terms_days": terms,
        "reverse_charge": reverse_charge_enabled(),
    }
