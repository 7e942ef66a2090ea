"""Creating accounts and units, with the checks a command line or an admin page both need."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from app import audit, clock
from app.auth import MIN_PASSWORD, argon2, hash_password
from app.i18n import N_, _
from app.tables import ROLES, UNIT_KINDS, UNIT_ROLES, CredentialLink, Session, Unit, User
from app.tokens import revoke_all

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


ROLE_LABELS = {
    "admin": N_("Administrator"), "secretariat": N_("Secretariat (Home Affairs)"),
    "steering": N_("Steering committee"), "unit_head": N_("Unit head"), "focal_point": N_("Focal point"),
}


class AccountError(ValueError):
    """A refused account change; `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


async def create_user(email: str, role: str, unit_code: str | None, password: str | None, full_name: str = "",
                      language: str = "vi", actor: User | None = None) -> User:
    """An account. Without a password (None) no password opens it until its owner sets one from an
    invitation link (accounts/mail.py sends it: app/ does not send email)."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(_("%(email)s is not an email address.", email=email), "email")
    if role not in ROLES:
        raise AccountError(_("Unknown role %(role)s.", role=role), "role")
    if password is not None and len(password) < MIN_PASSWORD:
        raise AccountError(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD), "password")
    unit = await _unit_for_role(role, unit_code)
    if await User.exists().where(User.email == email):
        raise AccountError(_("An account with %(email)s already exists.", email=email), "email")
    # A secret nobody knows stands in for a missing password: checking it takes the usual time at sign-in.
    secret = password if password is not None else secrets.token_urlsafe(32)
    user = User(email=email, role=role, unit=unit.id if unit else None, full_name=full_name,
                password_hash=await argon2(hash_password, secret), language=language)
    async with User._meta.db.transaction():
        await user.save()
        await audit.record(audit.USER_CREATED, actor, clock.now(), target=email, role=role,
                           unit=unit.code if unit else None)
    return user


async def pending_invitations() -> set[int]:
    """Accounts invited but not yet in: an invitation link was sent, and no link of theirs has been used."""
    invited = await CredentialLink.select(CredentialLink.user).where(CredentialLink.purpose == "invite")
    used = await CredentialLink.select(CredentialLink.user).where(CredentialLink.used_at.is_not_null())
    return {r["user"] for r in invited} - {r["user"] for r in used}


async def _unit_for_role(role: str, unit_code: str | None) -> Unit | None:
    if role in UNIT_ROLES and not unit_code:
        raise AccountError(_("A %(role)s account needs a unit.", role=_(ROLE_LABELS[role]).lower()), "unit")
    if not unit_code:
        return None
    unit = await Unit.objects().where(Unit.code == unit_code.strip().upper()).first()
    if unit is None:
        raise AccountError(_("No unit with code %(code)s.", code=unit_code), "unit")
    return unit


async def update_user(user: User, role: str, unit_code: str | None, active: bool, actor: User | None) -> User:
    """Change an account's role, unit or access (actor None: the command line). Admins cannot lock themselves out."""
    if role not in ROLES:
        raise AccountError(_("Unknown role %(role)s.", role=role), "role")
    if actor is not None and user.id == actor.id and (role != "admin" or not active):
        raise AccountError(_("You cannot take away your own administrator access."), "role")
    unit = await _unit_for_role(role, unit_code)
    before = await User.select(User.role, User.unit.code.as_alias("unit"), User.active).where(
        User.id == user.id).first()
    after = {"role": role, "unit": unit.code if unit else None, "active": active}
    changes = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    now = clock.now()
    async with User._meta.db.transaction():
        await User.update({User.role: role, User.unit: unit.id if unit else None, User.active: active}).where(
            User.id == user.id)
        if not active:
            await Session.delete().where(Session.user == user.id)  # signed out everywhere, at once
            # Revoked, not just refused while inactive: reactivating the account must not revive them.
            await revoke_all(user, actor, now, reason="deactivated")
            # Reset and invitation links sent before die too: they must not open the account once reactivated.
            await CredentialLink.update({CredentialLink.expires_at: now}).where(
                (CredentialLink.user == user.id) & CredentialLink.used_at.is_null()
                & (CredentialLink.expires_at > now))
        if changes:
            await audit.record(audit.USER_CHANGED, actor, now, target=user.email, **changes)
    return user


async def _unit_by_code(code: str | None, field: str) -> Unit | None:
    if not code:
        return None
    unit = await Unit.objects().where(Unit.code == code.strip().upper()).first()
    if unit is None:
        raise AccountError(_("No unit with code %(code)s.", code=code), field)
    return unit


async def create_unit(code: str, name: str, kind: str, block: str = "", parent_code: str | None = None,
                      effective_from: dt.date | None = None, effective_to: dt.date | None = None,
                      successor_code: str | None = None) -> Unit:
    """A unit; merged or split units carry their effective dates and name their successor."""
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9_.-]{1,32}", code):
        raise AccountError(_("A unit code has 1 to 32 letters, digits, dots, dashes or underscores."))
    if kind not in UNIT_KINDS:
        raise AccountError(_("Unknown unit kind %(kind)s.", kind=kind))
    if not name.strip():
        raise AccountError(_("The unit needs a name."))
    if await Unit.exists().where(Unit.code == code):
        raise AccountError(_("Unit %(code)s already exists.", code=code))
    if effective_from and effective_to and effective_to < effective_from:
        raise AccountError(_("A unit cannot end before it starts."), "effective_to")
    parent = await _unit_by_code(parent_code, "parent")
    successor = await _unit_by_code(successor_code, "successor")
    unit = Unit(code=code, name=name.strip(), kind=kind, block=block.strip(), parent=parent.id if parent else None,
                effective_from=effective_from, effective_to=effective_to,
                successor=successor.id if successor else None)
    await unit.save()
    return unit
