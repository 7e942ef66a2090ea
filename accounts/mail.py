"""The emails that carry a password link, each sent at once as its own message through the reminders'
transports (never in a digest, never in an in-app inbox).

Order of work, so that nothing is left half-done: the link row is written, the email sent, and only then are
older links closed and the audit row written. If sending fails the new link is deleted (it reached nobody),
the older ones still work, and the caller is told (`SendFailed`).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from typing import Any

from jinja2 import Template

from accounts import links
from accounts.rules import LINK_AGE
from app import audit
from app.i18n import _, set_locale
from app.mail import Permanent, Transient, get_transport, message_id
from app.settings import get_settings
from app.tables import User
from app.dates import local_time
from app.templating import make_environment

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """The email could not be sent; the message says why, for the admin."""


@cache
def _templates() -> tuple[Template, Template]:
    env = make_environment()
    return env.get_template("accounts/link_email.txt"), env.get_template("accounts/link_email.html")


def _words(purpose: str) -> dict[str, str]:
    if purpose == "invite":
        return {"subject": _("[parplan] You are invited: choose your password"),
                "intro": _("An account has been created for you on parplan, the administrative-reform plans "
                           "website. Open the link below to choose your password."),
                "action": _("Choose my password"),
                "ignore": _("If you were not expecting this invitation, you can ignore this email.")}
    return {"subject": _("[parplan] Reset your password"),
            "intro": _("Someone (we hope you) asked to reset the password of your parplan account. Open the link "
                       "below to choose a new password."),
            "action": _("Choose a new password"),
            "ignore": _("If you did not ask for this, ignore this email: your password stays as it is.")}


def compose(user: User, purpose: str, link_id: int, token: str, expires: dt.datetime) -> dict[str, Any]:
    """The email row (as app/mail.py builds and sends it), in the account's language."""
    locale = set_locale(user.language or "")
    try:
        base_url = get_settings().base_url
        words = _words(purpose)
        context = {**words, "name": user.full_name or user.email, "email": user.email,
                   "link": f"{base_url}/password/reset/{token}",
                   "expires": _("The link works once, until %(time)s.", time=local_time(expires))}
        text, html = _templates()
        row = {"id": link_id, "day": f"{purpose}-{expires.date().isoformat()}", "to_address": user.email,
               "subject": words["subject"], "text": text.render(context), "html": html.render(context),
               "language": user.language or "vi"}
    finally:
        locale.var.reset(locale)
    return {**row, "message_id": message_id(row)}


async def send_link(user: User, purpose: str, now: dt.datetime, by: User | None = None,
                    issued: tuple[int, str] | None = None) -> None:
    """Email a link (`issued` already, or a new one) at once; raises SendFailed, with that link gone, when
    sending fails."""
    link_id, token = issued or await links.issue(user.id, purpose, now, by.id if by else None)
    row = compose(user, purpose, link_id, token, now + LINK_AGE[purpose])
    transport = get_transport()
    try:
        await transport.send(row)
    except (Transient, Permanent) as exc:
        await links.discard(link_id)
        log.warning("%s link for %s not sent: %s", purpose, user.email, exc)
        raise SendFailed(str(exc)) from exc
    finally:
        await transport.close()
    async with User._meta.db.transaction():
        await links.supersede(user.id, now, keep=link_id)
        action = audit.USER_INVITED if purpose == "invite" else audit.PASSWORD_RESET_SENT
        await audit.record(action, by, now, target=user.email, email=user.email)
