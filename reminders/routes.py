"""Reminder pages: the secretariat's policy and working-day calendar, the profile, the admin's outbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import File, Redirect, Template

from app import access, audit, clock
from app.i18n import _
from app.mail import FileTransport
from app.settings import get_settings
from app.tables import User
from reminders import forms, queries
from reminders.tables import CalendarDay, OutboxEmail, ReminderPolicy

Form = URLEncodedBody[dict[str, str]]
RETRYABLE = ("failed", "pending")


def _version(data: dict[str, str]) -> int:
    raw = data.get("version") or ""
    return int(raw) if raw.isdecimal() else -1


# The policy ----------------------------------------------------------------------------------------

async def _settings_page(first: dt.date, status: int = 200, **extra: Any) -> Template:
    row = await queries.policy_row()
    return Template("reminders/settings.html", status_code=status, context={
        "row": row, "values": forms.policy_values(row), "errors": {}, "version": row["version"] if row else 0,
        "conflict": False, "saved": False, "sweeps": await queries.last_sweeps(),
        "cal": await queries.month_days(first), **extra})


@get("/reminders/settings")
async def settings_page(request: Request, month: FromQuery[str] = "", saved: FromQuery[bool] = False) -> Template:
    """One URL, two shapes: the month's days for htmx (the month picker), otherwise the whole page."""
    access.require_reminder_editor(request)
    first = forms.month_param(month, clock.today())
    if request.htmx and not request.htmx.history_restore_request:
        return HTMXTemplate(template_name="reminders/_month.html", context={"cal": await queries.month_days(first)})
    return await _settings_page(first, saved=saved)


async def _save_policy(columns: dict[str, Any], seen: int, user: User) -> bool:
    """Save if nobody saved since the editor opened the form (version `seen`; 0: no policy saved yet)."""
    stamp = {"updated_at": clock.now(), "updated_by": user.id}
    first = await queries.policy_id()
    if first is None:
        if seen != 0:
            return False
        [mine] = await ReminderPolicy.insert(ReminderPolicy(**columns, **stamp, version=1)).returning(ReminderPolicy.id)
        if await queries.policy_id() == mine["id"]:
            await audit.record(audit.REMINDER_POLICY, user, stamp["updated_at"], version=1, **columns)
            return True
        # Another first save got there earlier: theirs is the policy (the first row), this one is stale.
        await ReminderPolicy.delete().where(ReminderPolicy.id == mine["id"])
        return False
    # Conditional on the version the editor saw: of two racing saves exactly one wins.
    async with ReminderPolicy._meta.db.transaction():
        done = await ReminderPolicy.update({**columns, **stamp, "version": seen + 1}).where(
            (ReminderPolicy.id == first) & (ReminderPolicy.version == seen)).returning(ReminderPolicy.id)
        if done:
            await audit.record(audit.REMINDER_POLICY, user, stamp["updated_at"], version=seen + 1, **columns)
    return bool(done)


@post("/reminders/settings")
async def settings_save(request: Request, data: Form) -> Response:
    user = access.require_reminder_editor(request)
    values, errors, columns = forms.policy_form(data)
    first, seen = clock.today().replace(day=1), _version(data)
    if errors:
        return await _settings_page(first, 400, values=values, errors=errors, version=seen)
    if not await _save_policy(columns, seen, user):
        return await _settings_page(first, 409, values=values, version=seen, conflict=True)
    return Redirect("/reminders/settings?saved=true", status_code=303)


# The working-day calendar -------------------------------------------------------------------------

async def _calendar_page(status: int = 200, **extra: Any) -> Template:
    today = clock.today()
    days = await queries.admin_days()
    return Template("reminders/calendar.html", status_code=status, context={
        "upcoming": [d for d in days if d["day"] >= today], "past": [d for d in reversed(days) if d["day"] < today],
        "values": {"kind": "workday"}, "errors": {}, **extra})


@get("/reminders/calendar")
async def calendar_page(request: Request) -> Template:
    access.require_reminder_editor(request)
    return await _calendar_page()


async def _add_day(day: dict[str, Any], user: User) -> str | None:
    """Add the day; why not, if it cannot be added."""
    duplicate = _("%(day)s is already in the list.", day=day["day"].strftime("%d/%m/%Y"))
    if await CalendarDay.exists().where(CalendarDay.day == day["day"]):
        return duplicate
    conflict = forms.day_conflict(day["day"], day["kind"], await queries.calendar_for(day["day"].year))
    if conflict:
        return conflict
    async with CalendarDay._meta.db.transaction():
        added = await CalendarDay.insert(CalendarDay(**day, created_by=user.id, created_at=clock.now())).on_conflict(
            action="DO NOTHING").returning(CalendarDay.id)
        if added:
            await audit.record(audit.CALENDAR_DAY, user, clock.now(), target=day["day"].isoformat(), added=day["kind"])
    return None if added else duplicate  # another editor added the same day meanwhile


@post("/reminders/calendar")
async def calendar_add(request: Request, data: Form) -> Response:
    user = access.require_reminder_editor(request)
    values, errors, day = forms.day_form(data)
    if not errors and (refused := await _add_day(day, user)):
        errors["day"] = refused
    if errors:
        return await _calendar_page(400, values=values, errors=errors)
    return Redirect("/reminders/calendar", status_code=303)


@post("/reminders/calendar/{day_id:int}/delete")
async def calendar_delete(request: Request, day_id: FromPath[int]) -> Redirect:
    user = access.require_reminder_editor(request)
    # Deleting a day already deleted (a second click, another editor) leaves the same list: no error.
    async with CalendarDay._meta.db.transaction():
        removed = await CalendarDay.delete().where(CalendarDay.id == day_id).returning(CalendarDay.day,
                                                                                       CalendarDay.kind)
        for day in removed:
            await audit.record(audit.CALENDAR_DAY, user, clock.now(), target=day["day"].isoformat(),
                               removed=day["kind"])
    return Redirect("/reminders/calendar", status_code=303)


# The profile ---------------------------------------------------------------------------------------

def _profile_page(user: User, status: int = 200, **extra: Any) -> Template:
    values = {"reminders": user.reminders, "reminder_hour": "" if user.reminder_hour is None else str(user.reminder_hour)}
    return Template("auth/profile.html", status_code=status, context={
        "me": user, "values": values, "errors": {}, "saved": False, "hours": forms.HOURS, **extra})


@get("/profile")
async def profile_page(request: Request, saved: FromQuery[bool] = False) -> Template:
    return _profile_page(access.require_user(request), saved=saved)


@post("/profile")
async def profile_save(request: Request, data: Form) -> Response:
    user = access.require_user(request)
    values, errors, columns = forms.profile_form(data)
    if errors:
        return _profile_page(user, 400, values=values, errors=errors)
    await User.update({User.reminders: columns["reminders"], User.reminder_hour: columns["reminder_hour"]}).where(
        User.id == user.id)
    return Redirect("/profile?saved=true", status_code=303)


# The outbox ----------------------------------------------------------------------------------------

@get("/admin/deliveries")
async def deliveries_page(request: Request, status: FromQuery[str] = "", day: FromQuery[str] = "",
                          page: FromQuery[int] = 1) -> Template:
    access.require_outbox_reader(request)
    values, errors, where = forms.outbox_filters(status, day)
    page = min(max(page, 1), 10**6)  # beyond the last page is simply empty; a huge offset overflows the database
    rows, total = await queries.outbox(where["status"], where["day"], page)
    return Template("admin/deliveries.html", status_code=400 if errors else 200, context={
        "rows": rows, "total": total, "page": page, "pages": max(1, -(-total // queries.PER_PAGE)),
        "values": values, "errors": errors, "statuses": forms.OUTBOX_STATUSES})


def eml_path(email: dict[str, Any]) -> Path:
    """Where the file transport wrote the email: built from the row, never from the URL."""
    return FileTransport(get_settings().outbox_dir).path(email)


async def _email(email_id: int) -> dict[str, Any]:
    return access.found(await queries.outbox_email(email_id))


def _email_page(email: dict[str, Any], status: int = 200, **extra: Any) -> Template:
    return Template("reminders/email.html", status_code=status, context={
        "email": email, "has_file": eml_path(email).is_file(), "retryable": email["status"] in RETRYABLE,
        "retried": False, "refused": False, "statuses": forms.OUTBOX_STATUSES, **extra})


@get("/admin/deliveries/{email_id:int}")
async def delivery_page(request: Request, email_id: FromPath[int], retried: FromQuery[bool] = False) -> Template:
    access.require_outbox_reader(request)
    return _email_page(await _email(email_id), retried=retried)


@post("/admin/deliveries/{email_id:int}/retry")
async def delivery_retry(request: Request, email_id: FromPath[int]) -> Response:
    """Send again now: back to pending, due at once; the attempts so far stay counted."""
    access.require_outbox_reader(request)
    # Conditional on the status: an email a worker is sending, or has sent, is left alone.
    done = await OutboxEmail.update({OutboxEmail.status: "pending", OutboxEmail.not_before: clock.now()}).where(
        (OutboxEmail.id == email_id) & OutboxEmail.status.is_in(list(RETRYABLE))).returning(OutboxEmail.id)
    if not done:
        return _email_page(await _email(email_id), 409, refused=True)
    return Redirect(f"/admin/deliveries/{email_id}?retried=true", status_code=303)


@get("/admin/deliveries/{email_id:int}/eml")
async def delivery_eml(request: Request, email_id: FromPath[int]) -> File:
    access.require_outbox_reader(request)
    path = eml_path(await _email(email_id))
    if not path.is_file():
        access.not_found(_("No file was written for this email."))
    return File(path, filename=path.name, media_type="message/rfc822")


ROUTES = [settings_page, settings_save, calendar_page, calendar_add, calendar_delete, profile_page, profile_save,
          deliveries_page, delivery_page, delivery_retry, delivery_eml]
