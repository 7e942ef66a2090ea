"""Single-use links that set a password: issued, superseded, opened, used.

Only the SHA-256 of a link's token is stored. Using a link is one conditional UPDATE (`used_at IS NULL AND
expires_at > now`), so of two clicks on the same link exactly one sets the password.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from app import audit
from app.db import write_transaction
from app.tables import CredentialLink, Session, User
from app.tokens import digest
from accounts.rules import LINK_AGE


def _open(now: dt.datetime):
    return CredentialLink.used_at.is_null() & (CredentialLink.expires_at > now)


async def issue(user_id: int, purpose: str, now: dt.datetime, by_id: int | None) -> tuple[int, str]:
    """A new link (id, token). It does not yet replace older ones: that happens once it has been sent."""
    token = secrets.token_urlsafe(32)
    [row] = await CredentialLink.insert(CredentialLink(
        key=digest(token), user=user_id, purpose=purpose, created_at=now, expires_at=now + LINK_AGE[purpose],
        created_by_id=by_id)).returning(CredentialLink.id)
    return row["id"], token


async def discard(link_id: int) -> None:
    """A link that never reached its owner must not stay usable."""
    await CredentialLink.delete().where(CredentialLink.id == link_id)


async def supersede(user_id: int, now: dt.datetime, keep: int | None = None) -> None:
    """Close the account's open links (older than `keep`): a newer link, or a new password, makes them useless."""
    query = CredentialLink.update({CredentialLink.expires_at: now}).where(
        (CredentialLink.user == user_id) & _open(now))
    if keep is not None:
        # Only older ones: of two links sent at the same moment (a double click), the newer must stay usable.
        query = query.where(CredentialLink.id < keep)
    await query


async def sent_since(user_id: int, purpose: str, since: dt.datetime) -> list[dt.datetime]:
    rows = await CredentialLink.select(CredentialLink.created_at).where(
        (CredentialLink.user == user_id) & (CredentialLink.purpose == purpose) & (CredentialLink.created_at > since))
    return [r["created_at"] for r in rows]


async def find_open(token: str, now: dt.datetime) -> dict[str, Any] | None:
    """The link and its account, if the link can still be used (unused, not expired, account active)."""
    return await CredentialLink.select(
        CredentialLink.id, CredentialLink.purpose, CredentialLink.expires_at,
        CredentialLink.user.id.as_alias("user_id"), CredentialLink.user.email.as_alias("email")).where(
        (CredentialLink.key == digest(token[:200])) & _open(now) & (CredentialLink.user.active == True)  # noqa: E712
    ).first()


async def use(token: str, password_hash: str, now: dt.datetime) -> dict[str, Any] | None:
    """Set the account's password from the link, once: None if the link is unknown, used, expired, or another
    request used it a moment earlier. Every session of the account ends; the audit row is PASSWORD_RESET."""
    active = User.select(User.id).where(User.active == True)  # noqa: E712
    async with write_transaction():  # SQLite: the write lock at BEGIN, so a racing click waits its turn
        won = await CredentialLink.update({CredentialLink.used_at: now}).where(
            (CredentialLink.key == digest(token[:200])) & _open(now) & CredentialLink.user.is_in(active)
        ).returning(CredentialLink.id, CredentialLink.user, CredentialLink.purpose)
        if not won:
            return None
        link = won[0]
        user = await User.objects().where(User.id == link["user"]).first()
        await User.update({User.password_hash: password_hash}).where(User.id == user.id)
        await supersede(user.id, now)
        await Session.delete().where(Session.user == user.id)
        await audit.record(audit.PASSWORD_RESET, user, now, target=user.email, link=link["purpose"])
    return {"email": user.email, "purpose": link["purpose"]}
