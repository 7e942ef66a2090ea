"""The years pages: closing a plan year, carrying unfinished tasks on, a new year's plan from last year's.

Thin handlers: access through app/access.py and plans/access.py, one action, a page or a redirect.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from amendments.actions import AmendmentError
from app import access, clock
from app.bounds import refused
from app.i18n import _
from app.tables import Unit
from plans.access import plan_for_user
from plans.actions import PlanExists
from plans.tables import Plan
from years import actions, forms, queries
from years.nextyear import default_choice, plan_from_last_year
from years.rules import matching_field, move_due_text

Form = URLEncodedBody[dict[str, str]]


@get("/years")
async def year_list(request: Request) -> Template:
    access.require_year_closer(request)
    return Template("years/list.html", context={"years": await queries.year_rows(), "today": clock.today()})


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise refused("year", _("Enter a year between 2000 and 2100."))
    return year


async def _close_page(year: int, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Template:
    return Template("years/close.html", status_code=status, context={
        "row": await queries.year_row(year), "values": values, "errors": errors, "today": clock.today()})


@get("/years/{year:int}/close")
async def year_close_form(request: Request, year: FromPath[int]) -> Template:
    access.require_year_closer(request)
    return await _close_page(_year(year), {}, {})


@post("/years/{year:int}/close")
async def year_close(request: Request, year: FromPath[int], data: Form) -> Response:
    user = access.require_year_closer(request)
    year = _year(year)
    values, errors = forms.close_form(data)
    if not errors:
        try:
            await actions.close_year(year, values["closed_on"], values["note"], user, clock.now())
            return Redirect("/years", status_code=303)
        except actions.YearError as exc:
            errors = exc.errors
    return await _close_page(year, {**values, "raw": data}, errors, 409 if "year" in errors else 400)


# Carry-over -------------------------------------------------------------------------------------------------

async def _carry_context(plan: Plan, **extra: Any) -> dict[str, Any]:
    source = await queries.plan_row(plan.id)
    target = await queries.next_plan(source)
    fields = await queries.fields_of(target["id"]) if target else []
    tasks = await queries.carry_candidates(plan.id)
    for t in tasks:
        same = matching_field(t["field_name"], fields)
        t["default_field"] = same["id"] if same else None
    return {"source": source, "target": target, "fields": fields, "tasks": tasks, "errors": {}, "data": {},
            "values": {}, **extra}


@get("/plans/{plan_id:int}/carry")
async def carry_page(request: Request, plan_id: FromPath[int]) -> Template:
    plan = await plan_for_user(request, plan_id)
    access.require_carrier(request, plan.unit.id)
    return Template("years/carry.html", context=await _carry_context(plan))


@post("/plans/{plan_id:int}/carry")
async def carry(request: Request, plan_id: FromPath[int], data: Form) -> Response:
    plan = await plan_for_user(request, plan_id)
    user = access.require_carrier(request, plan.unit.id)
    context = await _carry_context(plan, data=data)
    target = context["target"]
    if target is None:  # the page says so, with the way to make it
        return Template("years/carry.html", status_code=400, context=context)
    picks, errors = forms.carry_picks(data, context["tasks"])
    values, more = forms.amendment_values(data) if target["status"] == "issued" else ({}, {})
    errors.update(more)
    if not errors:
        try:
            if target["status"] == "issued":
                amendment = await actions.carry_by_amendment(plan, Plan(**target), values, picks, user, clock.now())
                return Redirect(f"/amendments/{amendment.id}", status_code=303)
            await actions.carry_into_draft(plan, Plan(**target), picks, user, clock.now())
            return Redirect(f"/plans/{target['id']}", status_code=303)
        except (actions.YearError, AmendmentError) as exc:
            errors = exc.errors
        context = await _carry_context(plan, data=data)  # what is offered now, after a carry meanwhile
    return Template("years/carry.html", status_code=400, context={**context, "errors": errors, "values": values})


# A new year's plan from last year's -------------------------------------------------------------------------

async def _next_year_context(plan: Plan, **extra: Any) -> dict[str, Any]:
    source = await queries.plan_row(plan.id)
    tasks = await queries.plan_tasks(plan.id)
    return {"source": source, "existing": await queries.next_plan(source), "tasks": tasks,
            "fields": await queries.fields_of(plan.id), "year": plan.year + 1, "errors": {},
            "choices": {t["id"]: default_choice(t) for t in tasks},
            "title": move_due_text(plan.title, plan.year, plan.year + 1), **extra}


@get("/plans/{plan_id:int}/next-year")
async def next_year_page(request: Request, plan_id: FromPath[int]) -> Template:
    plan = await plan_for_user(request, plan_id, write=True)
    return Template("years/next_year.html", context=await _next_year_context(plan))


@post("/plans/{plan_id:int}/next-year")
async def next_year(request: Request, plan_id: FromPath[int], data: Form) -> Response:
    plan = await plan_for_user(request, plan_id, write=True)
    context = await _next_year_context(plan)
    choices, errors = forms.next_year_choices(data, context["tasks"])
    title = (data.get("title") or "").strip()[:500]
    if not errors:
        try:
            new = await plan_from_last_year(plan, title, choices, access.require_user(request), clock.now())
            return Redirect(f"/plans/{new.id}", status_code=303)
        except PlanExists as exc:
            errors = {"year": str(exc)}
        except actions.YearError as exc:
            errors = exc.errors
        context = await _next_year_context(plan)
    return Template("years/next_year.html", status_code=400,
                    context={**context, "errors": errors, "choices": choices, "title": title})


@get("/plans/from-last-year")
async def from_last_year(request: Request) -> Template:
    """Which plan to start from: the plans of the units the user writes, newest first."""
    ids = access.writable_unit_ids(access.require_user(request))
    if not ids:
        access.refuse_plan_author()
    plans = await Plan.select(Plan.id, Plan.year, Plan.title, Plan.status, Plan.unit.name.as_alias("unit_name")).where(
        Plan.unit.is_in(ids)).order_by(Plan.year, ascending=False)
    years = {(p["unit_name"], p["year"]) for p in plans}
    for p in plans:
        p["next_exists"] = (p["unit_name"], p["year"] + 1) in years
    units = await Unit.select(Unit.name).where(Unit.id.is_in(ids))
    return Template("years/from_last_year.html", context={"plans": plans, "units": units})


ROUTES = [year_list, year_close_form, year_close, carry_page, carry, next_year_page, next_year, from_last_year]
