"""Bearer tokens for the JSON API. Only the SHA-256 of a token is stored; the token is shown once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from app import audit
from app.tables import ApiToken, User

PREFIX = "pp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(user: User, name: str, now: dt.datetime) -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    async with ApiToken._meta.db.transaction():
        await ApiToken.insert(ApiToken(key=_digest(token), user=user.id, name=name, created_at=now))
        await audit.record(audit.TOKEN_CREATED, None, now, target=user.email, name=name)
    return token


async def user_for_bearer(header: str | None, now: dt.datetime) -> User | None:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = await ApiToken.objects().where(
        (ApiToken.key == _digest(token.strip())) & ApiToken.revoked_at.is_null()).first()
    if row is None:
        return None
    user = await User.objects().where((User.id == row.user) & (User.active == True)).first()  # noqa: E712
    if user is not None:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row.id)
    return user
