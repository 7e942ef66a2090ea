"""Who may see and change what. Every handler asks one of these helpers; none decides by itself."""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException

from app.i18n import _
from app.tables import UNIT_ROLES, ApiToken, User
from plans.tables import Field, Plan
from tasks.tables import Task

READ_ALL_ROLES = ("admin", "secretariat", "steering")


def require_user(request: Request) -> User:
    user = request.scope.get("user")
    if user is None:
        raise NotAuthorizedException(_("Please sign in."))
    return user


def can_read_unit(user: User, unit_id: int, issued: bool = True) -> bool:
    """Issued plans are public documents: every signed-in account may read them. A draft is not issued yet:
    only its own unit and the programme's readers (admin, secretariat, steering committee) see it."""
    return user.active and (issued or user.role in READ_ALL_ROLES or can_write_unit(user, unit_id))


def can_write_unit(user: User, unit_id: int) -> bool:
    """Only the unit's own focal points and head change its plan and tasks."""
    return user.role in UNIT_ROLES and user.unit == unit_id


def writable_unit_ids(user: User) -> list[int]:
    return [user.unit] if user.role in UNIT_ROLES and user.unit else []


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


def _check(user: User, unit_id: int, write: bool, issued: bool = True) -> None:
    if not can_read_unit(user, unit_id, issued):
        raise PermissionDeniedException(_("You may not see this unit's plan."))
    if write and not can_write_unit(user, unit_id):
        raise PermissionDeniedException(_("You may not change this unit's plan."))


async def plan_for_user(request: Request, plan_id: int, write: bool = False) -> Plan:
    user = require_user(request)
    plan = await Plan.objects(Plan.unit).where(Plan.id == plan_id).first()
    if plan is None:
        raise NotFoundException(_("Not found."))
    _check(user, plan.unit.id, write, plan.status == "issued")
    return plan


async def field_for_user(request: Request, field_id: int, write: bool = False) -> Field:
    user = require_user(request)
    field = await Field.objects(Field.plan).where(Field.id == field_id).first()
    if field is None:
        raise NotFoundException(_("Not found."))
    _check(user, field.plan.unit, write, field.plan.status == "issued")
    return field


# Built once: Piccolo spends about a millisecond assembling a chain of joins, on every request that checks a task.
_TASK_SCOPE = (Task.field.plan.unit.as_alias("unit_id"), Task.field.plan.status.as_alias("status"))


async def task_for_user(request: Request, task_id: int, write: bool = False) -> Task:
    user = require_user(request)
    row = await Task.select(*_TASK_SCOPE).where(Task.id == task_id).first()
    if row is None:
        raise NotFoundException(_("Not found."))
    _check(user, row["unit_id"], write, row["status"] == "issued")
    return await Task.objects().where(Task.id == task_id).first()


def can_set_plan_rules(user: User | None) -> bool:
    """Rules that bind a unit (such as "done needs evidence") are set by the secretariat, not the unit."""
    return user is not None and user.role in ("secretariat", "admin")


def can_review_evidence(user: User | None) -> bool:
    """The secretariat (Sở Nội vụ) reviews evidence; units only see the verdict."""
    return user is not None and user.role == "secretariat"


def require_reviewer(request: Request) -> User:
    user = require_user(request)
    if not can_review_evidence(user):
        raise PermissionDeniedException(_("Only the secretariat reviews evidence."))
    return user


def can_manage_accounts(user: User | None) -> bool:
    return user is not None and user.role == "admin"


def require_admin(request: Request) -> User:
    user = require_user(request)
    if not can_manage_accounts(user):
        raise PermissionDeniedException(_("Only an administrator may manage accounts."))
    return user


async def account_for_admin(request: Request, user_id: int) -> tuple[User, User]:
    """The administrator asking, and the account they act on (404 when there is none)."""
    admin = require_admin(request)
    user = await User.objects().where(User.id == user_id).first()
    if user is None:
        raise NotFoundException(_("Not found."))
    return admin, user


BOARD_ROLES = ("admin", "secretariat", "steering")


def can_see_board(user: User | None) -> bool:
    """The completion board and the scores are for the steering committee, the secretariat and the admin."""
    return user is not None and user.role in BOARD_ROLES


def require_board_reader(request: Request) -> User:
    user = require_user(request)
    if not can_see_board(user):
        raise PermissionDeniedException(_("Only the steering committee and the secretariat see the board."))
    return user


def can_edit_scoring(user: User | None) -> bool:
    """Scoring rules and the points of criteria that do not come from tasks are set by the secretariat."""
    return user is not None and user.role in ("secretariat", "admin")


def require_scoring_editor(request: Request) -> User:
    user = require_user(request)
    if not can_edit_scoring(user):
        raise PermissionDeniedException(_("Only the secretariat edits scoring rules and points."))
    return user


def can_see_unit_score(user: User | None, unit_id: int) -> bool:
    """A unit sees its own score breakdown; board readers see every unit's."""
    return can_see_board(user) or (user is not None and user.role in UNIT_ROLES and user.unit == unit_id)


def can_edit_reminders(user: User | None) -> bool:
    """The reminder policy and the working-day calendar bind every unit: the secretariat sets them."""
    return user is not None and user.role in ("secretariat", "admin")


def require_reminder_editor(request: Request) -> User:
    user = require_user(request)
    if not can_edit_reminders(user):
        raise PermissionDeniedException(_("Only the secretariat sets reminders and the working-day calendar."))
    return user


def require_outbox_reader(request: Request) -> User:
    """The outgoing emails carry every unit's deadlines and people's addresses: the administrator's only."""
    user = require_user(request)
    if not can_manage_accounts(user):
        raise PermissionDeniedException(_("Only an administrator sees the outgoing emails."))
    return user


def can_manage_tokens(user: User | None, owner_id: int) -> bool:
    """People manage their own API tokens; the administrator anyone's (to cut off a leaked one)."""
    return user is not None and (user.id == owner_id or can_manage_accounts(user))


async def token_for_user(request: Request, token_id: int) -> ApiToken:
    """A token the signed-in person may revoke: their own, or any for the administrator; others 403."""
    user = require_user(request)
    token = await ApiToken.objects().where(ApiToken.id == token_id).first()
    if token is None:
        raise NotFoundException(_("Not found."))
    if not can_manage_tokens(user, token.user):
        raise PermissionDeniedException(_("You may only revoke your own API tokens."))
    return token
