"""A plan as read from a spreadsheet or a Word document, before anything is saved: what the readers return
and the writer takes.

Its own module so that the reader (plans.spreadsheet) and the writer (plans.spreadsheet_write) both import it
and neither imports the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.i18n import _, ngettext

__all__ = ["CellError", "ParsedField", "ParsedPlan", "ParsedTask", "SpreadsheetError"]


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
    # The body that issued the document as its masthead names it ("SỞ TƯ PHÁP"); "" when the file does not say.
    issuer: str = ""

    @property
    def task_count(self) -> int:
        return sum(len(f.tasks) for f in self.fields)

    def summary(self) -> str:
        return ", ".join((ngettext("%(num)s field", "%(num)s fields", len(self.fields)),
                          ngettext("%(num)s task", "%(num)s tasks", self.task_count)))

    def to_json(self) -> dict:
        return {"year": self.year, "title": self.title, "doc_number": self.doc_number,
                "doc_date": self.doc_date.isoformat() if self.doc_date else None, "issuer": self.issuer,
                "fields": [{"name": f.name, "component": f.component, "tasks": [_task_json(t) for t in f.tasks]}
                           for f in self.fields]}


def _task_json(task: ParsedTask) -> dict:
    return {"number": task.number, "content": task.content, "lead": task.lead, "partners": task.partners,
            "output": task.output, "note": task.note, "due": task.due.isoformat(), "due_text": task.due_text}


@dataclass(frozen=True)
class CellError:
    row: int  # the Excel row, or the row in a Word table; 0 for the file as a whole
    column: str | None  # the Excel letter (a Word table's grid column, lettered the same way), None for the row
    message: str
    table: int | None = None  # in a Word document: which table, counting from 1; None in a spreadsheet

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if self.table is not None:
            if self.column is None:
                return _("Table %(table)s, row %(row)s: %(error)s", table=self.table, row=self.row,
                         error=self.message)
            return _("Table %(table)s, row %(row)s, column %(column)s: %(error)s", table=self.table, row=self.row,
                     column=self.column, error=self.message)
        if self.column is None:
            return _("Row %(row)s: %(error)s", row=self.row, error=self.message)
        return _("Row %(row)s, column %(column)s: %(error)s", row=self.row, column=self.column,
                 error=self.message)


class SpreadsheetError(Exception):
    """Everything wrong with an uploaded plan, in sheet (or document) order."""

    def __init__(self, errors: list[CellError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.table or 0, e.row, len(e.column or ""), e.column or ""))
        super().__init__("\n".join(str(e) for e in self.errors))
