"""The board's query parameters, read the same way by the page, the exports and the API."""

from __future__ import annotations

import datetime as dt

from litestar.exceptions import ValidationException

from app.i18n import _
from board.queries import Filter


def default_as_of(year: int, today: dt.date) -> dt.date:
    """Today for the current year, the year's last day for a past year."""
    return min(today, dt.date(year, 12, 31))


def board_filter(year: int | None, as_of: dt.date | None, block: str | None, field: str | None,
                 component: int | None, today: dt.date) -> Filter:
    year = year or today.year
    if not 2000 <= year <= 2100:
        raise ValidationException(_("Choose a year between 2000 and 2100."))
    if component is not None and not 1 <= component <= 8:
        raise ValidationException(_("Choose a component from 1 to 8."))
    return Filter(year=year, as_of=as_of or default_as_of(year, today), block=(block or "").strip(),
                  field=(field or "").strip(), component=component)
