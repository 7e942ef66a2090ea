"""A new year's plan started from last year's: the same fields, the chosen tasks copied or carried on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import audit
from app.db import hold, write_transaction
from app.i18n import _
from app.tables import User
from plans.actions import PlanExists, existing_plan
from plans.rules import next_task_number
from plans.cutoffs import year_close
from plans.tables import Field, Plan
from tasks.actions import YearClosed, created_event
from tasks.tables import Task, TaskEvent
from years import queries
from years.actions import YearError, carried_values
from years.rules import move_due_text

CHOICES = ("copy", "carry", "skip")


def default_choice(task: dict[str, Any]) -> str:
    """What the form proposes: an unfinished task carried on, a cancelled one left behind, the rest copied
    (recurring tasks: the year's plan, its report, the review)."""
    if task["carriable"]:
        return "carry"
    return "skip" if task["status"] == "cancelled" else "copy"


def choice_errors(tasks: list[dict[str, Any]], choices: dict[int, str]) -> dict[str, str]:
    errors = {}
    for t in tasks:
        if choices.get(t["id"]) == "carry" and not t["carriable"]:
            errors[f"task.{t['id']}"] = (_("Task %(label)s has already been carried over.", label=t["label"])
                                         if t["carried"] else _("Only an unfinished task can be carried over."))
    return errors


async def plan_from_last_year(source: Plan, title: str, choices: dict[int, str], actor: User | None,
                              now: dt.datetime) -> Plan:
    """A DRAFT plan for the year after `source`'s, for the same unit: its fields, and each task as chosen —
    "copy" (a new task, the deadline and the year its content names a year on), "carry" (the same task, its
    wording kept, linked to the unfinished task it continues) or "skip". Refused (PlanExists) when the unit has
    a plan that year already; all or nothing."""
    year = source.year + 1
    if found := await existing_plan(source.unit, year):
        raise PlanExists(found)
    try:
        async with write_transaction():
            await hold(f"plan:{source.unit}:{year}")
            if await year_close(year):
                raise YearError({"year": str(YearClosed(year))})
            tasks = await queries.plan_tasks(source.id)  # read under the hold: a carry meanwhile is seen
            if errors := choice_errors(tasks, choices):
                raise YearError(errors)
            plan = Plan(unit=source.unit, year=year, title=title or move_due_text(source.title, source.year, year),
                        status="draft", evidence_required=source.evidence_required)
            await plan.save()
            await _copy_fields(source.id, plan.id, year, tasks, choices, actor, now)
            await audit.record(audit.PLAN_FROM_LAST_YEAR, actor, now, target=f"{year} · #{plan.id}",
                               from_plan=f"{source.year} · #{source.id}")
    except Exception as exc:
        if not isinstance(exc, YearError) and (found := await existing_plan(source.unit, year)):
            raise PlanExists(found) from exc  # another request made the plan a moment ago
        raise
    return plan


async def _copy_fields(source_id: int, plan_id: int, year: int, tasks: list[dict[str, Any]], choices: dict[int, str],
                       actor: User | None, now: dt.datetime) -> None:
    for old in await queries.fields_of(source_id):
        field = Field(plan=plan_id, position=old["position"], name=old["name"], component=old["component"])
        await field.save()
        rows: list[dict[str, Any]] = []
        for t in (t for t in tasks if t["field"] == old["id"]):
            choice = choices.get(t["id"], "skip")
            if choice == "skip":
                continue
            position = len(rows) + 1
            # Numbered again after a task left behind: 1, 2, 4 becomes 1, 2, 3.
            number = t["number"] if t["position"] == position else next_task_number(
                rows[-1]["number"] if rows else None, position)
            values = carried_values(t, year - 1, year)
            if choice == "copy":  # a recurring task: "Báo cáo CCHC năm 2025" recurs as "... năm 2026"
                values["content"] = move_due_text(values["content"], year - 1, year)
            rows.append({**values, "field": field.id, "position": position, "number": number,
                         "carried_from": t["id"] if choice == "carry" else None})
        if rows:
            ids = await Task.insert(*[Task(**r) for r in rows]).returning(Task.id)
            await TaskEvent.insert(*[created_event(i["id"], r, actor, now) for i, r in zip(ids, rows)])
