"""Signing in and out, the language switch and the health check."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from app import audit, clock, lockout
from app.auth import COOKIE, LANG_COOKIE, SESSION_AGE, authenticate, end_session, start_session, user_for_token
from app.body_guard import OPEN_TO_ANYONE
from app.db import write_transaction
from app.i18n import _, normalize_locale, set_locale
from app.settings import get_settings
from app.dates import local_time
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


def _locked_message(lock: lockout.Lock, known_device: bool) -> str:
    if known_device:
        return _("Too many refused sign-ins on this device. Try again after %(time)s, or use a password reset "
                 "link.", time=local_time(lock.until))
    if lock.by_address:
        return _("Too many refused sign-ins from this network. Sign-in from a new device is paused until "
                 "%(time)s; from a device you signed in on before, it works as usual.", time=local_time(lock.until))
    return _("Too many refused sign-ins for this account. Sign-in from a new device is paused until %(time)s; "
             "from a device you signed in on before, or with a password reset link, it works at once.",
             time=local_time(lock.until))


@post("/login", opt=OPEN_TO_ANYONE)
async def login(request: Request, data: Form) -> Response:
    """Sign in. The lock check and the attempt's place in the count are claimed in one short transaction, the
    password is checked outside any transaction, the outcome is written in another (app/lockout.py): argon2
    never runs under SQLite's write lock, and simultaneous guesses still cannot exceed the budget."""
    email, password = data.get("email", "")[:255].strip().lower(), data.get("password", "")
    device_cookie = request.cookies.get(lockout.DEVICE_COOKIE)
    known = await lockout.is_known_device(email, device_cookie, clock.now())
    turn = await lockout.claim(email, audit.client_ip.get(), known)
    if isinstance(turn, lockout.Lock):
        # Held back: even the right password is refused, so guessing cannot go on. Logged once per lock.
        return _login_refused(data, email, _locked_message(turn, known), 429, **_retry_after(turn.until, clock.now()))
    try:
        user = await authenticate(email, password)
    except BaseException:
        await lockout.release(turn)
        raise
    if user is None:
        await lockout.refuse(turn)
        now = clock.now()
        lock = await lockout.sign_in_lock(email, audit.client_ip.get(), known, now)
        if lock:
            return _login_refused(data, email, _locked_message(lock, known), 429, **_retry_after(lock.until, now))
        return _login_refused(data, email, _("Wrong email or password, or the account is disabled."), 400)
    async with write_transaction():
        # The old session, if any, ends: a new token is issued at every login (no session fixation).
        await end_session(request.cookies.get(COOKIE))
        token = await start_session(user, clock.now())
        device = await lockout.admit(user, turn, device_cookie)
    response = Redirect(_safe_next(data.get("next")), status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(SESSION_AGE.total_seconds()), httponly=True,
                        secure=_secure(request), samesite="lax")
    response.set_cookie(lockout.DEVICE_COOKIE, device, max_age=int(lockout.DEVICE_AGE.total_seconds()),
                        httponly=True, secure=_secure(request), samesite="lax")
    return response


def _retry_after(until: dt.datetime, now: dt.datetime) -> dict[str, str]:
    return {"retry-after": str(max(1, int((until - now).total_seconds())))}


@post("/logout", opt=OPEN_TO_ANYONE)
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


@post("/language", opt=OPEN_TO_ANYONE)
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
