"""The Jinja environment: gettext in the active locale and Vietnamese-first filters."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app import i18n
from app.dates import format_date_input, local_time
from app.text import int_to_roman


# The rights the navigation asks about: app.access's predicates, looked up when a page asks (access imports the
# tables; the templating module stays light for start-up and for the CLI).
RIGHTS = ("can_manage_accounts", "can_see_board", "can_edit_scoring", "can_edit_reminders", "can_read_scoring",
          "can_read_audit", "can_close_year", "can_manage_units")


def _right(name: str):
    def allowed(user) -> bool:
        from app import access

        return getattr(access, name)(user)

    allowed.__name__ = name
    return allowed


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
                       roman=int_to_roman, when=local_time,
                       date_input=format_date_input)
    env.globals.update(get_locale=i18n.get_locale, LOCALES=i18n.LOCALES, **{name: _right(name) for name in RIGHTS})
    return env
