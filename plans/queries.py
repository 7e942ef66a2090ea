"""Reading plans for pages, the CLI and the export: a few queries, never one per task."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from typing import Any

from app.text import fold
from plans.parsed import ParsedField, ParsedPlan, ParsedTask
from plans.tables import Field, Plan
from tasks.counting import Scope, deadlines_at, facts, judged_on, state_counts
from tasks.history import as_it_was, day_end, progress_then
from tasks.rules import Completion, State, completion, state_at
from tasks.tables import Task, TaskEvent


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
    """The plan with each task's state on `as_of`; `in_force` shows a past date as it stood then (_as_it_was)."""
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
        task.setdefault("state", state_at(facts(task), as_of))
        by_field[task["field"]].append(task)
    view = PlanView(plan)
    for f in fields:
        f_tasks = by_field[f["id"]]
        view.fields.append(FieldView(f, f_tasks, completion([facts(t) for t in f_tasks], as_of)))
    view.completion = completion([facts(t) for t in tasks], as_of)
    return view


async def _as_it_was(tasks: list[dict[str, Any]], as_of: dt.date) -> list[dict[str, Any]]:
    """The tasks as they stood on `as_of`, in two more queries whatever their number.

    The set and each group come from the board's rule (tasks.rules.state_at on the dated facts: none added
    later, the deadline then in force); the wording, deadline text and progress shown are those recorded by the
    end of that day (tasks.history.as_it_was), the progress agreeing with the group.
    """
    tasks = [t for t in tasks if t["added_on"] is None or t["added_on"] <= as_of]
    in_force = await deadlines_at({t["id"]: judged_on(t, as_of) for t in tasks})
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if tasks:
        for e in await TaskEvent.select(TaskEvent.id, TaskEvent.task, TaskEvent.at, TaskEvent.action,
                                        TaskEvent.changes, TaskEvent.effective_on).where(
                TaskEvent.task.is_in([t["id"] for t in tasks]) & (TaskEvent.at >= _a_day_before(as_of))
        ).output(load_json=True):
            e["at"] = e["at"] if e["at"].tzinfo else e["at"].replace(tzinfo=dt.timezone.utc)
            events[e["task"]].append(e)
    shown = []
    for task in tasks:
        task["due_date"] = in_force.get(task["id"], task["due_date"])
        state = state_at(facts(task), as_of)
        then = as_it_was(task, events[task["id"]], as_of)
        shown.append({**then, "due_date": task["due_date"], "state": state, "progress": progress_then(then, state),
                      # the dated facts, as the state read them; a completion after the cut-off is not shown then
                      "status": task["status"], "cancelled_on": task["cancelled_on"], "started_on": task["started_on"],
                      "completed_on": task["completed_on"] if state in (State.DONE_ON_TIME, State.DONE_LATE) else None})
    return shown


def _a_day_before(as_of: dt.date) -> dt.datetime:
    """A lower bound for the changes after `as_of`, in UTC and a day early: SQLite compares stored text, and
    tasks.history.as_it_was picks the exact ones."""
    return (day_end(as_of) - dt.timedelta(days=1)).astimezone(dt.timezone.utc)


def year_cut_off(year: int, today: dt.date) -> dt.date:
    """The day a plan of `year` is counted at in the list: today for this year, its year end for a past one."""
    return min(today, dt.date(year, 12, 31))


async def plan_rows(where, year: int | None, today: dt.date) -> list[dict[str, Any]]:
    """Plans with unit and completion, for the list page: a past year's plan at its year end (`as_of`), counted
    by the board's own query (one per year shown)."""
    query = Plan.select(Plan.all_columns(), Plan.unit.name.as_alias("unit_name"),
                        Plan.unit.code.as_alias("unit_code"), Plan.unit.block.as_alias("unit_block"))
    conditions = [c for c in (where, (Plan.year == year) if year else None) if c is not None]
    for condition in conditions:
        query = query.where(condition)
    # Sorted in Python: "Xã Đắk Mil" belongs before "Xã Tuy Đức", which byte order gets wrong.
    plans = sorted(await query, key=lambda p: (-p["year"], fold(p["unit_name"])))
    if not plans:
        return []
    counts = {}
    for y in {p["year"] for p in plans}:
        counts.update(await state_counts(Scope(y, year_cut_off(y, today))))
    for p in plans:
        c = counts.get(p["id"])
        p["completion"] = Completion(c.done, c.total, c.cancelled) if c else Completion(0, 0)
        p["as_of"] = year_cut_off(p["year"], today)
        p["past"] = p["as_of"] < today
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
