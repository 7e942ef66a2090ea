"""The board's query parameters, read the same way by the page, the exports and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from litestar.exceptions import ClientException

from app.dates import default_as_of
from app.forms import query_date
from app.i18n import _
from board.build import SORTS
from board.queries import Filter
from plans.cutoffs import year_close


def _component(raw: str | int | None) -> int | None:
    """The page's "all components" option sends an empty value, so a component may come as text."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    if not text.isdecimal() or not 1 <= int(text) <= 8:
        raise ClientException(detail=_("Choose a component from 1 to 8."))
    return int(text)


def board_filter(year: int | None, as_of: str | dt.date | None, block: str | None, field: str | None,
                 component: str | int | None, today: dt.date) -> Filter:
    """A 400 with its own message (ClientException) for a value the board cannot show.

    The cut-off comes as the page's form sends it (dd/mm/yyyy as typed) or as links carry it (ISO)."""
    as_of = query_date(as_of)
    year = today.year if year is None else year  # 0 is a year out of range, not "this year"
    if not 2000 <= year <= 2100:
        raise ClientException(detail=_("Choose a year between 2000 and 2100."))
    if "\x00" in f"{block}{field}":  # no block or field has one, and PostgreSQL refuses it in a query
        raise ClientException(detail=_("Choose one of the options."))
    return Filter(year=year, as_of=as_of or default_as_of(year, today), block=(block or "").strip(),
                  field=(field or "").strip(), component=_component(component))


async def final(flt: Filter) -> Filter:
    """A closed year's board is final at its closing date: a later cut-off counts as of that date, and says so."""
    closed = await year_close(flt.year)
    if closed is None:
        return flt
    return replace(flt, as_of=min(flt.as_of, closed.closed_on), closed_on=closed.closed_on)


def board_sort(sort: str) -> str:
    if sort not in SORTS:
        raise ClientException(detail=_("Choose one of the options."))
    return sort
