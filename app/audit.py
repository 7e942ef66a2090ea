"""The audit log: one append-only row per security-relevant act (app/lockout.py reads sign-ins from it).

`record` is called inside the transaction of the act it records, so an act and its audit row land together
or not at all. The client address comes from a context variable the auth middleware sets per request
(empty for the command line).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from app.i18n import N_
from app.tables import AuditEvent, User

client_ip: contextvars.ContextVar[str] = contextvars.ContextVar("client_ip", default="")

LOGIN, LOGIN_FAILED, LOGIN_LOCKED, LOGOUT = "login", "login_failed", "login_locked", "logout"
LOGIN_UNLOCKED = "login_unlocked"  # the admin cleared an account's refused sign-ins (app/lockout.py)
USER_CREATED, USER_CHANGED = "user_created", "user_changed"
SCORING_RULE_CREATED, SCORING_RULE_SAVED, MANUAL_SCORE = "scoring_rule_created", "scoring_rule_saved", "manual_score"
EVIDENCE_DELETED = "evidence_deleted"
REMINDER_POLICY, CALENDAR_DAY = "reminder_policy", "calendar_day"
TOKEN_CREATED, TOKEN_REVOKED, TOKENS_REVOKED = "token_created", "token_revoked", "tokens_revoked"
PLAN_EVIDENCE_RULE = "plan_evidence_rule"
# Passwords (accounts/): changed on /profile, a reset link emailed, used (PASSWORD_RESET, also when an invitation
# link sets the first password: the lockout counts it as the account's owner proving themselves), forced by the admin.
PASSWORD_CHANGED, PASSWORD_RESET, PASSWORD_RESET_SENT = "password_changed", "password_reset", "password_reset_sent"
PASSWORD_RESET_FORCED, USER_INVITED = "password_reset_forced", "user_invited"
# Issue 15: the plan as an official record (amendments/, years/, units/).
AMENDMENT_SUBMITTED, AMENDMENT_APPROVED = "amendment_submitted", "amendment_approved"
AMENDMENT_RETURNED, AMENDMENT_WITHDRAWN = "amendment_returned", "amendment_withdrawn"
AMENDMENT_SETTINGS, TASK_CORRECTED = "amendment_settings", "task_corrected"
YEAR_CLOSED, PLAN_FROM_LAST_YEAR, TASKS_CARRIED = "year_closed", "plan_from_last_year", "tasks_carried"
UNIT_CREATED, UNIT_CHANGED, UNIT_ENDED = "unit_created", "unit_changed", "unit_ended"
UNIT_MERGED, UNIT_SPLIT, UNITS_IMPORTED = "unit_merged", "unit_split", "units_imported"

ACTION_LABELS = {
    LOGIN: N_("Signed in"), LOGIN_FAILED: N_("Sign-in refused"), LOGIN_LOCKED: N_("Sign-in locked out"),
    LOGIN_UNLOCKED: N_("Sign-in unlocked by the administrator"),
    LOGOUT: N_("Signed out"), USER_CREATED: N_("Account created"), USER_CHANGED: N_("Account changed"),
    SCORING_RULE_CREATED: N_("Scoring rule created"), SCORING_RULE_SAVED: N_("Scoring rule changed"),
    MANUAL_SCORE: N_("Points entered by hand"), EVIDENCE_DELETED: N_("Evidence deleted"),
    REMINDER_POLICY: N_("Reminder settings changed"), CALENDAR_DAY: N_("Working calendar changed"),
    TOKEN_CREATED: N_("API token created"), PLAN_EVIDENCE_RULE: N_("Plan evidence rule changed"),
    TOKEN_REVOKED: N_("API token revoked"), TOKENS_REVOKED: N_("All API tokens of an account revoked"),
    PASSWORD_CHANGED: N_("Password changed"), PASSWORD_RESET: N_("Password set from an emailed link"),
    PASSWORD_RESET_SENT: N_("Password reset link sent"), PASSWORD_RESET_FORCED: N_("Password reset forced"),
    USER_INVITED: N_("Invitation sent"),
    AMENDMENT_SUBMITTED: N_("Amendment submitted"), AMENDMENT_APPROVED: N_("Amendment approved"),
    AMENDMENT_RETURNED: N_("Amendment returned"), AMENDMENT_WITHDRAWN: N_("Amendment withdrawn"),
    AMENDMENT_SETTINGS: N_("Amendment settings changed"), TASK_CORRECTED: N_("Task wording corrected"),
    YEAR_CLOSED: N_("Year closed"), PLAN_FROM_LAST_YEAR: N_("Plan started from last year's plan"),
    TASKS_CARRIED: N_("Tasks carried over"),
    UNIT_CREATED: N_("Unit created"), UNIT_CHANGED: N_("Unit changed"), UNIT_ENDED: N_("Unit ended"),
    UNIT_MERGED: N_("Units merged"), UNIT_SPLIT: N_("Unit split"), UNITS_IMPORTED: N_("Units imported"),
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
    "expires": N_("Expires"), "token": N_("Token no."), "tokens": N_("Tokens revoked"), "reason": N_("Reason"),
    "link": N_("Link"), "sessions_ended": N_("Sessions ended"),
    "known_device": N_("Known device"), "date": N_("Date"), "from_plan": N_("From"),
    # Units over time (units/actions.py)
    "decision": N_("Decision number"), "successor": N_("Successor"), "units": N_("Units"),
    "into": N_("Split into"), "moved": N_("Accounts moved"), "ended": N_("Accounts deactivated"),
    "accounts": N_("Accounts"), "kind": N_("Kind"), "block": N_("Block"), "created": N_("Created"),
}
# And the codes among the values.
VALUE_LABELS = {
    "admin": N_("Administrator"), "secretariat": N_("Secretariat (Home Affairs)"),
    "steering": N_("Steering committee"), "unit_head": N_("Unit head"), "focal_point": N_("Focal point"),
    "holiday": N_("Extra holiday"), "workday": N_("Make-up working day"),
    "deactivated": N_("Account deactivated"),
    "reset": N_("Password reset"), "invite": N_("Invitation"),
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
