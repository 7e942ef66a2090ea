"""Reading plan years and carry-over: the years page, the tasks a plan may still carry, where a task went."""

from __future__ import annotations

from typing import Any

from amendments.tables import AmendmentChange
from plans.tables import Field, Plan, YearClose
from tasks.queries import task_label
from tasks.rules import Status
from tasks.tables import Task

UNFINISHED = [Status.NOT_STARTED.value, Status.IN_PROGRESS.value]
PENDING = ["draft", "submitted", "returned"]  # an amendment that may still be approved


async def year_rows() -> list[dict[str, Any]]:
    """Every plan year (and every closed one), newest first: plans, unfinished tasks, and the closing if any."""
    plans = await Plan.select(Plan.year)
    open_tasks = await Task.select(Task.field.plan.year.as_alias("year")).where(Task.status.is_in(UNFINISHED))
    closes = {c["year"]: c for c in await YearClose.select(
        YearClose.all_columns(), YearClose.closed_by.full_name.as_alias("closed_by_name"),
        YearClose.closed_by.email.as_alias("closed_by_email"))}
    years = sorted({p["year"] for p in plans} | set(closes), reverse=True)
    return [{"year": y, "plans": sum(p["year"] == y for p in plans),
             "unfinished": sum(t["year"] == y for t in open_tasks), "closed": closes.get(y)} for y in years]


async def year_row(year: int) -> dict[str, Any]:
    return next((r for r in await year_rows() if r["year"] == year),
                {"year": year, "plans": 0, "unfinished": 0, "closed": None})


async def next_plan(plan: dict[str, Any]) -> dict[str, Any] | None:
    """The unit's plan of the year after `plan`'s: where its unfinished tasks are carried."""
    return await Plan.select().where((Plan.unit == plan["unit"]) & (Plan.year == plan["year"] + 1)).first()


async def plan_row(plan_id: int) -> dict[str, Any] | None:
    return await Plan.select(Plan.all_columns(), Plan.unit.name.as_alias("unit_name")).where(
        Plan.id == plan_id).first()


async def fields_of(plan_id: int) -> list[dict[str, Any]]:
    return await Field.select().where(Field.plan == plan_id).order_by(Field.position)


async def carried_ids(task_ids: list[int]) -> set[int]:
    """Which of these tasks are carried already: a live task continues it, or a pending amendment carries it."""
    if not task_ids:
        return set()
    live = await Task.select(Task.carried_from).where(
        Task.carried_from.is_in(task_ids) & (Task.status != Status.CANCELLED.value))
    pending = await AmendmentChange.select(AmendmentChange.task).where(
        AmendmentChange.task.is_in(task_ids) & (AmendmentChange.action == "carry")
        & AmendmentChange.amendment.status.is_in(PENDING))
    return {r["carried_from"] for r in live} | {r["task"] for r in pending}


async def plan_tasks(plan_id: int) -> list[dict[str, Any]]:
    """The plan's tasks in order, each with its field and whether it may still be carried."""
    tasks = await Task.select(Task.all_columns(), Task.field.name.as_alias("field_name"),
                              Task.field.position.as_alias("field_position"),
                              Task.field.component.as_alias("field_component")).where(
        Task.field.plan == plan_id).order_by(Task.field.position).order_by(Task.position)
    carried = await carried_ids([t["id"] for t in tasks])
    for t in tasks:
        t["label"] = task_label(t["field_position"], t["number"])
        t["unfinished"] = t["status"] in UNFINISHED
        t["carried"] = t["id"] in carried
        t["carriable"] = t["unfinished"] and not t["carried"]
    return tasks


async def carry_candidates(plan_id: int) -> list[dict[str, Any]]:
    """The plan's unfinished tasks not carried yet: the carry-over page offers these."""
    return [t for t in await plan_tasks(plan_id) if t["carriable"]]
