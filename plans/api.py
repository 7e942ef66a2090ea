"""JSON API for plans: the same access rules as the pages, shapes documented in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from litestar import Request, get
from litestar.params import FromQuery

from app import access, clock
from app.bounds import Id, Year
from plans import queries
from plans.access import plan_for_user, plan_scope
from tasks.rules import Completion
from tasks.shapes import TaskOut, task_out


@dataclass
class FieldOut:
    id: int
    name: str
    component: int | None
    ratio: str
    ratio_value: float | None
    tasks: list[TaskOut]


@dataclass
class PlanOut:
    id: int
    unit: str
    unit_name: str
    year: int
    title: str
    doc_number: str
    doc_date: dt.date | None
    status: str
    ratio: str  # "26/28": done / (total − cancelled)
    ratio_value: float | None
    total: int
    cancelled: int
    as_of: dt.date  # the cut-off the figures are counted at
    fields: list[FieldOut] | None = None


def _ratio(c: Completion) -> dict:
    return {"ratio": c.fraction_text, "ratio_value": float(c.value) if c.value is not None else None}


def _plan_out(p: dict, c: Completion, as_of: dt.date, fields: list[FieldOut] | None = None) -> PlanOut:
    return PlanOut(id=p["id"], unit=p["unit_code"], unit_name=p["unit_name"], year=p["year"], title=p["title"],
                   doc_number=p["doc_number"], doc_date=p["doc_date"], status=p["status"], total=c.total,
                   cancelled=c.cancelled, as_of=as_of, fields=fields, **_ratio(c))


@get("/api/plans", tags=["plans"])
async def api_plans(request: Request, year: Year, unit: FromQuery[str | None] = None) -> list[PlanOut]:
    """The plans in the caller's scope for a year (a unit's own plans for its focal points and head), counted at today
    for the current year and at 31 December for a past year, as the plan list and the board count them."""
    user = access.require_user(request)
    rows = await queries.plan_rows(plan_scope(user), year, clock.today())
    if unit:
        rows = [r for r in rows if r["unit_code"] == unit.strip().upper()]
    return [_plan_out(r, r["completion"], r["as_of"]) for r in rows]


@get("/api/plans/{plan_id:int}", tags=["plans"])
async def api_plan(request: Request, plan_id: Id) -> PlanOut:
    """One plan with its fields, tasks and completion ratios at today."""
    await plan_for_user(request, plan_id)
    today = clock.today()
    view = await queries.plan_view(plan_id, today)
    fields = [FieldOut(id=f.field["id"], name=f.field["name"], component=f.field["component"],
                       tasks=[task_out(t) for t in f.tasks], **_ratio(f.completion)) for f in view.fields]
    return _plan_out(view.plan, view.completion, today, fields)


ROUTES = [api_plans, api_plan]
