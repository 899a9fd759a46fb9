"""Own labels as ZPL II, read back: structure, the barcode field, every text field un-escaped, escaping properties."""

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderly.carriers.labels import code128, draw_zpl
from orderly.carriers.labels.zpl import barcode_data, field_data
from tests.carriers.test_labels_reading import make_label, zpl_barcode_text, zpl_unescape

FIELD = re.compile(r"\^FD(.*?)\^FS", re.DOTALL)


def commands(zpl: bytes) -> list[str]:
    return zpl.decode("ascii").split("\n")


def text_fields(zpl: bytes) -> list[str]:
    return [zpl_unescape(data) for line in commands(zpl) if "^BC" not in line for data in FIELD.findall(line)]


def test_one_label_from_xa_to_xz_for_4x6_inches_at_8_dpmm():
    zpl = draw_zpl(make_label())
    lines = commands(zpl)
    assert lines[:5] == ["^XA", "^CI28", "^PW812", "^LL1219", "^LH0,0"]
    assert lines[-2:] == ["^PQ1", "^XZ"]
    assert zpl.count(b"^XA") == 1 and zpl.count(b"^XZ") == 1
    assert zpl.isascii()


def test_barcode_field_holds_the_parcel_number_in_the_same_symbols_as_the_pdf():
    zpl = draw_zpl(make_label(parcel_number="PA-000123"))
    [barcode] = [line for line in commands(zpl) if "^BC" in line]
    assert barcode == "^FO182,760^BCN,300,Y,N,N^FH^FD>:PA->5000123^FS"
    assert zpl_barcode_text(FIELD.search(barcode).group(1)) == "PA-000123"
    assert "^BY4,3,300" in commands(zpl)  # 4-dot modules: 112 modules = 448 dots, centred in 812


def test_text_fields_hold_the_label_data_in_unicode():
    fields = text_fields(draw_zpl(make_label()))
    assert fields == [
        "Own courier", "Standard parcel", "2026-11-30", "FROM", "Brûlerie Ørsted", "Kaffee & Straße GmbH",
        "Prinsengracht 263", "1016 GV Amsterdam NL", "TO", "Łukasz Kowalski", "Søndergaard ApS", "Hauptstraße 12",
        "Hinterhaus", "10115 Berlin", "DE", "ORDER", "WEIGHT", "OR-004217", "1.25 kg", "Ref. PO 55-A",
        "Note Leave with neighbour",
    ]  # fmt: skip


def test_command_characters_in_data_are_escaped():
    recipient = dataclasses.replace(make_label().recipient, name="A^B~C_D\\E", company="^XZ^XA")
    zpl = draw_zpl(make_label(recipient=recipient, parcel_number="PA^~_>1"))
    assert zpl.count(b"^XZ") == 1 and zpl.count(b"^XA") == 1
    assert "A^B~C_D\\E" in text_fields(zpl) and "^XZ^XA" in text_fields(zpl)
    [barcode] = [line for line in commands(zpl) if "^BC" in line]
    assert zpl_barcode_text(FIELD.search(barcode).group(1)) == "PA^~_>1"


def test_long_text_is_set_smaller_then_cut():
    recipient = dataclasses.replace(make_label().recipient, name="Ł" * 40, street="S" * 200)
    lines = commands(draw_zpl(make_label(recipient=recipient)))
    name = next(line for line in lines if "_C5_81" in line)
    assert name.startswith("^FO30,296^A0N,31,31^FB752,1,0,L")  # 48 dots high would not fit 40 letters in 752
    street = next(line for line in lines if "SSSS" in line)
    assert "^A0N,22,22" in street and zpl_unescape(FIELD.search(street).group(1)) == "S" * 55 + "…"


@pytest.mark.parametrize(
    ("dpmm", "width", "height", "module"), [(6, 609, 914, 3), (12, 1219, 1828, 6), (24, 2438, 3657, 12)]
)
def test_other_print_heads_scale_the_label(dpmm, width, height, module):
    lines = commands(draw_zpl(make_label(), dpmm=dpmm))
    assert lines[2:4] == [f"^PW{width}", f"^LL{height}"]
    assert next(line for line in lines if line.startswith("^BY")).startswith(f"^BY{module},3,")


def test_refuses_a_print_head_zebra_does_not_make():
    with pytest.raises(ValueError, match="not 10"):
        draw_zpl(make_label(), dpmm=10)


def test_field_data_examples():
    assert field_data("Straße ^ ~ _ \\ é\n") == "Stra_C3_9Fe _5E _7E _5F _5C _C3_A9_0A"
    assert barcode_data("PA-000123") == ">:PA->5000123"
    assert barcode_data("1234") == ">;1234"
    assert barcode_data("0099") == ">;0099"  # 99 in set C is the digits, not a switch to set C
    assert barcode_data("A>~") == ">:A><>="


@given(st.text(max_size=60))
def test_field_data_has_no_command_characters_and_reads_back(text):
    data = field_data(text)
    assert "^" not in data and "~" not in data
    assert re.fullmatch(r"(?:[ -\]`-}]|_[0-9A-F]{2})*", data)  # printable ASCII but ^ _ ~ \, or hex escapes
    assert zpl_unescape(data) == text


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40))
def test_barcode_data_reads_back_and_follows_the_code_sets(text):
    data = barcode_data(text)
    assert "^" not in data and "~" not in data
    assert zpl_barcode_text(data) == text
    switches = re.findall(r">[:;56]", zpl_unescape(data))
    assert switches == _switches(code128.encode(text)[:-2])


def _switches(values: list[int]) -> list[str]:
    """The code-set invocations among Code 128 values: in set C, 0–99 are digit pairs (99 too), not switches."""
    names, found, code_set = {104: ">:", 105: ">;", 99: ">5", 100: ">6"}, [], ""
    for value in values:
        if code_set == "C" and value < 100:
            continue
        if value in names:
            found.append(names[value])
            code_set = "C" if value in (99, 105) else "B"
    return found
