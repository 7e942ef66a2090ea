"""Creating accounts and units, with the checks a command line or an admin page both need."""

from __future__ import annotations

import re

from app.auth import MIN_PASSWORD, hash_password
from app.i18n import _
from app.tables import ROLES, UNIT_KINDS, UNIT_ROLES, Unit, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    pass


async def create_user(email: str, role: str, unit_code: str | None, password: str, full_name: str = "",
                      language: str = "vi") -> User:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(_("%(email)s is not an email address.", email=email))
    if role not in ROLES:
        raise AccountError(_("Unknown role %(role)s.", role=role))
    if len(password) < MIN_PASSWORD:
        raise AccountError(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD))
    unit = None
    if role in UNIT_ROLES and not unit_code:
        raise AccountError(_("A %(role)s account needs --unit.", role=role))
    if unit_code:
        unit = await Unit.objects().where(Unit.code == unit_code.upper()).first()
        if unit is None:
            raise AccountError(_("No unit with code %(code)s.", code=unit_code))
    if await User.exists().where(User.email == email):
        raise AccountError(_("An account with %(email)s already exists.", email=email))
    user = User(email=email, role=role, unit=unit.id if unit else None, full_name=full_name,
                password_hash=hash_password(password), language=language)
    await user.save()
    return user


async def create_unit(code: str, name: str, kind: str, block: str = "", parent_code: str | None = None) -> Unit:
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9_.-]{1,32}", code):
        raise AccountError(_("A unit code has 1 to 32 letters, digits, dots, dashes or underscores."))
    if kind not in UNIT_KINDS:
        raise AccountError(_("Unknown unit kind %(kind)s.", kind=kind))
    if not name.strip():
        raise AccountError(_("The unit needs a name."))
    if await Unit.exists().where(Unit.code == code):
        raise AccountError(_("Unit %(code)s already exists.", code=code))
    parent = None
    if parent_code:
        parent = await Unit.objects().where(Unit.code == parent_code.upper()).first()
        if parent is None:
            raise AccountError(_("No unit with code %(code)s.", code=parent_code))
    unit = Unit(code=code, name=name.strip(), kind=kind, block=block.strip(), parent=parent.id if parent else None)
    await unit.save()
    return unit
