"""The billing pages: the order page's billing panel, its payment form and invoice button, the invoices overview,
an invoice page with its credit form, and the PDF."""

from decimal import Decimal

import pytest

from orderly.billing.models import Invoice, Payment
from orderly.billing.services import invoice_create, payment_record
from orderly.core.actors import Actor
from orderly.orders.models import Order
from tests.billing.factories import item, items_of, order_with
from tests.web.helpers import messages_of, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(db):
    return order_with(item("10.00", 2, "21"))  # total 24.20


def _order(order) -> Order:
    return Order.all_objects.get(pk=order.pk)


def _detail(client, order):
    return client.get(f"/orders/{order.number}/")


def test_order_page_shows_payment_status_and_the_forms_to_an_operator(op, order):
    response = _detail(op, order)
    assert response.status_code == 200
    page = text(response)
    assert "Payments and invoices" in page
    assert "Payment status Unpaid" in page
    assert "Amount due 24.20 EUR" in page
    assert "No payments recorded." in page
    assert "Record payment" in page
    assert "2 units not invoiced yet." in page
    assert "Create invoice" in page


def test_a_viewer_sees_the_billing_panel_without_forms(viewer, order):
    invoice_create(order=order, actor=Actor.system())
    page = text(_detail(viewer, order))
    assert "Payments and invoices" in page and "INV-000001" in page
    assert "Record payment" not in page
    assert "Create invoice" not in page


def test_a_viewer_cannot_post_a_payment_or_an_invoice(viewer, order):
    assert viewer.post(f"/orders/{order.number}/payments/", {"amount": "1", "method": "card"}).status_code == 403
    assert viewer.post(f"/orders/{order.number}/invoices/").status_code == 403
    assert not Payment.objects.exists() and not Invoice.objects.exists()


def test_recording_a_payment_shows_a_notification_and_the_payment(op, order):
    response = op.post(
        f"/orders/{order.number}/payments/",
        {"amount": "24.20", "method": "card", "reference": "PSP-9", "kind": "payment"},
        follow=True,
    )
    assert response.status_code == 200
    # what followed is said too: the payment settled the order's payment status
    assert messages_of(response) == [f"Payment of 24.20 EUR recorded for order {order.number}. Payment status: Paid."]
    page = text(response)
    assert "Payment status Paid" in page
    assert "PSP-9" in page
    assert _order(order).amount_paid == Decimal("24.20")


def test_a_refused_payment_shows_the_error_next_to_the_field_and_keeps_the_input(op, order):
    response = op.post(f"/orders/{order.number}/payments/", {"amount": "1.005", "method": "card", "reference": "X-1"})
    assert response.status_code == 422
    html = response.content.decode()
    assert '<p class="field-error" id="f-amount-error">Amount has more than 2 decimals.</p>' in html
    assert 'aria-invalid="true" aria-describedby="f-amount-error"' in html
    assert 'value="X-1"' in html
    assert messages_of(response) == ["Amount has more than 2 decimals."]
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"amount": "abc", "method": "card"}, "amount", "must be a number"),
        ({"amount": "-3", "method": "card"}, "amount", "more than zero"),
        ({"amount": "", "method": "card"}, "amount", "required"),
        ({"amount": "1", "method": "cheque"}, "method", "must be one of"),
    ],
)
def test_bad_payment_input_is_shown_next_to_its_field(op, order, data, field, words):
    response = op.post(f"/orders/{order.number}/payments/", data)
    assert response.status_code == 422
    assert f'id="f-{field}-error"' in response.content.decode()
    assert words in text(response)
    assert not Payment.objects.exists()


def test_a_refund_beyond_what_was_paid_is_refused_next_to_the_amount(op, order):
    response = op.post(f"/orders/{order.number}/payments/", {"amount": "1", "method": "card", "kind": "refund"})
    assert response.status_code == 409
    assert 'id="f-amount-error"' in response.content.decode()
    assert "only 0.00 has been paid" in text(response)


def test_create_invoice_goes_to_the_invoice_page(op, order):
    response = op.post(f"/orders/{order.number}/invoices/", follow=True)
    assert response.redirect_chain[-1][0] == "/invoices/INV-000001/"
    assert messages_of(response) == ["Invoice INV-000001 created: total 24.20 EUR."]
    page = text(response)
    assert "Invoice INV-000001" in page
    assert "Tax per rate" in page and "21 % 20.00 4.20" in page
    assert "Total 24.20 EUR" in page


def test_nothing_to_invoice_is_a_notification(op, order):
    invoice_create(order=order, actor=Actor.system())
    response = op.post(f"/orders/{order.number}/invoices/", follow=True)
    assert messages_of(response) == [
        f"Nothing to invoice on order {order.number}: every invoiceable unit is already invoiced."
    ]
    assert Invoice.objects.count() == 1
    assert "Everything invoiceable is invoiced." in text(response)
    assert "Create invoice" not in text(response)


def test_invoice_overview_searches_filters_and_pages(viewer, actor):
    orders = [order_with(item()) for _ in range(3)]
    for each in orders:
        invoice_create(order=each, actor=actor)
    page = text(viewer.get("/invoices/"))
    assert "3 documents." in page
    assert page.index("INV-000003") < page.index("INV-000001")
    searched = text(viewer.get("/invoices/", {"q": orders[1].number}))
    assert "1 document." in searched and "INV-000002" in searched
    assert "No invoices match." in text(viewer.get("/invoices/", {"kind": "credit_note"}))
    oldest_first = text(viewer.get("/invoices/", {"sort": "issued"}))
    assert oldest_first.index("INV-000001") < oldest_first.index("INV-000003")
    assert viewer.get("/invoices/", {"sort": "colour"}).status_code == 400
    bad = viewer.get("/invoices/", {"kind": "receipt"})
    assert bad.status_code == 400 and "kind must be one of" in text(bad)
    assert viewer.get("/invoices/", {"page": "x"}).status_code == 200


def test_invoice_overview_pages_by_fifty(viewer, actor):
    for _ in range(51):
        invoice_create(order=order_with(item()), actor=actor)
    first = text(viewer.get("/invoices/"))
    assert "Page 1 of 2" in first
    second = text(viewer.get("/invoices/", {"page": 2}))
    assert "INV-000001" in second and "INV-000051" not in second


def test_invoice_page_and_pdf_for_a_viewer_without_the_credit_form(viewer, order):
    invoice = invoice_create(order=order, actor=Actor.system())
    page = text(viewer.get(f"/invoices/{invoice.number}/"))
    assert "Invoice INV-000001" in page and order.number in page
    assert "Credit this invoice" not in page
    pdf = viewer.get(f"/invoices/{invoice.number}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'inline; filename="INV-000001.pdf"'
    assert pdf.content.startswith(b"%PDF")
    assert viewer.post(f"/invoices/{invoice.number}/", {"items[0].quantity": "1", "reason": "x"}).status_code == 403
    assert viewer.get("/invoices/INV-999999/").status_code == 404
    assert viewer.get("/invoices/INV-999999/pdf/").status_code == 404


def test_crediting_an_invoice_from_its_page(op, order):
    invoice = invoice_create(order=order, actor=Actor.system())
    response = op.post(f"/invoices/{invoice.number}/", {"items[0].quantity": "1", "reason": "Scratched"}, follow=True)
    assert messages_of(response) == ["Credit note CN-000001 created: total 12.10 EUR."]
    page = text(response)
    assert "Credit note CN-000001" in page and "Scratched" in page and "Total credited −12.10 EUR" in page
    assert items_of(order)[0].qty_credited == 1


@pytest.mark.parametrize(
    ("data", "error_id", "words"),
    [
        ({"items[0].quantity": "3", "reason": "Too many"}, "f-items-0-quantity-error", "at most 2"),
        ({"items[0].quantity": "x", "reason": "Typo"}, "f-items-0-quantity-error", "not a whole number"),
        ({"items[0].quantity": "1", "reason": ""}, "f-reason-error", "Reason is required"),
    ],
)
def test_a_refused_credit_shows_the_error_next_to_the_field(op, order, data, error_id, words):
    invoice = invoice_create(order=order, actor=Actor.system())
    response = op.post(f"/invoices/{invoice.number}/", data)
    assert response.status_code == 422
    assert f'id="{error_id}"' in response.content.decode()
    assert words in text(response)
    assert Invoice.objects.count() == 1


def test_the_navigation_links_to_the_invoices(viewer):
    response = viewer.get("/invoices/")
    assert '<a href="/invoices/" aria-current="page">Invoices</a>' in response.content.decode()


def test_payments_and_refunds_are_listed_on_the_order_page(viewer, order):
    payment_record(order=order, amount="30.00", method="bank_transfer", reference="B-1", actor=Actor.system())
    payment_record(order=order, amount="5.80", method="bank_transfer", kind="refund", actor=Actor.system())
    page = text(_detail(viewer, order))
    assert "Payment Bank transfer B-1 30.00 EUR" in page
    assert "Refund Bank transfer — −5.80 EUR" in page
    assert "Amount paid 24.20 EUR" in page


def test_the_invoice_totals_are_a_table_of_words_and_amounts(viewer, order):
    invoice = invoice_create(order=order, actor=Actor.system())
    response = viewer.get(f"/invoices/{invoice.number}/")
    html = response.content.decode()
    assert '<tr><th scope="row">Subtotal</th><td class="num">20.00 EUR</td></tr>' in html
    assert '<tr><th scope="row">Tax</th><td class="num">4.20 EUR</td></tr>' in html
    assert '<tr class="grand"><th scope="row">Total</th><td class="num">24.20 EUR</td></tr>' in html


def test_a_fully_credited_invoice_offers_no_credit_form(op, order):
    invoice = invoice_create(order=order, actor=Actor.system())
    op.post(f"/invoices/{invoice.number}/", {"items[0].quantity": "1", "reason": "Scratched"})
    partly = text(op.get(f"/invoices/{invoice.number}/"))
    assert "Credit this invoice" in partly  # one unit is still billed
    op.post(f"/invoices/{invoice.number}/", {"items[0].quantity": "1", "reason": "Scratched too"})
    page = text(op.get(f"/invoices/{invoice.number}/"))
    assert "Credit this invoice" not in page
    assert (
        "Everything billed on this invoice is credited (CN-000001, CN-000002): there is nothing left to credit." in page
    )
    credit_note = text(op.get("/invoices/CN-000002/"))
    assert "Credit this invoice" not in credit_note and "nothing left to credit" not in credit_note


def test_a_payment_that_opens_a_draft_says_so(op):
    draft = order_with(item("10.00", 2, "21"), status="draft")
    response = op.post(f"/orders/{draft.number}/payments/", {"amount": "24.20", "method": "card"}, follow=True)
    assert messages_of(response) == [
        f"Payment of 24.20 EUR recorded for order {draft.number}. The order is now open. Payment status: Paid."
    ]


def test_the_last_payment_that_closes_the_order_says_so(op, order, actor):
    invoice_create(order=order, actor=actor)  # nothing to ship (the item is not fulfilled): paying closes it
    response = op.post(f"/orders/{order.number}/payments/", {"amount": "24.20", "method": "card"}, follow=True)
    assert messages_of(response) == [
        f"Payment of 24.20 EUR recorded for order {order.number}. The order is closed: every item is done. "
        "Payment status: Paid."
    ]


# ---- VAT reverse charged ----------------------------------------------------------------------------------------


def _business(vat="DE123456789", country="DE"):
    from tests.factories import address

    return order_with(
        item("10.00", 3, "21"),
        customer={"name": "Röstwerk GmbH", "type": "wholesale", "vat_number": vat},
        shipping_address=address(name="Röstwerk GmbH", postal_code="10115", city="Berlin", country=country),
    )


def test_the_order_page_says_how_its_invoices_treat_the_vat(viewer, monkeypatch):
    business = _business()
    page = text(_detail(viewer, business))
    assert "VAT number DE123456789" in page
    assert (
        "Invoices of this order charge VAT: the seller's settings do not reverse charge intra-EU supplies to "
        "businesses." in page
    )

    monkeypatch.setenv("ORDERLY_SELLER_REVERSE_CHARGE", "1")
    page = text(_detail(viewer, business))
    assert (
        "Invoices of this order reverse charge the VAT (no VAT on them): a business with VAT number DE123456789, "
        "the goods go to DE." in page
    )
    assert "Amount due 36.30 EUR" in page  # until it is invoiced so

    invoice_create(order=business, actor=Actor.system())
    page = text(_detail(viewer, business))
    assert "Amount due 30.00 EUR" in page
    assert "Invoiced with the VAT reverse charged: the customer owes the amounts without VAT." in page

    domestic = text(_detail(viewer, _business(vat="NL123456789B01", country="NL")))
    assert "Invoices of this order charge VAT: the VAT number NL123456789B01 is of the seller's own country, NL." in (
        domestic
    )
    consumer = text(_detail(viewer, order_with(item())))  # nothing to explain
    assert "Invoices of this order" not in consumer and "reverse charged" not in consumer


def test_the_invoice_page_shows_the_buyers_vat_number_net_lines_and_the_note(viewer, monkeypatch):
    monkeypatch.setenv("ORDERLY_SELLER_REVERSE_CHARGE", "1")
    invoice = invoice_create(order=_business(), actor=Actor.system())

    page = text(viewer.get(f"/invoices/{invoice.number}/"))

    assert "VAT Reverse charged" in page
    assert "Bill to Röstwerk GmbH Keizersgracht 12 10115 Berlin DE anna@example.com VAT DE123456789" in page
    assert "10.00 0.00 0 % 0.00 30.00 EUR" in page  # unit price, discount, rate, tax, line total
    assert "Subtotal 30.00 EUR Discount 0.00 EUR Tax 0.00 EUR Total 30.00 EUR" in page
    assert (
        "VAT reverse charged: intra-Community supply of goods, exempt from VAT under Article 138 of Council "
        "Directive 2006/112/EC. The customer accounts for the VAT." in page
    )
