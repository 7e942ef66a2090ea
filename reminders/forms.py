"""The reminder forms: the policy, a calendar day, the profile, and the outbox filters.

Each form returns what was typed (to show it back), the errors keyed by field (shown next to it) and,
when there are no errors, the values to save.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from app.forms import date_value
from app.i18n import N_, _
from reminders.rules import Calendar, Policy, parse_days

MAX_DAYS = 60  # parse_days' own bound; a reminder two months on is no reminder
DAY_KINDS = ("holiday", "workday")
HOURS = range(7, 21)  # office hours; an email at 3 a.m. helps nobody
OUTBOX_STATUSES = {"pending": N_("Waiting"), "sending": N_("Sending"), "sent": N_("Sent"), "failed": N_("Failed")}
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the public calendar is known for these; a typo like 0225 is caught


def policy_values(row: dict[str, Any] | None) -> dict[str, Any]:
    """What the policy form shows: the saved row, or the defaults the sweep uses when there is none."""
    if row is None:
        p = Policy()
        return {"enabled": p.enabled, "before_days": ", ".join(map(str, p.before_days)),
                "repeat_every": str(p.repeat_every), "head_after": str(p.head_after),
                "secretariat_after": str(p.secretariat_after), "sweep_at": p.sweep_at.strftime("%H:%M")}
    return {"enabled": row["enabled"], "before_days": ", ".join(row["before_days"].split(",")),
            "repeat_every": str(row["repeat_every"]), "head_after": str(row["head_after"]),
            "secretariat_after": str(row["secretariat_after"]), "sweep_at": row["sweep_at"]}


def _whole(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdecimal() and low <= int(raw) <= high else None


def _time(raw: str) -> str | None:
    """'7:30' or '07:30' → '07:30'; None when it is not a time of day."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", raw.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def policy_form(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """The policy as posted: (values shown back, errors by field, the columns to save)."""
    values = {k: (data.get(k) or "").strip() for k in ("before_days", "repeat_every", "head_after",
                                                       "secretariat_after", "sweep_at")}
    values["enabled"] = data.get("enabled") == "on"
    errors: dict[str, str] = {}
    try:
        days = parse_days(values["before_days"])
    except ValueError:
        errors["before_days"] = _("Enter whole numbers of working days from 0 to %(max)s, separated by commas.",
                                  max=MAX_DAYS)
    numbers = {k: _whole(values[k], 1, MAX_DAYS) for k in ("repeat_every", "head_after", "secretariat_after")}
    for key, number in numbers.items():
        if number is None:
            errors[key] = _("Enter a whole number from 1 to %(max)s.", max=MAX_DAYS)
    if None not in numbers.values() and numbers["secretariat_after"] < numbers["head_after"]:
        errors["secretariat_after"] = _("The secretariat is told no earlier than the unit head (%(days)s).",
                                        days=numbers["head_after"])
    sweep_at = _time(values["sweep_at"])
    if sweep_at is None:
        errors["sweep_at"] = _("Enter a time of day as HH:MM, for example 07:30.")
    if errors:
        return values, errors, {}
    return values, errors, {"enabled": values["enabled"], "before_days": ",".join(map(str, days)), **numbers,
                            "sweep_at": sweep_at}


def day_form(data: dict[str, str]) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """A calendar day as posted: (values shown back, errors by field, the day's columns)."""
    values = {k: (data.get(k) or "").strip() for k in ("day", "kind", "name")}
    errors: dict[str, str] = {}
    day = date_value(values, "day", errors)
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors["day"] = _("Write the date as dd/mm/yyyy.")
    if values["kind"] not in DAY_KINDS:
        errors["kind"] = _("Choose an extra holiday or a make-up working day.")
    if len(values["name"]) > 255:
        errors["name"] = _("At most %(max)s characters.", max=255)
    if errors:
        return values, errors, {}
    return values, errors, {"day": day, "kind": values["kind"], "name": values["name"]}


def day_conflict(day: dt.date, kind: str, cal: Calendar) -> str | None:
    """Why the day cannot be added as `kind`, or None: a day off made a holiday, a working day made a workday."""
    working = cal.is_working(day)
    if kind == "workday" and working:
        return _("%(day)s is already a working day.", day=day.strftime("%d/%m/%Y"))
    if kind == "holiday" and not working:
        return _("%(day)s is already a day off.", day=day.strftime("%d/%m/%Y"))
    return None


def profile_form(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """Reminders on or off and the hour: (values shown back, errors by field, the columns to save)."""
    values = {"reminders": data.get("reminders") == "on", "reminder_hour": (data.get("reminder_hour") or "").strip()}
    hour = _whole(values["reminder_hour"], HOURS.start, HOURS.stop - 1)
    if values["reminder_hour"] and hour is None:
        return values, {"reminder_hour": _("Leave it empty, or enter an hour from %(low)s to %(high)s.",
                                           low=HOURS.start, high=HOURS.stop - 1)}, {}
    return values, {}, {"reminders": values["reminders"], "reminder_hour": hour}


def month_param(raw: str, today: dt.date) -> dt.date:
    """'2025-04' (an <input type="month">) → 1 April 2025; this month when empty or unreadable."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", (raw or "").strip())
    if m and FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR and 1 <= int(m.group(2)) <= 12:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    return today.replace(day=1)


def outbox_filters(status: str, day: str) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """The deliveries filters: (values shown back, errors by field, status and day to filter by, None = any)."""
    values = {"status": status if status in OUTBOX_STATUSES else "", "day": (day or "").strip()}
    errors: dict[str, str] = {}
    parsed = date_value(values, "day", errors)
    return values, errors, {"status": values["status"] or None, "day": parsed}
