"""The .xlsx or .docx package checked before openpyxl or python-docx opens it, so that a hostile file costs little.

openpyxl trusts what it reads: it builds each worksheet row whole (a row of ten million cells is ten million
objects), keeps every shared string and parses the styles into a tree. A 500 KB file can hold a sheet that
unpacks to gigabytes. So the package is read once first, streaming and with hard caps:
- the unpacked size, from the archive's directory, before anything is inflated (zipfile never inflates a
  member past its declared size: the CRC check fails instead);
- every XML part through expat, counting elements, cells and cells in a row, and refusing any DOCTYPE (an
  .xlsx never has one; without it there are no entities to expand, no "billion laughs").
The caps are far above what any plan needs: 5,000 tasks of ten columns are about 60,000 cells.
A Word document is a zip of XML parts too, and python-docx parses its parts whole with lxml: the same caps hold,
its table cells (<w:tc>) counted as cells and its table rows (<w:tr>) as rows.
"""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

MIB = 1024 * 1024
MAX_FILE_BYTES = 10 * MIB  # the same limit as the upload form
MAX_UNPACKED_BYTES = 64 * MIB  # all members together, as the archive declares them
MAX_MEMBERS = 2000
MAX_ELEMENTS = 200_000  # in any one part: openpyxl keeps the elements it does not know until the end
MAX_CELLS = 100_000  # in all worksheets together: openpyxl spends 10 to 35 µs on each, for each pass
MAX_ROW_CELLS = 128  # openpyxl builds a whole row before it drops the cells past the columns we read
MAX_SHEETS = 20  # each sheet is searched for the header row
MAX_SHEET_PARTS = 20_000  # elements inside the sheet parts below, together
# Worksheet parts openpyxl turns into objects whole, even in read-only mode and on every pass over a sheet:
# a million merged ranges cost it a minute and 600 MB.
SHEET_PARTS = frozenset({
    "cols", "sheetProtection", "extLst", "conditionalFormatting", "legacyDrawing", "rowBreaks", "colBreaks",
    "customSheetViews", "printOptions", "pageMargins", "pageSetup", "headerFooter", "autoFilter",
    "dataValidations", "sheetPr", "sheetViews", "sheetFormatPr", "scenarios", "tableParts", "hyperlinks",
    "mergeCells"})
READ_CHUNK = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc and .xls (Office 97-2003)


class NotXlsx(Exception):
    """Not a readable .xlsx package: another format, a damaged archive or XML we do not parse."""


class OldOffice(NotXlsx):
    """A binary Office file from before 2007 (.doc or .xls): the message can say how to save it anew."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "doc" or "xls"


class TooLarge(Exception):
    """Readable, but far larger than a plan; the message says which cap it passed (for logs, not for users)."""

    kind: str | None = None  # "xlsx" or "docx" once the package said which; None for an oversized file


@contextlib.contextmanager
def opened(source: str | Path | bytes | BinaryIO) -> Iterator[BinaryIO]:
    """A seekable binary handle; a path is opened (never read whole), a caller's own handle stays open."""
    if isinstance(source, (str, Path)):
        with Path(source).open("rb") as handle:  # a missing path is the caller's bug: let it raise
            yield handle
    elif isinstance(source, (bytes, bytearray)):
        yield io.BytesIO(source)
    else:
        yield source


def check_package(handle: BinaryIO) -> str:
    """ "xlsx" or "docx", by what the package holds (never by the file's name); raise NotXlsx or TooLarge unless
    it can be given to openpyxl or python-docx. The handle is rewound."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(0)
    if size > MAX_FILE_BYTES:
        raise TooLarge("file size")
    if handle.read(len(OLE_MAGIC)) == OLE_MAGIC:
        handle.seek(0)
        raise OldOffice(_old_office_kind(handle.read()))  # at most MAX_FILE_BYTES
    kind = None
    try:
        with zipfile.ZipFile(handle) as archive:
            kind = _kind(archive.infolist())
            _check_directory(archive.infolist())
            _scan(archive)
    except TooLarge as exc:
        exc.kind = kind  # the message names what was too large: a spreadsheet or a document
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError, expat.ExpatError) as exc:  # a damaged or foreign archive fails anywhere in here
        raise NotXlsx(str(exc)) from None
    finally:
        handle.seek(0)
    return kind


def _scan(archive: zipfile.ZipFile) -> None:
    counter = _Counter()
    for info in archive.infolist():
        if info.filename.endswith((".xml", ".rels")):
            counter.scan(archive, info)
        elif _looks_like_xml(archive, info):
            # openpyxl reads a part by where the relationships point, whatever its name ends with:
            # a sheet renamed sheet1.dat is counted too. Other XML (legacy VML drawings are often not
            # well-formed) is counted as far as it parses; openpyxl would fail on such a sheet anyway.
            try:
                counter.scan(archive, info)
            except expat.ExpatError:
                pass


def _old_office_kind(data: bytes) -> str:
    # The compound file names its main stream in UTF-16: "WordDocument" in a .doc, "Workbook" (or "Book") in a .xls.
    return "doc" if "WordDocument".encode("utf-16-le") in data else "xls"


# How an XML part may start, whatever its name: "<" after an optional UTF-8 byte-order mark and blanks, or UTF-16
# (a byte-order mark, or "<" as two bytes). A part in UTF-16 under another name is still parsed by the readers.
_XML_STARTS = (b"<", b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


def _looks_like_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    with archive.open(info) as part:
        head = part.read(64)
    return head.startswith(_XML_STARTS[1:]) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _kind(members: list[zipfile.ZipInfo]) -> str:
    names = {m.filename for m in members}
    kind = "xlsx" if "xl/workbook.xml" in names else "docx" if "word/document.xml" in names else None
    if "[Content_Types].xml" not in names or kind is None:
        raise NotXlsx("no [Content_Types].xml, xl/workbook.xml or word/document.xml")
    return kind


def _check_directory(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise TooLarge("members")
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise TooLarge("unpacked size")


class _Counter:
    """Counts, across the parts of one package, what openpyxl would have to build."""

    def __init__(self) -> None:
        self.cells = self.row_cells = self.sheets = self.sheet_parts = 0
        self.elements = 0  # in the current part
        self.depth = 0  # inside one of SHEET_PARTS

    def scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        self.elements = self.depth = 0
        with archive.open(info) as part:
            while chunk := part.read(READ_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)

    def _start(self, name: str, _attributes: dict) -> None:
        self.elements += 1
        local = name.rpartition(":")[2]  # some writers prefix the spreadsheet namespace (<x:c>)
        if self.depth or local in SHEET_PARTS:
            self.depth += 1
            self.sheet_parts += 1
        if local in ("c", "tc"):  # a spreadsheet cell, a Word table cell
            self.cells += 1
            self.row_cells += 1
        elif local in ("row", "tr"):
            self.row_cells = 0
        elif local == "sheet":
            self.sheets += 1
        if (self.elements > MAX_ELEMENTS or self.cells > MAX_CELLS or self.row_cells > MAX_ROW_CELLS
                or self.sheets > MAX_SHEETS or self.sheet_parts > MAX_SHEET_PARTS):
            raise TooLarge(f"{self.elements} elements, {self.cells} cells, {self.row_cells} in a row, "
                           f"{self.sheets} sheets, {self.sheet_parts} in sheet parts")

    def _end(self, _name: str) -> None:
        if self.depth:
            self.depth -= 1


def _refuse_doctype(*_args) -> None:
    raise NotXlsx("DOCTYPE")
