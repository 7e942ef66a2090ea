"""Reading an evidence upload as it streams in: each file part goes straight into storage (hashed and written
once), the other fields are held in memory, each within its cap (EVIDENCE_TEXT). A body that is cut short or
malformed is a ClientException, and nothing is left behind; a file past the size limit is RequestEntityTooLarge
as soon as it passes it, a field past its cap FormTooLong."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from app.body_guard import KIB, TextBudget, TextLimits, text_limits
from app.settings import get_settings
from app.storage import Incoming, TooLarge, get_storage
from app.uploads import Upload

MAX_FILES = 100  # files in one upload: far more than anyone picks at once, and a bound on open temp files
MAX_HEADER = 8 * KIB  # a part's header name or value: a file name is a few hundred bytes
# The document details, in bytes: four times the characters evidence.read_details accepts (UTF-8), so that
# a person gets its message ("At most 4000 characters"), and anything beyond is never held.
EVIDENCE_TEXT = TextLimits(fields={"doc_number": KIB, "doc_date": KIB, "issuer": 2 * KIB, "description": 16 * KIB},
                           default=KIB, total=32 * KIB)


class _Parts:
    """python-multipart's callbacks as a list of events for each chunk fed: ("part", headers) once a part's headers
    are read, then its content as ("data", memoryview into the chunk: not a copy), then ("end", None)."""

    def __init__(self, boundary: bytes):
        self.events: list[tuple[str, Any]] = []
        self.finished = False  # the closing boundary was read
        self._headers: dict[bytes, bytes] = {}
        self._field = self._value = b""
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._headers.clear, "on_header_field": self._on_field,
            "on_header_value": self._on_value, "on_header_end": self._on_header_end,
            "on_headers_finished": lambda: self.events.append(("part", dict(self._headers))),
            "on_part_data": self._on_data, "on_part_end": lambda: self.events.append(("end", None)),
            "on_end": lambda: setattr(self, "finished", True)})

    def feed(self, chunk: bytes) -> list[tuple[str, Any]]:
        self.events = []
        self._parser.write(chunk)
        return self.events

    def _on_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]
        if len(self._field) > MAX_HEADER:
            raise ClientException("a multipart header too long")

    def _on_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]
        if len(self._value) > MAX_HEADER:
            raise ClientException("a multipart header too long")

    def _on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _on_data(self, data: bytes, start: int, end: int) -> None:
        # `data` is the chunk fed, or the parser's own immutable copy of a boundary it took for data at first.
        self.events.append(("data", memoryview(data)[start:end] if isinstance(data, bytes) else data[start:end]))


def _disposition(headers: dict[bytes, bytes]) -> tuple[str, str]:
    """The part's field name and file name ("" for a plain field), from UTF-8 bytes as browsers send them."""
    kind, options = parse_options_header(headers.get(b"content-disposition", b""))
    if kind != b"form-data" or not options.get(b"name"):
        raise ClientException("a multipart part without a form-data name")
    return options[b"name"].decode(), options.get(b"filename", b"").decode()


class _StreamedForm:
    """What a streamed body holds so far: files arriving into storage under a temp name, and the text fields."""

    def __init__(self, max_bytes: int, max_parts: int, limits: TextLimits):
        self.max_bytes, self.parts_left = max_bytes, max_parts
        self.files: list[tuple[str, Incoming]] = []
        self.fields: dict[str, str] = {}
        self._text = TextBudget(limits)  # only files go to disk; the fields are held in memory, so they are capped
        self._name, self._into = "", None  # the part being read and where its bytes go (None: nowhere)

    async def take(self, kind: str, value: Any) -> None:
        if kind == "part":
            self.parts_left -= 1
            if self.parts_left < 0:
                raise ClientException("too many parts")
            self._name, filename = _disposition(value)
            if not filename:
                self._into = bytearray()
            elif self._name == "files":
                if len(self.files) >= MAX_FILES:  # each file holds a temp file, and a handle once read
                    raise ClientException("too many files")
                self._into = get_storage().receive(self.max_bytes)
                self.files.append((filename, self._into))
            else:  # a file chosen in another field is not evidence
                self._into = None
        elif kind == "data" and isinstance(self._into, bytearray):
            self._text.take(self._name, len(value))
            self._into += value
        elif kind == "data" and self._into is not None:
            try:
                await self._into.write(value)
            except TooLarge:  # refused at once, as the body limit would refuse it a little later
                raise RequestEntityTooLarge() from None
        elif kind == "end" and isinstance(self._into, bytearray):
            self.fields[self._name] = self._into.decode()
        elif kind == "end" and self._into is not None:
            await self._into.complete()

    async def discard(self) -> None:
        for _name, incoming in self.files:
            await incoming.discard()


async def streamed_form(request: Request) -> tuple[list[Upload], dict[str, str]]:
    """Each file part goes straight into storage as it arrives: hashed and written once, kept only if the whole
    upload is accepted. A body that is cut short or malformed is a ClientException, with nothing left behind."""
    boundary = request.content_type[1].get("boundary", "")
    if not boundary:
        raise ClientException("multipart boundary missing in Content-Type")
    form = _StreamedForm(get_settings().max_upload_bytes, request.app.multipart_form_part_limit,
                         text_limits(request.scope))
    try:
        parts, empty = _Parts(boundary.encode("latin-1")), True
        async for chunk in request.stream():
            empty = empty and not chunk
            for kind, value in parts.feed(chunk):
                await form.take(kind, value)
        if not parts.finished and not empty:  # an empty body is an empty form, as Litestar reads it
            raise ClientException("the multipart body ends before its closing boundary")
        return [Upload(name, incoming.open(), incoming) for name, incoming in form.files], form.fields
    except (FormParserError, UnicodeError) as exc:
        await form.discard()
        raise ClientException("not a readable multipart form") from exc
    except BaseException:
        await form.discard()
        raise
