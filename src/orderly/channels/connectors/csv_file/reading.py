"""Reading a CSV the way merchants make it: the encoding, the delimiter, decimal commas and day-first dates.

Every decision is made once per file from the file itself (its bytes, its header line, its values) and said in
the result (`Sheet.describe`) and in any refusal, so a merchant sees what we took the file to be.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS = 500

SAVE_AS_UTF8 = (
    "Save it as UTF-8: in Excel, File › Save As › “CSV UTF-8 (Comma delimited)”; in Numbers, File › Export To › "
    "CSV… with Text Encoding “Unicode (UTF-8)”; in LibreOffice Calc, File › Save As › “Text CSV”, tick “Edit "
    "filter settings” and choose Character set “Unicode (UTF-8)”."
)
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


class CsvRejected(ValidationError):
    """The file has errors; nothing was imported. `errors`: [{"line", "column", "reason"}]; `context` says what the
    file looked like (encoding, delimiter, decimal separator) and how to fix it, and ends the message."""

    code = ErrorCode.CSV_REJECTED

    def __init__(self, errors: list[dict], *, context: str = ""):
        first = errors[0]
        where = f"line {first['line']}" + (f", column {first['column']}" if first["column"] else "")
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        message = f"The file was not imported: {len(errors)} error(s). First: {where}: {first['reason']}{more}."
        super().__init__(
            f"{message} {context}".strip(),
            field="file",
            errors=[{"line": e["line"], "column": e["column"], "reason": e["reason"]} for e in errors],
        )
        self.errors = errors
        self.context = context


def error(line: int, column: str, reason: str) -> dict:
    return {"line": line, "column": column, "reason": reason}


# -- bytes to text --------------------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(content: bytes | str) -> tuple[str, str]:
    """The file's text and the encoding it was read in ("UTF-8" or "Windows-1252"); raises CsvRejected.

    A file that is not UTF-8 is read as Windows-1252 (what Excel's plain "CSV" writes on Windows) only when every
    byte decodes and the result is text (no control characters); anything else is refused with how to save it as
    UTF-8.
    """
    if isinstance(content, str):
        text, encoding = content.removeprefix("\ufeff"), "UTF-8"
    else:
        if len(content) > MAX_BYTES:
            raise CsvRejected([error(0, "", f"the file is larger than 10 MB ({MAX_BYTES:,} bytes); split it")])
        try:
            text, encoding = content.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError as exc:
            text, encoding = _windows_1252(content, exc), "Windows-1252"
    if "\x00" in text:
        raise CsvRejected([error(0, "", "the file contains NUL characters; is it a CSV?")], context=SAVE_AS_UTF8)
    return text, encoding


def _windows_1252(content: bytes, exc: UnicodeDecodeError) -> str:
    reason = f"the file is not UTF-8 text ({exc.reason})"
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        context = "It looks like an Excel workbook, not a CSV file. "
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        context = "It looks like UTF-16 (Excel's “Unicode Text”). "
    else:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            text = None
        if text is not None and not _CONTROL.search(text):
            return text
        context = "It is not Windows-1252 text either. "
    raise CsvRejected([error(0, "", reason)], context=context + SAVE_AS_UTF8)


# -- text to rows ---------------------------------------------------------------------------------------------------
@dataclass
class Sheet:
    """The file's rows as read, with what we took the file to be. `rows`: (line, cells) per record, the line as a
    spreadsheet numbers it (the header is line 1, or 2 after Excel's `sep=` line; a quoted value running over several
    lines stays one line)."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str
    decimal_comma: bool = False
    notices: list[str] = field(default_factory=list)

    def describe(self, *, numbers: bool = True) -> str:
        """What the file looks like: its delimiter, its decimal separator (once decided) and a non-UTF-8 encoding."""
        text = f"The file looks {DELIMITERS.get(self.delimiter, repr(self.delimiter))}-separated"
        if numbers:
            text += " with decimal commas" if self.decimal_comma else " with decimal points"
        return text + (f", read as {self.encoding}." if self.encoding != "UTF-8" else ".")


def read_sheet(content: bytes | str) -> Sheet:
    """The header and rows of a CSV file in any of the encodings and delimiters merchants use; raises CsvRejected."""
    text, encoding = decode(content)
    header_line = 1
    first, _, rest = text.partition("\n")
    if sep := re.fullmatch(r"sep=(.)\r?", first, flags=re.IGNORECASE):  # Excel's delimiter line
        delimiter, text, header_line = sep.group(1), rest, 2
    else:
        delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = header_line - 1
    rows: list[tuple[int, list[str]]] = []
    try:
        header = None
        for cells in reader:
            line += 1
            if header is None:
                header = cells
                continue
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
                if len(rows) > MAX_ROWS:
                    raise CsvRejected([error(line, "", f"more than {MAX_ROWS} rows")])
    except csv.Error as exc:
        raise CsvRejected([error(line + 1, "", f"not readable as CSV: {exc}")])
    if not header or not any(name.strip() for name in header):
        raise CsvRejected([error(header_line, "", "the file is empty; a header row is required")])
    sheet = Sheet(header=header, header_line=header_line, rows=rows, encoding=encoding, delimiter=delimiter)
    if encoding != "UTF-8":
        sheet.notices.append(
            f"The file is not UTF-8; it was read as {encoding} (what Excel's plain “CSV” writes). Check that accented "
            "letters came out right. " + SAVE_AS_UTF8
        )
    return sheet


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of outside quotes (comma on a tie or none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text[:65536]:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts.values())
    return next(d for d, n in counts.items() if n == best) if best else ","


# -- numbers ------------------------------------------------------------------------------------------------------
WHOLE = re.compile(r"[0-9]{1,9}")
_PLAIN = re.compile(r"-?\d+")
_POINT = re.compile(r"-?\d+\.(\d+)")  # 12.50; with three decimals (1.234) it says nothing about the separator
_COMMA = re.compile(r"-?\d+,(\d+)")  # 12,50
_POINT_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+\.\d+")  # 1,234.50
_COMMA_GROUPED = re.compile(r"-?\d{1,3}(?:\.\d{3})+,\d+")  # 1.234,50


def _evidence(value: str) -> str | None:
    """'comma' or 'point' when the value shows which decimal separator it uses, else None."""
    if _COMMA_GROUPED.fullmatch(value) or ((m := _COMMA.fullmatch(value)) and len(m.group(1)) != 3):
        return "comma"
    if _POINT_GROUPED.fullmatch(value) or ((m := _POINT.fullmatch(value)) and len(m.group(1)) != 3):
        return "point"
    return None


def decide_decimal_comma(values: list[str]) -> bool:
    """Whether the file writes decimals with a comma, from its number values: the separator more of its values
    show. Values that show neither (12, 1,234) decide nothing; a file whose values show nothing uses points."""
    votes = {"comma": 0, "point": 0, None: 0}
    for value in values:
        votes[_evidence(value.strip())] += 1
    return votes["comma"] > votes["point"]


def number(value: str, *, decimal_comma: bool) -> tuple[Decimal | None, str | None]:
    """The value as a Decimal, or None and the reason. Thousands separators are taken only beside a decimal part
    (1.234,50 or 1,234.50): a lone 1,234 (or 1.234 in a file with decimal commas) is refused as ambiguous."""
    value = value.strip()
    if len(value) > 20 or not value.isascii():
        return None, f"{value[:40]!r} is not a number"
    if decimal_comma:
        if _COMMA_GROUPED.fullmatch(value):
            return Decimal(value.replace(".", "").replace(",", ".")), None
        if _evidence(value) == "point":
            return None, f"{value!r} has a decimal point, but this file writes decimals with a comma (e.g. 12,50)"
        if "." in value and "," not in value and re.fullmatch(r"-?\d{1,3}(?:\.\d{3})+", value):
            return None, f"{value!r} is ambiguous: write it without a thousands point (e.g. 1234 or 1234,00)"
        text = value.replace(",", ".", 1) if "." not in value else "x"
    else:
        text = value
        if _POINT_GROUPED.fullmatch(value):
            text = value.replace(",", "")
        elif re.fullmatch(r"-?\d{1,3}(?:,\d{3})+", value):
            return None, f"{value!r} is ambiguous: write it without a thousands comma, with a point for decimals"
        elif "," in value:
            return None, f"{value!r} is not a number (use a point for decimals, e.g. 12.50)"
    if not (_PLAIN.fullmatch(text) or _POINT.fullmatch(text)):
        example = "12,50" if decimal_comma else "12.50"
        return None, f"{value!r} is not a number (this file writes decimals as {example})"
    return Decimal(text), None


def money(value: str, *, decimal_comma: bool, maximum: Decimal | None = None, negative: bool = False):
    """(Decimal, None) for an amount with at most 2 decimals, else (None, reason)."""
    amount, reason = number(value, decimal_comma=decimal_comma)
    if reason:
        return None, reason
    if amount < 0 and not negative:
        return None, f"{value!r} must be zero or more"
    if amount != amount.quantize(Decimal("0.01")):
        return None, f"{value!r} has more than 2 decimals"
    if maximum is not None and amount > maximum:
        return None, f"{value!r} is more than {maximum}"
    return amount, None


# -- dates --------------------------------------------------------------------------------------------------------
_ISO_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
DATE_FORMS = "YYYY-MM-DD (e.g. 2026-11-29), DD.MM.YYYY, or an ISO 8601 time with zone"


def decide_day_first(values: list[str]) -> bool | None:
    """For D/M/Y-or-M/D/Y slash dates: True when a value in the file can only be day-first (29/11/2026), False when
    one can only be month-first (11/29/2026), None when the file shows neither or both."""
    day_first = month_first = False
    for value in values:
        if m := _SLASHED.fullmatch(value.strip()):
            first, second = int(m.group(1)), int(m.group(2))
            day_first |= first > 12 >= second
            month_first |= second > 12 >= first
    return None if day_first == month_first else day_first


def date(value: str, *, day_first: bool | None = None) -> tuple[str | None, str | None]:
    """(UTC ISO time, None) or (None, reason). A day alone is midnight UTC; a time needs its zone."""
    value = value.strip()
    day = None
    if m := _ISO_DAY.fullmatch(value):
        day = _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := _DOTTED.fullmatch(value):  # dotted dates are day-first wherever they are written
        day = _day(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    elif m := _SLASHED.fullmatch(value):
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if first > 12 or (day_first and second <= 12):
            day = _day(year, second, first)
        elif second > 12 or day_first is False:
            day = _day(year, first, second)
        else:
            return None, (
                f"{value!r} could be day/month or month/day and no other date in the file tells which; "
                f"write it as {year:04d}-MM-DD"
            )
    else:
        when = _time(value)
        if when is None:
            return None, f"{value!r} is not a date; expected {DATE_FORMS}"
        if when.tzinfo is None:
            return None, f"{value!r} has no time zone; expected {DATE_FORMS}"
        return when.astimezone(dt.UTC).isoformat(), None
    if day is None:
        return None, f"{value!r} is not a date in the calendar; expected {DATE_FORMS}"
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).isoformat(), None


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _time(value: str) -> dt.datetime | None:
    for form in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z"):  # Shopify's exports: 2026-11-29 10:22:31 +0100
        try:
            return dt.datetime.strptime(value, form)
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None
