"""Passwords, database-backed sessions, and the middleware that puts the user on the request."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import os
import secrets
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from anyio import CapacityLimiter, to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar._parsers import parse_cookie_string
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from app.audit import client_ip
from app.i18n import normalize_locale, set_locale
from app.tables import Session, User
from app.tokens import digest, user_for_bearer

COOKIE = "parplan_session"
LANG_COOKIE = "parplan_lang"
SESSION_AGE = dt.timedelta(hours=12)
MIN_PASSWORD = 8
T = TypeVar("T")

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_key(token: str) -> str:
    """What the session table keeps of a cookie's token."""
    return digest(token)


# argon2-cffi's defaults use 4 lanes (threads) and 64 MiB per check: one check at a time per core pair keeps
# the machine responsive under 30 simultaneous sign-ins (docs/security.md, bench/signin_stall.py).
ARGON2_SLOTS = max(1, (os.cpu_count() or 2) // 2)
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = weakref.WeakKeyDictionary()


def _argon2_slots() -> CapacityLimiter:
    # One limiter per event loop: anyio's limiter belongs to the loop it was made in (tests run several).
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = CapacityLimiter(ARGON2_SLOTS)
    return _slots[loop]


async def argon2(fn: Callable[..., T], *args: Any) -> T:
    """Every argon2 hash or check goes through here: in a thread, a few at a time per process (ARGON2_SLOTS),
    so no route, signed in or not, can make the process run more of them at once than the machine can bear."""
    return await to_thread.run_sync(fn, *args, limiter=_argon2_slots())


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


async def authenticate(email: str, password: str) -> User | None:
    user = await User.objects().where(User.email == email.strip().lower()).first()
    # An unknown email costs the same argon2 work, so timing does not reveal who has an account.
    # argon2 is slow on purpose: in a thread, so the process serves other requests meanwhile, and a few at a
    # time, so that a burst of sign-ins queues here instead of starving every other request of the CPU.
    valid = await argon2(verify_password, user.password_hash if user else _dummy_hash(), password)
    if user is None or not user.active or not valid:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = await argon2(hash_password, password)
        await user.save([User.password_hash])
    return user


async def start_session(user: User, now: dt.datetime) -> str:
    """A new random token at every login, so a planted cookie is never promoted (no fixation)."""
    token = secrets.token_urlsafe(32)
    await Session.insert(Session(key=session_key(token), user=user.id, created_at=now, expires_at=now + SESSION_AGE))
    return token


async def end_session(token: str | None) -> None:
    if token:
        await Session.delete().where(Session.key == session_key(token))


async def user_for_token(token: str | None, now: dt.datetime) -> User | None:
    if not token:
        return None
    # One query, not two: every request but the static files starts here.
    session_user = Session.select(Session.user).where((Session.key == session_key(token)) & (Session.expires_at > now))
    return await User.objects().where(User.id.is_in(session_user) & (User.active == True)).first()  # noqa: E712


class AuthMiddleware(ASGIMiddleware):
    """Loads the signed-in user (or None) and the request's language before any handler runs."""

    exclude_path_pattern = ("^/static/",)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        cookies = _cookies(scope)
        now = dt.datetime.now(dt.timezone.utc)
        if scope["path"].startswith("/api/"):
            # The API takes bearer tokens only: no cookies, so no cross-site requests to guard against.
            user = await user_for_bearer(_header(scope, b"authorization"), now)
        else:
            user = await user_for_token(cookies.get(COOKIE), now)
        scope["user"] = user
        client = scope.get("client")
        ip_token = client_ip.set(client[0] if client else "")
        token = set_locale(user.language if user else normalize_locale(cookies.get(LANG_COOKIE)))
        try:
            await next_app(scope, receive, send)
        finally:
            from app.i18n import _current

            _current.reset(token)
            client_ip.reset(ip_token)


def use_request_locale(scope: Scope) -> None:
    """The person's language again, for an error answered after the exception left this middleware."""
    user = scope.get("user")
    set_locale(user.language if user else normalize_locale(_cookies(scope).get(LANG_COOKIE)))


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == name), None)


def _cookies(scope: Scope) -> dict[str, str]:
    # Litestar's parser skips a malformed cookie instead of dropping every cookie on the request.
    raw = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie").decode("latin-1")
    return parse_cookie_string(raw) if raw else {}
