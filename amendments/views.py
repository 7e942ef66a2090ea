"""What the amendment pages read beside amendments/queries.py: the plan's fields and tasks to choose from."""

from __future__ import annotations

from typing import Any

from app.text import int_to_roman
from plans.tables import Field, Plan
from tasks.tables import Task

TASK_COLUMNS = (Task.id, Task.field, Task.number, Task.content, Task.lead, Task.partners, Task.output, Task.due_date,
                Task.due_text, Task.status, Task.position)


async def plan_head(plan_id: int) -> dict[str, Any] | None:
    return await Plan.select(Plan.all_columns(), Plan.unit.name.as_alias("unit_name"),
                             Plan.unit.code.as_alias("unit_code")).where(Plan.id == plan_id).first()


async def plan_fields(plan_id: int) -> list[dict[str, Any]]:
    return await Field.select(Field.id, Field.name, Field.position).where(Field.plan == plan_id).order_by(
        Field.position)


async def plan_tasks(plan_id: int) -> dict[int, dict[str, Any]]:
    """Every task of the plan by id, in the plan's order, each with its label ("II.3") for the choosers."""
    fields = {f["id"]: f["position"] for f in await plan_fields(plan_id)}
    rows = await Task.select(*TASK_COLUMNS).where(Task.field.plan == plan_id)
    rows.sort(key=lambda t: (fields.get(t["field"], 0), t["position"], t["id"]))
    for t in rows:
        t["label"] = f"{int_to_roman(fields.get(t['field'], 0))}.{t['number']}"
    return {t["id"]: t for t in rows}
