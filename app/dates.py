"""Dates as people type them and as plans and reports count them. Pure: `today` is passed in."""

from __future__ import annotations

import calendar
import datetime as dt

from app.clock import TZ


def parse_date_input(raw: str | None) -> dt.date | None:
    """A date typed in a form: ISO from <input type="date">, or dd/mm/yyyy typed by hand. None when empty;
    ValueError when unreadable."""
    raw = (raw or "").strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def end_of_quarter(year: int, quarter: int) -> dt.date:
    return end_of_month(year, quarter * 3)


def default_as_of(year: int, today: dt.date) -> dt.date:
    """The cut-off a page shows for a year when none is asked: today for the current year, the year's last
    day for a past year."""
    return min(today, dt.date(year, 12, 31))


def format_date_input(day: dt.date | None) -> str:
    """A date as a form field shows it, dd/mm/yyyy in every language (what parse_date_input reads back)."""
    return day.strftime("%d/%m/%Y") if day else ""


def local_time(value: dt.datetime | None) -> str:
    """A stored UTC moment as people read it here: Vietnam's clock, dd/mm/yyyy HH:MM ("" for none)."""
    return value.astimezone(TZ).strftime("%d/%m/%Y %H:%M") if value else ""
