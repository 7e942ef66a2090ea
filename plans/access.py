"""Which plans and fields a user may read or change: the plan tables read through the role rules of app/access.py."""

from __future__ import annotations

from litestar import Request

from app.access import READ_ALL_ROLES, check_unit, found, require_user
from app.tables import User
from plans.tables import Field, Plan


def plan_scope(user: User):
    """A where-clause for the plans listed for the user by default, or None for all of them."""
    if user.role in READ_ALL_ROLES:
        return None
    return Plan.unit == (user.unit or -1)


def readable_plans(user: User):
    """A where-clause for every plan the user may read (can_read_unit), or None for all of them."""
    if user.role in READ_ALL_ROLES:
        return None
    return (Plan.status == "issued") | (Plan.unit == (user.unit or -1))


async def plan_for_user(request: Request, plan_id: int, write: bool = False) -> Plan:
    user = require_user(request)
    plan = found(await Plan.objects(Plan.unit).where(Plan.id == plan_id).first())
    check_unit(user, plan.unit.id, write, plan.status == "issued")
    return plan


async def field_for_user(request: Request, field_id: int, write: bool = False) -> Field:
    user = require_user(request)
    field = found(await Field.objects(Field.plan).where(Field.id == field_id).first())
    check_unit(user, field.plan.unit, write, field.plan.status == "issued")
    return field
