"""Signing in and out, the language switch and the health check."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from app import audit, clock
from app.auth import COOKIE, LANG_COOKIE, SESSION_AGE, authenticate, end_session, start_session, user_for_token
from app.db import serialized
from app.i18n import _, normalize_locale, set_locale
from app.settings import get_settings
from app.templating import local_time
from app.tables import User

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _safe_next(target: str | None) -> str:
    # Only local paths: a crafted ?next= must not send people to another site.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/plans"


@get("/", sync_to_thread=False)
def home() -> Redirect:
    return Redirect("/plans", status_code=303)


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/login", sync_to_thread=False)
def login_page(request: Request, next: FromQuery[str | None] = None) -> Template:
    return Template("auth/login.html", context={"next": _safe_next(next), "email": "", "error": None})


def _secure(request: Request) -> bool:
    # Secure whenever the page came over HTTPS (directly, or through a proxy uvicorn trusts), or when told so.
    return get_settings().secure_cookies or request.url.scheme == "https"


def _login_refused(data: dict[str, str], email: str, error: str, status: int, **headers: str) -> Template:
    return Template("auth/login.html", status_code=status, headers=headers or None, context={
        "next": _safe_next(data.get("next")), "email": email, "error": error})


def _locked_message(until: dt.datetime) -> str:
    return _("Too many refused sign-ins. Sign-in is locked until %(time)s; try again then, or ask the "
             "administrator to check the account.", time=local_time(until))


@post("/login")
async def login(request: Request, data: Form) -> Response:
    email, password = data.get("email", "")[:255], data.get("password", "")
    ip = audit.client_ip.get()
    # One attempt per account at a time, in every process: a burst of guesses cannot all pass the lock check
    # before the first refusal is written.
    async with serialized(f"sign-in:{email.strip().lower()}"):
        now = clock.now()  # once the turn has come, so each attempt sees those before it
        until = await audit.sign_in_lock(email, ip, now)
        if until:
            # Locked: even the right password is refused, so guessing cannot go on. Logged once per lockout.
            await audit.record_lockout(email, until, now, local_time(until))
            return _login_refused(data, email, _locked_message(until), 429, **_retry_after(until, now))
        user = await authenticate(email, password)
        if user is None:
            await audit.record(audit.LOGIN_FAILED, None, now, email=email)
            until = await audit.sign_in_lock(email, ip, now)
            if until:
                return _login_refused(data, email, _locked_message(until), 429, **_retry_after(until, now))
            return _login_refused(data, email, _("Wrong email or password, or the account is disabled."), 400)
        # The old session, if any, ends: a new token is issued at every login (no session fixation).
        await end_session(request.cookies.get(COOKIE))
        token = await start_session(user, now)
        await audit.record(audit.LOGIN, user, now)
    response = Redirect(_safe_next(data.get("next")), status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(SESSION_AGE.total_seconds()), httponly=True,
                        secure=_secure(request), samesite="lax")
    return response


def _retry_after(until: dt.datetime, now: dt.datetime) -> dict[str, str]:
    return {"retry-after": str(max(1, int((until - now).total_seconds())))}


@post("/logout")
async def logout(request: Request) -> Redirect:
    token = request.cookies.get(COOKIE)
    now = clock.now()
    user = await user_for_token(token, now)
    await end_session(token)
    if user is not None:
        await audit.record(audit.LOGOUT, user, now)
    response = Redirect("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@post("/language")
async def change_language(request: Request, data: Form) -> Redirect:
    language = normalize_locale(data.get("language"))
    user = request.scope.get("user")
    if user is not None:
        await User.update({User.language: language}).where(User.id == user.id)
    set_locale(language)
    response = Redirect(_safe_next(data.get("next")), status_code=303)
    response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="lax",
                        secure=_secure(request))
    return response


ROUTES = [home, healthz, login_page, login, logout, change_language]
