"""The pick & pack list of a batch as one A4 PDF, built with ReportLab.

First the pick list: every unit the batch ships, per warehouse position and SKU with the total and the lots to
take it from, in the order the shelves are walked. Then one pack slip per order, in the same walking order: the
order number as a Code128 barcode (scanned at the packing table), the customer, the address the parcel goes to,
what goes in this parcel (SKU, name, quantity, where it stands) and what of the order is not in it, and why.
Every page carries the batch number and "page n of m".
"""

from collections.abc import Callable
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from orderly.batches.selectors import PackSlip, PickRow

MARGIN = 16 * mm
_styles = getSampleStyleSheet()
NORMAL = ParagraphStyle("batch-normal", parent=_styles["Normal"], fontSize=9, leading=11)
SMALL = ParagraphStyle("batch-small", parent=NORMAL, fontSize=7.5, leading=9, textColor=colors.HexColor("#444444"))
TITLE = ParagraphStyle("batch-title", parent=_styles["Title"], fontSize=16, leading=20, alignment=0, spaceAfter=2)
GRID = colors.HexColor("#bbbbbb")
HEAD = colors.HexColor("#eeeeee")


def _p(text, style=NORMAL) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _table(rows: list[list], widths: list, *, repeat: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=repeat)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _address(data: dict) -> str:
    city = " ".join(part for part in (data.get("postal_code", ""), data.get("city", "")) if part)
    parts = [data.get("name"), data.get("company"), data.get("line1"), data.get("line2"), city]
    parts += [data.get("region"), data.get("country"), data.get("phone")]
    return "\n".join(part for part in parts if part)


def _pick_list(batch: str, rows: list[PickRow]) -> list:
    total = sum(row.quantity for row in rows)
    header = ["Warehouse", "Position", "SKU", "Name", "Lots", "Quantity"]
    data = [[_p(text, SMALL) for text in header]]
    for row in rows:
        lots = ", ".join(f"{lot} × {units}" for lot, units in sorted(row.lots.items()))
        data.append(
            [_p(row.warehouse), _p(row.position or "—"), _p(row.sku), _p(row.name), _p(lots or "—", SMALL),
             _p(row.quantity)]
        )  # fmt: skip
    data.append([_p(""), _p(""), _p(""), _p("Total units"), _p(""), _p(total)])
    widths = [20 * mm, 24 * mm, 28 * mm, None, 42 * mm, 18 * mm]
    return [_p(f"Pick list — batch {batch}", TITLE), Spacer(1, 3 * mm), _table(data, widths)]


def _pack_slip(slip: PackSlip) -> list:
    barcode = Code128(slip.order, barHeight=14 * mm, barWidth=0.33 * mm, humanReadable=True)
    facts = [
        [_p("Order"), _p(slip.order)],
        [_p("Your reference"), _p(slip.reference or "—")],
        [_p("Customer"), _p(slip.customer)],
        [_p("Fulfillment"), _p(slip.fulfillment)],
        [_p("Tracking"), _p(slip.tracking_number or "—")],
    ]
    about = Table(facts, colWidths=[30 * mm, None])
    about.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    top = Table([[[_p("Ship to", SMALL), _p(_address(slip.address))], [barcode, Spacer(1, 2 * mm), about]]],
                colWidths=["45%", "55%"])  # fmt: skip
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    lines = [[_p(text, SMALL) for text in ("SKU", "Name", "Position", "Quantity")]]
    lines += [[_p(line.sku), _p(line.name), _p(line.position or "—"), _p(line.quantity)] for line in slip.lines]
    flow = [_p(f"Pack slip — {slip.order}", TITLE), Spacer(1, 2 * mm), top, Spacer(1, 5 * mm),
            _p("In this parcel", SMALL), _table(lines, [30 * mm, None, 30 * mm, 20 * mm])]  # fmt: skip
    if slip.missing:
        missing = [[_p(text, SMALL) for text in ("SKU", "Name", "Quantity", "Why")]]
        missing += [[_p(sku), _p(name), _p(units), _p(why)] for sku, name, units, why in slip.missing]
        flow += [Spacer(1, 4 * mm), _p("Not in this parcel", SMALL), _table(missing, [30 * mm, None, 20 * mm, 45 * mm])]
    return flow


def _numbered(batch: str):
    """A canvas that writes 'Batch BA-… · page n of m' on every page once it knows m: pages are kept until the
    document is saved, then each is finished with its footer."""

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawString(MARGIN, 9 * mm, f"Batch {batch}")
                self.drawRightString(A4[0] - MARGIN, 9 * mm, f"Page {self._pageNumber} of {count}")
                super().showPage()
            super().save()

    return NumberedCanvas


def pick_pack_pdf(
    batch: str, rows: list[PickRow], slips: list[PackSlip], *, progress: Callable[[int], None] | None = None,
    compress: bool = True,
) -> bytes:  # fmt: skip
    """The batch's pick & pack list as PDF bytes; `progress` is told the percent of pack slips laid out."""
    story = _pick_list(batch, rows)
    step = max(len(slips) // 20, 1)
    for index, slip in enumerate(slips):
        story.append(PageBreak())
        story += _pack_slip(slip)
        if progress and index % step == 0:
            progress(int(60 * index / max(len(slips), 1)))
    out = BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
        title=f"Pick & pack list {batch}", author="Orderly", pageCompression=1 if compress else 0,
    )  # fmt: skip
    document.build(story, canvasmaker=_numbered(batch))
    return out.getvalue()
