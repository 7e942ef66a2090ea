"""Signing in and out, the language switch and the health check."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from app.auth import COOKIE, LANG_COOKIE, SESSION_AGE, authenticate, end_session, start_session
from app.i18n import _, normalize_locale, set_locale
from app.settings import get_settings
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


@post("/login")
async def login(request: Request, data: Form) -> Response:
    email, password = data.get("email", ""), data.get("password", "")
    user = await authenticate(email, password)
    if user is None:
        return Template("auth/login.html", status_code=400, context={
            "next": _safe_next(data.get("next")), "email": email,
            "error": _("Wrong email or password, or the account is disabled.")})
    # The old session, if any, ends: a new token is issued at every login.
    await end_session(request.cookies.get(COOKIE))
    token = await start_session(user, dt.datetime.now(dt.timezone.utc))
    response = Redirect(_safe_next(data.get("next")), status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(SESSION_AGE.total_seconds()), httponly=True,
                        secure=get_settings().secure_cookies, samesite="lax")
    return response


@post("/logout")
async def logout(request: Request) -> Redirect:
    await end_session(request.cookies.get(COOKIE))
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
                        secure=get_settings().secure_cookies)
    return response


ROUTES = [home, healthz, login_page, login, logout, change_language]
