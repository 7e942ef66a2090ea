"""Reading a unit's annual plan from the .xlsx table, or the .docx document, it was issued as.

Real plans vary: the header sits somewhere in the first rows, columns come in any order and
under several names, fields are numbered I, II… or 1, 2… The reader is pure (a file in, a
ParsedPlan out) and collects every problem with its row and column, so a focal point
fixes the file in one go rather than one upload per mistake. This module finds the table in a
workbook (plans.document finds it in a Word document, as rows of the same shape); the lines above
it are read in spreadsheet_preamble, the rows under its header in spreadsheet_body, for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app.i18n import _, format_number
from plans import document
from plans import spreadsheet_package as package
from plans.parsed import CellError, ParsedPlan, SpreadsheetError
from plans.spreadsheet_body import Body, cell_text
from plans.spreadsheet_header import HEADER_SEARCH_ROWS, MAX_COLUMNS, MAX_ROWS, header_columns, merge_second_line
from plans.spreadsheet_preamble import read_preamble

__all__ = ["read_plan"]


def read_plan(source: str | Path | bytes | BinaryIO, year: int | None = None) -> ParsedPlan:
    """Read a plan table from .xlsx or .docx, told apart by content; raise SpreadsheetError listing every problem,
    never a partial plan."""
    with package.opened(source) as handle:
        if _check(handle) == "docx":
            return _read_document(handle, year)
        workbook = _open(handle)
        try:
            table = _find_table(workbook)
            errors: list[CellError] = []
            rows = _table_rows(table, errors)
        finally:
            workbook.close()
    return _parse(table.above, table.columns, rows, table.last_header_row, year, errors)


def _read_document(handle: BinaryIO, year: int | None) -> ParsedPlan:
    try:
        found = document.find_table(handle)
    except document.NotReadable:
        raise _not_readable() from None
    return _parse(found.above, found.columns, found.rows, found.last_header_row, year, list(found.errors),
                  above_at=found.above_error, table_at=found.table_error)


def _same(error: CellError) -> CellError:
    return error


def _parse(above: list[tuple], columns: dict[str, int], rows: list[tuple], last_header_row: int, year: int | None,
           errors: list[CellError], above_at: Callable[[CellError], CellError] = _same,
           table_at: Callable[[CellError], CellError] = _same) -> ParsedPlan:
    """The plan from the lines above the header and the rows below it; above_at and table_at say where in the
    file a problem found in either stands (a spreadsheet's rows are its own; a document's are moved)."""
    above_errors: list[CellError] = []
    preamble = read_preamble(above, above_errors)
    year = year or preamble.title_year or (preamble.doc_date.year if preamble.doc_date else None)
    if year is None:
        errors.append(CellError(0, None, _("Cannot tell the plan year: write it in the title, e.g. "
                                           "“KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024”.")))
    body_errors: list[CellError] = []
    body = Body(columns, year, body_errors)
    body.read(rows, last_header_row)
    errors += [above_at(e) for e in above_errors] + [table_at(e) for e in body_errors]
    if errors:
        raise SpreadsheetError(errors)
    return ParsedPlan(year=year, title=preamble.title, doc_number=preamble.doc_number, doc_date=preamble.doc_date,
                      fields=body.fields, issuer=preamble.issuer)


# --- the file -------------------------------------------------------------------------------

def _not_readable() -> SpreadsheetError:
    return SpreadsheetError([CellError(0, None, _(
        "This is neither an Excel .xlsx file nor a Word .docx file; open it in Excel or Word and save it as "
        "“Excel Workbook (.xlsx)” or “Word Document (.docx)”."))])


def _old_office(kind: str) -> SpreadsheetError:
    if kind == "doc":
        message = _("This is an old Word .doc file; open it in Word and save it as “Word Document (.docx)”.")
    else:
        message = _("This is an old Excel .xls file; open it in Excel and save it as “Excel Workbook (.xlsx)”.")
    return SpreadsheetError([CellError(0, None, message)])


def _too_large(kind: str | None) -> SpreadsheetError:
    if kind == "docx":
        return SpreadsheetError([CellError(0, None, _(
            "The document is too large for a plan: at most %(rows)s rows and %(columns)s columns in its task table, "
            "in a file of at most %(size)s MB. Delete the unused tables and pictures, then save it again.",
            rows=format_number(MAX_ROWS, 0), columns=MAX_COLUMNS, size=package.MAX_FILE_BYTES // package.MIB))])
    return SpreadsheetError([CellError(0, None, _(
        "The spreadsheet is too large for a plan: at most %(rows)s rows and %(columns)s columns, in a file of at "
        "most %(size)s MB. Delete the unused rows, columns and sheets, then save it again.",
        rows=format_number(MAX_ROWS, 0), columns=MAX_COLUMNS, size=package.MAX_FILE_BYTES // package.MIB))])


def _check(handle: BinaryIO) -> str:
    """ "xlsx" or "docx"; checked before openpyxl or python-docx builds anything from the file."""
    try:
        return package.check_package(handle)
    except package.TooLarge as exc:
        raise _too_large(exc.kind) from None
    except package.OldOffice as exc:
        raise _old_office(exc.kind) from None
    except package.NotXlsx:
        raise _not_readable() from None


def _open(handle: BinaryIO):
    try:
        # Values as the reader sees them: a formula's last computed result, a text cell's text. A text beginning
        # with "=" is stored as text, and the exports write it back as text (app.cells), never as a formula.
        return load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # a foreign file can fail anywhere in zipfile, XML or openpyxl itself
        raise _not_readable() from None


def _rows(sheet, first: int, last: int) -> list[tuple]:
    # Read-only sheets parse lazily, so a damaged sheet only fails here, while iterating.
    try:
        return list(sheet.iter_rows(min_row=first, max_row=last, max_col=MAX_COLUMNS + 1, values_only=True))
    except Exception:
        raise _not_readable() from None


@dataclass
class _Table:
    sheet: object
    header_row: int
    last_header_row: int  # the header's second line when it has one ("Chủ trì | Phối hợp")
    columns: dict[str, int]
    above: list[tuple]  # the rows above the header: title, document number and date


def _find_table(workbook) -> _Table:
    """The first sheet whose first rows hold a header, with its columns and the rows above it."""
    for sheet in workbook.worksheets:
        top = _rows(sheet, 1, HEADER_SEARCH_ROWS + 1)  # one more, for a header's second line
        for index, values in enumerate(top[:HEADER_SEARCH_ROWS]):
            if columns := header_columns(values):
                below = top[index + 1] if index + 1 < len(top) else ()
                merged = merge_second_line(values, below, columns)
                return _Table(sheet, index + 1, index + 1 + bool(merged), merged or columns, top[:index])
    raise SpreadsheetError([CellError(0, None, _(
        "No header row in the first %(rows)s rows: the table needs at least a “Nội dung nhiệm vụ” column "
        "and a “Thời gian hoàn thành” column (also accepted: “Nhiệm vụ”, “Nội dung”, “Thời hạn”, "
        "“Thời gian thực hiện”, “Tiến độ”).", rows=HEADER_SEARCH_ROWS))])


def _table_rows(table: _Table, errors: list[CellError]) -> list[tuple]:
    """The rows below the header, refusing tables too large to be a plan."""
    last = table.last_header_row + MAX_ROWS
    # One row past the limit is enough to know the table runs on; reading further costs time.
    rows = _rows(table.sheet, table.header_row, last + 1)
    if any(cell_text(v) for values in rows for v in values[MAX_COLUMNS:]):
        errors.append(CellError(table.header_row, get_column_letter(MAX_COLUMNS + 1), _(
            "The table is wider than %(limit)s columns.", limit=MAX_COLUMNS)))
    rows = rows[table.last_header_row - table.header_row + 1:]
    if len(rows) > MAX_ROWS and any(cell_text(v) for v in rows[MAX_ROWS]):
        # Alone: thousands of row errors from a sheet that is not a plan would only bury this one.
        raise SpreadsheetError([CellError(last + 1, None, _("The table is longer than %(limit)s rows.",
                                                            limit=format_number(MAX_ROWS, 0)))])
    return rows[:MAX_ROWS]
