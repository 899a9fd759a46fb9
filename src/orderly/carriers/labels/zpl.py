"""An own label as ZPL II for thermal printers: one 4 × 6 in label, `^XA` … `^XZ`, the same layout as the PDF.

Text is UTF-8 (`^CI28`) and every text field is written with `^FH`: the characters ZPL would read as commands or
as the hex indicator (`^`, `~`, `_`), the field block's line break (`\\`), control characters and every non-ASCII
character are given as `_XX` hex escapes of their UTF-8 bytes, so the field data is plain ASCII that no printer
misreads. The barcode is `^BC` with explicit code-set invocations (`>:` start B, `>;` start C, `>5`/`>6` switches)
taken from orderly.carriers.labels.code128, so the printer draws the same symbols as the PDF label.
"""

from orderly.carriers.labels import code128
from orderly.carriers.labels.model import OwnLabel, address_lines, weight_text

DPMM_ALLOWED = (6, 8, 12, 24)  # the print heads Zebra makes: 152, 203, 300 and 600 dpi
WIDTH_IN, HEIGHT_IN = 4, 6
_ESCAPED = frozenset("^~_\\")
_INVOCATIONS = {code128.START_B: ">:", code128.START_C: ">;", code128.CODE_C: ">5", code128.CODE_B: ">6"}


def field_data(text: str) -> str:
    """`text` as `^FH` field data: ASCII with `^`, `~`, `_`, `\\`, control and non-ASCII characters as `_XX` hex
    escapes of their UTF-8 bytes. Guarantees: holds no `^` or `~`; un-escaping it gives `text` exactly."""
    out: list[str] = []
    for char in text:
        if " " <= char <= "}" and char not in _ESCAPED:
            out.append(char)
        else:
            out.extend(f"_{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def barcode_data(text: str) -> str:
    """The `^BC` field data for `text` (printable ASCII): the code-set invocations and data of code128.encode,
    with `>` written `><` and `~` `>=` as ^BC needs, then escaped as `field_data`. The printer adds the check
    and stop symbols."""
    values = code128.encode(text)[:-2]
    out: list[str] = []
    code_set = ""
    for value in values:
        if code_set == "C" and value < 100:  # in set C, 0–99 are digit pairs (99 is "99", not CODE C)
            out.append(f"{value:02d}")
        elif value in _INVOCATIONS:
            out.append(_INVOCATIONS[value])
            code_set = "C" if value in (code128.START_C, code128.CODE_C) else "B"
        else:
            char = chr(value + 32)
            out.append({">": "><", "~": ">="}.get(char, char))
    return field_data("".join(out))


class _Zpl:
    """Builds one label's commands; lengths are given in dots of an 8 dpmm head and scaled to the real one."""

    def __init__(self, dpmm: int) -> None:
        self.scale = dpmm / 8
        self.width = int(WIDTH_IN * 25.4 * dpmm)
        self.height = int(HEIGHT_IN * 25.4 * dpmm)
        self.margin = self.dots(30)
        self.commands = ["^XA", "^CI28", f"^PW{self.width}", f"^LL{self.height}", "^LH0,0"]

    def dots(self, length: float) -> int:
        return max(1, round(length * self.scale))

    def text(self, x: int, y: int, size: float, width: int, text: str, justify: str = "L") -> None:
        """A one-line text field of `size` (8 dpmm dots) at (x, y) in a block `width` dots wide. Font 0's
        characters are taken as 0.6 × their height wide at most: longer text is set smaller, down to 60 % of
        `size`, and what still does not fit is cut with an ellipsis."""
        text = " ".join(text.split())
        height = self.dots(size)
        if text and len(text) * 0.6 * height > width:
            height = max(self.dots(size * 0.6), int(width / (0.6 * len(text))))
        room = max(1, int(width / (0.6 * height)))
        if len(text) > room:
            text = text[: room - 1].rstrip() + "…"
        self.commands.append(f"^FO{x},{y}^A0N,{height},{height}^FB{width},1,0,{justify}^FH^FD{field_data(text)}^FS")

    def rule(self, y: int) -> None:
        thickness = self.dots(3)
        self.commands.append(f"^FO{self.margin},{y}^GB{self.width - 2 * self.margin},{thickness},{thickness}^FS")

    def barcode(self, text: str, bar_top: int) -> None:
        """The Code 128 barcode of `text` centred, its text line beneath, its bars from `bar_top` down to above
        the bottom margin (120 to 300 dots high); the module as wide as fits with 10-module quiet zones, 4 dots
        at most (at 8 dpmm)."""
        modules = sum(code128.modules(text))
        room = self.width - 2 * self.margin
        module = max(1, min(room // (modules + 20), self.dots(4)))
        bar_height = min(self.dots(300), max(self.dots(120), self.height - self.margin - self.dots(40) - bar_top))
        x = (self.width - modules * module) // 2
        self.commands.append(f"^BY{module},3,{bar_height}")
        self.commands.append(f"^FO{x},{bar_top}^BCN,{bar_height},Y,N,N^FH^FD{barcode_data(text)}^FS")

    def document(self) -> bytes:
        return "\n".join([*self.commands, "^PQ1", "^XZ"]).encode("ascii")


def draw_zpl(label: OwnLabel, *, dpmm: int = 8) -> bytes:
    """`label` as one ZPL II label of 4 × 6 in for a print head of `dpmm` dots per mm (6, 8, 12 or 24; ValueError
    otherwise). Guarantees: ASCII bytes starting `^XA` and ending `^XZ`, one `^BC` field holding
    the parcel number, every text field escaped as `field_data` says."""
    if dpmm not in DPMM_ALLOWED:
        raise ValueError(f"A print head has 6, 8, 12 or 24 dots per mm, not {dpmm}.")
    zpl = _Zpl(dpmm)
    inner, left, dots = zpl.width - 2 * zpl.margin, zpl.margin, zpl.dots
    y = zpl.margin
    zpl.text(left, y, 56, inner * 55 // 100, label.carrier)
    zpl.text(left + inner * 57 // 100, y, 28, inner * 43 // 100, label.service, "R")
    zpl.text(left + inner * 57 // 100, y + dots(34), 24, inner * 43 // 100, label.shipped_on.isoformat(), "R")
    y += dots(70)
    zpl.rule(y)
    y = _address(zpl, "FROM", _sender_lines(label), y + dots(12), sizes=(24, 24, 24))
    zpl.rule(y + dots(8))
    y = _address(zpl, "TO", address_lines(label.recipient), y + dots(20), sizes=(48, 36, 44))
    zpl.rule(y + dots(8))
    y += dots(20)
    half = inner // 2
    zpl.text(left, y, 20, half, "ORDER")
    zpl.text(left + half, y, 20, half, "WEIGHT")
    zpl.text(left, y + dots(26), 40, half, label.order_number)
    zpl.text(left + half, y + dots(26), 40, half, weight_text(label.weight_kg))
    y += dots(74)
    for caption, text in (("Ref.", label.reference), ("Note", label.notes)):
        if text:
            zpl.text(left, y, 24, inner, f"{caption} {text}")
            y += dots(30)
    zpl.barcode(label.parcel_number, y + dots(30))
    return zpl.document()


def _sender_lines(label: OwnLabel) -> list[str]:
    lines = address_lines(label.sender)
    if len(lines) > 1:  # as on the PDF: the country on the postal code's line, the block kept to five lines
        lines[-2:] = [f"{lines[-2]}  {lines[-1]}"]
    return lines[:5]


def _address(zpl: _Zpl, caption: str, lines: list[str], y: int, *, sizes: tuple[float, float, float]) -> int:
    """Writes a captioned address block from `y`: the first line, the middle ones and the last two (postal code
    with city, and country) in `sizes`; returns the y below it."""
    inner = zpl.width - 2 * zpl.margin
    zpl.text(zpl.margin, y, 20, inner, caption)
    y += zpl.dots(26)
    for index, text in enumerate(lines):
        if index == 0:
            size = sizes[0]
        elif index >= len(lines) - 2:
            size = sizes[2]
        else:
            size = sizes[1]
        zpl.text(zpl.margin, y, size, inner, text)
        y += zpl.dots(size * 1.15)
    return y
