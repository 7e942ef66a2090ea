"""Who may see and change what, and the named refusals that say so. Every handler asks one of these helpers;
none decides by itself, and none raises a refusal by hand.

The ground floor: role rules on users and unit ids only. The helpers that load a plan, a field or a task and
check it live beside their tables (plans/access.py, tasks/access.py) and refuse through the helpers here.
"""

from __future__ import annotations

from typing import NoReturn, TypeVar

from litestar import Request
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException

from app.i18n import _
from app.tables import UNIT_ROLES, ApiToken, User

READ_ALL_ROLES = ("admin", "secretariat", "steering")
T = TypeVar("T")


# Refusals ---------------------------------------------------------------------------------------------------

def not_found(message: str | None = None) -> NoReturn:
    """404: what was asked for is not there (or no longer there: then the message says what to do)."""
    raise NotFoundException(message or _("Not found."))


def found(row: T | None, message: str | None = None) -> T:
    """The row a handler looked up by id, or 404 when there is none."""
    if row is None:
        not_found(message)
    return row


def refuse(message: str) -> NoReturn:
    """403 with the reason; the named require_* and refuse_* helpers below say which reason."""
    raise PermissionDeniedException(message)


def refuse_unit_read() -> NoReturn:
    refuse(_("You may not see this unit's plan."))


def refuse_unit_write() -> NoReturn:
    refuse(_("You may not change this unit's plan."))


def refuse_plan_author() -> NoReturn:
    refuse(_("Only a unit's focal point or head can create its plan."))


def _require(request: Request, allowed, refusal: str) -> User:
    """The signed-in user when the right `allowed` holds for them, or the refusal, named by the caller."""
    user = require_user(request)
    if not allowed(user):
        refuse(refusal)
    return user


def require_user(request: Request) -> User:
    user = request.scope.get("user")
    if user is None:
        raise NotAuthorizedException(_("Please sign in."))
    return user


# A unit's plan and tasks ------------------------------------------------------------------------------------

def can_read_unit(user: User, unit_id: int, issued: bool = True) -> bool:
    """Issued plans are public documents: every signed-in account may read them. A draft is not issued yet:
    only its own unit and the programme's readers (admin, secretariat, steering committee) see it."""
    return user.active and (issued or user.role in READ_ALL_ROLES or can_write_unit(user, unit_id))


def can_write_unit(user: User, unit_id: int) -> bool:
    """Only the unit's own focal points and head change its plan and tasks."""
    return user.role in UNIT_ROLES and user.unit == unit_id


def writable_unit_ids(user: User) -> list[int]:
    return [user.unit] if user.role in UNIT_ROLES and user.unit else []


def check_unit(user: User, unit_id: int, write: bool, issued: bool = True) -> None:
    """Refuse (403) unless the user may read the unit's plan (issued or a draft), and write it when asked."""
    if not can_read_unit(user, unit_id, issued):
        refuse_unit_read()
    if write and not can_write_unit(user, unit_id):
        refuse_unit_write()


def can_set_plan_rules(user: User | None) -> bool:
    """Rules that bind a unit (such as "done needs evidence") are set by the secretariat, not the unit."""
    return user is not None and user.role in ("secretariat", "admin")


def require_plan_rule_setter(request: Request) -> User:
    return _require(request, can_set_plan_rules, _("Only the secretariat sets the rules a unit's plan follows."))


def can_review_evidence(user: User | None) -> bool:
    """The secretariat (Sở Nội vụ) reviews evidence; units only see the verdict."""
    return user is not None and user.role == "secretariat"


def require_reviewer(request: Request) -> User:
    return _require(request, can_review_evidence, _("Only the secretariat reviews evidence."))


# Amendments of issued plans ----------------------------------------------------------------------------------

AMENDMENT_DECIDERS = ("secretariat", "admin")


def can_draft_amendment(user: User | None, unit_id: int) -> bool:
    """The unit's focal points and head draft, change, file and withdraw amendments of its plan; so does the
    secretariat (which starts the amendment carrying the tasks of merged units)."""
    return user is not None and (can_write_unit(user, unit_id) or user.role in AMENDMENT_DECIDERS)


def can_submit_amendment(user: User | None, unit_id: int, focal_may_submit: bool, by_secretariat: bool) -> bool:
    """The unit head submits (a focal point too where the secretariat allows it); the secretariat submits only
    the amendments it started."""
    if user is None:
        return False
    if user.role in AMENDMENT_DECIDERS:
        return by_secretariat
    return user.unit == unit_id and (user.role == "unit_head" or (user.role == "focal_point" and focal_may_submit))


def can_decide_amendment(user: User | None) -> bool:
    """The secretariat (Sở Nội vụ) approves or returns amendments."""
    return user is not None and user.role in AMENDMENT_DECIDERS


def can_correct_wording(user: User | None) -> bool:
    """The secretariat fixes an issued plan's spelling (no change of meaning), recorded in the task's history."""
    return user is not None and user.role in AMENDMENT_DECIDERS


def refuse_amendment_draft() -> NoReturn:
    refuse(_("Only the unit's focal point or head, or the secretariat, may draft or change this plan's amendments."))


def refuse_amendment_withdraw() -> NoReturn:
    refuse(_("An amendment is withdrawn by whoever drafted it: the unit for its own, the secretariat for its own. "
             "The secretariat returns a unit's amendment with a comment instead."))


def refuse_amendment_submit() -> NoReturn:
    refuse(_("Only the unit's head (or its focal point, where the secretariat allows it) submits this amendment."))


def require_amendment_decider(request: Request) -> User:
    return _require(request, can_decide_amendment, _("Only the secretariat approves or returns amendments."))


# Accounts and the audit log ---------------------------------------------------------------------------------

def can_manage_accounts(user: User | None) -> bool:
    return user is not None and user.role == "admin"


def require_admin(request: Request) -> User:
    return _require(request, can_manage_accounts, _("Only an administrator may manage accounts."))


async def account_for_admin(request: Request, user_id: int) -> tuple[User, User]:
    """The administrator asking, and the account they act on (404 when there is none)."""
    admin = require_admin(request)
    return admin, found(await User.objects().where(User.id == user_id).first())


def can_read_audit(user: User | None) -> bool:
    """The audit log is the security record (sign-ins with the address and the email typed, lockouts, password
    resets, tokens, accounts, rules and points changed): only the administrator reads it, and nobody changes it.
    The secretariat follows official acts on the pages of what they act on (history of tasks, rules, points)."""
    return user is not None and user.role == "admin"


def require_audit_reader(request: Request) -> User:
    return _require(request, can_read_audit, _("Only an administrator reads the audit log."))


# The board and scoring --------------------------------------------------------------------------------------

BOARD_ROLES = ("admin", "secretariat", "steering")


def can_see_board(user: User | None) -> bool:
    """The completion board and the scores are for the steering committee, the secretariat and the admin."""
    return user is not None and user.role in BOARD_ROLES


def require_board_reader(request: Request) -> User:
    return _require(request, can_see_board, _("Only the steering committee and the secretariat see the board."))


def can_read_scoring(user: User | None) -> bool:
    """The scoring rules (the list, each rule and its history) are read by whoever reads the board the rules
    rank: the steering committee, the secretariat and the admin. Only can_edit_scoring changes them."""
    return can_see_board(user)


def require_scoring_reader(request: Request) -> User:
    return _require(request, can_read_scoring, _("Only the steering committee and the secretariat see the scoring rules."))


def can_edit_scoring(user: User | None) -> bool:
    """Scoring rules and the points of criteria that do not come from tasks are set by the secretariat."""
    return user is not None and user.role in ("secretariat", "admin")


def require_scoring_editor(request: Request) -> User:
    return _require(request, can_edit_scoring, _("Only the secretariat edits scoring rules and points."))


def can_see_unit_score(user: User | None, unit_id: int) -> bool:
    """A unit sees its own score breakdown; board readers see every unit's."""
    return can_see_board(user) or (user is not None and user.role in UNIT_ROLES and user.unit == unit_id)


def require_unit_score_reader(request: Request, unit_id: int) -> User:
    user = require_user(request)
    if not can_see_unit_score(user, unit_id):
        refuse(_("You may not see this unit's score."))
    return user


# Plan years: closing a year, carrying its unfinished tasks on --------------------------------------------

def can_close_year(user: User | None) -> bool:
    """Closing a plan year binds every unit: the secretariat (and the administrator) close it."""
    return user is not None and user.role in ("secretariat", "admin")


def require_year_closer(request: Request) -> User:
    return _require(request, can_close_year, _("Only the secretariat closes a plan year."))


def can_carry_tasks(user: User | None, unit_id: int) -> bool:
    """A unit's unfinished tasks are carried into its next plan by the unit itself, or by the secretariat (a
    merge, a split)."""
    return user is not None and (can_write_unit(user, unit_id) or user.role == "secretariat")


def require_carrier(request: Request, unit_id: int) -> User:
    return _require(request, lambda user: can_carry_tasks(user, unit_id),
                    _("Only the unit's focal point or head, or the secretariat, carries its tasks over."))


# Units over time: creating, renaming, ending, merging, splitting, importing ------------------------------

def can_manage_units(user: User | None) -> bool:
    """The province's units change by decision; the administrator and the secretariat record them."""
    return user is not None and user.role in ("secretariat", "admin")


def require_unit_manager(request: Request) -> User:
    return _require(request, can_manage_units, _("Only the administrator and the secretariat manage units."))


# Reminders, outgoing email, API tokens ----------------------------------------------------------------------

def can_edit_reminders(user: User | None) -> bool:
    """The reminder policy and the working-day calendar bind every unit: the secretariat sets them."""
    return user is not None and user.role in ("secretariat", "admin")


def require_reminder_editor(request: Request) -> User:
    return _require(request, can_edit_reminders, _("Only the secretariat sets reminders and the working-day calendar."))


def require_outbox_reader(request: Request) -> User:
    """The outgoing emails carry every unit's deadlines and people's addresses: the administrator's only."""
    return _require(request, can_manage_accounts, _("Only an administrator sees the outgoing emails."))


def can_manage_tokens(user: User | None, owner_id: int) -> bool:
    """People manage their own API tokens; the administrator anyone's (to cut off a leaked one)."""
    return user is not None and (user.id == owner_id or can_manage_accounts(user))


async def token_for_user(request: Request, token_id: int) -> ApiToken:
    """A token the signed-in person may revoke: their own, or any for the administrator; others 403."""
    user = require_user(request)
    token = found(await ApiToken.objects().where(ApiToken.id == token_id).first())
    if not can_manage_tokens(user, token.user):
        refuse(_("You may only revoke your own API tokens."))
    return token
