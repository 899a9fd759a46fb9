import re

import pytest

from orderly.billing import selectors
from orderly.billing.pdf import invoice_pdf
from orderly.billing.services import credit_note_for_return, invoice_create
from tests.billing.factories import item, items_of, mark_returned, order_with
from tests.factories import address

pytestmark = pytest.mark.django_db


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def test_invoice_pdf_shows_number_parties_lines_tax_per_rate_and_totals(actor):
    order = order_with(
        item("8.50", 2, "9"),
        item("12.99", 1, "21"),
        billing_address=address(name="Bert Boekhouder"),
        external_ref="SHOP-4711",
    )
    invoice = selectors.invoice_get(invoice_create(order=order, actor=actor).number)

    pdf = invoice_pdf(invoice, compress=False)

    assert pdf.startswith(b"%PDF")
    for text in [
        b"INV-000001",
        order.number.encode(),
        b"SHOP-4711",
        b"Bert Boekhouder",
        invoice.seller["name"].encode(),
        invoice.seller["vat_id"].encode(),
        items_of(order)[0].sku.encode(),
        b"Tax rate",
        b"9 %",
        b"21 %",
        b"17.00",  # base at 9 %
        b"1.53",  # tax at 9 %
        b"2.73",  # tax at 21 %
        b"Total EUR",
        b"34.25",  # 17.00 + 1.53 + 12.99 + 2.73
    ]:
        assert text in pdf, text
    assert _pages(pdf) == 1


def test_compressed_pdf_is_a_pdf_too(actor):
    invoice = selectors.invoice_get(invoice_create(order=order_with(item()), actor=actor).number)
    pdf = invoice_pdf(invoice)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")


def test_many_lines_run_over_pages_with_the_header_repeated_and_the_footer_drawn_once(actor):
    order = order_with(*[item("1.00", 1, "21") for _ in range(90)])
    invoice = selectors.invoice_get(invoice_create(order=order, actor=actor).number)

    pdf = invoice_pdf(invoice, compress=False)

    pages = _pages(pdf)
    assert pages >= 3
    assert pdf.count(b"(Description)") == pages  # the table header on every page
    assert pdf.count(b"/Subtype /Form") == 1  # the footer drawn once, used on every page
    assert pdf.count(b"page " + str(pages).encode()) == 1


def test_credit_note_pdf_names_the_invoice_it_corrects_and_shows_negative_amounts(actor):
    order = order_with(item("10.00", 1, "21"))
    invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    mark_returned(line, 1)
    note = credit_note_for_return(order=order, lines=[(line, 1)], reason="Arrived broken", actor=actor)

    pdf = invoice_pdf(selectors.invoice_get(note.number), compress=False)

    for text in [b"Credit note", b"CN-000001", b"INV-000001", b"Arrived broken", b"-12.10"]:
        assert text in pdf, text
