"""The pick & pack list of a batch as one A4 PDF, drawn with ReportLab's canvas.

First the pick list: every unit the batch ships, per warehouse position and SKU with the total and the lots to
take it from, in the order the shelves are walked. Then one pack slip per order, in the same walking order: the
order number as a Code128 barcode (scanned at the packing table), the customer, the address the parcel goes to,
what goes in this parcel (SKU, name, quantity, where it stands) and what of the order is not in it, and why.
Every page carries the batch number and "page n of m".

Drawn line by line rather than laid out by platypus: every row has one line of a fixed height, so the pages are
counted before drawing (the footer knows m at once) and a thousand slips take seconds, not a minute. Text wider
than its column is shortened with an ellipsis.
"""

from collections.abc import Callable
from io import BytesIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from orderly.batches.selectors import PackSlip, PickRow

WIDTH, HEIGHT = A4
MARGIN = 16 * mm
TOP = HEIGHT - MARGIN
BOTTOM = MARGIN + 10 * mm  # above the footer
LINE = 5.2 * mm
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE = 9
GREY = colors.HexColor("#444444")
RULE = colors.HexColor("#bbbbbb")
HEAD = colors.HexColor("#eeeeee")
# Pick list columns: (title, x offset, width)
PICK_COLUMNS = [("Warehouse", 0, 20), ("Position", 20, 24), ("SKU", 44, 30), ("Name", 74, 50), ("Lots", 124, 38),
                ("Quantity", 162, 16)]  # fmt: skip
SLIP_COLUMNS = [("SKU", 0, 32), ("Name", 32, 92), ("Position", 124, 32), ("Quantity", 156, 22)]
MISSING_COLUMNS = [("SKU", 0, 32), ("Name", 32, 78), ("Quantity", 110, 20), ("Why", 130, 48)]
PICK_ROWS_PER_PAGE = int((TOP - 12 * mm - BOTTOM) / LINE) - 2
SLIP_HEADER = 72 * mm  # title, address, barcode and facts
SLIP_ROWS_FIRST = int((TOP - SLIP_HEADER - BOTTOM) / LINE) - 4
SLIP_ROWS_MORE = int((TOP - 12 * mm - BOTTOM) / LINE) - 4


def _fit(text, width: float, font: str = FONT, size: float = SIZE) -> str:
    text = str(text)
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _address(data: dict) -> list[str]:
    city = " ".join(part for part in (data.get("postal_code", ""), data.get("city", "")) if part)
    parts = [data.get("name"), data.get("company"), data.get("line1"), data.get("line2"), city]
    parts += [data.get("region"), data.get("country"), data.get("phone")]
    return [part for part in parts if part]


class _Pages:
    """The canvas and the page count, which is known before the first page is drawn."""

    def __init__(self, out: BytesIO, batch: str, total: int, compress: bool):
        self.canvas = Canvas(out, pagesize=A4, pageCompression=1 if compress else 0)
        self.canvas.setTitle(f"Pick & pack list {batch}")
        self.canvas.setAuthor("Orderly")
        self.batch, self.total, self.number = batch, total, 0

    def new(self, title: str) -> float:
        """Finish the page before (if any), start the next with its title; the y below the title."""
        c = self.canvas
        if self.number:
            c.showPage()
        self.number += 1
        c.setFont(FONT, 8)
        c.setFillColor(GREY)
        c.drawString(MARGIN, 9 * mm, f"Batch {self.batch}")
        c.drawRightString(WIDTH - MARGIN, 9 * mm, f"Page {self.number} of {self.total}")
        c.setFillColor(colors.black)
        c.setFont(BOLD, 15)
        c.drawString(MARGIN, TOP - 5 * mm, title)
        return TOP - 12 * mm

    def header(self, y: float, columns) -> float:
        c = self.canvas
        c.setFillColor(HEAD)
        c.rect(MARGIN, y - LINE + 1.2 * mm, WIDTH - 2 * MARGIN, LINE, stroke=0, fill=1)
        c.setFillColor(colors.black)
        c.setFont(BOLD, 8)
        for title, x, _width in columns:
            c.drawString(MARGIN + x * mm + 1 * mm, y - 2.6 * mm, title)
        return y - LINE

    def row(self, y: float, columns, values) -> float:
        c = self.canvas
        c.setFont(FONT, SIZE)
        for (_title, x, width), value in zip(columns, values, strict=True):
            c.drawString(MARGIN + x * mm + 1 * mm, y - 2.8 * mm, _fit(value, width * mm - 2 * mm))
        c.setStrokeColor(RULE)
        c.setLineWidth(0.25)
        c.line(MARGIN, y - LINE + 1.2 * mm, WIDTH - MARGIN, y - LINE + 1.2 * mm)
        return y - LINE

    def save(self) -> None:
        self.canvas.showPage()
        self.canvas.save()


def _chunks(items: list, first: int, more: int) -> list[list]:
    chunks = [items[:first]]
    rest = items[first:]
    while rest:
        chunks.append(rest[:more])
        rest = rest[more:]
    return chunks


def _slip_rows(slip: PackSlip) -> list[tuple[str, tuple]]:
    rows = [("line", (line.sku, line.name, line.position or "—", line.quantity)) for line in slip.lines]
    if slip.missing:
        rows.append(("missing-head", ()))
        rows += [("missing", (sku, name, units, why)) for sku, name, units, why in slip.missing]
    return rows


def _draw_pick_list(pages: _Pages, rows: list[PickRow], chunks: list[list[PickRow]]) -> None:
    for index, chunk in enumerate(chunks):
        more = " (continued)" if index else ""
        y = pages.header(pages.new(f"Pick list — batch {pages.batch}{more}"), PICK_COLUMNS)
        for row in chunk:
            lots = ", ".join(f"{lot} × {units}" for lot, units in sorted(row.lots.items())) or "—"
            y = pages.row(y, PICK_COLUMNS, (row.warehouse, row.position or "—", row.sku, row.name, lots, row.quantity))
    total = sum(row.quantity for row in rows)
    pages.canvas.setFont(BOLD, SIZE)
    pages.canvas.drawString(MARGIN + 124 * mm, y - 3 * mm, "Total units")
    pages.canvas.drawString(MARGIN + 163 * mm, y - 3 * mm, str(total))


def _draw_slip_head(pages: _Pages, slip: PackSlip) -> float:
    c = pages.canvas
    y = pages.new(f"Pack slip — {slip.order}")
    c.setFont(FONT, 7.5)
    c.setFillColor(GREY)
    c.drawString(MARGIN, y - 2 * mm, "Ship to")
    c.setFillColor(colors.black)
    c.setFont(FONT, 10)
    for number, text in enumerate(_address(slip.address)):
        c.drawString(MARGIN, y - 7 * mm - number * 4.6 * mm, _fit(text, 80 * mm, FONT, 10))
    barcode = Code128(slip.order, barHeight=14 * mm, barWidth=0.33 * mm, humanReadable=True)
    barcode.drawOn(c, WIDTH / 2, y - 17 * mm)
    facts = [("Order", slip.order), ("Your reference", slip.reference or "—"), ("Customer", slip.customer),
             ("Fulfillment", slip.fulfillment), ("Tracking", slip.tracking_number or "—")]  # fmt: skip
    c.setFont(FONT, SIZE)
    for number, (label, value) in enumerate(facts):
        line_y = y - 24 * mm - number * 4.4 * mm
        c.drawString(WIDTH / 2, line_y, label)
        c.drawString(WIDTH / 2 + 30 * mm, line_y, _fit(value, WIDTH / 2 - MARGIN - 30 * mm))
    return TOP - SLIP_HEADER


def _draw_slip(pages: _Pages, slip: PackSlip, chunks: list[list]) -> None:
    for index, chunk in enumerate(chunks):
        y = _draw_slip_head(pages, slip) if index == 0 else pages.new(f"Pack slip — {slip.order} (continued)")
        c = pages.canvas
        c.setFont(FONT, 7.5)
        c.setFillColor(GREY)
        c.drawString(MARGIN, y - 2 * mm, "In this parcel" if chunk and chunk[0][0] == "line" else "")
        c.setFillColor(colors.black)
        y -= 4 * mm
        columns = SLIP_COLUMNS
        if chunk and chunk[0][0] == "line":
            y = pages.header(y, SLIP_COLUMNS)
        for kind, values in chunk:
            if kind == "missing-head":
                y -= 3 * mm
                c.setFont(FONT, 7.5)
                c.setFillColor(GREY)
                c.drawString(MARGIN, y - 2 * mm, "Not in this parcel")
                c.setFillColor(colors.black)
                y = pages.header(y - 4 * mm, MISSING_COLUMNS)
                columns = MISSING_COLUMNS
                continue
            if kind == "missing" and columns is not MISSING_COLUMNS:
                y = pages.header(y, MISSING_COLUMNS)
                columns = MISSING_COLUMNS
            y = pages.row(y, columns, values)


def pick_pack_pdf(
    batch: str, rows: list[PickRow], slips: list[PackSlip], *, progress: Callable[[int], None] | None = None,
    compress: bool = True,
) -> bytes:  # fmt: skip
    """The batch's pick & pack list as PDF bytes; `progress` is told the percent of pack slips drawn."""
    pick_chunks = _chunks(rows, PICK_ROWS_PER_PAGE, PICK_ROWS_PER_PAGE)
    slip_chunks = [_chunks(_slip_rows(slip), SLIP_ROWS_FIRST, SLIP_ROWS_MORE) for slip in slips]
    total = len(pick_chunks) + sum(len(chunks) for chunks in slip_chunks)
    out = BytesIO()
    pages = _Pages(out, batch, total, compress)
    _draw_pick_list(pages, rows, pick_chunks)
    step = max(len(slips) // 20, 1)
    for index, (slip, chunks) in enumerate(zip(slips, slip_chunks, strict=True)):
        _draw_slip(pages, slip, chunks)
        if progress and index % step == 0:
            progress(int(95 * index / max(len(slips), 1)))
    pages.save()
    return out.getvalue()
