"""Reading a task's deadline as plans write it ("Quý II/2024", "Trước ngày 15/12", "Thường xuyên").

Pure: nothing here reads the clock or the database; the plan year is passed in.
"""

from __future__ import annotations

import datetime as dt
import re

from app.dates import end_of_month, end_of_quarter
from app.i18n import _
from app.text import fold, roman_to_int


class DeadlineError(ValueError):
    """A deadline text that cannot be read; the message is user-facing."""


_YEAR = r"(?:\s*[/\-.]\s*(?:nam\s*)?(\d{4})|\s+(?:nam\s+)?(\d{4}))?"
_BEFORE = r"^(?:(?:truoc|den|han|cham nhat|hoan thanh|xong)\s+)*(?:ngay\s+)?"
_DATE = re.compile(_BEFORE + r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{4}))?$")
_LONG_DATE = re.compile(_BEFORE + r"(\d{1,2})\s+thang\s+(\d{1,2})(?:\s*,?\s*nam\s+(\d{4}))?$")
_MONTH = re.compile(r"^(?:(?:truoc|trong|den)\s+)?(?:cuoi\s+)?thang\s+(\d{1,2})" + _YEAR + "$")
_QUARTER = re.compile(r"^(?:(?:truoc|trong|den)\s+)?(?:cuoi\s+)?quy\s+([ivx]+|\d)" + _YEAR + "$")
_YEAR_ONLY = re.compile(r"^(?:trong\s+)?nam\s+(\d{4})$")
_HALF = re.compile(r"^(6|9) thang (dau|cuoi) nam" + _YEAR + "$")
_ONGOING = re.compile(r"^(?:thuong xuyen|ca nam|hang nam|trong nam|dinh ky|lien tuc|hang thang|hang quy)"
                      r"(?:\s*,?\s*(?:nam\s+)?(\d{4}))?$")


def parse_deadline(value: object, plan_year: int) -> dt.date:
    """Turn a deadline as written in a plan into the date it falls due.

    The year comes from the text when it has one, otherwise from the plan; ongoing tasks
    ('Thường xuyên', 'Cả năm') fall due at the end of the plan year; months and quarters
    on their last day. Anything else raises DeadlineError rather than guessing.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _in_plan_years(value, plan_year)
    text = fold(value or "").rstrip(" .;")
    if not text:
        raise DeadlineError(_("The deadline is empty."))
    return _in_plan_years(_read_text(text, str(value).strip(), plan_year), plan_year)


def _read_text(text: str, original: str, plan_year: int) -> dt.date:
    if m := _ONGOING.match(text):
        return dt.date(_year([m[1]], plan_year), 12, 31)
    if m := _DATE.match(text) or _LONG_DATE.match(text):
        return _real_date(_year([m[3]], plan_year), int(m[2]), int(m[1]), original)
    if m := _MONTH.match(text):
        month = int(m[1])
        if not 1 <= month <= 12:
            raise DeadlineError(_("There is no month %(month)s.", month=month))
        return end_of_month(_year([m[2], m[3]], plan_year), month)
    if m := _QUARTER.match(text):
        quarter = roman_to_int(m[1]) or (int(m[1]) if m[1].isdecimal() else 0)
        if not 1 <= quarter <= 4:
            raise DeadlineError(_("There is no quarter %(quarter)s.", quarter=m[1].upper()))
        return end_of_quarter(_year([m[2], m[3]], plan_year), quarter)
    if m := _HALF.match(text):
        return end_of_month(_year([m[3], m[4]], plan_year), int(m[1]) if m[2] == "dau" else 12)
    if m := _YEAR_ONLY.match(text):
        return dt.date(int(m[1]), 12, 31)
    raise DeadlineError(_("Cannot read the deadline “%(text)s”; write e.g. “Tháng 6/2024”, "
                          "“Quý II/2024”, “Trước ngày 15/12/2024” or “Thường xuyên”.", text=original))


def _real_date(year: int, month: int, day: int, original: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DeadlineError(_("%(text)s is not a real date.", text=original)) from None


def _year(candidates: list[str | None], plan_year: int) -> int:
    for c in candidates:
        if c:
            return int(c)
    return plan_year


def _in_plan_years(due: dt.date, plan_year: int) -> dt.date:
    # A plan may reach into the first quarter of the next year (the annual report, the year's
    # review), never backwards and never further: "Năm 2025" in a 2024 plan is a typo to fix.
    if due < dt.date(plan_year, 1, 1) or due > dt.date(plan_year + 1, 3, 31):
        raise DeadlineError(_("The deadline %(date)s is outside the plan year %(year)s.",
                              date=due.strftime("%d/%m/%Y"), year=plan_year))
    return due
