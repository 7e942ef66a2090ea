"""The audit log: one append-only row per security-relevant act, and the sign-in lockout read from it.

`record` is called inside the transaction of the act it records, so an act and its audit row land together
or not at all. The client address comes from a context variable the auth middleware sets per request
(empty for the command line).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.i18n import N_
from app.tables import AuditEvent, User

client_ip: contextvars.ContextVar[str] = contextvars.ContextVar("client_ip", default="")

LOGIN, LOGIN_FAILED, LOGIN_LOCKED, LOGOUT = "login", "login_failed", "login_locked", "logout"
USER_CREATED, USER_CHANGED = "user_created", "user_changed"
SCORING_RULE_CREATED, SCORING_RULE_SAVED, MANUAL_SCORE = "scoring_rule_created", "scoring_rule_saved", "manual_score"
EVIDENCE_DELETED = "evidence_deleted"
REMINDER_POLICY, CALENDAR_DAY = "reminder_policy", "calendar_day"
TOKEN_CREATED = "token_created"
PLAN_EVIDENCE_RULE = "plan_evidence_rule"

ACTION_LABELS = {
    LOGIN: N_("Signed in"), LOGIN_FAILED: N_("Sign-in refused"), LOGIN_LOCKED: N_("Sign-in locked out"),
    LOGOUT: N_("Signed out"), USER_CREATED: N_("Account created"), USER_CHANGED: N_("Account changed"),
    SCORING_RULE_CREATED: N_("Scoring rule created"), SCORING_RULE_SAVED: N_("Scoring rule changed"),
    MANUAL_SCORE: N_("Points entered by hand"), EVIDENCE_DELETED: N_("Evidence deleted"),
    REMINDER_POLICY: N_("Reminder settings changed"), CALENDAR_DAY: N_("Working calendar changed"),
    TOKEN_CREATED: N_("API token created"), PLAN_EVIDENCE_RULE: N_("Plan evidence rule changed"),
}

# What the keys of `detail` are called on the audit page.
DETAIL_LABELS = {
    "role": N_("Role"), "unit": N_("Unit"), "active": N_("Active"), "until": N_("Locked until"),
    "note": N_("Note"), "version": N_("Version"), "points": N_("Points"), "comment": N_("Comment"),
    "task": N_("Task"), "evidence": N_("Evidence"), "sha256": "SHA-256", "name": N_("Name"),
    "added": N_("Added"), "removed": N_("Removed"), "evidence_required": N_("Evidence required"),
    "enabled": N_("Reminders on"), "before_days": N_("Days before the deadline"),
    "repeat_every": N_("Repeat while overdue, every"), "head_after": N_("Unit head after"),
    "secretariat_after": N_("Secretariat after"), "sweep_at": N_("Sweep at"),
}
# And the codes among the values.
VALUE_LABELS = {
    "admin": N_("Administrator"), "secretariat": N_("Secretariat (Home Affairs)"),
    "steering": N_("Steering committee"), "unit_head": N_("Unit head"), "focal_point": N_("Focal point"),
    "holiday": N_("Extra holiday"), "workday": N_("Make-up working day"),
}


async def record(action: str, actor: User | None, now: dt.datetime, target: str = "", email: str = "",
                 **detail: Any) -> None:
    """Append one event. `email` names the account tried when there is no actor (a refused sign-in)."""
    await AuditEvent.insert(AuditEvent(
        at=now, action=action, actor_id=actor.id if actor else None,
        actor_email=(actor.email if actor else email.strip().lower())[:255], target=target[:255],
        detail=json.dumps(detail, ensure_ascii=False, default=_plain), ip=client_ip.get()[:45]))


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else str(value)


async def record_lockout(email: str, until: dt.datetime, now: dt.datetime, until_text: str) -> None:
    """A refused try during a lockout, once per lockout: a locked-out guesser cannot grow the log."""
    email = email.strip().lower()
    if not await AuditEvent.exists().where((AuditEvent.action == LOGIN_LOCKED) & (AuditEvent.actor_email == email)
                                           & (AuditEvent.at > until - LOCKOUT)):
        await record(LOGIN_LOCKED, None, now, email=email, until=until_text)


# Sign-in lockout: after LIMIT refused sign-ins within WINDOW, sign-in is locked for LOCKOUT after the last
# one, for that account (whatever the address) and, with a higher limit, for that address (whatever the account).
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20


@dataclass(frozen=True)
class Attempt:
    at: dt.datetime
    ok: bool


def locked_until(attempts: list[Attempt], now: dt.datetime, limit: int) -> dt.datetime | None:
    """Pure rule: the end of the lockout these attempts (oldest first) cause at `now`, or None.

    Only refusals after the last successful sign-in and within WINDOW count.
    """
    failures: list[dt.datetime] = []
    for attempt in attempts:
        failures = [] if attempt.ok else [*failures, attempt.at]
    recent = [at for at in failures if now - at < WINDOW]
    if len(recent) < limit:
        return None
    until = recent[-1] + LOCKOUT
    return until if until > now else None


async def sign_in_lock(email: str, ip: str, now: dt.datetime) -> dt.datetime | None:
    """When sign-in for this email, or from this address, is locked: the time it opens again."""
    since = now - WINDOW - LOCKOUT
    rows = await AuditEvent.select(AuditEvent.at, AuditEvent.action).where(
        AuditEvent.action.is_in([LOGIN, LOGIN_FAILED]) & (AuditEvent.actor_email == email.strip().lower())
        & (AuditEvent.at > since)).order_by(AuditEvent.at)
    ends = [locked_until([Attempt(r["at"], r["action"] == LOGIN) for r in rows], now, ACCOUNT_LIMIT)]
    if ip:
        failures = await AuditEvent.select(AuditEvent.at).where(
            (AuditEvent.action == LOGIN_FAILED) & (AuditEvent.ip == ip) & (AuditEvent.at > since)).order_by(
            AuditEvent.at)
        ends.append(locked_until([Attempt(r["at"], False) for r in failures], now, ADDRESS_LIMIT))
    return max((end for end in ends if end), default=None)
