"""The lines above a plan table: masthead, title (and its year), document number and date.

Decree 30/2020 sets them out the same way in every document: the issuing body in capitals at the top left, under
its parent body ("UBND TỈNH ĐẮK NÔNG" over "SỞ TƯ PHÁP"); the national motto at the top right; the title;
"Số: 15/KH-STP" or "(Kèm theo Kế hoạch số 15/KH-STP ngày 18/01/2024 của Sở Tư pháp)". Real files move them about,
so each is recognised by its words, not by its cell.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from app.i18n import _
from app.text import fold
from plans.parsed import CellError
from plans.spreadsheet_body import cell_text

MAX_PREAMBLE_TEXT = 1000  # a title or a document line; longer text above the header is cut, not searched
MAX_ISSUER = 255  # a unit name's width (app/tables.py)

_TITLE_YEAR = re.compile(r"\bnam (\d{4})\b")
_DOC_NUMBER_LINE = re.compile(r"\bso\s*:?\s*\d+\s*/")
_DOC_NUMBER = re.compile(r"\d+\s*/\s*[^\s,;()]*[^\W\d][^\s,;()]*")
_DATE_WORDS = re.compile(r"\bngay\s*(\d{1,2})\s*(?:[/.-]|thang)\s*(\d{1,2})\s*(?:[/.-]|nam)\s*(\d{4})")
_OF_ISSUER = re.compile(r"\bcủa\s+(.+?)\s*\)?\s*$", re.I)
_NOT_MASTHEAD = ("cong hoa", "doc lap", "ke hoach", "(")  # the motto, the title, a note in brackets
# Marks stamped near the masthead that name no one: a draft, the secrecy and urgency levels.
_MARKS = {"du thao", "mat", "toi mat", "tuyet mat", "khan", "thuong khan", "hoa toc", "hoa toc hen gio"}


@dataclass
class Preamble:
    title: str = ""
    title_year: int | None = None
    doc_number: str = ""
    doc_date: dt.date | None = None
    issuer: str = ""


def read_preamble(rows: list[tuple], errors: list[CellError]) -> Preamble:
    """What the lines above the header say; an impossible document date is reported in errors."""
    found = Preamble()
    masthead: list[str] = []  # capitals above the title: the issuing body comes last
    titled = False  # past a "KẾ HOẠCH" line: capitals from there on are the title's, not the masthead's
    of_issuer = ""  # "… của Sở Tư pháp" on the document line, when there is no masthead
    dated: list[tuple[int, int, str]] = []  # cells holding a date, in case no line names the document
    for row, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            raw = cell_text(value)[:MAX_PREAMBLE_TEXT]
            text = " ".join(raw.split())
            folded = fold(text)
            if not text:
                continue
            if not found.doc_number and _DOC_NUMBER_LINE.search(folded) and (m := _DOC_NUMBER.search(text)):
                found.doc_number = re.sub(r"\s+", "", m[0]).rstrip(".")
                if of := _OF_ISSUER.search(text[m.end():]):
                    of_issuer = of[1]
                if _DATE_WORDS.search(folded):  # the date on the document's own line wins
                    dated.insert(0, (row, index, folded))
            elif _DATE_WORDS.search(folded):
                dated.append((row, index, folded))
            elif not found.title and not text.startswith("(") and (m := _TITLE_YEAR.search(folded)):
                found.title, found.title_year = text, int(m[1])
            elif not found.title and not titled:
                masthead += _masthead_lines(raw)
            titled = titled or folded.startswith("ke hoach")
    found.doc_date = _document_date(dated, errors) if dated else None
    found.issuer = (masthead[-1] if masthead else of_issuer.rstrip(".)"))[:MAX_ISSUER]
    return found


def _masthead_lines(raw: str) -> list[str]:
    """The lines of a cell that can be a masthead: capitals, neither the motto nor the title."""
    lines = (" ".join(line.split()) for line in raw.splitlines())
    return [line for line in lines if any(ch.isalpha() for ch in line) and line.isupper()
            and not fold(line).startswith(_NOT_MASTHEAD) and fold(line).strip(" .:") not in _MARKS]


def _document_date(dated: list[tuple[int, int, str]], errors: list[CellError]) -> dt.date | None:
    row, index, folded = dated[0]
    m = _DATE_WORDS.search(folded)
    try:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        errors.append(CellError(row, get_column_letter(index + 1), _(
            "%(text)s is not a real date.", text=f"{m[1]}/{m[2]}/{m[3]}")))
        return None
