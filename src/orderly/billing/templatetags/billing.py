"""Template tags of billing.

`{% order_billing order as billing %}`: the billing panel's figures for a page that did not fetch them. The order
page belongs to orders and knows nothing of billing; its billing panel (web/billing/_order_billing.html) asks for its
own payments, invoices and what is left to invoice through this tag, one fixed set of queries.

`{{ line.tax_lines|tax_lines_text }}`: the shop's taxes of an item, a charge or an invoice line as people read
them, "GST 5.00 %: 5.00, QST 9.975 %: 9.98".
"""

from decimal import Decimal, InvalidOperation

from django import template

from orderly.billing import selectors
from orderly.core.money import rate_text

register = template.Library()


@register.simple_tag
def order_billing(order) -> selectors.OrderBilling:
    return selectors.order_billing(order)


@register.filter
def tax_lines_text(tax_lines) -> str:
    parts = []
    for line in tax_lines or []:
        if not isinstance(line, dict):
            continue
        try:
            rate = f" {rate_text(line.get('rate') or 0)} %"
            amount = f"{Decimal(str(line.get('amount', '0'))):,.2f}"
        except (InvalidOperation, ValueError):
            continue
        parts.append(f"{line.get('title') or 'Tax'}{rate}: {amount}")
    return ", ".join(parts)
