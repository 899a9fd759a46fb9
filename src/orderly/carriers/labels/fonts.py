"""The label font: Bitstream Vera, which ships with ReportLab, embedded as a TrueType subset, so that names print
as written in the Western and Northern European alphabets and much of the Central European ones (é, ø, ß, Ł, ó,
ć, č, š, ž).

A character the font lacks (Polish ą ę ś ź ż ń, Hungarian ő ű, and others) would print as an empty box, so it is
replaced by its base letter (ą → a) where Unicode decomposes it, else by `?`. DejaVu Sans, Vera's extension with
the same shapes, would cover those too; it does not ship with ReportLab.
"""

import functools
import unicodedata
import zlib
from pathlib import Path

import reportlab
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

REGULAR = "OrderlyLabel"
BOLD = "OrderlyLabel-Bold"
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"


# The letters met most in European addresses, given the 31 free codes of each document's first font subset
# (ReportLab fills it with ASCII and then with other characters in the order they are first drawn). With these
# placed first, a label whose letters are all ASCII or among them embeds the same subset as every other such label,
# which is then made once per process instead of once per label (see `_cache_subsets`).
COMMON = "äöüßéèàçñøåæáíóúâêôëïłćšžčÄÖÜÉØ"


@functools.cache
def register() -> tuple[str, str]:
    """Registers the label fonts with ReportLab once per process; returns their names (regular, bold).

    ReportLab gives a second font of the same face the object registered first: when other code registered Vera
    already, the label fonts are that object, and the subset caches are put on it (they change no output)."""
    for name, filename in ((REGULAR, "Vera.ttf"), (BOLD, "VeraBd.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(_FONT_DIR / filename), asciiReadable=True))
        font = pdfmetrics.getFont(name)
        if not getattr(font, "_orderly_subset_cache", False):
            _cache_subsets(font)
            font._orderly_subset_cache = True
    return REGULAR, BOLD


def _cache_subsets(font: TTFont) -> None:
    """Makes what a PDF embeds for each distinct subset of the font (all pure functions of the subset's characters)
    once per process: the TrueType data and its compressed form, the ToUnicode map compressed, the /Widths array
    written out. Made per document they were two thirds of a label's drawing time.

    Compressed data goes in with its /Filter already set, which ReportLab's streams take as filtered. Should
    ReportLab name or build these objects differently one day, the checks below fail and each document gets them
    made as before: slower, never different."""
    face = font.face
    make, add_descriptor = face.makeSubset, face.addSubsetObjects
    subset_data = functools.lru_cache(maxsize=64)(lambda subset: make(list(subset)))
    compressed = functools.lru_cache(maxsize=128)(
        lambda content: zlib.compress(content.encode("utf-8") if isinstance(content, str) else content)
    )

    def add_subset_objects(doc, fontname, subset):
        reference = add_descriptor(doc, fontname, subset)
        for name in (f"fontFile:{face.filename}({fontname})", f"toUnicodeCMap:{fontname}"):
            stream = doc.idToObject.get(name)
            if isinstance(stream, pdfdoc.PDFStream) and stream.filters == [pdfdoc.PDFZCompress]:
                stream.content = compressed(stream.content)
                stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        return reference

    add_font_objects = font.addObjects
    widths = functools.lru_cache(maxsize=64)(
        lambda subset: ("[" + " ".join(fp_str(face.getCharWidth(code)) for code in subset) + "]").encode("ascii")
    )

    def add_font_and_widths(doc):
        state = font.state.get(doc)  # ReportLab drops it in addObjects
        subsets = [] if state is None else [
            (font.getSubsetInternalName(number, doc)[1:], tuple(subset)) for number, subset in enumerate(state.subsets)
        ]  # fmt: skip
        add_font_objects(doc)
        pdf_fonts = doc.idToObject["BasicFonts"].dict
        for name, subset in subsets:
            pdf_font = pdf_fonts.get(name)
            if isinstance(getattr(pdf_font, "Widths", None), pdfdoc.PDFArray):
                pdf_font.Widths = widths(subset)

    face.makeSubset = lambda subset: subset_data(tuple(subset))
    face.addSubsetObjects = add_subset_objects
    font.addObjects = add_font_and_widths


def prepare(canvas: Canvas) -> None:
    """Gives COMMON the first free codes of the label fonts in `canvas`'s document: call before drawing text."""
    for name in register():
        pdfmetrics.getFont(name).splitString(COMMON, canvas._doc)


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
