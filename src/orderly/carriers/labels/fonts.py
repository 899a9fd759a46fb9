"""The label font: Bitstream Vera, which ships with ReportLab, embedded as a TrueType subset, so that names print
as written in the Western and Northern European alphabets and much of the Central European ones (é, ø, ß, Ł, ó,
ć, č, š, ž).

A character the font lacks (Polish ą ę ś ź ż ń, Hungarian ő ű, and others) would print as an empty box, so it is
replaced by its base letter (ą → a) where Unicode decomposes it, else by `?`. DejaVu Sans, Vera's extension with
the same shapes, would cover those too; it does not ship with ReportLab.
"""

import functools
import unicodedata
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "OrderlyLabel"
BOLD = "OrderlyLabel-Bold"
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"


@functools.cache
def register() -> tuple[str, str]:
    """Registers the label fonts with ReportLab once per process; returns their names (regular, bold)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(_FONT_DIR / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(_FONT_DIR / "VeraBd.ttf")))
    return REGULAR, BOLD


@functools.cache
def _covered() -> frozenset[int]:
    register()
    return frozenset(pdfmetrics.getFont(REGULAR).face.charToGlyph) & frozenset(
        pdfmetrics.getFont(BOLD).face.charToGlyph
    )


@functools.cache
def _substitute(char: str) -> str:
    if ord(char) in _covered():
        return char
    if not char.isprintable():
        return " "
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(part for part in decomposed if ord(part) in _covered() and not unicodedata.combining(part))
    return base.strip() or "?"


def printable(text: str) -> str:
    """`text` with whitespace runs made one space and every character the label font lacks replaced."""
    return "".join(_substitute(char) for char in " ".join(text.split()))
