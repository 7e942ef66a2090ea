"""Pure rules for passwords and emailed links: how long a link lives, how often a reset may be sent, what a new
password must be. Values and `now` come in; no clock, no database."""

from __future__ import annotations

import datetime as dt

from app.auth import MIN_PASSWORD
from app.i18n import _

PURPOSES = ("reset", "invite")
# A reset link is a key to the account: short-lived. An invitation waits for someone to read their email.
LINK_AGE = {"reset": dt.timedelta(hours=1), "invite": dt.timedelta(days=7)}
RESEND_AFTER = dt.timedelta(seconds=60)  # one reset email per account per minute…
HOURLY_LIMIT = 5  # …and at most this many an hour: a stranger cannot flood someone's mailbox


def reset_allowed(sent: list[dt.datetime], now: dt.datetime) -> bool:
    """May another reset link go to this account, given when the earlier ones went (any order)?"""
    recent = [at for at in sent if now - at < dt.timedelta(hours=1)]
    if len(recent) >= HOURLY_LIMIT:
        return False
    return not recent or now - max(recent) >= RESEND_AFTER


def new_password_errors(password: str, confirm: str) -> dict[str, str]:
    """Messages for the form's fields (`new`, `confirm`); empty when the new password will do."""
    if len(password) < MIN_PASSWORD:
        return {"new": _("The password must have at least %(n)s characters.", n=MIN_PASSWORD)}
    if len(password) > 1024:  # argon2 would take it, but nobody types this: refuse rather than hash a megabyte
        return {"new": _("The password is too long.")}
    if confirm != password:
        return {"confirm": _("The two passwords are not the same.")}
    return {}
