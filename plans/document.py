"""Reading a plan issued as a Word document (.docx): the task table, usually in the appendix (phụ lục).

A Word table is turned into rows of cell values, the shape openpyxl gives a sheet's rows, so that the header, the
preamble and the body are read by the very code that reads a spreadsheet (plans.spreadsheet), not a second parser.
What differs is only where things are:
- the header row can be in any table, among its first rows; the rows below it, in the same table, are the tasks;
- the preamble is everything above that row: the masthead table ("UBND TỈNH…/SỞ…" beside the motto), the
  "KẾ HOẠCH" title paragraphs, the "Số: …" and date lines, and the appendix heading;
- a problem is named by the table, its row and its grid column, lettered as in Excel ("Bảng 2, dòng 7, cột E").
python-docx repeats a merged cell in every grid cell it covers; here, as in a spreadsheet, a merged cell's text
stands only in its first cell, so a field heading merged across the row does not reappear as a deadline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from openpyxl.utils import get_column_letter

from app.i18n import _, format_number
from app.text import fold
from plans.parsed import CellError, SpreadsheetError
from plans.spreadsheet_header import HEADER_SEARCH_ROWS, MAX_COLUMNS, MAX_ROWS, header_columns, merge_second_line

__all__ = ["DocumentTable", "NotReadable", "find_table"]

_LEGAL_BASIS = "can cu"
MAX_PREAMBLE_PARAGRAPH = 300  # longer paragraphs above the table are the plan's prose, not its title or number
_CELLS = "./w:tc | ./w:sdt/w:sdtContent/w:tc"  # a cell may sit in a content control


class NotReadable(Exception):
    """python-docx could not open the package (a damaged document, or a template or macro file)."""


@dataclass
class DocumentTable:
    """The table that holds the plan, read as rows of values, with what stands above its header."""

    number: int  # which table of the document, counting from 1
    last_header_row: int  # its header's last line, counting the table's rows from 1
    columns: dict[str, int]
    rows: list[tuple]  # the rows below the header
    above: list[tuple]  # paragraphs and rows above the header, in document order
    origins: list[tuple[int | None, int]]  # (table, row) of each line in `above`; (None, 0) for a paragraph
    errors: list[CellError]  # about the table's shape, already placed

    def above_error(self, error: CellError) -> CellError:
        """An error the preamble found, moved to where its line stands in the document."""
        table, row = self.origins[error.row - 1] if error.row else (None, 0)
        if table is None:
            return dataclasses.replace(error, row=0, column=None)
        return dataclasses.replace(error, table=table, row=row)

    def table_error(self, error: CellError) -> CellError:
        return dataclasses.replace(error, table=self.number) if error.row else error


def find_table(handle: BinaryIO) -> DocumentTable:
    """The first table with a header row among its first rows; raise SpreadsheetError when there is none."""
    try:
        body = Document(handle).element.body
    except Exception:  # a foreign or damaged part can fail anywhere in python-docx or lxml
        raise NotReadable from None
    above: list[tuple] = []
    origins: list[tuple[int | None, int]] = []
    number = 0
    for block in _blocks(body):
        if block.tag == qn("w:p"):
            _add_paragraph(above, origins, Paragraph(block, None).text)
            continue
        number += 1
        rows = _grid_rows(block)
        if found := _header(rows):
            header_row, last_header_row, columns = found
            for row in range(header_row - 1):
                _add_lines(above, origins, rows[row], number, row + 1)
            return _table(number, rows, last_header_row, columns, above, origins)
        for row, values in enumerate(rows, start=1):
            _add_lines(above, origins, values, number, row)
    raise SpreadsheetError([CellError(0, None, _(
        "No header row in the document's tables: the table needs at least a “Nội dung nhiệm vụ” column and a "
        "“Thời gian hoàn thành” column (also accepted: “Nhiệm vụ”, “Nội dung”, “Thời hạn”, “Thời gian thực hiện”, "
        "“Tiến độ”)."))])


def _blocks(parent) -> Iterator:
    """Paragraphs and tables of the body in reading order, looking inside content controls."""
    for child in parent.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt") and (content := child.find(qn("w:sdtContent"))) is not None:
            yield from _blocks(content)


def _grid_rows(table) -> list[tuple]:
    """Each row as values on the table's grid; a merged cell's text only in its first grid cell."""
    rows = []
    for tr in table.tr_lst:
        # The file says how wide a merge is and how many grid cells a row skips: never more than the columns read,
        # whatever it says (a gridSpan of 2^31 - 1 would otherwise be a list of that length).
        values: list[str | None] = [None] * min(tr.grid_before, MAX_COLUMNS + 1)
        for tc in tr.xpath(_CELLS):
            # Continuing a vertical merge: the text stands in the first row only, as in a spreadsheet.
            text = None if tc.vMerge == "continue" else _cell_text(tc)
            values += [text] + [None] * (min(max(tc.grid_span, 1), MAX_COLUMNS + 1) - 1)
            if len(values) > MAX_COLUMNS + 1:
                break  # the package check caps a row's cells; nothing past the columns read is needed
        rows.append(tuple(values))
    return rows


def _cell_text(tc) -> str:
    return "\n".join(Paragraph(p, None).text for p in tc.p_lst)


def _header(rows: list[tuple]) -> tuple[int, int, dict[str, int]] | None:
    """(header row, its last line, columns) when one of the table's first rows is a plan header."""
    for index, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if columns := header_columns(values):
            below = rows[index + 1] if index + 1 < len(rows) else ()
            merged = merge_second_line(values, below, columns)
            return index + 1, index + 1 + bool(merged), merged or columns
    return None


def _add_paragraph(above: list[tuple], origins: list, text: str) -> None:
    text = text.strip()
    # The legal basis ("Căn cứ Quyết định số 1234/QĐ-UBND ngày…") names other documents, with their numbers and
    # dates: never this plan's.
    if not text or len(text) > MAX_PREAMBLE_PARAGRAPH or fold(text[:20]).startswith(_LEGAL_BASIS):
        return
    # "KẾ HOẠCH" on a line of its own, the subject on the next: one title, as a spreadsheet writes it in one cell.
    if above and origins[-1][0] is None and fold(str(above[-1][0])).strip(" .:") == "ke hoach":
        above[-1] = (f"{above[-1][0]} {text}",)
        return
    above.append((text,))
    origins.append((None, 0))


def _add_lines(above: list[tuple], origins: list, values: tuple, table: int, row: int) -> None:
    """A table row above the header, one line for each paragraph line of its cells.

    The masthead is a table of two cells, each with several lines ("SỞ TƯ PHÁP" over "Số: 15/KH-STP"); a
    spreadsheet puts each line in a row of its own, and the preamble reads them that way.
    """
    cells = [(v or "").splitlines() for v in values[:MAX_COLUMNS]]
    for line in range(max((len(c) for c in cells), default=0)):
        above.append(tuple(c[line] if line < len(c) else None for c in cells))
        origins.append((table, row))


def _table(number: int, rows: list[tuple], last_header_row: int, columns: dict[str, int], above: list[tuple],
           origins: list) -> DocumentTable:
    below = rows[last_header_row:]
    if len(below) > MAX_ROWS and any(v and v.strip() for v in below[MAX_ROWS]):
        # Alone, as in a spreadsheet: thousands of row errors would only bury this one.
        raise SpreadsheetError([CellError(last_header_row + MAX_ROWS + 1, None, _(
            "The table is longer than %(limit)s rows.", limit=format_number(MAX_ROWS, 0)), table=number)])
    errors = []
    if any(v and v.strip() for values in below for v in values[MAX_COLUMNS:]):
        errors.append(CellError(last_header_row, get_column_letter(MAX_COLUMNS + 1), _(
            "The table is wider than %(limit)s columns.", limit=MAX_COLUMNS), table=number))
    width = max(columns.values()) + 1
    padded = [values + (None,) * (width - len(values)) for values in below[:MAX_ROWS]]
    return DocumentTable(number, last_header_row, columns, padded, above, origins, errors)
