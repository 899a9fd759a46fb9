"""Own labels as PDF, read back: page size, the barcode decoded from the drawn bars, the text extracted."""

import dataclasses
import subprocess
import sys
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.labels import draw_pdf
from orderly.carriers.labels.pdf import MIN_SIZE, fit
from orderly.core.exceptions import ValidationError
from tests.bounds import WAIT_BOUND
from tests.carriers.test_labels_reading import make_label, read_barcodes

A4 = (595.2756, 841.8898)
ROOT = Path(__file__).resolve().parents[2]


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1)) for p in PdfReader(BytesIO(pdf)).pages
    ]


@pytest.mark.parametrize(
    ("fmt", "size"),
    [(LabelFormat.PDF_4X6, (288.0, 432.0)), (LabelFormat.PDF_A6, (297.6, 419.5)), (LabelFormat.PDF_A4, (595.3, 841.9))],
)
def test_one_page_of_the_format(fmt, size):
    pdf = draw_pdf(make_label(), fmt)
    assert pdf.startswith(b"%PDF-")
    assert page_sizes(pdf) == [size]


@pytest.mark.parametrize("fmt", [LabelFormat.PDF_4X6, LabelFormat.PDF_A6])
def test_barcode_decodes_to_the_parcel_number_with_quiet_zones(fmt):
    pdf = draw_pdf(make_label(parcel_number="PA-004711"), fmt)
    [(text, (x0, y0, x1, y1))] = read_barcodes(pdf)
    assert text == "PA-004711"
    width = float(PdfReader(BytesIO(pdf)).pages[0].mediabox.width)
    module = (x1 - x0) / (9 * 11 + 13)
    assert module == pytest.approx(2.0)  # the widest module this size allows
    assert x0 >= 12 + 10 * module - 0.01 and x1 <= width - 12 - 10 * module + 0.01
    assert (x0 + x1) / 2 == pytest.approx(width / 2, abs=0.01)
    assert y1 - y0 >= 40


def test_a_long_parcel_number_gets_narrower_modules_and_still_decodes():
    number = "PARCEL-2026-11-30-ABCDEFGH-0000000001"
    pdf = draw_pdf(make_label(parcel_number=number), LabelFormat.PDF_4X6)
    [(text, (x0, _y0, x1, _y1))] = read_barcodes(pdf)
    assert text == number
    assert x0 > 12 and x1 < 288 - 12


def test_a4_holds_the_label_in_its_top_left_quarter():
    pdf = draw_pdf(make_label(), LabelFormat.PDF_A4)
    [(text, (x0, y0, x1, y1))] = read_barcodes(pdf)
    assert text == "PA-000123"
    assert 0 < x0 < x1 < A4[0] / 2
    assert A4[1] / 2 < y0 < y1 < A4[1]


def test_text_holds_the_label_data_in_unicode():
    text = PdfReader(BytesIO(draw_pdf(make_label(), LabelFormat.PDF_A6))).pages[0].extract_text()
    for expected in [
        "Own courier", "Standard parcel", "2026-11-30", "Brûlerie Ørsted", "Łukasz Kowalski", "Søndergaard ApS",
        "Hauptstraße 12", "Hinterhaus", "10115 Berlin", "DE", "OR-004217", "1.25 kg", "PO 55-A",
        "Leave with neighbour", "PA-000123", "1016 GV Amsterdam", "NL",
    ]:  # fmt: skip
        assert expected in text, expected


def test_characters_the_font_lacks_print_as_their_base_letters():
    label = make_label(recipient=dataclasses.replace(make_label().recipient, name="Zażółć Gęślą Jaźń"))
    text = PdfReader(BytesIO(draw_pdf(label, LabelFormat.PDF_4X6))).pages[0].extract_text()
    # Vera has ó, ł and ć but not ż, ę, ś, ą, ź or ń: those print as their base letters, not as empty boxes
    assert "Zazółć Gesla Jazn" in text


def test_fonts_are_embedded_subsets():
    reader = PdfReader(BytesIO(draw_pdf(make_label(), LabelFormat.PDF_4X6)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = sorted(str(font.get_object()["/BaseFont"]) for font in fonts.values())
    assert "AAAAAA+BitstreamVeraSans-Bold" in [name.lstrip("/") for name in names]
    assert "AAAAAA+BitstreamVeraSans-Roman" in [name.lstrip("/") for name in names]


def test_same_label_same_bytes():
    assert draw_pdf(make_label(), LabelFormat.PDF_4X6) == draw_pdf(make_label(), LabelFormat.PDF_4X6)


def test_text_too_long_for_its_place_is_shrunk_then_cut():
    fonts_bold = "OrderlyLabel-Bold"
    draw_pdf(make_label(), LabelFormat.PDF_4X6)  # registers the fonts
    assert fit("Short", fonts_bold, 16, 200) == ("Short", 16)
    shown, size = fit("W" * 60, fonts_bold, 16, 200)
    assert size == MIN_SIZE and shown.endswith("…") and shown.startswith("WWWW")
    assert 200 - 6 < stringWidth(shown, fonts_bold, MIN_SIZE) <= 200
    shown, size = fit("Zebra Straße 1", fonts_bold, 16, 100)
    assert shown == "Zebra Straße 1" and MIN_SIZE < size < 16


def test_zpl_is_not_a_pdf_format():
    with pytest.raises(ValueError, match="zpl is not a PDF label format"):
        draw_pdf(make_label(), LabelFormat.ZPL)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"parcel_number": "PA-00012é"}, "parcel_number"), ({"parcel_number": ""}, "parcel_number"),
     ({"weight_kg": Decimal("-1")}, "weight_kg"), ({"weight_kg": 1.5}, "weight_kg"),
     ({"weight_kg": Decimal("NaN")}, "weight_kg")],
)  # fmt: skip
def test_a_label_refuses_what_cannot_be_printed(changes, field):
    with pytest.raises(ValidationError) as refused:
        make_label(**changes)
    assert refused.value.field == field


def test_labels_draw_and_cache_when_vera_was_registered_by_other_code_first():
    # ReportLab hands a second font of one face the object registered first: a fresh process shows it
    script = """
import io, reportlab, pathlib
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from pypdf import PdfReader
pdfmetrics.registerFont(TTFont("SomeVera", str(pathlib.Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")))
from orderly.carriers.labels import draw_pdf
from tests.carriers.test_labels_reading import make_label
first, second = draw_pdf(make_label(), "pdf-a6"), draw_pdf(make_label(), "pdf-a6")
assert first == second
assert pdfmetrics.getFont("OrderlyLabel") is pdfmetrics.getFont("SomeVera")
assert pdfmetrics.getFont("SomeVera")._orderly_subset_cache
print(PdfReader(io.BytesIO(second)).pages[0].extract_text().split("\\n")[9])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=WAIT_BOUND)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "Łukasz Kowalski\n"


def test_letters_beyond_the_common_ones_go_to_a_further_subset_and_still_read_back():
    recipient = dataclasses.replace(make_label().recipient, name="Œdipe Ÿvonne Ğ", city="Þórshöfn")
    text = PdfReader(BytesIO(draw_pdf(make_label(recipient=recipient), LabelFormat.PDF_4X6))).pages[0].extract_text()
    assert "Œdipe Ÿvonne Ğ" in text and "10115 Þórshöfn" in text
