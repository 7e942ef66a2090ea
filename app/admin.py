"""The administrator's pages: accounts, and the audit log (read only)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from app import access, audit, clock, lockout
from app.accounts import ROLE_LABELS, AccountError, pending_invitations, update_user
from app.forms import date_value
from app.clock import TZ
from app.tables import ROLES, AuditEvent, Unit, User

Form = URLEncodedBody[dict[str, str]]


async def users_context(**extra: Any) -> dict[str, Any]:
    users = await User.select(User.all_columns(exclude=[User.password_hash]), User.unit.code.as_alias("unit_code"),
                              User.unit.name.as_alias("unit_name")).order_by(User.role).order_by(User.email)
    units = await Unit.select(Unit.code, Unit.name).order_by(Unit.name)
    return {"users": users, "units": units, "roles": ROLES, "role_labels": ROLE_LABELS, "errors": {},
            "values": {}, "row_errors": {}, "slowed": await lockout.slowed_accounts(clock.now()),
            "invited": await pending_invitations(), "row_notices": {}, **extra}


@get("/admin/users")
async def users_page(request: Request) -> Template:
    access.require_admin(request)
    return Template("admin/users.html", context=await users_context())


# POST /admin/users (a new account, or an invitation) is accounts/password_routes.py: it sends email.


@post("/admin/users/{user_id:int}")
async def user_update(request: Request, user_id: FromPath[int], data: Form) -> Response:
    admin, user = await access.account_for_admin(request, user_id)
    try:
        await update_user(user, data.get("role", ""), data.get("unit") or None, data.get("active") == "on", admin)
    except AccountError as exc:
        return Template("admin/users.html", status_code=400,
                        context=await users_context(row_errors={user_id: str(exc)}))
    return Redirect("/admin/users", status_code=303)


@post("/admin/users/{user_id:int}/unlock")
async def user_unlock(request: Request, user_id: FromPath[int]) -> Redirect:
    """Clear an account's refused sign-ins, e.g. after the owner phoned from a new computer (audited)."""
    admin, user = await access.account_for_admin(request, user_id)
    await lockout.unlock(user, admin, clock.now())
    return Redirect("/admin/users", status_code=303)


PAGE = 50


@get("/admin/audit")
async def audit_page(request: Request, action: FromQuery[str] = "", who: FromQuery[str] = "",
                     day_from: FromQuery[str] = "", day_to: FromQuery[str] = "",
                     before: FromQuery[int | None] = None) -> Template:
    """The audit log, newest first, 50 at a time; read only: there is no way to change it."""
    access.require_audit_reader(request)
    errors: dict[str, str] = {}
    where = []
    if action in audit.ACTION_LABELS:
        where.append(AuditEvent.action == action)
    if who.strip():
        where.append(AuditEvent.actor_email.ilike(f"%{who.strip().lower()[:255]}%"))
    for name, raw, shift in (("day_from", day_from, 0), ("day_to", day_to, 1)):
        if (day := date_value({name: raw}, name, errors)) is None:
            continue
        moment = dt.datetime.combine(day + dt.timedelta(days=shift), dt.time(), TZ)
        where.append(AuditEvent.at >= moment if shift == 0 else AuditEvent.at < moment)
    if before is not None:
        where.append(AuditEvent.id < before)
    query = AuditEvent.select().order_by(AuditEvent.id, ascending=False).limit(PAGE + 1)
    for condition in where:
        query = query.where(condition)
    rows = [] if errors else await query
    events = [{**row, "detail": json.loads(row["detail"] or "{}")} for row in rows[:PAGE]]
    return Template("admin/audit.html", status_code=400 if errors else 200, context={
        "events": events, "labels": audit.ACTION_LABELS, "detail_labels": audit.DETAIL_LABELS,
        "value_labels": audit.VALUE_LABELS, "errors": errors,
        "values": {"action": action, "who": who, "day_from": day_from, "day_to": day_to},
        "next_before": events[-1]["id"] if len(rows) > PAGE else None})


ROUTES = [users_page, user_update, user_unlock, audit_page]
