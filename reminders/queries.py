"""Reads for the reminder pages: the policy, the sweeps, the calendar, the outbox."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import holidays
from piccolo.query import OrderByRaw

from app.i18n import get_locale
from reminders.rules import Calendar
from reminders.tables import CalendarDay, OutboxEmail, ReminderPolicy, SweepRun

PER_PAGE = 100
HOLIDAY_LANGUAGES = {"vi": "vi", "en": "en_US"}  # what the holidays package calls our locales


async def policy_row() -> dict[str, Any] | None:
    """The policy is the first row, as the sweep reads it (reminders.sweep.load_policy)."""
    return await ReminderPolicy.select(
        ReminderPolicy.all_columns(), ReminderPolicy.updated_by.full_name.as_alias("updated_by_name"),
        ReminderPolicy.updated_by.email.as_alias("updated_by_email"),
    ).order_by(ReminderPolicy.id).first()


async def policy_id() -> int | None:
    row = await ReminderPolicy.select(ReminderPolicy.id).order_by(ReminderPolicy.id).first()
    return row["id"] if row else None


async def last_sweeps(limit: int = 10) -> list[dict[str, Any]]:
    return await SweepRun.select().order_by(SweepRun.day, ascending=False).limit(limit)


async def admin_days() -> list[dict[str, Any]]:
    return await CalendarDay.select(
        CalendarDay.all_columns(), CalendarDay.created_by.full_name.as_alias("created_by_name"),
    ).order_by(CalendarDay.day)


async def calendar_for(year: int) -> Calendar:
    """The working-day calendar of one year, with the admin's days: the same rules the sweep counts by."""
    days = await CalendarDay.select(CalendarDay.day, CalendarDay.kind).where(
        (CalendarDay.day >= dt.date(year, 1, 1)) & (CalendarDay.day <= dt.date(year, 12, 31)))
    return Calendar(range(year, year + 1), extra_holidays={d["day"] for d in days if d["kind"] == "holiday"},
                    workdays={d["day"] for d in days if d["kind"] == "workday"})


async def month_days(first: dt.date) -> dict[str, Any]:
    """The month's named days: public holidays (in the page's language) and the admin's days, by date;
    and how many working days the month has."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    public = holidays.country_holidays("VN", years=first.year, language=HOLIDAY_LANGUAGES[get_locale()])
    named: dict[dt.date, dict[str, Any]] = {
        day: {"day": day, "name": name, "kind": "public"} for day, name in public.items() if first <= day <= last}
    own = await CalendarDay.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name).where(
        (CalendarDay.day >= first) & (CalendarDay.day <= last))
    for d in own:
        # The admin's day wins: a make-up working day may fall on a public holiday's substitute.
        named[d["day"]] = {"day": d["day"], "name": d["name"] or named.get(d["day"], {}).get("name", ""),
                           "kind": d["kind"]}
    cal = await calendar_for(first.year)
    working = sum(1 for n in range(last.day) if cal.is_working(first + dt.timedelta(days=n)))
    return {"month": first, "days": [named[d] for d in sorted(named)], "working": working}


def _outbox_where(status: str | None, day: dt.date | None):
    where = OutboxEmail.id.is_not_null()
    if status:
        where &= OutboxEmail.status == status
    if day:
        where &= OutboxEmail.day == day
    return where


async def outbox(status: str | None, day: dt.date | None, page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the outbox, failed emails first (they need the admin), then newest first; and the total."""
    where = _outbox_where(status, day)
    rows = await OutboxEmail.select(
        OutboxEmail.id, OutboxEmail.day, OutboxEmail.to_address, OutboxEmail.subject, OutboxEmail.status,
        OutboxEmail.attempts, OutboxEmail.last_error, OutboxEmail.sent_at,
        OutboxEmail.recipient.full_name.as_alias("recipient_name"),
    ).where(where).order_by(OrderByRaw("CASE WHEN outbox_email.status = 'failed' THEN 0 ELSE 1 END")).order_by(
        OutboxEmail.day, OutboxEmail.id, ascending=False).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    return rows, await OutboxEmail.count().where(where)


async def outbox_email(email_id: int) -> dict[str, Any] | None:
    return await OutboxEmail.select(
        OutboxEmail.all_columns(), OutboxEmail.recipient.full_name.as_alias("recipient_name"),
    ).where(OutboxEmail.id == email_id).first()
