"""The daily sweep: which reminders are due today, stored once each, gathered into one digest per person.

Every write is keyed (reminder: task, kind, day, recipient; email: recipient, day) and inserted with
ON CONFLICT DO NOTHING, so sweeping twice, or two workers sweeping at once, adds nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from app.clock import TZ
from app.db import write_transaction
from app.tables import User
from reminders.rules import (OPEN, Calendar, Policy, calendar_years, days_to_sweep, due_reminders, horizon,
                             parse_days)
from reminders.tables import CalendarDay, Reminder, ReminderPolicy, SweepRun
from tasks.queries import closed_years
from tasks.tables import Task

CHUNK = 1000


@dataclass(frozen=True)
class SweepResult:
    reminders: int  # new reminder rows
    emails: int  # new digests


async def load_policy() -> Policy:
    row = await ReminderPolicy.select().order_by(ReminderPolicy.id).first()
    if row is None:
        return Policy()
    hour, minute = (int(p) for p in row["sweep_at"].split(":"))
    return Policy(before_days=parse_days(row["before_days"]), repeat_every=row["repeat_every"],
                  head_after=row["head_after"], secretariat_after=row["secretariat_after"],
                  sweep_at=dt.time(hour, minute), enabled=row["enabled"])


async def load_calendar(today: dt.date) -> Calendar:
    days = await CalendarDay.select(CalendarDay.day, CalendarDay.kind)
    return Calendar(calendar_years(today), extra_holidays={d["day"] for d in days if d["kind"] == "holiday"},
                    workdays={d["day"] for d in days if d["kind"] == "workday"})


async def _open_tasks(last_due: dt.date) -> list[dict[str, Any]]:
    """Open tasks of issued plans that may be due a reminder: everything overdue, and deadlines up to the horizon;
    none of a closed year (its tasks are final: "overdue 709 working days" helps nobody)."""
    where = Task.status.is_in(list(OPEN)) & (Task.due_date <= last_due) & (Task.field.plan.status == "issued")
    if closed := await closed_years():
        where &= Task.field.plan.year.not_in(closed)
    return await Task.select(Task.id, Task.status, Task.due_date, Task.field.plan.unit.as_alias("unit")).where(where)


async def _people() -> dict[str, dict[Any, list[int]]]:
    """Who hears about which unit's tasks: its focal points, its head, and the secretariat (every unit)."""
    users = await User.select(User.id, User.role, User.unit).where(
        (User.active == True) & (User.reminders == True) & User.role.is_in(  # noqa: E712
            ["focal_point", "unit_head", "secretariat"]))
    people: dict[str, dict[Any, list[int]]] = {"focal": defaultdict(list), "head": defaultdict(list),
                                                "secretariat": defaultdict(list)}
    audience = {"focal_point": "focal", "unit_head": "head", "secretariat": "secretariat"}
    for u in users:
        people[audience[u["role"]]][u["unit"] if u["role"] != "secretariat" else None].append(u["id"])
    return people


async def _insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> int:
    """Insert the rows that are not there yet, in multi-row statements; how many were new.

    Plain SQL rather than table objects: a nation's sweep writes tens of thousands of rows, and building an
    object per row cost more than the database did.
    """
    new = 0
    one = "(" + ", ".join("{}" for _ in columns) + ")"
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i:i + CHUNK]
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(one for _ in chunk)} "
               "ON CONFLICT DO NOTHING RETURNING id")
        new += len(await Reminder.raw(sql, *(value for row in chunk for value in row)))
    return new


async def _stored(today: dt.date) -> set[tuple[int, str, int]]:
    """Today's reminders already stored: a second sweep need not even offer them again."""
    rows = await Reminder.select(Reminder.task, Reminder.kind, Reminder.recipient).where(Reminder.day == today)
    return {(r["task"], r["kind"], r["recipient"]) for r in rows}


async def sweep(today: dt.date, now: dt.datetime, digest: bool = True) -> SweepResult:
    """Store the reminders due on `today` and (unless `digest` is false: a later day's digest will carry
    them) the digests that carry them; the counts of new rows."""
    policy, cal = await load_policy(), await load_calendar(today)
    if not policy.enabled or not cal.is_working(today):
        return SweepResult(0, 0)
    people, stored = await _people(), await _stored(today)
    rows = []
    for task in await _open_tasks(horizon(today, policy, cal)):
        for due in due_reminders(task["status"], task["due_date"], today, policy, cal):
            unit = None if due.audience == "secretariat" else task["unit"]
            rows += [(task["id"], due.kind, today, uid, due.days, now) for uid in people[due.audience].get(unit, [])
                     if (task["id"], due.kind, uid) not in stored]
    new = await _insert("reminder", ("task", "kind", "day", "recipient", "days", "created_at"), rows)
    emails = await digests(today, now, policy) if digest else 0
    return SweepResult(new, emails)


ITEM_COLUMNS = (Reminder.recipient, Reminder.kind, Reminder.days, Reminder.day, Reminder.task.id.as_alias("task_id"),
                Reminder.task.number.as_alias("number"), Reminder.task.content.as_alias("content"),
                Reminder.task.due_date.as_alias("due_date"), Reminder.task.field.name.as_alias("field_name"),
                Reminder.task.field.plan.id.as_alias("plan_id"),
                Reminder.task.field.plan.unit.name.as_alias("unit_name"))


async def digest_items(email_id: int) -> list[dict[str, Any]]:
    """What one email says: its reminders, with the task, field and unit of each (composed when sent)."""
    return (await digest_items_of([email_id])).get(email_id, [])


async def digest_items_of(email_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """What each of these emails says, in one query (a batch of emails is composed at once); an email without
    reminders is left out.

    A task reminded on several days in one email (days caught up, a reminder carried over) appears once, as its
    newest reminder says.
    """
    where = Reminder.email.is_in(email_ids)
    if closed := await closed_years():  # stored before the year closed: no longer worth saying
        where &= Reminder.task.field.plan.year.not_in(closed)
    rows = await Reminder.select(*ITEM_COLUMNS, Reminder.email.as_alias("email_id")).where(where).order_by(
        Reminder.day)
    by_email: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        by_email[row.pop("email_id")][row["task_id"]] = row
    return {email_id: list(tasks.values()) for email_id, tasks in by_email.items()}


def _send_at(day: dt.date, hour: int | None, policy: Policy) -> dt.datetime:
    """The person's chosen hour on the day, never before the sweep's own time."""
    at = dt.time(hour, 0) if hour is not None and dt.time(hour, 0) > policy.sweep_at else policy.sweep_at
    return dt.datetime.combine(day, at, TZ).astimezone(dt.timezone.utc)


async def digests(today: dt.date, now: dt.datetime, policy: Policy) -> int:
    """One email a day per person with reminders waiting; the number of new emails.

    The email row is the promise to write; its words are composed when it is sent (reminders.delivery), from
    every reminder attached by then. A reminder made after the person's email of the day was claimed waits,
    unattached, for the person's next email: it is carried over, never lost.
    """
    waiting = [r["recipient"] for r in await Reminder.select(Reminder.recipient).where(
        Reminder.email.is_null() & (Reminder.day <= today)).distinct()]
    if not waiting:
        return 0
    # In id order: two sweeps of one day inserting the same emails take their locks in the same order (no deadlock).
    users = await User.select(User.id, User.email, User.language, User.reminder_hour).where(
        User.id.is_in(waiting)).order_by(User.id)
    emails = [(u["id"], u["email"], today, u["language"], "", "", "", "pending", now,
               _send_at(today, u["reminder_hour"], policy), 0, "", "", "") for u in users]
    # One transaction: a delivery must not claim an email before its reminders are attached (it would find
    # nothing to send, and the person would hear nothing until the next day).
    async with write_transaction():
        new = await _insert("outbox_email", ("recipient", "to_address", "day", "language", "subject", "text",
                                             "html", "status", "created_at", "not_before", "attempts", "claimed_by",
                                             "last_error", "message_id"), emails)
        await _attach(today)
    return new


async def _attach(today: dt.date) -> None:
    """One statement, whoever created the email; only an email nobody has claimed yet takes more reminders."""
    await Reminder.raw("UPDATE reminder SET email = (SELECT e.id FROM outbox_email e WHERE e.recipient = "
                       "reminder.recipient AND e.day = {} AND e.status = 'pending' AND e.attempts = 0) "
                       "WHERE email IS NULL AND day <= {}", today, today)


async def tick(now: dt.datetime) -> SweepResult | None:
    """The worker's frequent cron: each working day's sweep once, at or after the policy's time.

    Working days missed while no worker could run (Redis down, the worker stopped) are swept first, in order,
    each recorded in `sweep_run`; their reminders keep their own day and all go into one digest, made with the
    last day's sweep, rather than one email per missed day. None when nothing was owed.
    """
    local = now.astimezone(TZ)
    policy, cal = await load_policy(), await load_calendar(local.date())
    # A sweep dated after today (a clock set wrong, a `remind --today` ahead) must not stop today's sweeps.
    last = await SweepRun.select(SweepRun.day).where(
        SweepRun.finished_at.is_not_null() & (SweepRun.day <= local.date())).order_by(
        SweepRun.day, ascending=False).first()
    owed = days_to_sweep(last["day"] if last else None, local.date(), local.time() >= policy.sweep_at, cal)
    made, emails = 0, 0
    for day in owed:
        result = await _sweep_once(day, now, digest=day == owed[-1])
        made, emails = made + result.reminders, emails + result.emails
    return SweepResult(made, emails) if owed else None


async def _sweep_once(day: dt.date, now: dt.datetime, digest: bool) -> SweepResult:
    await SweepRun.insert(SweepRun(day=day, started_at=now)).on_conflict(action="DO NOTHING")
    result = await sweep(day, now, digest=digest)
    await SweepRun.update({SweepRun.finished_at: now, SweepRun.reminders: result.reminders,
                           SweepRun.emails: result.emails}).where(SweepRun.day == day)
    return result
