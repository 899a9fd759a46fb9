"""Many label documents into one, for printing a batch: own labels and the PDFs or ZPL that carriers return.

PDF: every page of every document, in order, is one label. Each becomes a form XObject (its content and
resources copied as they are, see pdfcopy) placed on the output page by one transformation:
scaled to fit its cell keeping its aspect ratio, centred, and turned a quarter when that makes it larger (a
landscape label on a portrait page). pdf-4x6 and pdf-a6 have one cell per page, pdf-a4 four (2 × 2, left to
right, top to bottom). A page's /Rotate and crop box are honoured. ZPL: the documents one after another, each
holding its own `^XA` … `^XZ` label(s).
"""

from pypdf import PageObject

from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.labels.pdf import page_size
from orderly.carriers.labels.pdfcopy import PdfBuilder, SourcePdf
from orderly.core.exceptions import ValidationError

Matrix = tuple[float, float, float, float, float, float]  # a b c d e f, as the PDF `cm` operator takes them
Cell = tuple[float, float, float, float]  # x, y, width, height


class LabelDocumentError(ValidationError):
    """A document given to `compose` cannot be used; `index` is its position in the list (None: the list)."""

    def __init__(self, message: str, *, index: int | None) -> None:
        super().__init__(message, field="documents" if index is None else f"documents[{index}]")
        self.index = index


def compose(documents: list[bytes], fmt: LabelFormat) -> bytes:
    """One document holding every label of `documents`, in their order, in `fmt`.

    Needs: at least one document; PDFs for the PDF formats, ZPL for zpl. Guarantees: pdf-4x6 and pdf-a6 give one
    page of exactly that size per label, pdf-a4 ceil(labels / 4) A4 pages; zpl gives the documents' labels one
    after another. A document that is empty, not of the needed kind, unreadable or without a label raises
    LabelDocumentError naming its index, and nothing is returned.
    """
    fmt = LabelFormat(fmt)
    if not documents:
        raise LabelDocumentError("There are no label documents to compose.", index=None)
    if fmt is LabelFormat.ZPL:
        return b"".join(_zpl_label(index, document) for index, document in enumerate(documents))
    return _compose_pdf(documents, fmt)


def _zpl_label(index: int, document: bytes) -> bytes:
    """The document's ZPL with surrounding whitespace trimmed and a newline after it, checked to hold labels."""
    text = bytes(document or b"").strip()
    if not text:
        raise LabelDocumentError(f"Label document {index} is empty.", index=index)
    if text.startswith(b"%PDF"):
        raise LabelDocumentError(f"Label document {index} is a PDF; ZPL labels need ZPL documents.", index=index)
    if b"^XA" not in text or not text.endswith(b"^XZ") or text.count(b"^XA") != text.count(b"^XZ"):
        raise LabelDocumentError(
            f"Label document {index} is not ZPL: it must hold labels from ^XA to ^XZ and end with ^XZ.", index=index
        )
    return text + b"\n"


def cells(fmt: LabelFormat) -> list[Cell]:
    """The places of the labels on one output page of `fmt`: the whole page, or A4's four quarters in reading order."""
    width, height = page_size(fmt)
    if fmt is not LabelFormat.PDF_A4:
        return [(0.0, 0.0, width, height)]
    half_w, half_h = width / 2, height / 2
    return [(0.0, half_h, half_w, half_h), (half_w, half_h, half_w, half_h), (0.0, 0.0, half_w, half_h),
            (half_w, 0.0, half_w, half_h)]  # fmt: skip


def _compose_pdf(documents: list[bytes], fmt: LabelFormat) -> bytes:
    builder = PdfBuilder()
    width, height = page_size(fmt)
    places = cells(fmt)
    pages: list[list[tuple[Matrix, int]]] = []
    count = 0
    for index, document in enumerate(documents):
        for page, form in _forms(builder, index, document):
            if count % len(places) == 0:
                pages.append([])
            pages[-1].append((placement(_visible_box(page), page.rotation, places[count % len(places)]), form))
            count += 1
    tree = builder.reserve()
    kids = [_draw_page(builder, tree, placed, width, height) for placed in pages]
    builder.write(
        tree, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(kids), b" ".join(b"%d 0 R" % k for k in kids))
    )
    root = builder.reserve()
    builder.write(root, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return builder.finish(root)


def _forms(builder: PdfBuilder, index: int, document: bytes) -> list[tuple[PageObject, int]]:
    """Each page of the document with the number of the form XObject it was copied to; LabelDocumentError for a
    document that is empty, not a PDF or damaged, naming its index."""
    if not document:
        raise LabelDocumentError(f"Label document {index} is empty.", index=index)
    if not bytes(document[:1024]).lstrip().startswith(b"%PDF"):
        raise LabelDocumentError(f"Label document {index} is not a PDF.", index=index)
    try:
        source = SourcePdf(document, builder)
        forms = [(page, source.form(page, _visible_box(page))) for page in source.pages()]
    except Exception as error:  # a damaged file raises many kinds of error: each means the same here
        raise LabelDocumentError(f"Label document {index} is not a readable PDF: {error}", index=index) from error
    if not forms:
        raise LabelDocumentError(f"Label document {index} has no pages.", index=index)
    return forms


def _visible_box(page: PageObject) -> tuple[float, float, float, float]:
    box = page.cropbox
    return float(box.left), float(box.bottom), float(box.right), float(box.top)


def _draw_page(builder: PdfBuilder, tree: int, placed: list[tuple[Matrix, int]], width: float, height: float) -> int:
    """Writes a page of `width` × `height` under `tree` showing each placed form through its matrix."""
    names = b" ".join(b"/L%d %d 0 R" % (slot, form) for slot, (_matrix, form) in enumerate(placed))
    drawing = "\n".join(
        f"q {' '.join(f'{number:.4f}' for number in matrix)} cm /L{slot} Do Q"
        for slot, (matrix, _form) in enumerate(placed)
    )
    content = builder.reserve()
    builder.stream(content, b"", drawing.encode("ascii"), compress=False)
    page = builder.reserve()
    builder.write(
        page,
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Resources << /XObject << %s >> >>"
        b" /Contents %d 0 R >>" % (tree, width, height, names, content),
    )
    return page


def _then(first: Matrix, second: Matrix) -> Matrix:
    """The transformation applying `first`, then `second`."""
    a, b, c, d, e, f = first
    a2, b2, c2, d2, e2, f2 = second
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2)  # fmt: skip


def placement(box: tuple[float, float, float, float], rotation: int, cell: Cell) -> Matrix:
    """The matrix that puts a page's visible `box`, shown turned `rotation` degrees clockwise (its /Rotate), into
    `cell`: a quarter turn more where that makes it larger, then scaled to fit keeping its aspect ratio, centred."""
    left, bottom, right, top = box
    width, height = right - left, top - bottom
    if width <= 0 or height <= 0:
        raise ValueError(f"The page's box {box} is empty.")
    cell_x, cell_y, cell_width, cell_height = cell
    matrix: Matrix = (1.0, 0.0, 0.0, 1.0, -left, -bottom)
    turns = (rotation % 360) // 90
    if turns % 2:
        width, height = height, width  # as shown
    if min(cell_width / height, cell_height / width) > min(cell_width / width, cell_height / height) * 1.0001:
        turns += 1
    width, height = (right - left, top - bottom)
    for _ in range(turns % 4):
        matrix = _then(matrix, (0.0, -1.0, 1.0, 0.0, 0.0, width))  # clockwise: (x, y) → (y, width − x)
        width, height = height, width
    scale = min(cell_width / width, cell_height / height)
    offset_x = cell_x + (cell_width - scale * width) / 2
    offset_y = cell_y + (cell_height - scale * height) / 2
    return _then(matrix, (scale, 0.0, 0.0, scale, offset_x, offset_y))
