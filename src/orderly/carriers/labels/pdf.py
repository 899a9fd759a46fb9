"""An own label as PDF: one page of 4 × 6 in or A6 for label printers, or an A4 page with the label in its
top-left quarter (the first of four) for office printers.

From the top: the carrier's name with the service and shipping date, the sender, the recipient in large type, the
order number, weight and any reference or note, and at the bottom the parcel number as a Code 128 barcode (drawn
as filled rectangles, one per bar, in one path) with the number in text beneath it.
"""

from io import BytesIO

from reportlab.lib.pagesizes import A4, A6, inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.labels import code128, fonts
from orderly.carriers.labels.model import OwnLabel, address_lines, weight_text

PAGE_SIZES: dict[LabelFormat, tuple[float, float]] = {
    LabelFormat.PDF_4X6: (4 * inch, 6 * inch),
    LabelFormat.PDF_A6: A6,
    LabelFormat.PDF_A4: A4,
}
MARGIN = 12.0
BAR_HEIGHT = (40.0, 90.0)  # the bars fill the space left above them, within these heights in points
QUIET_MODULES = 10  # the quiet zone each side of the barcode, in modules
MAX_MODULE = 2.0  # points; a narrower label gets narrower modules
MIN_SIZE = 6.0  # text is shrunk to fit its width down to this size, then shortened with an ellipsis


def page_size(fmt: LabelFormat) -> tuple[float, float]:
    """The page size in points for a PDF label format (ValueError for ZPL)."""
    try:
        return PAGE_SIZES[LabelFormat(fmt)]
    except KeyError:
        raise ValueError(f"{fmt} is not a PDF label format.") from None


def draw_pdf(label: OwnLabel, fmt: LabelFormat) -> bytes:
    """One label as a one-page PDF in `fmt` (pdf-4x6, pdf-a6 or pdf-a4; ValueError for zpl).

    Guarantees: the page is exactly the format's size; on A4 the label fills the top-left quarter (105 × 148.5 mm);
    the output is the same bytes for the same label (no timestamps), with the label font embedded as a subset.
    """
    width, height = page_size(fmt)
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=True, pageCompression=1)
    canvas.setTitle(f"Label {label.parcel_number}")
    fonts.prepare(canvas)
    if LabelFormat(fmt) is LabelFormat.PDF_A4:
        draw_label(canvas, label, 0, height / 2, width / 2, height / 2)
    else:
        draw_label(canvas, label, 0, 0, width, height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def draw_label(canvas: Canvas, label: OwnLabel, x: float, y: float, width: float, height: float) -> None:
    """Draws `label` into the box at (`x`, `y`) of `width` × `height` points on `canvas`'s current page.
    Needs a box of about A6 or 4 × 6 in (text shrinks to fit a narrower one); leaves the graphics state as found."""
    regular, bold = fonts.register()
    inner = width - 2 * MARGIN
    canvas.saveState()
    canvas.translate(x + MARGIN, y)
    canvas.setLineWidth(0.8)
    top = height - MARGIN
    top = _header(canvas, label, top, inner, regular, bold)
    top = _sender(canvas, label, top, inner, regular, bold)
    top = _recipient(canvas, label, top, inner, regular, bold)
    top = _details(canvas, label, top, inner, regular, bold)
    _barcode(canvas, label.parcel_number, MARGIN, inner, bold, bar_top=top - 12)
    canvas.restoreState()


def fit(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """`text` (made printable in the label font) and a font size at most `size` at which it fits `width`; below
    MIN_SIZE it is cut and ends with an ellipsis instead."""
    text = fonts.printable(text)
    measured = stringWidth(text, font, size)
    if measured <= width:
        return text, size
    smaller = max(MIN_SIZE, size * width / measured)
    if stringWidth(text, font, smaller) <= width:
        return text, smaller
    while text and stringWidth(text + "…", font, smaller) > width:
        text = text[:-1]
    return text.rstrip() + "…", smaller


def _line(canvas: Canvas, text: str, x: float, y: float, font: str, size: float, width: float, align="left") -> None:
    shown, size = fit(text, font, size, width)
    canvas.setFont(font, size)
    if align == "right":
        canvas.drawRightString(x + width, y, shown)
    elif align == "center":
        canvas.drawCentredString(x + width / 2, y, shown)
    else:
        canvas.drawString(x, y, shown)


def _rule(canvas: Canvas, y: float, inner: float) -> None:
    canvas.line(0, y, inner, y)


def _header(canvas: Canvas, label: OwnLabel, top: float, inner: float, regular: str, bold: str) -> float:
    _line(canvas, label.carrier, 0, top - 15, bold, 16, inner * 0.55)
    _line(canvas, label.service, inner * 0.57, top - 10, bold, 9, inner * 0.43, "right")
    _line(canvas, label.shipped_on.isoformat(), inner * 0.57, top - 21, regular, 8, inner * 0.43, "right")
    _rule(canvas, top - 27, inner)
    return top - 27


def _sender(canvas: Canvas, label: OwnLabel, top: float, inner: float, regular: str, bold: str) -> float:
    lines = address_lines(label.sender)
    if len(lines) > 1:  # the country goes on the postal code's line: the sender's block is kept short
        lines[-2:] = [f"{lines[-2]}  {lines[-1]}"]
    _line(canvas, "FROM", 0, top - 9, bold, 6.5, inner)
    y = top - 9
    for text in lines[:5]:
        y -= 9.5
        _line(canvas, text, 0, y, regular, 8, inner)
    _rule(canvas, y - 5, inner)
    return y - 5


def _recipient(canvas: Canvas, label: OwnLabel, top: float, inner: float, regular: str, bold: str) -> float:
    lines = address_lines(label.recipient)
    _line(canvas, "TO", 0, top - 10, bold, 7, inner)
    y = top - 10
    for index, text in enumerate(lines):
        if index == 0:
            y, font, size = y - 18, bold, 16
        elif index >= len(lines) - 2:  # postal code with city, and the country: what sorting reads
            y, font, size = y - 17, bold, 14
        else:
            y, font, size = y - 14.5, regular, 12
        _line(canvas, text, 0, y, font, size, inner)
    _rule(canvas, y - 7, inner)
    return y - 7


def _details(canvas: Canvas, label: OwnLabel, top: float, inner: float, regular: str, bold: str) -> float:
    half = inner / 2
    _line(canvas, "ORDER", 0, top - 9, bold, 6.5, half)
    _line(canvas, label.order_number, 0, top - 22, bold, 12, half - 4)
    _line(canvas, "WEIGHT", half, top - 9, bold, 6.5, half)
    _line(canvas, weight_text(label.weight_kg), half, top - 22, bold, 12, half)
    y = top - 22
    for caption, text in (("Ref.", label.reference), ("Note", label.notes)):
        if text:
            y -= 11
            _line(canvas, f"{caption} {text}", 0, y, regular, 8, inner)
    return y


def barcode_bars(text: str, x: float, width: float) -> tuple[list[tuple[float, float]], float]:
    """The bars of `text`'s Code 128 barcode centred in `width` points from `x`, as (left, width) pairs, and the
    module width: at most MAX_MODULE, narrower when the code and its quiet zones would not fit."""
    widths = code128.modules(text)
    module = min(MAX_MODULE, width / (sum(widths) + 2 * QUIET_MODULES))
    left = x + (width - sum(widths) * module) / 2
    bars = []
    for index, element in enumerate(widths):
        if index % 2 == 0:
            bars.append((left, element * module))
        left += element * module
    return bars, module


def _barcode(canvas: Canvas, parcel_number: str, bottom: float, inner: float, bold: str, bar_top: float) -> None:
    bars, _module = barcode_bars(parcel_number, 0, inner)
    bar_bottom = bottom + 17
    bar_height = min(max(bar_top - bar_bottom, BAR_HEIGHT[0]), BAR_HEIGHT[1])
    path = canvas.beginPath()
    for left, bar_width in bars:
        path.rect(round(left, 3), bar_bottom, round(bar_width, 3), bar_height)
    canvas.drawPath(path, stroke=0, fill=1)
    _line(canvas, parcel_number, 0, bottom + 3, bold, 12, inner, "center")
