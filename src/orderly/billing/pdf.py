"""The PDF of an invoice or credit note: A4, built with ReportLab.

What a customer (and their accountant) needs on it: the seller with VAT and registration numbers, the buyer's
billing address, the document's number and date, the order it bills (number and the customer's own reference), one
row per line (SKU, description, quantity, unit price, discount, tax rate and the line's net amount — after discount,
before tax — so that the lines add up to the tax summary's bases), the order's shipping and fees as lines of their
own ("Shipping: DHL Express", no SKU), a tax summary per rate (base and tax, summed from the lines as
orderly.billing.amounts says; named as the shop named the tax, "GST", "QST"), the totals in the document's
currency and, for a credit note, the invoice it corrects and why. Credit notes show their amounts negative.

When the prices include tax (amounts.py), the lines show what the customer paid (after discount, tax inside), the
document says "Prices include VAT" (or the shop's name of the tax), the summary gives per rate the net base and the
tax contained, and the totals end on the total with the tax it includes.

A document that reverse charges the VAT (billing/vat.py) bills net amounts at 0 %, shows the buyer's VAT number
(as every document to a business does) and says so under the totals (vat.REVERSE_CHARGE_NOTE).

Long documents run over several pages with the table header repeated. The seller footer is the same on every page,
so it is drawn once into a form (a PDF XObject) and placed on each page by reference.
"""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from orderly.billing import amounts
from orderly.billing.models import Invoice
from orderly.billing.vat import REVERSE_CHARGE_NOTE

MARGIN = 18 * mm
FOOTER_FORM = "seller-footer"
_styles = getSampleStyleSheet()
NORMAL = ParagraphStyle("invoice-normal", parent=_styles["Normal"], fontSize=9, leading=11)
SMALL = ParagraphStyle("invoice-small", parent=NORMAL, fontSize=7.5, leading=9, textColor=colors.HexColor("#444444"))
TITLE = ParagraphStyle("invoice-title", parent=_styles["Title"], fontSize=18, leading=22, alignment=0, spaceAfter=2)
RIGHT = ParagraphStyle("invoice-right", parent=NORMAL, alignment=TA_RIGHT)
# A column heading over numbers is right-aligned like them, so that it ends where they end.
SMALL_RIGHT = ParagraphStyle("invoice-small-right", parent=SMALL, alignment=TA_RIGHT)
GRID = colors.HexColor("#bbbbbb")


def _p(text: str, style=NORMAL) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _money(value: Decimal, sign: int = 1) -> str:
    return f"{value * sign:,.2f}"


def _rate(value: Decimal) -> str:
    return f"{Decimal(value).normalize() + 0:f} %"


def tax_name(summary: list[amounts.RateSummary]) -> str:
    """What the document calls its tax: the shop's names of it where every taxed rate has one ("BTW", "GST / QST"),
    else VAT."""
    taxed = [rate for rate in summary if rate.tax]
    names: list[str] = []
    for rate in taxed:
        for name in rate.title.split(" / ") if rate.title else []:
            if name not in names:
                names.append(name)
    if not taxed or any(not rate.title for rate in taxed):
        return "VAT"
    return " / ".join(names)


def _address(data: dict) -> str:
    city = " ".join(part for part in (data.get("postal_code", ""), data.get("city", "")) if part)
    parts = [data.get("name"), data.get("company"), data.get("line1"), data.get("line2"), city]
    parts += [data.get("region"), data.get("country"), data.get("email")]
    if data.get("vat_number"):
        parts.append(f"VAT {data['vat_number']}")
    return "\n".join(part for part in parts if part)


def _seller(seller: dict) -> str:
    lines = [seller.get("name", ""), *seller.get("address_lines", []), seller.get("country", "")]
    if seller.get("vat_id"):
        lines.append(f"VAT {seller['vat_id']}")
    return "\n".join(line for line in lines if line)


def _heading(invoice: Invoice) -> list:
    order = invoice.order
    title = "Credit note" if invoice.is_credit_note else "Invoice"
    facts = [
        [_p(f"{title} number"), _p(invoice.number)],
        [_p("Date"), _p(f"{invoice.issued_at:%Y-%m-%d}")],
        [_p("Order"), _p(order.number)],
    ]
    if order.external_ref:
        facts.append([_p("Your reference"), _p(order.external_ref)])
    if invoice.is_credit_note:
        facts.append([_p("Corrects invoice"), _p(invoice.credits.number if invoice.credits_id else "")])
        facts.append([_p("Reason"), _p(invoice.reason)])
    else:
        due = invoice.issued_at + timedelta(days=int(invoice.seller.get("terms_days", 14)))
        facts.append([_p("Due date"), _p(f"{due:%Y-%m-%d}")])
    parties = Table(
        [[_p("From", SMALL), _p("Bill to", SMALL)], [_p(_seller(invoice.seller)), _p(_address(invoice.buyer))]],
        colWidths=["50%", "50%"],
    )
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    about = Table(facts, colWidths=[35 * mm, None])
    about.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return [_p(title, TITLE), Spacer(1, 3 * mm), parties, Spacer(1, 5 * mm), about, Spacer(1, 6 * mm)]


def _lines_table(invoice: Invoice, lines: list, tax: str = "VAT") -> Table:
    sign = invoice.sign
    included = invoice.prices_include_tax
    amount = f"Amount ({invoice.currency}, incl. {tax})" if included else f"Net ({invoice.currency})"
    header = ["SKU", "Description", "Qty", "Unit price", "Discount", "Tax", amount]
    rows = [[_p(text, SMALL if column < 2 else SMALL_RIGHT) for column, text in enumerate(header)]]
    for line in lines:
        rows.append(
            [
                _p(line.sku, SMALL),
                _p(line.name),
                str(line.quantity * sign),
                _money(line.unit_price),
                _money(line.discount, sign) if line.discount else "",
                _rate(line.tax_rate),
                # with prices that include tax: what the customer paid for the line; else its net amount
                _money(line.line_subtotal - line.discount, sign),
            ]
        )
    table = Table(rows, colWidths=[24 * mm, None, 12 * mm, 22 * mm, 20 * mm, 15 * mm, 26 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTSIZE", (0, 1), (-1, -1), 9),
            ]
        )
    )
    return table


def _summary_table(invoice: Invoice, summary: list[amounts.RateSummary]) -> Table:
    sign = invoice.sign
    included = invoice.prices_include_tax
    header = ["Tax rate", "Base (excl. tax)" if included else "Base", "Tax included" if included else "Tax"]
    rows = [[_p(text, SMALL if column == 0 else SMALL_RIGHT) for column, text in enumerate(header)]]
    rows += [
        [f"{rate.title} {_rate(rate.tax_rate)}".strip(), _money(rate.base, sign), _money(rate.tax, sign)]
        for rate in summary
    ]
    table = Table(rows, colWidths=[35 * mm, 30 * mm, 30 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black), ("ALIGN", (1, 1), (-1, -1), "RIGHT")])
    )
    return table


def _totals_table(invoice: Invoice, tax: str = "VAT") -> Table:
    sign, currency = invoice.sign, invoice.currency
    rows = [["Subtotal", _money(invoice.subtotal, sign)]]
    if invoice.discount:
        rows.append(["Discount", _money(-invoice.discount, sign)])
    if invoice.prices_include_tax:
        rows.append([f"Total {currency}", _money(invoice.total, sign)])
        rows.append([f"{tax} included", _money(invoice.tax_total, sign)])
        grand = -2
    else:
        rows += [["Tax", _money(invoice.tax_total, sign)], [f"Total {currency}", _money(invoice.total, sign)]]
        grand = -1
    table = Table(rows, colWidths=[35 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, grand), (-1, grand), 0.8, colors.black),
                ("FONTNAME", (0, grand), (-1, grand), "Helvetica-Bold"),
            ]
        )
    )
    return table


def _closing(invoice: Invoice) -> list:
    seller = invoice.seller
    if invoice.is_credit_note:
        text = f"This credit note corrects invoice {invoice.credits.number}." if invoice.credits_id else ""
    else:
        text = f"Please pay within {seller.get('terms_days', 14)} days"
        text += f" to {seller['iban']}" if seller.get("iban") else ""
        text += f", mentioning {invoice.number}."
    return [Spacer(1, 8 * mm), _p(text)] if text else []


def _footer_drawer(invoice: Invoice):
    """Draws the seller footer into a form on the first page, then places the form and the page number on each."""
    seller = invoice.seller
    parts = [seller.get("name"), f"VAT {seller['vat_id']}" if seller.get("vat_id") else ""]
    parts += [
        f"CoC {seller['coc']}" if seller.get("coc") else "",
        f"IBAN {seller['iban']}" if seller.get("iban") else "",
    ]
    parts.append(seller.get("email"))
    footer = "  ·  ".join(part for part in parts if part)

    def on_page(canvas, doc):
        if doc.page == 1:
            canvas.beginForm(FOOTER_FORM)
            canvas.setFont("Helvetica", 7.5)
            canvas.setStrokeColor(GRID)
            canvas.line(MARGIN, 14 * mm, A4[0] - MARGIN, 14 * mm)
            canvas.drawString(MARGIN, 10 * mm, footer)  # a full seller line leaves no room: the page number goes below
            canvas.endForm()
        canvas.saveState()
        canvas.doForm(FOOTER_FORM)
        canvas.setFont("Helvetica", 7.5)
        canvas.drawRightString(A4[0] - MARGIN, 6 * mm, f"{invoice.number} · page {doc.page}")
        canvas.restoreState()

    return on_page


def invoice_pdf(invoice: Invoice, *, compress: bool = True) -> bytes:
    """The document as PDF bytes. Needs the invoice with its order and lines (selectors.invoice_get)."""
    lines = list(invoice.lines.all())
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=f"{'Credit note' if invoice.is_credit_note else 'Invoice'} {invoice.number}",
        author=invoice.seller.get("name", ""),
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    summary = amounts.tax_summary(lines)
    tax = tax_name(summary)
    story = [*_heading(invoice), _lines_table(invoice, lines, tax), Spacer(1, 6 * mm)]
    if invoice.prices_include_tax:
        story += [_p(f"Prices include {tax}."), Spacer(1, 2 * mm)]
    story += [_summary_table(invoice, summary), Spacer(1, 4 * mm), _totals_table(invoice, tax)]
    if invoice.reverse_charge:
        story += [Spacer(1, 6 * mm), _p(REVERSE_CHARGE_NOTE)]
    story += _closing(invoice)
    footer = _footer_drawer(invoice)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
