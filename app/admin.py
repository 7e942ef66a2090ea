"""Account management for the administrator."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from app import access
from app.accounts import ROLE_LABELS, AccountError, create_user, update_user
from app.i18n import _
from app.tables import ROLES, Unit, User

Form = URLEncodedBody[dict[str, str]]


async def _context(**extra: Any) -> dict[str, Any]:
    users = await User.select(User.all_columns(exclude=[User.password_hash]), User.unit.code.as_alias("unit_code"),
                              User.unit.name.as_alias("unit_name")).order_by(User.role).order_by(User.email)
    units = await Unit.select(Unit.code, Unit.name).order_by(Unit.name)
    return {"users": users, "units": units, "roles": ROLES, "role_labels": ROLE_LABELS, "errors": {},
            "values": {}, "row_errors": {}, **extra}


@get("/admin/users")
async def users_page(request: Request) -> Template:
    access.require_admin(request)
    return Template("admin/users.html", context=await _context())


@post("/admin/users")
async def user_create(request: Request, data: Form) -> Response:
    access.require_admin(request)
    try:
        await create_user(data.get("email", ""), data.get("role", ""), data.get("unit") or None,
                          data.get("password", ""), data.get("full_name", "").strip(), data.get("language", "vi"))
    except AccountError as exc:
        values = {k: v for k, v in data.items() if k != "password"}
        return Template("admin/users.html", status_code=400,
                        context=await _context(errors={exc.field or "email": str(exc)}, values=values))
    return Redirect("/admin/users", status_code=303)


@post("/admin/users/{user_id:int}")
async def user_update(request: Request, user_id: FromPath[int], data: Form) -> Response:
    admin = access.require_admin(request)
    user = await User.objects().where(User.id == user_id).first()
    if user is None:
        raise NotFoundException(_("Not found."))
    try:
        await update_user(user, data.get("role", ""), data.get("unit") or None, data.get("active") == "on", admin)
    except AccountError as exc:
        return Template("admin/users.html", status_code=400,
                        context=await _context(row_errors={user_id: str(exc)}))
    return Redirect("/admin/users", status_code=303)


ROUTES = [users_page, user_create, user_update]
