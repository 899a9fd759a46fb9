"""Copying PDF pages into a new PDF as form XObjects, object by object as raw bytes.

Composing a thousand labels through a PDF library's object model parses every font width and re-serialises every
object, which took about 10 ms a label. Here pypdf reads only each document's structure (cross-reference table,
page tree, the page's contents and resources); every object a page needs is then copied as its bytes, only the
object numbers in its references rewritten, and stream data untouched. Objects packed in object streams are taken
from the decoded object stream. The output is a classic PDF 1.7 file with a cross-reference table.
"""

import re
import zlib
from io import BytesIO

from pypdf import PageObject, PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

_REFERENCE = re.compile(rb"(?<![\d.+\-])(\d+)\s+(\d+)\s+R(?![A-Za-z0-9_])|\(|%")
_STREAM_START = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_DIRECT_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_ANY_REFERENCE = re.compile(rb"\d\s+\d+\s+R(?![A-Za-z0-9_])")  # anywhere, strings too: when unsure, not shared
_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")


class PdfBuilder:
    """A PDF written front to back: objects get numbers when reserved and are written as raw bytes."""

    def __init__(self) -> None:
        self._parts: list[bytes] = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
        self._length = len(self._parts[0])
        self._offsets: dict[int, int] = {}
        self._next = 1
        self._shared: dict[bytes, int] = {}

    def reserve(self) -> int:
        """A new object number, to be written with `write` (before or after objects that refer to it)."""
        number = self._next
        self._next += 1
        return number

    def write(self, number: int, body: bytes) -> None:
        """Writes object `number` with `body` (a PDF object, with its stream if it has one)."""
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        self._offsets[number] = self._length
        self._parts.append(chunk)
        self._length += len(chunk)

    def shared(self, body: bytes) -> int:
        """The number of an object with exactly `body`, written now unless an earlier call wrote it already. Only
        for objects that refer to no other object (a font file, an image): identical bytes are then one object."""
        number = self._shared.get(body)
        if number is None:
            number = self._shared[body] = self.reserve()
            self.write(number, body)
        return number

    def stream(self, number: int, dictionary: bytes, data: bytes, *, compress: bool = True) -> None:
        """Writes a stream object; `dictionary` holds the entries besides /Length and /Filter, without << >>."""
        if compress:
            data = zlib.compress(data, 6)
            dictionary += b" /Filter /FlateDecode"
        self.write(number, b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data))

    def finish(self, root: int) -> bytes:
        """The whole file, with `root` as its catalog. Needs every reserved object written (ValueError if not)."""
        missing = [number for number in range(1, self._next) if number not in self._offsets]
        if missing:
            raise ValueError(f"Objects {missing[:5]} were reserved but never written.")
        table = [b"xref\n0 %d\n0000000000 65535 f \n" % self._next]
        table.extend(b"%010d 00000 n \n" % self._offsets[number] for number in range(1, self._next))
        trailer = b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (self._next, root, self._length)
        return b"".join([*self._parts, *table, trailer])


class SourcePdf:
    """One input PDF whose objects are copied into a PdfBuilder on demand, each at most once."""

    def __init__(self, document: bytes, builder: PdfBuilder) -> None:
        self.data = bytes(document)
        self.reader = PdfReader(BytesIO(self.data))
        if self.reader.is_encrypted:
            raise ValueError("the PDF is encrypted")
        self.builder = builder
        self._copied: dict[tuple[int, int], int] = {}
        self._object_streams: dict[int, tuple[bytes, dict[int, tuple[int, int]]]] = {}

    def pages(self) -> list[PageObject]:
        return list(self.reader.pages)

    def form(self, page: PageObject, box: tuple[float, float, float, float]) -> int:
        """Copies `page` as a form XObject showing `box` (its crop box) and returns its object number. A page with
        one content stream keeps it as it is, filters and all; several are decoded, joined and compressed."""
        resources = self._resources(page)
        bbox = " ".join(f"{value:.4f}" for value in box).encode("ascii")
        dictionary = b"/Type /XObject /Subtype /Form /BBox [%s] /Resources %s" % (bbox, resources)
        number = self.builder.reserve()
        raw = page.raw_get("/Contents") if "/Contents" in page else None
        if isinstance(raw, IndirectObject):
            head, tail = self._raw(raw.idnum, raw.generation)
            if tail and head.startswith(b"<<") and head.endswith(b">>"):
                self.builder.write(number, b"<< %s %s >>%s" % (dictionary, self._renumber(head[2:-2]), tail))
                return number
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        self.builder.stream(number, dictionary, data)
        return number

    def _resources(self, page: PageObject) -> bytes:
        """The page's resources as they go into the form: a reference to the copied dictionary, or `<< >>`."""
        if "/Resources" not in page:
            return b"<< >>"
        raw = page.raw_get("/Resources")
        if isinstance(raw, IndirectObject):
            return b"%d 0 R" % self.copy(raw.idnum, raw.generation)
        buffer = BytesIO()
        DictionaryObject(raw).write_to_stream(buffer)
        return self._renumber(buffer.getvalue())

    def copy(self, number: int, generation: int) -> int:
        """Copies object (`number`, `generation`) and everything it refers to; returns its number in the output.
        Streams that refer to nothing (font files, images: the bulk of a label) are shared with every identical
        one copied before, from this document or another: a batch of own labels embeds each font subset once."""
        key = (number, generation)
        if key in self._copied:
            return self._copied[key]
        try:
            head, tail = self._raw(number, generation)
        except KeyError:  # a reference to an object the file lacks stands for null
            head, tail = b"null", b""
        if tail and not _ANY_REFERENCE.search(head):
            target = self._copied[key] = self.builder.shared(head + tail)
            return target
        target = self._copied[key] = self.builder.reserve()
        self.builder.write(target, self._renumber(head) + tail)
        return target

    def _renumber(self, text: bytes) -> bytes:
        """`text` (PDF objects, no stream data) with each reference `n g R` pointing at the copied object."""
        out: list[bytes] = []
        position = 0
        for match in _REFERENCE.finditer(text):
            if match.start() < position:
                continue  # inside a string or comment skipped below
            token = match.group(0)
            if token == b"(":
                end = _string_end(text, match.start())
            elif token == b"%":
                end = text.find(b"\n", match.start())
                end = len(text) if end < 0 else end
            else:
                out.append(text[position : match.start()])
                out.append(b"%d 0 R" % self.copy(int(match.group(1)), int(match.group(2))))
                position = match.end()
                continue
            out.append(text[position:end])
            position = end
        out.append(text[position:])
        return b"".join(out)

    def _raw(self, number: int, generation: int) -> tuple[bytes, bytes]:
        """The object's bytes split into the part that may hold references and its stream (`stream` … `endstream`,
        empty for other objects). KeyError when the document does not have the object."""
        if number in self.reader.xref_objStm:
            return self._packed(number), b""
        offset = self.reader.xref[generation][number]
        header = _HEADER.match(self.data, offset)
        if header is None or int(header.group(1)) != number:
            raise ValueError(f"object {number} is not where the cross-reference table says")
        start = header.end()
        end = self.data.find(b"endobj", start)
        if end < 0:
            raise ValueError(f"object {number} has no end")
        stream = _STREAM_START.search(self.data, start, end)
        if stream is None:
            return self.data[start:end].strip(), b""
        data_start = stream.end()
        data_end = self._stream_end(self.data[start : stream.start()], data_start)
        head = self.data[start : stream.start() + 2].strip()
        return head, b"\nstream\n" + self.data[data_start:data_end] + b"\nendstream"

    def _stream_end(self, dictionary: bytes, data_start: int) -> int:
        """Where a stream's data ends: its /Length (direct or a reference) when `endstream` follows it there,
        else just before the next `endstream`."""
        length = _DIRECT_LENGTH.search(dictionary)
        if length is not None:
            size = int(length.group(1))
        else:
            size = int(self.reader.get_object(IndirectObject(*_indirect_length(dictionary), self.reader)))
        if self.data[data_start + size : data_start + size + 20].lstrip().startswith(b"endstream"):
            return data_start + size
        found = self.data.find(b"endstream", data_start)
        if found < 0:
            raise ValueError("a stream has no end")
        return len(self.data[:found].rstrip(b"\r\n"))

    def _packed(self, number: int) -> bytes:
        """An object from an object stream, as its bytes."""
        stream_number, _index = self.reader.xref_objStm[number]
        if stream_number not in self._object_streams:
            stream = self.reader.get_object(stream_number)
            data = stream.get_data()
            first = int(stream["/First"])
            numbers = [int(value) for value in data[:first].split()]
            pairs = list(zip(numbers[0::2], numbers[1::2], strict=False))
            ends = [offset for _, offset in pairs[1:]] + [len(data) - first]
            places = {obj: (first + offset, first + end) for (obj, offset), end in zip(pairs, ends, strict=True)}
            self._object_streams[stream_number] = (data, places)
        data, places = self._object_streams[stream_number]
        start, end = places[number]
        return data[start:end].strip()


def _indirect_length(dictionary: bytes) -> tuple[int, int]:
    match = re.search(rb"/Length\s+(\d+)\s+(\d+)\s+R", dictionary)
    if match is None:
        raise ValueError("a stream has no /Length")
    return int(match.group(1)), int(match.group(2))


def _string_end(text: bytes, start: int) -> int:
    """The index just past the literal string that opens at `start` (nested parentheses, backslash escapes)."""
    depth = 0
    position = start
    while position < len(text):
        char = text[position]
        if char == 0x5C:  # backslash: the next byte is escaped
            position += 2
            continue
        if char == 0x28:
            depth += 1
        elif char == 0x29:
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    raise ValueError("a string is not closed")
