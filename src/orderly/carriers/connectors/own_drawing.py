"""A plain own label (text and a Code128 barcode of the parcel number), drawn with ReportLab or as ZPL II.

Interim: the labels package draws the finished own label; own.draw_own_label switches to it in one line.
"""

from io import BytesIO

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4, A6, inch
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from orderly.carriers.connectors.base import Address, LabelFormat, ParcelRequest

SIZES = {LabelFormat.PDF_4X6: (4 * inch, 6 * inch), LabelFormat.PDF_A6: A6, LabelFormat.PDF_A4: A4}


def _lines(address: Address) -> list[str]:
    return [x for x in (address.name, address.company, address.street, address.street2,
                        f"{address.postal_code} {address.city}", address.country) if x]  # fmt: skip


def draw(parcel: ParcelRequest, fmt: LabelFormat, *, carrier_name: str, service: str) -> bytes:
    if fmt == LabelFormat.ZPL:
        return _zpl(parcel, carrier_name=carrier_name, service=service)
    out = BytesIO()
    width, height = SIZES[fmt]
    page = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    label_w, label_h = (width / 2, height / 2) if fmt == LabelFormat.PDF_A4 else (width, height)
    origin_y = height - label_h
    page.setFont("Helvetica-Bold", 11)
    page.drawString(6 * mm, origin_y + label_h - 10 * mm, f"{carrier_name} · {service}")
    page.setFont("Helvetica", 8)
    y = origin_y + label_h - 16 * mm
    page.drawString(6 * mm, y, "From:")
    for line in _lines(parcel.sender):
        y -= 3.5 * mm
        page.drawString(10 * mm, y, line)
    y -= 6 * mm
    page.setFont("Helvetica-Bold", 10)
    page.drawString(6 * mm, y, "To:")
    for line in _lines(parcel.recipient):
        y -= 4.5 * mm
        page.drawString(10 * mm, y, line)
    page.setFont("Helvetica", 8)
    y -= 7 * mm
    page.drawString(6 * mm, y, f"Order {parcel.order_number}   Weight {parcel.weight_kg} kg")
    barcode = code128.Code128(parcel.reference, barHeight=14 * mm, barWidth=0.35 * mm)
    barcode.drawOn(page, 6 * mm, origin_y + 10 * mm)
    page.drawString(10 * mm, origin_y + 6 * mm, parcel.reference)
    page.showPage()
    page.save()
    return out.getvalue()


def _zpl_text(value: str) -> str:
    return value.replace("^", " ").replace("~", " ")


def _zpl(parcel: ParcelRequest, *, carrier_name: str, service: str) -> bytes:
    rows = ["^XA", "^CI28", f"^FO40,30^A0N,36,36^FD{_zpl_text(carrier_name)} - {_zpl_text(service)}^FS"]
    y = 90
    for line in _lines(parcel.sender):
        rows.append(f"^FO40,{y}^A0N,22,22^FD{_zpl_text(line)}^FS")
        y += 26
    y += 20
    for line in _lines(parcel.recipient):
        rows.append(f"^FO40,{y}^A0N,32,32^FD{_zpl_text(line)}^FS")
        y += 36
    rows.append(f"^FO40,{y + 20}^A0N,24,24^FDOrder {_zpl_text(parcel.order_number)}  {parcel.weight_kg} kg^FS")
    rows.append(f"^FO40,{y + 70}^BY3^BCN,120,Y,N,N^FD{_zpl_text(parcel.reference)}^FS")
    rows.append("^XZ")
    return ("\n".join(rows) + "\n").encode()
