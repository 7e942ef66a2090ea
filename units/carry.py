"""Carrying the open tasks of ended units to their successor's plan (issue 15, section 4).

One amendment of the successor's plan for the year, started, submitted and approved by the secretariat, with a
"carry" change for every open task of the predecessors' plans of that year: on approval each task is added to the
successor's plan from the decision's date (linked by carried_from) and cancelled in the old plan from the same
date (amendments/actions.py), so every board counts it once: the old unit's before the date, the successor's from it.

The successor must have an ISSUED plan for the year: an amendment amends an issued plan, and only the unit's
own people draw up its plan. Until it has one, the unit page says so and offers the carry once it exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from amendments.actions import AmendmentError, AmendmentStale, approve, create_amendment, submit, withdraw
from app.i18n import _
from app.tables import Unit, User
from app.text import fold
from plans.tables import Field, Plan
from tasks.tables import Task
from units.rules import Decision

OPEN = ("not_started", "in_progress")


class CarryError(Exception):
    """Why the open tasks cannot be carried now (a sentence for the secretariat)."""


async def open_tasks(successor_id: int, year: int) -> list[dict[str, Any]]:
    """The open tasks of the year's plans of the units whose successor is this one, not carried yet."""
    carried = Task.select(Task.carried_from).where(Task.carried_from.is_not_null() & (Task.status != "cancelled"))
    return await Task.select(
        Task.id, Task.number, Task.content, Task.due_date, Task.field.name.as_alias("field_name"),
        Task.field.plan.id.as_alias("plan_id"), Task.field.plan.unit.name.as_alias("unit_name")).where(
        (Task.field.plan.unit.successor == successor_id) & (Task.field.plan.year == year)
        & Task.status.is_in(list(OPEN)) & Task.id.not_in(carried)).order_by(Task.field.plan.unit.name).order_by(
        Task.field.position).order_by(Task.position)


async def successor_plan(successor_id: int, year: int) -> dict[str, Any] | None:
    return await Plan.select(Plan.id, Plan.status, Plan.title).where(
        (Plan.unit == successor_id) & (Plan.year == year)).first()


async def carry_state(successor_id: int, year: int) -> dict[str, Any]:
    """What the unit page shows: the tasks waiting, the plan receiving them, and why not yet if it cannot."""
    tasks = await open_tasks(successor_id, year)
    plan = await successor_plan(successor_id, year)
    fields = await Field.select(Field.id, Field.name).where(Field.plan == plan["id"]).order_by(
        Field.position) if plan else []
    return {"year": year, "tasks": tasks, "plan": plan, "fields": fields,
            "blocked": await _blocked(successor_id, year, plan, fields) if tasks else None}


async def _blocked(successor_id: int, year: int, plan: dict | None, fields: list) -> str | None:
    name = (await Unit.select(Unit.name).where(Unit.id == successor_id).first())["name"]
    if plan is None:
        return _("%(unit)s has no plan for %(year)s yet: its focal point creates or imports it, then carry the "
                 "open tasks from the unit's page.", unit=name, year=year)
    if plan["status"] != "issued":
        return _("%(unit)s's plan for %(year)s is still a draft: once it is issued, carry the open tasks from "
                 "the unit's page.", unit=name, year=year)
    if not fields:
        return _("%(unit)s's plan for %(year)s has no field to receive the tasks.", unit=name, year=year)
    return None


def _targets(tasks: list[dict], fields: list[dict], default_field: int | None) -> list[dict[str, Any]]:
    """A carry change per task: into the successor's field of the same name, else into the chosen field."""
    by_name = {fold(f["name"]): f["id"] for f in fields}
    fallback = default_field if default_field in {f["id"] for f in fields} else fields[0]["id"]
    return [{"action": "carry", "task": t["id"], "field": by_name.get(fold(t["field_name"]), fallback)}
            for t in tasks]


async def carry_open_tasks(successor_id: int, decision: Decision, actor: User, now: dt.datetime,
                           default_field: int | None = None) -> tuple[int, int]:
    """Carry every open task of the predecessors' plans of the decision's year by one approved amendment.
    Returns (amendment id, tasks carried); raises CarryError when it cannot be done, leaving nothing pending (an
    amendment refused at approval is withdrawn, its history kept)."""
    state = await carry_state(successor_id, decision.date.year)
    if not state["tasks"]:
        raise CarryError(_("No open task of the ended units is waiting to be carried."))
    if state["blocked"]:
        raise CarryError(state["blocked"])
    units = sorted({t["unit_name"] for t in state["tasks"]}, key=fold)
    values = {"number": decision.number, "date": decision.date, "issuer": "",
              "reason": _("Open tasks of %(units)s carried over after the reorganisation (decision %(number)s).",
                          units=", ".join(units), number=decision.number)}
    amendment = None
    try:
        amendment = await create_amendment(state["plan"]["id"], values,
                                           _targets(state["tasks"], state["fields"], default_field), actor, now)
        amendment = await submit(amendment.id, amendment.version, actor, now)
        await approve(amendment.id, amendment.version, actor, now)
    except (AmendmentError, AmendmentStale) as exc:
        if amendment is not None:  # refused at approval (a task carried meanwhile): leave no amendment pending
            await withdraw(amendment.id, None, actor, now)
        if isinstance(exc, AmendmentStale):
            raise CarryError(_("Another change was made at the same moment; try again.")) from exc
        raise CarryError(" ".join(dict.fromkeys(exc.errors.values()))) from exc
    return amendment.id, len(state["tasks"])
