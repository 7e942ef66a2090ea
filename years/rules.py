"""Pure rules of a plan year's end: when a year may close, and how a deadline moves to the next year's plan.

Nothing here reads the clock or the database: `today` and the years are passed in.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from app.i18n import _
from app.text import fold

_YEAR_NUMBER = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def close_error(year: int, closed_on: dt.date, today: dt.date) -> str | None:
    """Why a year cannot close on `closed_on`, or None: not before its last day, not in the future."""
    if closed_on < dt.date(year, 12, 31):
        return _("A year closes on or after its last day, 31/12/%(year)s.", year=year)
    if closed_on > today:
        return _("The closing date cannot be in the future.")
    return None


def year_later(day: dt.date, years: int = 1) -> dt.date:
    """The same day `years` on; 29/02 becomes 28/02 in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def move_due_text(text: str, old_year: int, new_year: int) -> str:
    """A deadline as written, moved from a plan of `old_year` to one of `new_year`: "Quý II/2025" ->
    "Quý II/2026". The plan's own year and the next one (a 2025 plan's "Quý I/2026" report) move by the same
    number of years; other numbers ("Nghị định 30/2019", "ngày 15/12") are left as written."""
    shift = new_year - old_year

    def moved(m: re.Match) -> str:
        year = int(m[1])
        return str(year + shift) if year in (old_year, old_year + 1) else m[1]

    return _LEAP_DAY.sub(_leap_day, _YEAR_NUMBER.sub(moved, text))


_LEAP_DAY = re.compile(r"(?<!\d)29(\s*[/\-.]\s*0?2\s*[/\-.]\s*)(\d{4})(?!\d)")


def _leap_day(m: re.Match) -> str:
    """29/02 moved to a year without it is written 28/02, as the date itself becomes (year_later)."""
    return m[0] if calendar.isleap(int(m[2])) else f"28{m[1]}{m[2]}"


def matching_field(name: str, fields: list[dict]) -> dict | None:
    """The field of the new plan that continues a field of the old one: the same name, read without case or
    diacritics."""
    key = fold(name).strip()
    return next((f for f in fields if fold(f["name"]).strip() == key), None)
