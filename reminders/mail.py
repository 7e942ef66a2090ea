"""Digest emails: `compose_digest` renders the day's digest for one person in their language (the sweep stores
the result); app/mail.py builds the message from the stored row and a transport carries it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cache, lru_cache
from typing import Any

from jinja2 import Template

from app.i18n import _, format_date, get_locale, ngettext, set_locale
from app.settings import get_settings
from app.templating import make_environment

ESCALATIONS = ("head", "secretariat")
LATE = ("overdue",) + ESCALATIONS


def _urgency(item: dict[str, Any]) -> tuple[int, int]:
    """Sort key: overdue first (most overdue first), then due today, then due soon (nearest first)."""
    if item["kind"] in LATE:
        return (0, -item["days"])
    return (1, 0) if item["kind"] == "due" else (2, item["days"])


def _when(item: dict[str, Any]) -> str:
    if item["kind"] in LATE:
        return ngettext("%(num)s working day overdue", "%(num)s working days overdue", item["days"])
    if item["kind"] == "due":
        return _("today is the deadline")
    return ngettext("%(num)s working day left", "%(num)s working days left", item["days"])


def _escalation(kind: str) -> str:
    if kind == "head":
        return _("escalated to the unit head")
    return _("escalated to the secretariat") if kind == "secretariat" else ""


@lru_cache(maxsize=8192)
def _words(locale: str, kind: str, days: int, due: dt.date) -> tuple[str, str, str]:
    """Deadline, "N days left/overdue" and escalation, in `locale` (the current one): the same few values recur
    across the thousands of lines of a nation's sweep, so they are formatted once each."""
    return format_date(due), _when({"kind": kind, "days": days}), _escalation(kind)


def _task_view(item: dict[str, Any], base_url: str) -> dict[str, Any]:
    due, when, escalation = _words(get_locale(), item["kind"], item["days"], item["due_date"])
    return {"unit": item["unit_name"], "field": item["field_name"], "number": item["number"] or "",
            "content": item["content"], "due": due, "when": when, "late": item["kind"] in LATE,
            "escalation": escalation, "link": f"{base_url}/tasks/{item['task_id']}"}


def _sections(items: list[dict[str, Any]], base_url: str) -> list[dict[str, Any]]:
    """One section per unit (the secretariat's digest spans many), the most urgent unit first."""
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (_urgency(i), i["due_date"], i["task_id"])):
        by_unit[item["unit_name"]].append(item)
    units = sorted(by_unit, key=lambda u: (_urgency(by_unit[u][0]), u))
    return [{"unit": u, "count": ngettext("%(num)s task", "%(num)s tasks", len(by_unit[u])),
             "tasks": [_task_view(i, base_url) for i in by_unit[u]]} for u in units]


def _subject(day: dt.date, items: list[dict[str, Any]]) -> str:
    late = sum(i["kind"] in LATE for i in items)
    summary = ngettext("%(num)s task", "%(num)s tasks", len(items))
    if late:
        summary += " " + ngettext("(%(num)s overdue)", "(%(num)s overdue)", late)
    return _("[parplan] Deadline reminder %(day)s: %(summary)s", day=format_date(day), summary=summary)


@cache
def _templates() -> tuple[Template, Template]:
    """The digest's two templates, loaded once: looking them up checked the files on disk for every email."""
    env = make_environment()
    return env.get_template("reminders/digest.txt"), env.get_template("reminders/digest.html")


def compose_digest(user: dict[str, Any], day: dt.date, items: list[dict[str, Any]]) -> tuple[str, str, str]:
    """(subject, text, html) of one person's digest, in their language; the caller's locale is left as it was."""
    token = set_locale(user.get("language") or "")
    try:
        base_url = get_settings().base_url
        context = {"name": user.get("full_name") or user["email"], "day": format_date(day),
                   "intro": ngettext("%(num)s task needs your attention today.",
                                     "%(num)s tasks need your attention today.", len(items)),
                   "sections": _sections(items, base_url), "profile_url": f"{base_url}/profile"}
        text, html = _templates()
        return _subject(day, items), text.render(context), html.render(context)
    finally:
        token.var.reset(token)
