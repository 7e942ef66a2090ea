"""JSON API for amendments: draft one, list and read them, and the acts (submit, approve, return, withdraw).
The same rights as the pages; shapes documented in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import JSONBody

from amendments import actions, queries
from amendments.access import amendment_for_user, plan_for_amendments
from app import access, clock
from app.bounds import MAX_ID, Id
from app.i18n import _

BodyId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]


@dataclass
class ChangeIn:
    """One change. cancel: task, reason?; redate: task, due and/or due_text; edit: task and any of content, lead,
    partners, output; add: field, content, lead?, partners?, output?, due and/or due_text, number?;
    carry: task (of another plan), field, due?, due_text?."""

    action: str  # add, cancel, redate, edit, carry
    task: BodyId | None = None
    field: BodyId | None = None
    number: str | None = None
    content: str | None = None
    lead: str | None = None
    partners: str | None = None
    output: str | None = None
    due: dt.date | None = None  # YYYY-MM-DD; without it, read from due_text ("Quý IV/2026")
    due_text: str | None = None
    reason: str | None = None


@dataclass
class AmendmentIn:
    number: str = ""  # số/ký hiệu of the amending document
    date: dt.date | None = None  # its date: every change takes effect from it
    reason: str = ""
    issuer: str = ""
    changes: list[ChangeIn] = field(default_factory=list)


@dataclass
class ReturnIn:
    comment: str  # why it goes back to the unit (required)


@dataclass
class ChangeOut:
    position: int
    action: str
    task: int | None
    field: int | None
    values: dict[str, Any]
    before: dict[str, Any]  # once approved: the task's values before the change
    result_task: int | None  # once approved: the task added (add, carry)


@dataclass
class AmendmentOut:
    id: int
    plan: int
    number: str
    date: dt.date
    reason: str
    issuer: str
    status: str  # draft, submitted, approved, returned, withdrawn
    comment: str  # the secretariat's comment on the last return
    version: int
    file_name: str  # the signed document ("" while missing)
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    changes: list[ChangeOut] | None = None


def _out(a: dict[str, Any], changes: list[dict[str, Any]] | None = None) -> AmendmentOut:
    return AmendmentOut(
        id=a["id"], plan=a["plan"], number=a["number"], date=a["date"], reason=a["reason"], issuer=a["issuer"],
        status=a["status"], comment=a["comment"], version=a["version"], file_name=a["file_name"],
        created_at=a["created_at"], submitted_at=a["submitted_at"], decided_at=a["decided_at"],
        changes=None if changes is None else [
            ChangeOut(position=c["position"], action=c["action"], task=c["task"], field=c["field"],
                      values=c["values"] or {}, before=c["before"] or {}, result_task=c["result_task"])
            for c in changes])


async def _detail(amendment_id: int) -> AmendmentOut:
    detail = await queries.amendment_detail(amendment_id)
    return _out(detail, detail["change_list"])


def _refused(exc: actions.AmendmentError) -> ValidationException:
    return ValidationException(_("The amendment was refused."), extra={"errors": exc.errors})


def _conflict(exc: actions.AmendmentStale) -> HTTPException:
    current = exc.current
    return HTTPException(status_code=409, detail=str(exc), extra={
        "code": exc.code, "status": current.status if current else None,
        "version": current.version if current else None})


@post("/api/plans/{plan_id:int}/amendments", tags=["amendments"])
async def api_amendment_create(request: Request, plan_id: Id, data: JSONBody[AmendmentIn]) -> AmendmentOut:
    """Draft an amendment of an issued plan (the plan's focal point or unit head, or the secretariat). Bad values
    get 400 with every error by key ("date", "changes.1.due"...); nothing is written."""
    await plan_for_amendments(request, plan_id, draft=True)
    values = {"number": data.number, "date": data.date, "reason": data.reason, "issuer": data.issuer}
    changes = [{k: v for k, v in asdict(c).items() if v is not None} for c in data.changes]
    try:
        amendment = await actions.create_amendment(plan_id, values, changes, access.require_user(request),
                                                   clock.now())
    except actions.AmendmentError as exc:
        raise _refused(exc) from None
    return await _detail(amendment.id)


@get("/api/plans/{plan_id:int}/amendments", tags=["amendments"])
async def api_amendments_of_plan(request: Request, plan_id: Id) -> list[AmendmentOut]:
    """The plan's amendments, newest first (without their changes: read one for those)."""
    plan = await plan_for_amendments(request, plan_id)
    user = access.require_user(request)
    unit_reads = access.can_read_unit(user, plan.unit, False)  # the unit's working papers, not only approved ones
    return [_out(r) for r in await queries.amendments_of_plan(plan_id) if unit_reads or r["status"] == "approved"]


@get("/api/amendments/{amendment_id:int}", tags=["amendments"])
async def api_amendment(request: Request, amendment_id: Id) -> AmendmentOut:
    """One amendment with its changes (each with the task's values before it, once approved)."""
    await amendment_for_user(request, amendment_id)
    return await _detail(amendment_id)


async def _act(request: Request, amendment_id: int, right: str, act) -> AmendmentOut:
    await amendment_for_user(request, amendment_id, right)  # type: ignore[arg-type]
    try:
        await act(access.require_user(request), clock.now())
    except actions.AmendmentError as exc:
        raise _refused(exc) from None
    except actions.AmendmentStale as exc:
        raise _conflict(exc) from None
    return await _detail(amendment_id)


@post("/api/amendments/{amendment_id:int}/submit", tags=["amendments"], status_code=200)
async def api_amendment_submit(request: Request, amendment_id: Id) -> AmendmentOut:
    """Submit a draft (or a returned amendment) for approval: the unit head, or a focal point where the secretariat
    allows it. 409 with "code" when the amendment is not in a state to submit."""
    return await _act(request, amendment_id, "submit",
                      lambda user, now: actions.submit(amendment_id, None, user, now))


@post("/api/amendments/{amendment_id:int}/approve", tags=["amendments"], status_code=200)
async def api_amendment_approve(request: Request, amendment_id: Id) -> AmendmentOut:
    """Approve a submitted amendment (the secretariat): every change applies at once, effective from its date.
    400 when the plan changed so that a change no longer holds (nothing applied); 409 when not submitted."""
    return await _act(request, amendment_id, "decide",
                      lambda user, now: actions.approve(amendment_id, None, user, now))


@post("/api/amendments/{amendment_id:int}/return", tags=["amendments"], status_code=200)
async def api_amendment_return(request: Request, amendment_id: Id, data: JSONBody[ReturnIn]) -> AmendmentOut:
    """Return a submitted amendment to the unit with a comment (the secretariat)."""
    return await _act(request, amendment_id, "decide",
                      lambda user, now: actions.return_amendment(amendment_id, None, data.comment, user, now))


@post("/api/amendments/{amendment_id:int}/withdraw", tags=["amendments"], status_code=200)
async def api_amendment_withdraw(request: Request, amendment_id: Id) -> AmendmentOut:
    """Withdraw an amendment that is not approved, by the side that drafted it (the unit its own, the secretariat
    its own): it changes nothing."""
    return await _act(request, amendment_id, "withdraw",
                      lambda user, now: actions.withdraw(amendment_id, None, user, now))


ROUTES = [api_amendment_create, api_amendments_of_plan, api_amendment, api_amendment_submit, api_amendment_approve,
          api_amendment_return, api_amendment_withdraw]
