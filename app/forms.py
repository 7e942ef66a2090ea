"""Reading form fields the same way on every page: values in, a clean value out, an error by field name."""

from __future__ import annotations

import datetime as dt

from litestar.exceptions import ClientException

from app.dates import parse_date_input
from app.i18n import _


def text_value(data: dict[str, str], name: str, errors: dict[str, str], required: bool = False,
               limit: int = 500) -> str:
    """The field's text, trimmed; required and too long are errors."""
    value = (data.get(name) or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)s characters.", n=limit)
    return value


def date_value(data: dict[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    """The field's date, typed dd/mm/yyyy (or as the browser sends it); empty is None."""
    try:
        return parse_date_input(data.get(name))
    except ValueError:
        errors[name] = _("Write the date as dd/mm/yyyy.")
        return None


def query_date(raw: str | dt.date | None) -> dt.date | None:
    """A date in a page's address: ISO in the links parplan makes, dd/mm/yyyy as a GET form sends what was
    typed. Empty is None; unreadable is a 400 that says how to write it."""
    if raw is None or isinstance(raw, dt.date):
        return raw
    try:
        return parse_date_input(raw)
    except ValueError:
        raise ClientException(detail=_("Write the date as dd/mm/yyyy.")) from None
