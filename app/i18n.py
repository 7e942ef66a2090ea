"""Translations and Vietnamese-first formatting.

Message ids are English; Vietnamese (the default) comes from app/locale/vi. The active
locale is a context variable so the same code serves a request, a CLI run or a worker job.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import io
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.dates import format_date as babel_format_date
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.support import NullTranslations, Translations

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALE_DIR = Path(__file__).parent / "locale"

_current = contextvars.ContextVar("parplan_locale", default=DEFAULT_LOCALE)


@functools.cache
def translations(locale: str) -> NullTranslations:
    """Compile the locale's .po once per process (no .mo binaries in the repository)."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def normalize_locale(value: str | None) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LOCALES else DEFAULT_LOCALE


def get_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> contextvars.Token:
    return _current.set(normalize_locale(locale))


def gettext(message: str, **params: object) -> str:
    text = translations(get_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


_ = gettext


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later, at display time."""
    return message


def format_number(value: Fraction | Decimal | float | int, places: int = 2) -> str:
    """84.78 -> '84,78' in Vietnamese; rounding half-up, never banker's rounding."""
    quantum = Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = Decimal(str(value))
    rounded = exact.quantize(quantum, rounding=ROUND_HALF_UP)
    decimal, group = _symbols(get_locale())
    # Python groups by thousands like both locales do; only the two symbols differ (a board formats thousands).
    return f"{rounded:,f}".translate({ord(","): group, ord("."): decimal})


@functools.cache
def _symbols(locale: str) -> tuple[str, str]:
    return get_decimal_symbol(locale), get_group_symbol(locale)


def format_percent(value: Fraction | None, places: int = 2) -> str:
    """A ratio as '92,86%'; an empty denominator shows a dash, never 0%."""
    if value is None:
        return "—"
    return format_number(value * 100, places) + "%"


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    if get_locale() == "vi":
        return value.strftime("%d/%m/%Y")
    return babel_format_date(value, "d MMM yyyy", locale=get_locale())
