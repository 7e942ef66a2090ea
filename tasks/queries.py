"""Reading tasks for the workspace pages: one query per page, never one per task."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.text import int_to_roman
from plans.tables import YearClose
from tasks.counting import facts
from tasks.rules import Completion, State, Status, completion, state_at
from tasks.tables import Task

ROW_COLUMNS = (
    Task.field.name.as_alias("field_name"), Task.field.plan.as_alias("plan_id"),
    Task.field.plan.year.as_alias("plan_year"), Task.field.plan.evidence_required.as_alias("evidence_required"),
    Task.field.plan.unit.as_alias("unit_id"), Task.field.plan.unit.name.as_alias("unit_name"),
)


async def task_row(task_id: int, today: dt.date) -> dict[str, Any] | None:
    row = await Task.select(Task.all_columns(), *ROW_COLUMNS).where(Task.id == task_id).first()
    if row:
        row["state"] = state_at(facts(row), today)
    return row


async def closed_years() -> list[int]:
    """The plan years the secretariat has closed (years/): their tasks are final, not work to do or to remind."""
    return [r["year"] for r in await YearClose.select(YearClose.year)]


async def open_tasks_of_unit(unit_id: int, today: dt.date) -> list[dict[str, Any]]:
    """The unit's unfinished tasks: overdue first (oldest deadline first), then by deadline. A closed year's are
    final, not work to do: left out."""
    where = (Task.field.plan.unit == unit_id) & Task.status.is_in([Status.NOT_STARTED.value, Status.IN_PROGRESS.value])
    if closed := await closed_years():
        where &= Task.field.plan.year.not_in(closed)
    rows = await Task.select(Task.all_columns(), *ROW_COLUMNS).where(where)
    for row in rows:
        row["state"] = state_at(facts(row), today)
    return sorted(rows, key=lambda r: (r["state"] is not State.OVERDUE, r["due_date"], r["plan_year"], r["id"]))


async def plan_ratios(plan_id: int, field_id: int, today: dt.date) -> tuple[Completion, Completion]:
    """The plan's and one of its fields' completion on `today`: the ratios a saved task row brings up to date."""
    rows = await Task.select(Task.field, Task.status, Task.due_date, Task.completed_on, Task.cancelled_on).where(
        Task.field.plan == plan_id)
    return (completion([facts(r) for r in rows], today),
            completion([facts(r) for r in rows if r["field"] == field_id], today))


_LINK = (Task.id, Task.number, Task.status, Task.field.position.as_alias("field_position"),
         Task.field.plan.as_alias("plan_id"), Task.field.plan.year.as_alias("year"),
         Task.field.plan.unit.name.as_alias("unit_name"))


def task_label(field_position: int, number: str) -> str:
    """How a plan names one of its tasks: the field's Roman numeral and the task's number, "II.3"."""
    return f"{int_to_roman(field_position)}.{number}"


async def carry_links(task_id: int, carried_from: int | None) -> dict[str, Any]:
    """Where a task was carried from (chuyển tiếp) and the tasks that carry it on, for its page."""
    source = await Task.select(*_LINK).where(Task.id == carried_from).first() if carried_from else None
    went = await Task.select(*_LINK).where(Task.carried_from == task_id).order_by(Task.id)
    for row in ([source] if source else []) + went:
        row["label"] = task_label(row["field_position"], row["number"])
    return {"from": source, "to": went}
