"""Bearer tokens for the JSON API. Only the SHA-256 of a token is stored; the token is shown once.

A token lives DEFAULT_DAYS unless its creator asks for 1..MAX_DAYS. It ends early when its owner, an
administrator or the command line revokes it, or when the account is deactivated; a revoked token never
comes back, not even when the account is reactivated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from litestar.exceptions import NotAuthorizedException

from app import audit
from app.dates import local_time
from app.i18n import _
from app.tables import ApiToken, User

PREFIX = "pp_"
DEFAULT_DAYS, MAX_DAYS = 90, 366
NAME_LENGTH = 128
# Stamping the last use on every call would turn every API read into a database write; to the minute is
# precise enough to tell whether a token is still in use.
LAST_USED_EVERY = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A refused token request (a lifetime out of bounds, a name too long)."""


def digest(token: str) -> str:
    """What is kept of a secret shown once (an API token, a session cookie, a device cookie, an emailed link):
    its SHA-256, so a copy of the tables opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


# Pure rules ----------------------------------------------------------------------------------------

def lifetime(days: int) -> dt.timedelta:
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(_("A token lives from 1 to %(max)s days.", max=MAX_DAYS))
    return dt.timedelta(days=days)


def token_state(revoked_at: dt.datetime | None, expires_at: dt.datetime | None, now: dt.datetime) -> str:
    """Revoked wins over expired: it says someone acted. No expiry (never set) means it does not expire."""
    if revoked_at is not None:
        return "revoked"
    return "expired" if expires_at is not None and expires_at <= now else "active"


def refusal(row: dict[str, Any], now: dt.datetime) -> str | None:
    """Why the API refuses this token, in words a script's author can act on; None when it is good."""
    state = token_state(row["revoked_at"], row["expires_at"], now)
    if state == "revoked":
        return _("This API token was revoked on %(when)s.", when=local_time(row["revoked_at"]))
    if state == "expired":
        return _("This API token expired on %(when)s. Create a new one on your profile page.",
                 when=local_time(row["expires_at"]))
    return None


def needs_stamp(last_used_at: dt.datetime | None, now: dt.datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USED_EVERY


# Creating, listing, revoking -----------------------------------------------------------------------

async def create_token(user: User, name: str, now: dt.datetime, days: int = DEFAULT_DAYS,
                       actor: User | None = None) -> str:
    """A new token for `user`, returned once. `actor` is who asked (None: the command line)."""
    name = name.strip()
    if len(name) > NAME_LENGTH:
        raise TokenError(_("A token name has at most %(n)s characters.", n=NAME_LENGTH))
    expires_at = now + lifetime(days)
    token = PREFIX + secrets.token_urlsafe(32)
    async with ApiToken._meta.db.transaction():
        await ApiToken.insert(ApiToken(key=digest(token), user=user.id, name=name, created_at=now,
                                       expires_at=expires_at))
        await audit.record(audit.TOKEN_CREATED, actor, now, target=user.email, name=name,
                           expires=local_time(expires_at))
    return token


async def tokens_of(user_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    """Every token of the account, newest first, with its state at `now` (never the key)."""
    rows = await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.created_at, ApiToken.expires_at,
                                 ApiToken.last_used_at, ApiToken.revoked_at).where(
        ApiToken.user == user_id).order_by(ApiToken.id, ascending=False)
    return [{**row, "state": token_state(row["revoked_at"], row["expires_at"], now)} for row in rows]


async def find_token(token_or_id: str) -> ApiToken | None:
    """The command line names a token by its id (from `token list`) or by the token itself."""
    value = token_or_id.strip()
    if value.isdecimal():
        return await ApiToken.objects().where(ApiToken.id == int(value)).first()
    return await ApiToken.objects().where(ApiToken.key == digest(value)).first() if value else None


async def revoke_token(token: ApiToken, actor: User | None, now: dt.datetime) -> bool:
    """False when it was revoked already: the conditional UPDATE lets one of two revocations win, and
    only the winner writes the audit row."""
    async with ApiToken._meta.db.transaction():
        done = await ApiToken.update({ApiToken.revoked_at: now}).where(
            (ApiToken.id == token.id) & ApiToken.revoked_at.is_null()).returning(ApiToken.id)
        if done:
            owner = await User.select(User.email).where(User.id == token.user).first()
            await audit.record(audit.TOKEN_REVOKED, actor, now, target=owner["email"], name=token.name,
                               token=token.id)
    return bool(done)


async def revoke_all(user: User, actor: User | None, now: dt.datetime, reason: str = "") -> int:
    """Revoke every live token of the account; how many. Joins the caller's transaction if there is one
    (deactivating an account revokes its tokens in the same transaction)."""
    async with ApiToken._meta.db.transaction():
        done = await ApiToken.update({ApiToken.revoked_at: now}).where(
            (ApiToken.user == user.id) & ApiToken.revoked_at.is_null()).returning(ApiToken.id)
        if done:
            extra = {"reason": reason} if reason else {}
            await audit.record(audit.TOKENS_REVOKED, actor, now, target=user.email, tokens=len(done), **extra)
    return len(done)


# Signing in with a token ---------------------------------------------------------------------------

async def user_for_bearer(header: str | None, now: dt.datetime) -> User | None:
    """The account behind an `Authorization: Bearer` header, or None. A known token that expired or was
    revoked is refused outright (401) with the reason, so that the script's author knows what to do."""
    scheme, _sep, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = await ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.expires_at, ApiToken.revoked_at,
                                ApiToken.last_used_at).where(ApiToken.key == digest(token.strip())).first()
    if row is None:
        return None
    if reason := refusal(row, now):
        raise NotAuthorizedException(reason, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    user = await User.objects().where((User.id == row["user"]) & (User.active == True)).first()  # noqa: E712
    if user is not None and needs_stamp(row["last_used_at"], now):
        # Conditional: of several calls in the same minute, at most one writes.
        await ApiToken.update({ApiToken.last_used_at: now}).where(
            (ApiToken.id == row["id"]) & (ApiToken.last_used_at.is_null()
                                          | (ApiToken.last_used_at <= now - LAST_USED_EVERY)))
    return user
