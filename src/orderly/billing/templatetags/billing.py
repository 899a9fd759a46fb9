"""`{% order_billing order as billing %}`: the billing panel's figures for a page that did not fetch them.

The order page belongs to orders and knows nothing of billing; its billing panel (web/billing/_order_billing.html)
asks for its own payments, invoices and what is left to invoice through this tag, one fixed set of queries.
"""

from django import template

from orderly.billing import selectors

register = template.Library()


@register.simple_tag
def order_billing(order) -> selectors.OrderBilling:
    return selectors.order_billing(order)
