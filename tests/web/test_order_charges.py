"""The order page's shipping and fees, totals and shop figures; charge lines on the invoice page."""

import pytest

from orderly.billing.models import Invoice
from orderly.billing.services import invoice_create
from orderly.core.actors import Actor
from orderly.orders.models import OrderCharge
from tests.billing.factories import item, items_of, order_with
from tests.web.helpers import messages_of, text

pytestmark = pytest.mark.django_db

DHL = {"kind": "shipping", "title": "DHL Express", "code": "dhl-express", "amount": "6.95", "tax_rate": "21"}
FEE = {"kind": "fee", "title": "Payment fee", "amount": "0.50", "tax_rate": "21", "discount": "0.10"}


@pytest.fixture
def order(db):
    shop = {
        "charges": [DHL, FEE],
        "delivery_method": "dhl-express",
        "discount_codes": [{"code": "WELCOME10", "type": "percentage", "amount": "1.70"}],
    }
    return order_with(item("8.50", 2, "9", "1.70"), shop=shop)


def test_the_order_page_shows_the_charges_under_the_items_and_totals_that_add_up(op, order):
    page = text(op.get(f"/orders/{order.number}/"))

    assert "Shipping and fees Kind Title Amount Discount Tax rate Tax Total Invoiced" in page
    assert "Shipping DHL Express (dhl-express) 6.95 0.00 21 % 1.46 8.41 EUR No" in page
    assert "Fee Payment fee 0.50 0.10 21 % 0.08 0.48 EUR No" in page
    assert page.index("Shipping and fees Kind") > page.index("# SKU Name Qty")
    # 15.30 + 1.38 for the item; 6.95 + 0.50 − 0.10 + 1.46 + 0.08 for the charges
    assert "Subtotal 17.00 EUR Discount −1.80 EUR Shipping & fees 7.45 EUR Tax 2.92 EUR Total 25.57 EUR" in page


def test_the_order_page_shows_the_test_badge_the_delivery_method_and_the_codes_used(op, order):
    page = text(op.get(f"/orders/{order.number}/"))
    assert "Test order" not in page
    assert "Delivery method dhl-express" in page
    assert "Discount codes WELCOME10 (1.70 EUR)" in page
    plain = text(op.get(f"/orders/{order_with(item()).number}/"))
    assert "Shipping and fees" not in plain and "Shipping & fees" not in plain


def test_a_shop_s_test_order_has_a_badge_and_nothing_to_invoice(op):
    order = order_with(item(), shop={"is_test": True, "charges": [DHL]})
    page = text(op.get(f"/orders/{order.number}/"))
    # the orders area flags it with an error as well: it is kept out of processing
    assert f"Order {order.number} Error Test order" in page
    assert "not invoiced yet" not in page and "Create invoice" not in page


def test_an_order_whose_prices_include_tax_says_the_tax_is_included(op):
    taxes = [{"title": "BTW", "rate": "21", "amount": "2.10"}]
    postnl = {"kind": "shipping", "title": "PostNL", "amount": "4.84", "tax_rate": "21"}
    shop = {"charges": [postnl], "prices_include_tax": True, "stated_total": "16.94"}
    order = order_with({**item("12.10", 1, "21"), "tax_lines": taxes}, shop=shop)

    page = text(op.get(f"/orders/{order.number}/"))

    assert "Prices Include tax" in page and "Shop's total 16.94 EUR" in page
    assert "Tax lines BTW 21.00 %: 2.10 (included)" in page
    assert "Shipping PostNL 4.84 0.00 21 % 0.84 4.84 EUR No" in page
    assert "Subtotal 12.10 EUR Discount 0.00 EUR Shipping & fees 4.84 EUR Total 16.94 EUR Incl. tax 2.94 EUR" in page


def test_the_shop_s_own_currency_and_an_item_s_tax_lines_are_shown(op):
    taxes = [{"title": "GST", "rate": "5", "amount": "1.50"}, {"title": "QST", "rate": "9.975", "amount": "2.99"}]
    shop = {"shop_money": {"currency": "CAD", "total": "47.20", "tax": "6.14", "subtotal": "41.06"}}
    order = order_with({**item("10.00", 3, "14.975"), "tax_lines": taxes}, currency="USD", shop=shop)

    page = text(op.get(f"/orders/{order.number}/"))

    assert "Tax lines GST 5.00 %: 1.50, QST 9.975 %: 2.99" in page
    assert "In the shop's currency (CAD): subtotal 41.06 CAD, tax 6.14 CAD, total 47.20 CAD." in page


def test_the_billing_panel_names_the_charges_left_to_invoice_and_the_invoice_page_shows_their_lines(op, order):
    panel = text(op.get(f"/orders/{order.number}/"))
    assert "2 units and shipping (DHL Express), fee (Payment fee) not invoiced yet." in panel

    response = op.post(f"/orders/{order.number}/invoices/", follow=True)

    assert messages_of(response) == ["Invoice INV-000001 created: total 25.57 EUR."]
    page = text(response)
    assert "Shipping Shipping: DHL Express 1 6.95 0.00 21 % 1.46 8.41 EUR" in page
    assert "Fee Payment fee 1 0.50 0.10 21 % 0.08 0.48 EUR" in page
    assert "Total 25.57 EUR" in page
    assert "Take back Shipping: DHL Express (8.41 EUR)" in page
    panel = text(op.get(f"/orders/{order.number}/"))
    assert "Shipping DHL Express (dhl-express) 6.95 0.00 21 % 1.46 8.41 EUR Yes" in panel


def test_taking_back_only_the_shipping_from_the_invoice_page(op, order):
    invoice = invoice_create(order=order, actor=Actor.system())
    lines = list(invoice.lines.order_by("position"))
    assert [line.kind for line in lines] == ["item", "shipping", "fee"]

    response = op.post(f"/invoices/{invoice.number}/", {"charges[1]": "1", "reason": "Late delivery"}, follow=True)

    assert messages_of(response) == ["Credit note CN-000001 created: total 8.41 EUR."]
    note = Invoice.objects.get(kind="credit_note")
    assert [(line.kind, line.line_total) for line in note.lines.all()] == [("shipping", lines[1].line_total)]
    assert list(OrderCharge.objects.filter(order=order).values_list("credited", flat=True)) == [True, False]
    assert items_of(order)[0].qty_credited == 0
