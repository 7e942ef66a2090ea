"""Which amendments a user may read or act on: the amendment tables read through the role rules of app/access.py.

An approved amendment is part of the issued plan, a public document: every signed-in account reads it. Until then
it is the unit's working paper: the unit and the programme's readers (admin, secretariat, steering) see it.
"""

from __future__ import annotations

from typing import Literal

from litestar import Request

from amendments.tables import Amendment, AmendmentSettings
from app import access
from app.tables import User
from plans.tables import Plan
from plans.cutoffs import closed_cutoff

Right = Literal["read", "draft", "submit", "decide", "withdraw"]


async def focal_may_submit() -> bool:
    row = await AmendmentSettings.select(AmendmentSettings.focal_may_submit).first()
    return bool(row and row["focal_may_submit"])


async def plan_for_amendments(request: Request, plan_id: int, draft: bool = False) -> Plan:
    """The plan whose amendments are listed (read) or drafted (`draft`)."""
    user = access.require_user(request)
    plan = access.found(await Plan.objects().where(Plan.id == plan_id).first())
    access.check_unit(user, plan.unit, False, plan.status == "issued")
    if draft and not access.can_draft_amendment(user, plan.unit):
        access.refuse_amendment_draft()
    return plan


async def amendment_for_user(request: Request, amendment_id: int, right: Right = "read") -> Amendment:
    user = access.require_user(request)
    row = access.found(await Amendment.select(Amendment.status, Amendment.created_by.role.as_alias("creator_role"),
                                              Amendment.plan.unit.as_alias("unit_id")).where(
        Amendment.id == amendment_id).first())
    access.check_unit(user, row["unit_id"], False, row["status"] == "approved")
    if right == "draft" and not access.can_draft_amendment(user, row["unit_id"]):
        access.refuse_amendment_draft()
    if right == "submit" and not access.can_submit_amendment(
            user, row["unit_id"], await focal_may_submit(), row["creator_role"] in access.AMENDMENT_DECIDERS):
        access.refuse_amendment_submit()
    if right == "decide":
        access.require_amendment_decider(request)
    if right == "withdraw" and not may_withdraw(user, row["unit_id"], row["creator_role"] in access.AMENDMENT_DECIDERS):
        access.refuse_amendment_withdraw()
    return await Amendment.objects().where(Amendment.id == amendment_id).first()


def visible(user: User, unit_id: int, amendments: list[dict]) -> list[dict]:
    """The amendments of the unit's plan the user may see listed: all for the unit and the programme's readers,
    the approved ones (part of the public plan) for everyone else."""
    unit_reads = access.can_read_unit(user, unit_id, False)
    return [a for a in amendments if unit_reads or a["status"] == "approved"]


def may_withdraw(user: User, unit_id: int, by_secretariat: bool) -> bool:
    """An amendment is withdrawn by the side that drafted it: the unit's own by the unit (the secretariat returns
    it, with a comment, instead), the secretariat's (a merger's carry) by the secretariat."""
    if by_secretariat:
        return access.can_decide_amendment(user)
    return user.role in access.UNIT_ROLES and access.can_draft_amendment(user, unit_id)


def user_rights(user: User, unit_id: int, by_secretariat: bool, focal_may: bool) -> dict[str, bool]:
    """What the page may offer the user on an amendment of the unit's plan."""
    return {"draft": access.can_draft_amendment(user, unit_id),
            "withdraw": may_withdraw(user, unit_id, by_secretariat),
            "submit": access.can_submit_amendment(user, unit_id, focal_may, by_secretariat),
            "decide": access.can_decide_amendment(user)}


async def may_draft(user: User, plan_id: int, status: str, unit_id: int) -> bool:
    """Whether to offer "Draft an amendment": an issued plan of a year not yet closed (a closed year's plan can
    take no change: every date of it is on or before its closing cut-off), to who may draft."""
    return (status == "issued" and access.can_draft_amendment(user, unit_id)
            and await closed_cutoff(plan_id) is None)
