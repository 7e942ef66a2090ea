"""Every user-facing message has a Vietnamese translation, and pages use Vietnamese number and date forms."""

import datetime as dt
from fractions import Fraction
from pathlib import Path

from babel.messages.extract import extract_from_dir

from app import i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [("app/**.py", "python"), ("amendments/**.py", "python"), ("accounts/**.py", "python"), ("plans/**.py", "python"), ("tasks/**.py", "python"), ("scoring/**.py", "python"), ("board/**.py", "python"), ("reminders/**.py", "python"),
           ("workers/**.py", "python"), ("units/**.py", "python"), ("years/**.py", "python"), ("templates/**.html", "jinja2")]


def source_messages() -> set[str]:
    found = set()
    for message in extract_from_dir(str(ROOT), method_map=METHODS, keywords=KEYWORDS,
                                    options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        msgid = message[2]
        found.add(msgid[0] if isinstance(msgid, tuple) else msgid)
    return found


def test_every_message_in_the_code_and_templates_has_a_vietnamese_translation():
    catalog = i18n.translations("vi")
    messages = source_messages()
    assert len(messages) > 100
    untranslated = sorted(m for m in messages if catalog.gettext(m) == m and m not in ("Email",))
    assert untranslated == []


def test_vietnamese_numbers_and_dates():
    token = i18n.set_locale("vi")
    try:
        assert i18n.format_percent(Fraction(26, 28)) == "92,86%"
        assert i18n.format_number(84.775) == "84,78"  # half-up, from the exact decimal
        assert i18n.format_date(dt.date(2024, 6, 30)) == "30/06/2024"
    finally:
        i18n._current.reset(token)


def test_english_numbers_and_dates():
    token = i18n.set_locale("en")
    try:
        assert i18n.format_percent(Fraction(26, 28)) == "92.86%"
        assert i18n.format_date(dt.date(2024, 6, 30)) == "30 Jun 2024"
    finally:
        i18n._current.reset(token)
