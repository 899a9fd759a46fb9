"""Composing label documents: own labels and carriers' PDFs (other sizes, landscape, rotated, cropped, packed in
object streams) into one PDF per format, ZPL into one file; every page read back."""

import math
import struct
import zlib
from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.labels import LabelDocumentError, code128, compose, draw_pdf, draw_zpl
from orderly.carriers.labels.compose import cells, placement
from tests.carriers.test_labels_reading import make_label, read_barcodes

SIZES = {
    LabelFormat.PDF_4X6: (288.0, 432.0),
    LabelFormat.PDF_A6: (297.638, 419.528),
    LabelFormat.PDF_A4: (595.276, 841.89),
}


def own_labels(count: int, fmt=LabelFormat.PDF_4X6) -> list[bytes]:
    return [draw_pdf(make_label(parcel_number=f"PA-{n:06d}"), fmt) for n in range(1, count + 1)]


def read(pdf: bytes) -> PdfReader:
    return PdfReader(BytesIO(pdf), strict=True)  # strict: a wrong cross-reference table fails here


def sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(round(float(p.mediabox.width), 3), round(float(p.mediabox.height), 3)) for p in read(pdf).pages]


def bars_content(text: str, x: float, y: float, module: float = 1.5, height: float = 60) -> bytes:
    """Drawing operators for `text`'s barcode at (x, y), as a carrier's PDF might have them."""
    out, left = [], x
    for index, width in enumerate(code128.modules(text)):
        if index % 2 == 0:
            out.append(f"{left:.3f} {y} {width * module:.3f} {height} re")
        left += width * module
    return ("\n".join(out) + "\nf\nBT /F1 10 Tf 20 20 Td (Carrier label) Tj ET").encode()


def carrier_pdf(text: str, size=(288.0, 432.0), at=(40.0, 100.0)) -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=size, invariant=True)
    path, left = canvas.beginPath(), at[0]
    for index, width in enumerate(code128.modules(text)):
        if index % 2 == 0:
            path.rect(left, at[1], width * 1.5, 60)
        left += width * 1.5
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.drawString(20, 20, "Carrier label")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def packed_pdf(text: str) -> bytes:
    """A one-page 4 × 6 in PDF whose resources sit in an object stream, indexed by a cross-reference stream, with
    a stream /Length given by reference (as newer producers write them)."""
    content = bars_content(text, 40, 100)
    resources = b"<< /Font << /F1 7 0 R >> >>"
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    header = b"6 0 7 %d " % len(resources)
    packed = header + resources + font
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Resources 6 0 R /Contents 4 0 R >>",
        4: b"<< /Length 9 0 R >>\nstream\n" + content + b"\nendstream",
        5: b"<< /Type /ObjStm /N 2 /First %d /Length %d >>\nstream\n" % (len(header), len(packed))
        + packed + b"\nendstream",
        9: b"%d" % len(content),
    }  # fmt: skip
    out, offsets = bytearray(b"%PDF-1.7\n"), {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[8] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 10):
        if number in (6, 7):
            rows.append(struct.pack(">BIH", 2, 5, number - 6))
        else:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
    table = zlib.compress(b"".join(rows))
    out += (
        b"8 0 obj\n<< /Type /XRef /Size 10 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
        % len(table)
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[8]
    return bytes(out)


@pytest.mark.parametrize("fmt", [LabelFormat.PDF_4X6, LabelFormat.PDF_A6])
def test_one_label_per_page_in_order(fmt):
    pdf = compose(own_labels(7), fmt)
    assert sizes(pdf) == [SIZES[fmt]] * 7
    assert [read_barcodes(pdf, page)[0][0] for page in range(7)] == [f"PA-{n:06d}" for n in range(1, 8)]


@pytest.mark.parametrize("count", [1, 4, 5, 9])
def test_a4_holds_four_labels_a_page_in_reading_order(count):
    pdf = compose(own_labels(count), LabelFormat.PDF_A4)
    assert sizes(pdf) == [SIZES[LabelFormat.PDF_A4]] * math.ceil(count / 4)
    found = [barcode for page in range(len(sizes(pdf))) for barcode in read_barcodes(pdf, page)]
    assert [text for text, _box in found] == [f"PA-{n:06d}" for n in range(1, count + 1)]
    width, height = SIZES[LabelFormat.PDF_A4]
    for slot, (_text, (x0, y0, x1, y1)) in enumerate(found):
        column, row = slot % 4 % 2, slot % 4 // 2
        assert column * width / 2 < x0 < x1 < (column + 1) * width / 2
        assert (1 - row) * height / 2 < y0 < y1 < (2 - row) * height / 2


def test_composed_page_keeps_the_text():
    pdf = compose(own_labels(2), LabelFormat.PDF_A6)
    text = read(pdf).pages[1].extract_text()
    assert "Łukasz Kowalski" in text and "OR-004217" in text and "PA-000002" in text


def test_a_4x6_label_on_a6_is_scaled_to_fit_keeping_its_shape():
    pdf = compose([carrier_pdf("1Z999AA10123456784")], LabelFormat.PDF_A6)
    [(text, (x0, y0, x1, y1))] = read_barcodes(pdf)
    assert text == "1Z999AA10123456784"
    scale = min(297.638 / 288, 419.528 / 432)  # 0.971: the height limits
    offset_x = (297.638 - 288 * scale) / 2
    assert x0 == pytest.approx(offset_x + 40 * scale, abs=0.01)
    # (the reader rounds the bars' vertical extent to 0.1 pt)
    assert y0 == pytest.approx(100 * scale, abs=0.06) and y1 - y0 == pytest.approx(60 * scale, abs=0.1)


def test_a_landscape_label_is_turned_a_quarter_to_fill_a_portrait_page():
    pdf = compose([carrier_pdf("LANDSCAPE-1", size=(432.0, 288.0))], LabelFormat.PDF_4X6)
    [(text, (x0, y0, x1, y1))] = read_barcodes(pdf)
    assert text == "LANDSCAPE-1"
    assert x1 - x0 == pytest.approx(60, abs=0.01)  # the bars now run across the page: full size, no shrinking
    assert y1 - y0 > x1 - x0


def test_a_page_rotated_by_its_rotate_entry_is_shown_as_rotated():
    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(carrier_pdf("ROTATED-90", size=(432.0, 288.0)))))
    writer.pages[0].rotate(90)  # shown portrait: fits a 4 × 6 in page as it is
    buffer = BytesIO()
    writer.write(buffer)
    pdf = compose([buffer.getvalue()], LabelFormat.PDF_4X6)
    [(text, (x0, y0, x1, y1))] = read_barcodes(pdf)
    assert text == "ROTATED-90"
    # shown clockwise: the label's bottom edge, where the bars stand at y 100–160, is now its left edge
    assert (x0, x1) == (pytest.approx(100, abs=0.01), pytest.approx(160, abs=0.01))


def test_the_crop_box_is_what_is_placed():
    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(carrier_pdf("CROPPED", size=(600.0, 800.0), at=(140.0, 200.0)))))
    writer.pages[0].cropbox.lower_left = (100, 100)
    writer.pages[0].cropbox.upper_right = (388, 532)
    buffer = BytesIO()
    writer.write(buffer)
    pdf = compose([buffer.getvalue()], LabelFormat.PDF_4X6)
    [(text, (x0, y0, _x1, _y1))] = read_barcodes(pdf)
    assert (text, round(x0, 2), round(y0, 2)) == ("CROPPED", 40.0, 100.0)


def test_object_streams_and_cross_reference_streams_are_read():
    pdf = compose([packed_pdf("PACKED-7"), *own_labels(1)], LabelFormat.PDF_4X6)
    assert [read_barcodes(pdf, page)[0][0] for page in range(2)] == ["PACKED-7", "PA-000001"]
    assert "Carrier label" in read(pdf).pages[0].extract_text()


def test_zpl_documents_become_one_file_of_their_labels():
    documents = [draw_zpl(make_label(parcel_number=f"PA-{n:06d}")) for n in range(1, 4)]
    documents.append(b"\r\n^XA^FO50,50^BCN,100^FDCARRIER-1^FS^XZ\r\n^XA^FO50,50^FDpage 2^FS^XZ")
    zpl = compose(documents, LabelFormat.ZPL)
    blocks = zpl.split(b"^XZ\n")
    assert blocks[-1] == b"" and len(blocks) - 1 == 4
    assert zpl.count(b"^XA") == 5 and zpl.count(b"^XZ") == 5
    assert [b">:PA->5000001" in blocks[0], b">:PA->5000003" in blocks[2]] == [True, True]
    assert zpl.startswith(b"^XA") and zpl.rstrip().endswith(b"^XZ")


@pytest.mark.parametrize(
    ("documents", "fmt", "index", "message"),
    [
        ([b"%PDF-1.4 x", b""], LabelFormat.PDF_A6, 0, "Label document 0 is not a readable PDF"),
        ([None, b"x"], LabelFormat.PDF_4X6, 0, "Label document 0 is empty"),
        ([b"PDF"], LabelFormat.PDF_A4, 0, "Label document 0 is not a PDF"),
        ([b"^XA^XZ"], LabelFormat.PDF_A4, 0, "Label document 0 is not a PDF"),
        ([b"^XA^FDa^FS^XZ", b"%PDF-1.7"], LabelFormat.ZPL, 1, "Label document 1 is a PDF"),
        ([b"^XA^FDa^FS^XZ", b"  "], LabelFormat.ZPL, 1, "Label document 1 is empty"),
        ([b"^XA^FDa^FS"], LabelFormat.ZPL, 0, "Label document 0 is not ZPL"),
        ([], LabelFormat.ZPL, None, "no label documents"),
    ],
)
def test_unusable_documents_are_named_by_index(documents, fmt, index, message):
    documents = [draw_pdf(make_label(), LabelFormat.PDF_4X6) if d == b"" else d for d in documents]
    with pytest.raises(LabelDocumentError, match=message) as refused:
        compose(documents, fmt)
    assert refused.value.index == index
    assert refused.value.field == ("documents" if index is None else f"documents[{index}]")


def test_a_truncated_pdf_is_named_by_index():
    good = draw_pdf(make_label(), LabelFormat.PDF_4X6)
    with pytest.raises(LabelDocumentError, match="Label document 2 is not a readable PDF") as refused:
        compose([good, good, good[: len(good) // 3]], LabelFormat.PDF_4X6)
    assert refused.value.index == 2


def test_a_pdf_without_pages_is_named_by_index():
    writer = PdfWriter()
    buffer = BytesIO()
    writer.write(buffer)
    with pytest.raises(LabelDocumentError, match="Label document 0 has no pages"):
        compose([buffer.getvalue()], LabelFormat.PDF_4X6)


def test_a_batch_of_own_labels_embeds_each_font_file_once():
    pdf = compose(own_labels(6), LabelFormat.PDF_A4)
    reader = read(pdf)
    font_files, forms = set(), 0
    for page in reader.pages:
        for form in page["/Resources"]["/XObject"].values():
            forms += 1
            for font in form.get_object()["/Resources"]["/Font"].values():
                descriptor = font.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    font_files.add(descriptor.get_object().raw_get("/FontFile2").idnum)
    assert forms == 6
    assert len(font_files) == 2  # Vera and Vera Bold: every label's subsets are the same bytes
    assert len(pdf) < 3 * len(own_labels(1)[0])


def classic_pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF with a classic cross-reference table holding `objects` (1 is the catalog)."""
    out, offsets = bytearray(b"%PDF-1.4\n"), {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (max(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in range(1, max(objects) + 1))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (max(objects) + 1, start)
    return bytes(out)


def test_a_page_drawn_by_several_content_streams_and_a_string_that_looks_like_a_reference():
    drawing = bars_content("SPLIT-2", 40, 100).split(b"\n")
    half = len(drawing) // 2
    first, second = b"\n".join(drawing[:half]), b"\n".join(drawing[half:])
    pdf = classic_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents [4 0 R 5 0 R]"
           b" /Resources << /Font << /F1 6 0 R >> >> >>",
        4: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(first), first),
        5: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(second), second),
        6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Note (not 9 0 R \\) nor 8 0 R) >>",
    })  # fmt: skip
    composed = compose([pdf], LabelFormat.PDF_A6)
    assert [text for text, _box in read_barcodes(composed)] == ["SPLIT-2"]
    font = read(composed).pages[0]["/Resources"]["/XObject"]["/L0"]["/Resources"]["/Font"]["/F1"]
    assert font["/Note"] == "not 9 0 R ) nor 8 0 R" and "Carrier label" in read(composed).pages[0].extract_text()


sides = st.floats(min_value=20, max_value=2000, allow_nan=False)


@given(
    box=st.tuples(st.floats(-500, 500), st.floats(-500, 500), sides, sides),
    rotation=st.sampled_from([0, 90, 180, 270, -90, 450]),
    fmt=st.sampled_from([LabelFormat.PDF_4X6, LabelFormat.PDF_A6, LabelFormat.PDF_A4]),
    slot=st.integers(0, 3),
)
def test_placement_fits_the_cell_centred_keeping_the_shape(box, rotation, fmt, slot):
    left, bottom, width, height = box
    places = cells(fmt)
    cell_x, cell_y, cell_width, cell_height = places[slot % len(places)]
    a, b, c, d, e, f = placement((left, bottom, left + width, bottom + height), rotation, places[slot % len(places)])
    corners = [(a * x + c * y + e, b * x + d * y + f) for x in (left, left + width) for y in (bottom, bottom + height)]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    tolerance = 1e-6 * max(width, height, cell_width, cell_height)
    assert cell_x - tolerance <= min(xs) and max(xs) <= cell_x + cell_width + tolerance
    assert cell_y - tolerance <= min(ys) and max(ys) <= cell_y + cell_height + tolerance
    # one side fills the cell, the picture is centred, and the scale is the same both ways (no distortion)
    assert max(xs) - min(xs) == pytest.approx(cell_width, rel=1e-6) or max(ys) - min(ys) == pytest.approx(
        cell_height, rel=1e-6
    )
    assert (min(xs) + max(xs)) / 2 == pytest.approx(cell_x + cell_width / 2, abs=tolerance + 1e-9)
    assert (min(ys) + max(ys)) / 2 == pytest.approx(cell_y + cell_height / 2, abs=tolerance + 1e-9)
    assert abs(a * d - b * c) == pytest.approx(max(abs(a), abs(b)) ** 2, rel=1e-9)
    assert (a == 0 and d == 0) or (b == 0 and c == 0)  # quarter turns only
