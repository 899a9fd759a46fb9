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


def _fragments(pdf: bytes) -> list[tuple[str, float, float, float]]:
    """Each piece of text on the first page as (text, left x, right x, baseline y), read back from the PDF."""
    from io import BytesIO

    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import stringWidth

    found = []

    def visit(text, cm, tm, font, size):
        if not text.strip() or not font:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (tm[0] * cm[0]) or 1
        width = stringWidth(text.strip(), font["/BaseFont"].lstrip("/"), size) * scale
        found.append((text.strip(), round(x, 1), round(x + width, 1), round(y, 1)))

    PdfReader(BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def _right_edge(fragments, text: str, below: float | None = None) -> float:
    """The right end of the first `text` (under the height `below`, when given: a row under its heading)."""
    return next(right for words, _left, right, y in fragments if words == text and (below is None or y < below))


def test_the_column_headings_line_up_with_their_numbers(actor):
    order = order_with(item("8.50", 2, "9"), item("12.99", 1, "21"))
    pdf = invoice_pdf(selectors.invoice_get(invoice_create(order=order, actor=actor).number), compress=False)
    fragments = _fragments(pdf)
    heading_y = next(y for words, _l, _r, y in fragments if words == "Unit price")
    for heading, number in [("Qty", "2"), ("Unit price", "8.50"), ("Tax", "9 %"), ("Net (EUR)", "17.00")]:
        heading_end = _right_edge(fragments, heading)
        number_end = _right_edge(fragments, number, below=heading_y)
        assert abs(heading_end - number_end) < 1.0, (heading, heading_end, number, number_end)
    summary_y = next(y for words, _l, _r, y in fragments if words == "Base")
    for heading, number in [("Base", "17.00"), ("Tax", "1.53")]:
        heading_end = next(r for words, _l, r, y in fragments if words == heading and y == summary_y)
        number_end = _right_edge(fragments, number, below=summary_y)
        assert abs(heading_end - number_end) < 1.0, (heading, heading_end, number, number_end)
    # the rate's name starts where its heading starts
    rate_heading = next(left for words, left, _r, _y in fragments if words == "Tax rate")
    rate = next(left for words, left, _r, y in fragments if words == "9 %" and y < summary_y)
    assert abs(rate_heading - rate) < 1.0
