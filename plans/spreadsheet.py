"""Reading a unit's annual plan from the .xlsx table it was issued as.

Real plans vary: the header sits somewhere in the first rows, columns come in any order and
under several names, fields are numbered I, II… or 1, 2… The reader is pure (a file in, a
ParsedPlan out) and collects every problem with its Excel row and column, so a focal point
fixes the file in one go rather than one upload per mistake.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app.i18n import _, format_number, ngettext
from plans.rules import DeadlineError, fold, guess_component, parse_deadline, roman_to_int
from plans.spreadsheet_write import write_plan

__all__ = ["CellError", "ParsedField", "ParsedPlan", "ParsedTask", "SpreadsheetError", "read_plan", "write_plan"]

HEADER_SEARCH_ROWS = 30
MAX_ROWS = 5000
MAX_COLUMNS = 50
# Widths of the columns these values land in (plans/tables.py, tasks/tables.py): say so here,
# with the cell, rather than let PostgreSQL refuse the whole import later.
MAX_LENGTH = {"number": 16, "due_text": 255, "name": 500}

HEADINGS = {
    "number": ("stt", "tt", "so tt", "so thu tu"),
    "content": ("noi dung nhiem vu", "nhiem vu", "noi dung", "ten nhiem vu", "noi dung cong viec"),
    "lead": ("don vi chu tri", "co quan chu tri", "chu tri", "don vi thuc hien", "co quan thuc hien"),
    "partners": ("don vi phoi hop", "co quan phoi hop", "phoi hop"),
    "deadline": ("thoi gian hoan thanh", "thoi han", "thoi han hoan thanh", "thoi gian thuc hien", "tien do"),
    "output": ("san pham", "san pham dau ra", "ket qua", "hinh thuc van ban"),
    "note": ("ghi chu",),
    "funding": ("kinh phi",),
}
# Longest first, so "Đơn vị chủ trì thực hiện" is read as the lead, never as a shorter alias.
_ALIASES = sorted(((alias, kind) for kind, names in HEADINGS.items() for alias in names), key=lambda a: -len(a[0]))

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
    workbook = _open(source)
    try:
        sheet, header_row, columns, above = _find_table(workbook)
        errors: list[CellError] = []
        title, doc_number, doc_date, title_year = _read_preamble(above, errors)
        year = year or title_year or (doc_date.year if doc_date else None)
        if year is None:
            errors.append(CellError(0, None, _("Cannot tell the plan year: write it in the title, e.g. "
                                               "“KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024”.")))
        rows = _table_rows(sheet, header_row, errors)
    finally:
        workbook.close()
    body = _Body(columns, year, errors)
    body.read(rows, header_row)
    if errors:
        raise SpreadsheetError(errors)
    return ParsedPlan(year=year, title=title, doc_number=doc_number, doc_date=doc_date, fields=body.fields)


# --- the file -------------------------------------------------------------------------------

def _not_xlsx() -> SpreadsheetError:
    return SpreadsheetError([CellError(0, None, _("This is not an Excel .xlsx file; open it in Excel "
                                                  "and save it as “Excel Workbook (.xlsx)”."))])


def _open(source: str | Path | bytes | BinaryIO):
    if isinstance(source, (str, Path)):
        source = Path(source).read_bytes()  # a missing path is the caller's bug: let it raise
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        return load_workbook(source, read_only=True, data_only=True)
    except Exception:  # a foreign file can fail anywhere in zipfile, XML or openpyxl itself
        raise _not_xlsx() from None


def _rows(sheet, first: int, last: int) -> list[tuple]:
    # Read-only sheets parse lazily, so a damaged sheet only fails here, while iterating.
    try:
        return list(sheet.iter_rows(min_row=first, max_row=last, max_col=MAX_COLUMNS + 1, values_only=True))
    except Exception:
        raise _not_xlsx() from None


def _find_table(workbook) -> tuple[object, int, dict[str, int], list[tuple]]:
    """The first sheet whose first rows hold a header; its header row, columns and the rows above."""
    for sheet in workbook.worksheets:
        top = _rows(sheet, 1, HEADER_SEARCH_ROWS)
        for index, values in enumerate(top):
            if columns := _header_columns(values):
                return sheet, index + 1, columns, top[:index]
    raise SpreadsheetError([CellError(0, None, _(
        "No header row in the first %(rows)s rows: the table needs at least a “Nội dung nhiệm vụ” column "
        "and a “Thời gian hoàn thành” column (also accepted: “Nhiệm vụ”, “Nội dung”, “Thời hạn”, "
        "“Thời gian thực hiện”, “Tiến độ”).", rows=HEADER_SEARCH_ROWS))])


def _header_columns(values: tuple) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, value in enumerate(values[:MAX_COLUMNS]):
        kind = _heading_kind(value)
        if kind and kind not in columns:
            columns[kind] = index
    return columns if {"content", "deadline"} <= columns.keys() else None


def _heading_kind(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    words = " ".join(re.findall(r"\w+", fold(re.sub(r"\(.*?\)", " ", value))))
    if len(words) > 60:  # a title or a sentence, not a column heading
        return None
    return next((kind for alias, kind in _ALIASES if f" {alias} " in f" {words} "), None)


def _table_rows(sheet, header_row: int, errors: list[CellError]) -> list[tuple]:
    """The rows below the header, refusing tables too large to be a plan."""
    last = header_row + MAX_ROWS
    # One row past the limit is enough to know the table runs on; reading further costs time.
    rows = _rows(sheet, header_row, last + 1)
    header, rows = rows[0], rows[1:]
    if any(_text(v) for values in [header, *rows] for v in values[MAX_COLUMNS:]):
        errors.append(CellError(header_row, get_column_letter(MAX_COLUMNS + 1), _(
            "The table is wider than %(limit)s columns.", limit=MAX_COLUMNS)))
    if len(rows) > MAX_ROWS and any(_text(v) for v in rows[MAX_ROWS]):
        errors.append(CellError(last + 1, None, _("The table is longer than %(limit)s rows.",
                                                  limit=format_number(MAX_ROWS, 0))))
    return rows[:MAX_ROWS]


# --- the lines above the table ----------------------------------------------------------------

def _read_preamble(rows: list[tuple], errors: list[CellError]) -> tuple[str, str, dt.date | None, int | None]:
    """Title (and its year), document number and date from the lines above the header."""
    title, title_year, doc_number = "", None, ""
    dated: list[tuple[int, int, str]] = []  # cells holding a date, in case no line names the document
    for row, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            text = " ".join(_text(value).split())
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


class _Body:
    """Fields and tasks from the rows under the header, collecting errors as it goes."""

    def __init__(self, columns: dict[str, int], year: int | None, errors: list[CellError]) -> None:
        self.columns, self.year, self.errors = columns, year, errors
        self.fields: list[ParsedField] = []
        self.field_numbers: list[str] = []  # as written on each heading, to number tasks 2.1, 2.2…
        self.task_rows: list[int] = []  # task rows met per field, good or bad
        self.last_numbers: list[str] = []

    def read(self, rows: list[tuple], header_row: int) -> None:
        numbered = [(header_row + 1 + i, *self._number_and_content(v), v) for i, v in enumerate(rows)]
        cut = next((i for i, n in enumerate(numbered) if _stops(n[3])), len(numbered))
        # Arabic field numbers (1, 2) only stand out from task numbers when the tasks carry dots.
        dotted = any("." in n[1] and _TASK_NUMBER.fullmatch(n[1]) for n in numbered[:cut])
        for row, number, content, values in numbered[:cut]:
            kind = self._kind(number, content, values, dotted)
            if kind == "field":
                self._field(row, number, content)
            elif kind == "task":
                self._task(row, number, content, values)
        self._check_fields(header_row)

    def _number_and_content(self, values: tuple) -> tuple[str, str]:
        number, content = self._number(values), self._get(values, "content")
        # "I. CÔNG TÁC CHỈ ĐẠO…" written across merged cells from the number column.
        if not content and (m := _ROMAN_WITH_NAME.fullmatch(number)) and roman_to_int(m[1]):
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
        if roman_to_int(number):
            return "field"
        bare = not any(self._get(values, k) for k in ("lead", "deadline", "output"))
        if dotted and number.isdigit() and bare:
            return "field"
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
        self._too_long(row, "content", name, "name")
        self.fields.append(ParsedField(name=name, component=guess_component(name), tasks=[], row=row))
        self.field_numbers.append(number)
        self.task_rows.append(0)
        self.last_numbers.append("")

    def _task(self, row: int, number: str, content: str, values: tuple) -> None:
        if not self.fields:
            self._error(row, None, _("This task comes before the first field; add a field heading "
                                     "(I, II…) above it."))
            return
        self.task_rows[-1] += 1
        number = number or self._next_number()
        self.last_numbers[-1] = number
        if not content:
            self._error(row, "content", _("The task has no content."))
        due, due_text = self._deadline(row, values)
        if self._too_long(row, "number", number, "number") or not content or due is None:
            return
        self.fields[-1].tasks.append(ParsedTask(
            number=number, content=content, lead=self._get(values, "lead"),
            partners=self._get(values, "partners"), output=self._get(values, "output"),
            note=self._note(values), due=due, due_text=due_text, row=row))

    def _next_number(self) -> str:
        last = self.last_numbers[-1]
        if last:
            head, _dot, tail = last.rpartition(".")
            return f"{head}{_dot}{int(tail) + 1}" if tail.isdigit() else last
        field_number = self.field_numbers[-1]
        return f"{field_number}.1" if field_number.isdigit() else "1"

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
        for field, seen in zip(self.fields, self.task_rows):
            if not seen:  # a field whose tasks all have errors is reported through them instead
                self._error(field.row, None, _("The field “%(name)s” has no tasks.", name=field.name))
        if not self.fields and not any(e.row > header_row for e in self.errors):
            self._error(header_row, None, _("There are no tasks below the header row."))


def _stops(values: tuple) -> bool:
    """The "Nơi nhận:" block closes the document; nothing after it belongs to the table."""
    first = next((_text(v) for v in values if _text(v)), "")
    return fold(first).startswith("noi nhan")
