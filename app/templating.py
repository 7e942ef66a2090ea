"""The Jinja environment: gettext in the active locale and Vietnamese-first filters."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app import i18n
from app.clock import TZ
from plans.rules import int_to_roman


def can_manage_accounts(user) -> bool:
    from app.access import can_manage_accounts as allowed  # access imports tables; keep start-up light

    return allowed(user)


def can_see_board(user) -> bool:
    from app.access import can_see_board as allowed

    return allowed(user)


def can_edit_scoring(user) -> bool:
    from app.access import can_edit_scoring as allowed

    return allowed(user)


def can_edit_reminders(user) -> bool:
    from app.access import can_edit_reminders as allowed

    return allowed(user)


def local_time(value) -> str:
    """A stored UTC moment as people read it here: Vietnam's clock, dd/mm/yyyy HH:MM."""
    return value.astimezone(TZ).strftime("%d/%m/%Y %H:%M") if value else ""


ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def _gettext(message: str) -> str:
    return i18n.translations(i18n.get_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(i18n.get_locale()).ngettext(singular, plural, n)


def make_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(date=i18n.format_date, number=i18n.format_number, percent=i18n.format_percent,
                       roman=int_to_roman, when=local_time)
    env.globals.update(get_locale=i18n.get_locale, LOCALES=i18n.LOCALES, can_manage_accounts=can_manage_accounts,
                       can_see_board=can_see_board, can_edit_scoring=can_edit_scoring,
                       can_edit_reminders=can_edit_reminders)
    return env
