"""Reading labels back as a scanner and a printer would: a Code 128 decoder of its own (the symbol table comes from
ReportLab's barcode module, not from Orderly's encoder), the bars read from a PDF's drawing operators (through
form XObjects and their transformations, as a composed document draws them), and ZPL field data un-escaped."""

import re
from io import BytesIO

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.graphics.barcode.code128 import _patterns as reportlab_patterns

# ReportLab writes each pattern as letters: upper case a bar, lower case a space, a/A = 1 module … d/D = 4.
SYMBOLS = {
    "".join(str("abcd".index(c.lower()) + 1) for c in pattern): value for value, pattern in reportlab_patterns.items()
}
STOP = "2331112"


def decode_widths(widths: list[int]) -> str:
    """The text of a Code 128 barcode (sets B and C) given as module widths, bar first: checks the check symbol."""
    assert "".join(map(str, widths[-7:])) == STOP, f"no stop symbol at the end: {widths[-7:]}"
    assert (len(widths) - 7) % 6 == 0, f"{len(widths)} elements"
    values = [SYMBOLS["".join(map(str, widths[i : i + 6]))] for i in range(0, len(widths) - 7, 6)]
    *data, check = values
    assert (data[0] + sum(i * v for i, v in enumerate(data[1:], 1))) % 103 == check, "check symbol mismatch"
    assert data[0] in (104, 105), f"start symbol {data[0]} (only B and C expected)"
    code_set, text = ("B" if data[0] == 104 else "C"), []
    for value in data[1:]:
        if (code_set, value) in (("B", 99), ("C", 100)):  # Code C, Code B
            code_set = "C" if value == 99 else "B"
        elif code_set == "B":
            assert value < 95, f"{value} is not data in set B"
            text.append(chr(value + 32))
        else:
            text.append(f"{value:02d}")
    return "".join(text)


def _multiply(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _box(rect, ctm):
    x, y, w, h = rect
    points = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
    a, b, c, d, e, f = ctm
    xs = [a * px + c * py + e for px, py in points]
    ys = [b * px + d * py + f for px, py in points]
    return min(xs), min(ys), max(xs), max(ys)


def filled_rectangles(reader: PdfReader, page_number: int = 0) -> list[tuple[float, float, float, float]]:
    """Every rectangle (`re`) a page fills, as (x0, y0, x1, y1) in page space, following form XObjects."""
    found: list[tuple[float, float, float, float]] = []

    def walk(contents, resources, ctm):
        stack, pending = [], []
        for operands, operator in ContentStream(contents, reader).operations:
            if operator == b"q":
                stack.append(ctm)
            elif operator == b"Q":
                ctm = stack.pop()
            elif operator == b"cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)
            elif operator == b"re":
                pending.append(_box([float(v) for v in operands], ctm))
            elif operator in (b"f", b"F", b"f*", b"B", b"b"):
                found.extend(pending)
                pending = []
            elif operator == b"n" or operator == b"S":
                pending = []
            elif operator == b"Do":
                form = resources["/XObject"][operands[0]].get_object()
                if form.get("/Subtype") == "/Form":
                    matrix = tuple(float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                    walk(form, form.get("/Resources", {}), _multiply(matrix, ctm))

    page = reader.pages[page_number]
    walk(page.get_contents(), page.get("/Resources", {}), (1.0, 0.0, 0.0, 1.0, 0.0, 0.0))
    return found


def read_barcodes(pdf: bytes, page_number: int = 0) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The Code 128 barcodes drawn on a page, read from its filled rectangles, in reading order (top to bottom,
    left to right): bars are rectangles sharing their extent across the bars (horizontal or turned a quarter),
    a barcode a run of them with no gap wider than 6 modules; each with its bounding box. A barcode turned so that
    it reads backwards is read backwards, as a scanner does."""
    rectangles = filled_rectangles(PdfReader(BytesIO(pdf)), page_number)
    groups: dict[tuple, list] = {}
    for x0, y0, x1, y1 in rectangles:
        groups.setdefault(("x", round(y0, 1), round(y1, 1)), []).append((x0, x1))
        groups.setdefault(("y", round(x0, 1), round(x1, 1)), []).append((y0, y1))
    barcodes = []
    for (axis, low, high), bars in groups.items():
        bars.sort()
        module = min(end - start for start, end in bars)
        runs = [[bars[0]]]
        for bar in bars[1:]:
            if bar[0] - runs[-1][-1][1] > 6 * module:
                runs.append([])
            runs[-1].append(bar)
        for run in runs:
            if len(run) < 10:
                continue
            widths = []
            for i, (start, end) in enumerate(run):
                if i:
                    widths.append(round((start - run[i - 1][1]) / module))
                widths.append(round((end - start) / module))
            if widths[-7:] != [int(w) for w in STOP] and widths[:7] == [int(w) for w in reversed(STOP)]:
                widths.reverse()
            box = (run[0][0], low, run[-1][1], high) if axis == "x" else (low, run[0][0], high, run[-1][1])
            barcodes.append((decode_widths(widths), box))
    return sorted(barcodes, key=lambda found: (-round(found[1][3]), found[1][0]))


def zpl_unescape(data: str) -> str:
    """`^FH` field data (hex indicator `_`) back to text: the `_XX` escapes are UTF-8 bytes."""
    raw = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data.encode("ascii"))
    return raw.decode("utf-8")


def zpl_barcode_text(field: str) -> str:
    """The text of a `^BC` field's data: the code-set invocations (`>:` `>;` `>5` `>6`) dropped, `><` a `>`,
    `>=` a `~`."""
    return re.sub(r">([:;56<=])", lambda m: {"<": ">", "=": "~"}.get(m.group(1), ""), zpl_unescape(field))


# ---- the readers themselves ---------------------------------------------------------------------------------


def test_decoder_reads_a_published_code_set_c_barcode():
    # "12345678" in set C: start C 105, 12, 34, 56, 78, check 47 ('O'), stop (published example)
    widths = [int(w) for value in (105, 12, 34, 56, 78, 47) for w in _pattern(value)] + [int(w) for w in STOP]
    assert decode_widths(widths) == "12345678"


def test_decoder_refuses_a_wrong_check_symbol():
    widths = [int(w) for value in (105, 12, 34, 56, 78, 48) for w in _pattern(value)] + [int(w) for w in STOP]
    with pytest.raises(AssertionError, match="check symbol"):
        decode_widths(widths)


def test_zpl_readers_undo_escapes_and_invocations():
    assert zpl_unescape("_C5_81ukasz _5E_7E_5F") == "Łukasz ^~_"
    assert zpl_barcode_text(">:PA->5000123") == "PA-000123"
    assert zpl_barcode_text(">:A><B") == "A>B"


def _pattern(value: int) -> str:
    return next(p for p, v in SYMBOLS.items() if v == value)


def make_label(**changes):
    """An own label with Unicode names on both addresses; `changes` replace its fields."""
    import dataclasses
    import datetime as dt
    from decimal import Decimal

    from orderly.carriers.connectors.base import Address
    from orderly.carriers.labels import OwnLabel

    label = OwnLabel(
        sender=Address(
            name="Brûlerie Ørsted", company="Kaffee & Straße GmbH", street="Prinsengracht 263",
            postal_code="1016 GV", city="Amsterdam", country="nl",
        ),
        recipient=Address(
            name="Łukasz Kowalski", company="Søndergaard ApS", street="Hauptstraße 12", street2="Hinterhaus",
            postal_code="10115", city="Berlin", country="DE",
        ),
        order_number="OR-004217", parcel_number="PA-000123", weight_kg=Decimal("1.250"), service="Standard parcel",
        carrier="Own courier", shipped_on=dt.date(2026, 11, 30), reference="PO 55-A", notes="Leave with neighbour",
    )  # fmt: skip
    return dataclasses.replace(label, **changes)
