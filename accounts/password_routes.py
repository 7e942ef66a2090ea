"""Password pages: the change form on the profile, the forgotten-password form and the emailed link, and the
admin's invitations and forced resets."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

from app import access, clock
from app.accounts import AccountError, create_user, pending_invitations
from app.admin import users_context  # the accounts page, which these admin acts answer with
from app.auth import COOKIE, argon2, hash_password, session_key
from app.body_guard import OPEN_TO_ANYONE
from app.i18n import _
from accounts import links
from accounts.mail import SendFailed, send_link
from accounts.passwords import change_password, force_reset, request_reset
from accounts.rules import new_password_errors

Form = URLEncodedBody[dict[str, str]]


# Changing one's password (a section of /profile) --------------------------------------------------

@get("/profile/password")
async def password_page(request: Request, changed: FromQuery[bool] = False) -> Template:
    """The change form alone: where the form lands without htmx."""
    access.require_user(request)
    return Template("accounts/password.html", context={"pw_errors": {}, "pw_changed": changed})


@post("/profile/password")
async def password_change(request: Request, data: Form) -> Response:
    """One URL, two shapes: the profile's section for htmx, otherwise the page (or a redirect to it)."""
    user = access.require_user(request)
    errors = await change_password(user, data.get("current", ""), data.get("new", ""), data.get("confirm", ""),
                                   session_key(request.cookies.get(COOKIE, "")), clock.now())
    context = {"pw_errors": errors, "pw_changed": not errors}
    if request.htmx:
        return HTMXTemplate(template_name="accounts/_password.html", context=context,
                            status_code=400 if errors else 200)
    if errors:
        return Template("accounts/password.html", context=context, status_code=400)
    return Redirect("/profile/password?changed=true", status_code=303)


# A forgotten password -----------------------------------------------------------------------------

@get("/password/forgot")
async def forgot_page(request: Request) -> Template:
    return Template("accounts/forgot.html", context={"email": "", "sent": False})


@post("/password/forgot", opt=OPEN_TO_ANYONE)
async def forgot(request: Request, data: Form) -> Template:
    """The same answer, at once, whether or not the account exists: the lookup, the rate limit and the email
    happen after the answer has gone (a background task), so neither the page nor its timing tells."""
    email = data.get("email", "")[:255]
    return Template("accounts/forgot.html", context={"email": email, "sent": True},
                    background=BackgroundTask(request_reset, email, clock.now()))


def _dead_link() -> Template:
    return Template("accounts/link_dead.html", status_code=400)


@get("/password/reset/{token:str}")
async def reset_page(request: Request, token: FromPath[str]) -> Template:
    link = await links.find_open(token, clock.now())
    if link is None:
        return _dead_link()
    return Template("accounts/reset.html", context={"link": link, "token": token, "errors": {}})


@post("/password/reset/{token:str}", opt=OPEN_TO_ANYONE)
async def reset(request: Request, token: FromPath[str], data: Form) -> Response:
    """Set the password from the link: once (the link is used up), then sign in with it."""
    new = data.get("new", "")
    # The link first: an unknown or dead one costs no argon2 work (this route is open to anyone).
    link = await links.find_open(token, clock.now())
    if link is None:
        return _dead_link()
    errors = new_password_errors(new, data.get("confirm", ""))
    if errors:
        return Template("accounts/reset.html", status_code=400, context={"link": link, "token": token,
                                                                         "errors": errors})
    password_hash = await argon2(hash_password, new)
    if await links.use(token, password_hash, clock.now()) is None:
        return _dead_link()  # unknown, expired, or another click used it a moment ago
    return Redirect("/login?password=set", status_code=303)


# The admin: invitations and forced resets -----------------------------------------------------------

async def _users_page(status: int = 200, **extra: Any) -> Template:
    return Template("admin/users.html", status_code=status, context=await users_context(**extra))


@post("/admin/users")
async def user_create(request: Request, data: Form) -> Response:
    """A new account; without a password, its owner is emailed an invitation to choose one."""
    admin = access.require_admin(request)
    password = data.get("password", "") or None
    try:
        user = await create_user(data.get("email", ""), data.get("role", ""), data.get("unit") or None, password,
                                 data.get("full_name", "").strip(), data.get("language", "vi"), actor=admin)
    except AccountError as exc:
        values = {k: v for k, v in data.items() if k != "password"}
        return await _users_page(400, errors={exc.field or "email": str(exc)}, values=values)
    if password is None:
        try:
            await send_link(user, "invite", clock.now(), by=admin)
        except SendFailed as exc:
            return await _users_page(503, row_errors={user.id: _(
                "The account was created, but the invitation email could not be sent (%(reason)s). Check the "
                "mail settings, then press “Resend invitation”.", reason=exc)})
    return Redirect("/admin/users", status_code=303)


@post("/admin/users/{user_id:int}/reset")
async def user_force_reset(request: Request, user_id: FromPath[int]) -> Template:
    """The password stops working and every session ends; a reset link goes to the account's owner."""
    admin, user = await access.account_for_admin(request, user_id)
    if not user.active:
        return await _users_page(400, row_errors={user.id: _("The account is disabled: enable it first.")})
    try:
        await force_reset(user, admin, clock.now())
    except SendFailed as exc:
        return await _users_page(503, row_errors={user.id: _(
            "The password no longer works and the account is signed out everywhere, but the email with the reset "
            "link could not be sent (%(reason)s). Press “Force password reset” again once mail works.", reason=exc)})
    return await _users_page(row_notices={user.id: _("A password reset link has been sent to %(email)s.",
                                                     email=user.email)})


@post("/admin/users/{user_id:int}/invite")
async def user_reinvite(request: Request, user_id: FromPath[int]) -> Template:
    admin, user = await access.account_for_admin(request, user_id)
    if not user.active or user.id not in await pending_invitations():
        return await _users_page(400, row_errors={user.id: _("This account has no pending invitation.")})
    try:
        await send_link(user, "invite", clock.now(), by=admin)
    except SendFailed as exc:
        return await _users_page(503, row_errors={user.id: _(
            "The invitation email could not be sent (%(reason)s). Try again once mail works.", reason=exc)})
    return await _users_page(row_notices={user.id: _("The invitation has been sent again to %(email)s.",
                                                     email=user.email)})


ROUTES = [password_page, password_change, forgot_page, forgot, reset_page, reset, user_create, user_force_reset,
          user_reinvite]
