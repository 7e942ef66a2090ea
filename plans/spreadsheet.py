"""Reading a unit's annual plan from the .xlsx table it was issued as.

Real plans vary: the header sits somewhere in the first rows, columns come in any order and
under several names, fields are numbered I, II… or 1, 2… The reader is pure (a file in, a
ParsedPlan out) and collects every problem with its Excel row and column, so a focal point
fixes the file in one go rather than one upload per mistake.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app.i18n import _, format_number, ngettext
from plans import spreadsheet_package as package
from plans.rules import DeadlineError, fold, guess_component, parse_deadline, roman_to_int
from plans.spreadsheet_header import MAX_COLUMNS, header_columns, merge_second_line
from plans.spreadsheet_write import write_plan

__all__ = ["CellError", "ParsedField", "ParsedPlan", "ParsedTask", "SpreadsheetError", "read_plan", "write_plan"]

HEADER_SEARCH_ROWS = 30
MAX_ROWS = 5000
MAX_PREAMBLE_TEXT = 1000  # a title or a document line; longer text above the header is cut, not searched
# Widths of the columns these values land in (plans/tables.py, tasks/tables.py): say so here,
# with the cell, rather than let PostgreSQL refuse the whole import later.
MAX_LENGTH = {"number": 16, "due_text": 255, "name": 500}

_TASK_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_ROMAN_WITH_NAME = re.compile(r"([IVXivx]+)\s*(?:[.):–-]\s*|\s+)(\S.*)", re.S)
_COLUMN_NUMBER = re.compile(r"\(?(\d+)\)?")
_TITLE_YEAR = re.compile(r"\bnam (\d{4})\b")
_DOC_NUMBER_LINE = re.compile(r"\bso\s*:?\s*\d+\s*/")
_DOC_NUMBER = re.compile(r"\d+\s*/\s*[^\s,;()]*[^\W\d][^\s,;()]*")
_DATE_WORDS = re.compile(r"\bngay\s*(\d{1,2})\s*(?:[/.-]|thang)\s*(\d{1,2})\s*(?:[/.-]|nam)\s*(\d{4})")


@dataclass
class ParsedTask:
    number: str
    content: str
    lead: str
    partners: str
    output: str
    note: str
    due: dt.date
    due_text: str
    row: int


@dataclass
class ParsedField:
    name: str
    component: int | None
    tasks: list[ParsedTask]
    row: int


@dataclass
class ParsedPlan:
    year: int
    title: str
    doc_number: str
    doc_date: dt.date | None
    fields: list[ParsedField]

    @property
    def task_count(self) -> int:
        return sum(len(f.tasks) for f in self.fields)

    def summary(self) -> str:
        return ", ".join((ngettext("%(num)s field", "%(num)s fields", len(self.fields)),
                          ngettext("%(num)s task", "%(num)s tasks", self.task_count)))

    def to_json(self) -> dict:
        return {"year": self.year, "title": self.title, "doc_number": self.doc_number,
                "doc_date": self.doc_date.isoformat() if self.doc_date else None,
                "fields": [{"name": f.name, "component": f.component, "tasks": [_task_json(t) for t in f.tasks]}
                           for f in self.fields]}


def _task_json(task: ParsedTask) -> dict:
    return {"number": task.number, "content": task.content, "lead": task.lead, "partners": task.partners,
            "output": task.output, "note": task.note, "due": task.due.isoformat(), "due_text": task.due_text}


@dataclass(frozen=True)
class CellError:
    row: int  # the Excel row; 0 for the file as a whole
    column: str | None  # the Excel letter, None for the whole row
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if self.column is None:
            return _("Row %(row)s: %(error)s", row=self.row, error=self.message)
        return _("Row %(row)s, column %(column)s: %(error)s", row=self.row, column=self.column,
                 error=self.message)


class SpreadsheetError(Exception):
    """Everything wrong with an uploaded plan, in sheet order."""

    def __init__(self, errors: list[CellError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.row, len(e.column or ""), e.column or ""))
        super().__init__("\n".join(str(e) for e in self.errors))


def read_plan(source: str | Path | bytes | BinaryIO, year: int | None = None) -> ParsedPlan:
    """Read a plan table; raise SpreadsheetError listing every problem, never a partial plan."""
    with package.opened(source) as handle:
        workbook = _open(handle)
        try:
            table = _find_table(workbook)
            errors: list[CellError] = []
            title, doc_number, doc_date, title_year = _read_preamble(table.above, errors)
            year = year or title_year or (doc_date.year if doc_date else None)
            if year is None:
                errors.append(CellError(0, None, _("Cannot tell the plan year: write it in the title, e.g. "
                                                   "“KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024”.")))
            rows = _table_rows(table, errors)
        finally:
            workbook.close()
    body = _Body(table.columns, year, errors)
    body.read(rows, table.last_header_row)
    if errors:
        raise SpreadsheetError(errors)
    return ParsedPlan(year=year, title=title, doc_number=doc_number, doc_date=doc_date, fields=body.fields)


# --- the file -------------------------------------------------------------------------------

def _not_xlsx() -> SpreadsheetError:
    return SpreadsheetError([CellError(0, None, _("This is not an Excel .xlsx file; open it in Excel "
                                                  "and save it as “Excel Workbook (.xlsx)”."))])


def _too_large() -> SpreadsheetError:
    return SpreadsheetError([CellError(0, None, _(
        "The spreadsheet is too large for a plan: at most %(rows)s rows and %(columns)s columns, in a file of at "
        "most %(size)s MB. Delete the unused rows, columns and sheets, then save it again.",
        rows=format_number(MAX_ROWS, 0), columns=MAX_COLUMNS, size=package.MAX_FILE_BYTES // package.MIB))])


def _open(handle: BinaryIO):
    try:
        package.check_package(handle)  # before openpyxl builds anything from the file
        # Values as the reader sees them: a formula's last computed result, a text cell's text. A text beginning
        # with "=" is stored as text, and the exports write it back as text (app.cells), never as a formula.
        return load_workbook(handle, read_only=True, data_only=True)
    except package.TooLarge:
        raise _too_large() from None
    except Exception:  # a foreign file can fail anywhere in zipfile, XML or openpyxl itself
        raise _not_xlsx() from None


def _rows(sheet, first: int, last: int) -> list[tuple]:
    # Read-only sheets parse lazily, so a damaged sheet only fails here, while iterating.
    try:
        return list(sheet.iter_rows(min_row=first, max_row=last, max_col=MAX_COLUMNS + 1, values_only=True))
    except Exception:
        raise _not_xlsx() from None


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
    if any(_text(v) for values in rows for v in values[MAX_COLUMNS:]):
        errors.append(CellError(table.header_row, get_column_letter(MAX_COLUMNS + 1), _(
            "The table is wider than %(limit)s columns.", limit=MAX_COLUMNS)))
    rows = rows[table.last_header_row - table.header_row + 1:]
    if len(rows) > MAX_ROWS and any(_text(v) for v in rows[MAX_ROWS]):
        # Alone: thousands of row errors from a sheet that is not a plan would only bury this one.
        raise SpreadsheetError([CellError(last + 1, None, _("The table is longer than %(limit)s rows.",
                                                            limit=format_number(MAX_ROWS, 0)))])
    return rows[:MAX_ROWS]


# --- the lines above the table ----------------------------------------------------------------

def _read_preamble(rows: list[tuple], errors: list[CellError]) -> tuple[str, str, dt.date | None, int | None]:
    """Title (and its year), document number and date from the lines above the header."""
    title, title_year, doc_number = "", None, ""
    dated: list[tuple[int, int, str]] = []  # cells holding a date, in case no line names the document
    for row, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            text = " ".join(_text(value)[:MAX_PREAMBLE_TEXT].split())
            folded = fold(text)
            if not text:
                continue
            if not doc_number and _DOC_NUMBER_LINE.search(folded) and (m := _DOC_NUMBER.search(text)):
                doc_number = re.sub(r"\s+", "", m[0]).rstrip(".")
                if _DATE_WORDS.search(folded):  # the date on the document's own line wins
                    dated.insert(0, (row, index, folded))
            elif _DATE_WORDS.search(folded):
                dated.append((row, index, folded))
            elif not title and not text.startswith("(") and (m := _TITLE_YEAR.search(folded)):
                title, title_year = text, int(m[1])
    doc_date = _document_date(dated, errors) if dated else None
    return title, doc_number, doc_date, title_year


def _document_date(dated: list[tuple[int, int, str]], errors: list[CellError]) -> dt.date | None:
    row, index, folded = dated[0]
    m = _DATE_WORDS.search(folded)
    try:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        errors.append(CellError(row, get_column_letter(index + 1), _(
            "%(text)s is not a real date.", text=f"{m[1]}/{m[2]}/{m[3]}")))
        return None


# --- the table body ---------------------------------------------------------------------------

def _text(value: object) -> str:
    """A cell as the text a reader sees: 1.0 -> '1', a date cell -> '18/01/2024'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _is_column_numbering(values: tuple) -> bool:
    # Many plans number their columns "(1) (2) (3)…" on the row under the header.
    texts = [_text(v) for v in values if _text(v)]
    numbers = [m[1] for t in texts if (m := _COLUMN_NUMBER.fullmatch(t))]
    return len(texts) >= 3 and len(numbers) == len(texts) and \
        [int(n) for n in numbers] == list(range(int(numbers[0]), int(numbers[0]) + len(numbers)))


@dataclass
class _Section:
    """A field being read, with what numbering its tasks needs."""

    parsed: ParsedField
    number: str  # as written on the heading, to number tasks 2.1, 2.2…
    task_rows: int = 0  # task rows met, good or bad
    last: str = ""  # the last task number, to number a task written without one
    seen: set[str] = field(default_factory=set)  # to spot a number written twice

    def next_number(self) -> str:
        if self.last:
            head, dot, tail = self.last.rpartition(".")
            return f"{head}{dot}{int(tail) + 1}" if tail.isdecimal() else self.last
        return f"{self.number}.1" if self.number.isdecimal() else "1"


class _Body:
    """Fields and tasks from the rows under the header, collecting errors as it goes."""

    def __init__(self, columns: dict[str, int], year: int | None, errors: list[CellError]) -> None:
        self.columns, self.year, self.errors = columns, year, errors
        self.sections: list[_Section] = []

    @property
    def fields(self) -> list[ParsedField]:
        return [section.parsed for section in self.sections]

    def read(self, rows: list[tuple], header_row: int) -> None:
        numbered = [(header_row + 1 + i, *self._number_and_content(v), v) for i, v in enumerate(rows)]
        numbered = numbered[:next((i for i, n in enumerate(numbered) if _stops(n[3])), len(numbered))]
        for (row, number, content, values), kind in zip(numbered, self._kinds(numbered)):
            if kind == "field":
                self._field(row, number, content)
            elif kind == "task":
                self._task(row, number, content, values)
        self._check_fields(header_row)

    def _kinds(self, numbered: list[tuple]) -> list[str | None]:
        """Each row's kind: "field", "task" or None (skipped)."""
        numbers = [n[1] for n in numbered]
        # Arabic field numbers (1, 2) stand out from task numbers when the tasks carry dots…
        dotted = any("." in n and _TASK_NUMBER.fullmatch(n) for n in numbers)
        # …and, with neither dots nor roman numerals to go by, as bare rows right above a task.
        plain = not dotted and not any(_roman(n) for n in numbers)
        kinds = [self._kind(number, content, values, dotted) for _row, number, content, values in numbered]
        following = None  # what the next row that is not skipped looked like on its own
        for i in reversed(range(len(kinds))):
            kind = kinds[i]
            if kind == "bare":
                kinds[i] = "field" if plain and following == "task" else "task"
            following = kind or following
        return kinds

    def _number_and_content(self, values: tuple) -> tuple[str, str]:
        number, content = self._number(values), self._get(values, "content")
        # "I. CÔNG TÁC CHỈ ĐẠO…" written across merged cells from the number column.
        if not content and (m := _ROMAN_WITH_NAME.fullmatch(number)) and _roman(m[1]):
            number, content = m[1], m[2].strip()
        return number, content

    def _number(self, values: tuple) -> str:
        value = values[self.columns["number"]] if "number" in self.columns else None
        return _text(value).rstrip(".").strip()  # "1." and "I." are common

    def _get(self, values: tuple, kind: str) -> str:
        return _text(values[self.columns[kind]]) if kind in self.columns else ""

    def _kind(self, number: str, content: str, values: tuple, dotted: bool) -> str | None:
        if (not number and not content) or _is_column_numbering(values):
            return None  # blank, a signature ("GIÁM ĐỐC") or the column numbering
        if _roman(number):
            return "field"
        # Lead, deadline and output all empty: a task missing only its deadline stays a task.
        bare = not any(self._get(values, k) for k in ("lead", "deadline", "output"))
        if dotted and number.isdecimal() and bare:
            return "field"
        if bare and content and (not number or number.isdecimal()):
            return "bare"  # a heading or a task with nothing but its content; _kinds decides
        if number and not _TASK_NUMBER.fullmatch(number) and not content:
            return None  # free text in the number column, e.g. a footnote
        return "task"

    def _error(self, row: int, kind: str | None, message: str) -> None:
        column = get_column_letter(self.columns[kind] + 1) if kind in self.columns else None
        self.errors.append(CellError(row, column, message))

    def _too_long(self, row: int, kind: str, text: str, limit: str) -> bool:
        if len(text) <= MAX_LENGTH[limit]:
            return False
        self._error(row, kind, _("This cell is too long: %(length)s characters, at most %(limit)s.",
                                 length=len(text), limit=MAX_LENGTH[limit]))
        return True

    def _field(self, row: int, number: str, name: str) -> None:
        if not name:
            self._error(row, "content", _("The field heading has no name."))
        too_long = self._too_long(row, "content", name, "name")
        parsed = ParsedField(name=name, component=None if too_long else guess_component(name), tasks=[], row=row)
        self.sections.append(_Section(parsed, number))

    def _task(self, row: int, number: str, content: str, values: tuple) -> None:
        if not self.sections:
            self._error(row, None, _("This task comes before the first field; add a field heading "
                                     "(I, II…) above it."))
            return
        section = self.sections[-1]
        section.task_rows += 1
        number = number or section.next_number()
        self._check_repeat(row, section, number)
        if not content:
            self._error(row, "content", _("The task has no content."))
        due, due_text = self._deadline(row, values)
        if self._too_long(row, "number", number, "number") or not content or due is None:
            return
        section.parsed.tasks.append(ParsedTask(
            number=number, content=content, lead=self._get(values, "lead"),
            partners=self._get(values, "partners"), output=self._get(values, "output"),
            note=self._note(values), due=due, due_text=due_text, row=row))

    def _check_repeat(self, row: int, section: _Section, number: str) -> None:
        # Excel stores a typed "1.10" as the number 1.1, so the tenth task reads as the first.
        if number in section.seen:
            self._error(row, "number", _("Task number %(number)s appears twice in this field; if you typed "
                                         "1.10, format the No. column as Text.", number=number))
        section.seen.add(number)
        section.last = number

    def _deadline(self, row: int, values: tuple) -> tuple[dt.date | None, str]:
        raw = values[self.columns["deadline"]]
        text = _text(raw)
        if self.year is None:  # already reported; without a year no deadline can be judged
            return None, text
        if self._too_long(row, "deadline", text, "due_text"):
            return None, text
        try:
            return parse_deadline(raw if isinstance(raw, dt.date) else text, self.year), text
        except DeadlineError as exc:
            self._error(row, "deadline", str(exc))
            return None, text

    def _note(self, values: tuple) -> str:
        funding = self._get(values, "funding")
        return "; ".join(filter(None, (self._get(values, "note"), f"Kinh phí: {funding}" if funding else "")))

    def _check_fields(self, header_row: int) -> None:
        for section in self.sections:
            if not section.task_rows:  # a field whose tasks all have errors is reported through them instead
                self._error(section.parsed.row, None, _("The field “%(name)s” has no tasks.",
                                                        name=section.parsed.name))
        if not self.sections and not any(e.row > header_row for e in self.errors):
            self._error(header_row, None, _("There are no tasks below the header row."))


def _roman(number: str) -> int | None:
    # Only short text can be a field numeral (XV at most); folding a long cell letter by letter is slow.
    return roman_to_int(number) if len(number) <= 8 else None


def _stops(values: tuple) -> bool:
    """The "Nơi nhận:" block closes the document; nothing after it belongs to the table."""
    first = next((_text(v) for v in values if _text(v)), "")
    return fold(first[:40]).startswith("noi nhan")
