"""Reading plans for pages, the CLI and the export: a few queries, never one per task."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from typing import Any

from app.text import fold
from plans.parsed import ParsedField, ParsedPlan, ParsedTask
from plans.tables import Field, Plan
from tasks.counting import deadlines_at, facts, judged_on
from tasks.rules import Completion, TaskFacts, completion, state_at
from tasks.tables import Task


@dataclass
class FieldView:
    field: dict[str, Any]
    tasks: list[dict[str, Any]]
    completion: Completion


@dataclass
class PlanView:
    plan: dict[str, Any]
    fields: list[FieldView] = dc_field(default_factory=list)
    completion: Completion = Completion(0, 0)

    @property
    def task_count(self) -> int:
        return sum(len(f.tasks) for f in self.fields)


async def plan_view(plan_id: int, as_of: dt.date, in_force: bool = False) -> PlanView | None:
    """The plan with each task's state on `as_of`; `in_force` judges a past date by the deadlines then."""
    plan = await Plan.select(Plan.all_columns(), Plan.unit.name.as_alias("unit_name"),
                             Plan.unit.code.as_alias("unit_code")).where(Plan.id == plan_id).first()
    if plan is None:
        return None
    fields = await Field.select().where(Field.plan == plan_id).order_by(Field.position)
    tasks = await Task.select().where(Task.field.plan == plan_id).order_by(Task.position)
    if in_force:
        tasks = await _as_it_was(tasks, as_of)
    by_field: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        task["state"] = state_at(facts(task), as_of)
        by_field[task["field"]].append(task)
    view = PlanView(plan)
    for f in fields:
        f_tasks = by_field[f["id"]]
        view.fields.append(FieldView(f, f_tasks, completion([facts(t) for t in f_tasks], as_of)))
    view.completion = completion([facts(t) for t in tasks], as_of)
    return view


async def _as_it_was(tasks: list[dict[str, Any]], as_of: dt.date) -> list[dict[str, Any]]:
    """The tasks as they stood on `as_of`: none added later, the deadline then, no completion that came later."""
    tasks = [t for t in tasks if t["added_on"] is None or t["added_on"] <= as_of]
    then = await deadlines_at({t["id"]: judged_on(t, as_of) for t in tasks})
    for task in tasks:
        task["due_date"] = then.get(task["id"], task["due_date"])
        if task["completed_on"] and task["completed_on"] > as_of:
            task["completed_on"] = None  # the state is "not done" then; a later date would read as done
    return tasks


async def plan_rows(where, year: int | None, as_of: dt.date) -> list[dict[str, Any]]:
    """Plans with unit and completion, for the list page: two queries whatever the count."""
    query = Plan.select(Plan.all_columns(), Plan.unit.name.as_alias("unit_name"),
                        Plan.unit.code.as_alias("unit_code"), Plan.unit.block.as_alias("unit_block"))
    conditions = [c for c in (where, (Plan.year == year) if year else None) if c is not None]
    for condition in conditions:
        query = query.where(condition)
    # Sorted in Python: "Xã Đắk Mil" belongs before "Xã Tuy Đức", which byte order gets wrong.
    plans = sorted(await query, key=lambda p: (-p["year"], fold(p["unit_name"])))
    if not plans:
        return []
    tasks = await Task.select(Task.field.plan.as_alias("plan_id"), Task.status, Task.due_date,
                              Task.completed_on, Task.cancelled_on).where(Task.field.plan.is_in([p["id"] for p in plans]))
    by_plan: dict[int, list[TaskFacts]] = defaultdict(list)
    for t in tasks:
        by_plan[t["plan_id"]].append(facts(t))
    for p in plans:
        p["completion"] = completion(by_plan[p["id"]], as_of)
    return plans


async def plan_years(where) -> list[int]:
    query = Plan.select(Plan.year).distinct()
    if where is not None:
        query = query.where(where)
    return sorted({r["year"] for r in await query}, reverse=True)


def as_parsed(view: PlanView) -> ParsedPlan:
    """The stored plan in the importer's shape, so export and import share one layout."""
    fields = [ParsedField(name=f.field["name"], component=f.field["component"], row=0, tasks=[
        ParsedTask(number=t["number"], content=t["content"], lead=t["lead"], partners=t["partners"],
                   output=t["output"], note=t["note"], due=t["due_date"], due_text=t["due_text"], row=0)
        for t in f.tasks]) for f in view.fields]
    p = view.plan
    return ParsedPlan(year=p["year"], title=p["title"], doc_number=p["doc_number"], doc_date=p["doc_date"],
                      fields=fields)
