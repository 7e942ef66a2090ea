"""Password acts: a person changes theirs, asks for a reset link, or the admin forces a reset.

argon2 is slow on purpose: every hash and check runs in a thread, as app.auth.authenticate does, so the process
serves other requests meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from app import audit, lockout
from app.auth import argon2, hash_password, verify_password
from app.db import serialized
from app.i18n import _
from app.dates import local_time
from app.tables import KnownDevice, Session, User
from app.tokens import revoke_all
from accounts import links
from accounts.mail import SendFailed, send_link
from accounts.rules import new_password_errors, reset_allowed

log = logging.getLogger(__name__)


async def change_password(user: User, current: str, new: str, confirm: str, session_key: str,
                          now: dt.datetime) -> dict[str, str]:
    """Errors by field, or {} when changed: the account's other sessions end (this one, `session_key`, stays)."""
    stored = await User.select(User.password_hash).where(User.id == user.id).first()
    # A stolen session must not be a way to guess the password: wrong current passwords count as refused
    # sign-ins on a known device (app/lockout.py), with the same back-off.
    turn = await lockout.claim(user.email, audit.client_ip.get(), known_device=True)
    if isinstance(turn, lockout.Lock):
        return {"current": _("Too many wrong passwords. Try again after %(time)s.", time=local_time(turn.until))}
    try:
        valid = await argon2(verify_password, stored["password_hash"], current)
    except BaseException:
        await lockout.release(turn)
        raise
    if not valid:
        await lockout.refuse(turn)
        return {"current": _("The current password is wrong.")}
    await lockout.release(turn)
    errors = new_password_errors(new, confirm)
    if errors:
        return errors
    password_hash = await argon2(hash_password, new)
    async with User._meta.db.transaction():
        await User.update({User.password_hash: password_hash}).where(User.id == user.id)
        ended = await Session.delete().where((Session.user == user.id) & (Session.key != session_key)).returning(
            Session.id)
        await links.supersede(user.id, now)  # a reset link sent earlier must not undo this change
        await audit.record(audit.PASSWORD_CHANGED, user, now, target=user.email, sessions_ended=len(ended))
    return {}


def unusable_hash() -> str:
    """A hash of a secret nobody knows: no password opens the account, and checking one takes the usual time."""
    return hash_password(secrets.token_urlsafe(32))


async def request_reset(email: str, now: dt.datetime) -> None:
    """The forgotten-password form's work, after the answer has gone (the same answer for every address).

    Nothing happens for an unknown or disabled account, or beyond the rate limit. One request per account at a
    time (in every process), so two quick requests cannot both pass the limit."""
    email = email.strip().lower()[:255]
    user = await User.objects().where((User.email == email) & (User.active == True)).first()  # noqa: E712
    if user is None:
        return
    async with serialized(f"password-reset:{user.id}"):
        if not reset_allowed(await links.sent_since(user.id, "reset", now - dt.timedelta(hours=1)), now):
            log.info("reset link for %s not sent: rate limit", email)
            return
        link_id, token = await links.issue(user.id, "reset", now, None)
    try:
        await send_link(user, "reset", now, issued=(link_id, token))
    except SendFailed:
        pass  # logged, and the link is gone; the person asks again (nobody here may be told the account exists)


async def force_reset(user: User, admin: User, now: dt.datetime) -> None:
    """The old password stops working and every session ends at once; then a reset link is emailed.

    The first part stands even when sending fails (SendFailed): the account is safe, and the admin presses
    again once mail works."""
    password_hash = await argon2(unusable_hash)
    async with User._meta.db.transaction():
        await User.update({User.password_hash: password_hash}).where(User.id == user.id)
        ended = await Session.delete().where(Session.user == user.id).returning(Session.id)
        # The admin's button for a compromised account: an intruder's API tokens and remembered browsers go too
        # (a remembered browser would keep the lenient known-device back-off).
        await revoke_all(user, admin, now, reason="reset")
        await KnownDevice.delete().where(KnownDevice.user == user.id)
        await audit.record(audit.PASSWORD_RESET_FORCED, admin, now, target=user.email, sessions_ended=len(ended))
    await send_link(user, "reset", now, by=admin)
