"""The rows under a plan table's header read as fields and tasks, every problem collected with its cell.

A field heading is numbered I, II… or 1, 2…, or stands bare above its tasks; tasks are numbered 1, 1.1… or not at
all. _Body decides which row is which, then reads each, so one upload reports every mistake in the table.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from app.i18n import _
from app.text import fold, roman_to_int
from plans.parsed import CellError, ParsedField, ParsedTask
from plans.rules import guess_component
from tasks.deadlines import DeadlineError, parse_deadline

# Widths of the columns these values land in (plans/tables.py, tasks/tables.py): say so here,
# with the cell, rather than let PostgreSQL refuse the whole import later.
MAX_LENGTH = {"number": 16, "due_text": 255, "name": 500}

_TASK_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_ROMAN_WITH_NAME = re.compile(r"([IVXivx]+)\s*(?:[.):–-]\s*|\s+)(\S.*)", re.S)
_COLUMN_NUMBER = re.compile(r"\(?(\d+)\)?")


def cell_text(value: object) -> str:
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
    texts = [cell_text(v) for v in values if cell_text(v)]
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


class Body:
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
        return cell_text(value).rstrip(".").strip()  # "1." and "I." are common

    def _get(self, values: tuple, kind: str) -> str:
        return cell_text(values[self.columns[kind]]) if kind in self.columns else ""

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
        text = cell_text(raw)
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
    first = next((cell_text(v) for v in values if cell_text(v)), "")
    return fold(first[:40]).startswith("noi nhan")
