"""Writing plans: from a parsed spreadsheet or by hand, always all-or-nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.i18n import _
from app.tables import Unit, User
from plans.spreadsheet import ParsedPlan
from plans.tables import Field, Plan
from tasks.actions import created_event
from tasks.tables import Task, TaskEvent


class PlanExists(Exception):
    def __init__(self, plan: Plan):
        super().__init__(_("This unit already has a plan for %(year)s.", year=plan.year))
        self.plan = plan


async def existing_plan(unit_id: int, year: int) -> Plan | None:
    return await Plan.objects().where((Plan.unit == unit_id) & (Plan.year == year)).first()


async def save_parsed_plan(parsed: ParsedPlan, unit: Unit, actor: User | None, now: dt.datetime,
                           status: str = "issued") -> Plan:
    """Create the plan, its fields and tasks in one transaction: a failure leaves nothing behind."""
    if found := await existing_plan(unit.id, parsed.year):
        raise PlanExists(found)
    async with Plan._meta.db.transaction():
        plan = Plan(unit=unit.id, year=parsed.year, title=parsed.title or default_title(parsed.year),
                    doc_number=parsed.doc_number, doc_date=parsed.doc_date, status=status)
        await plan.save()
        for position, parsed_field in enumerate(parsed.fields, start=1):
            field = Field(plan=plan.id, position=position, name=parsed_field.name, component=parsed_field.component)
            await field.save()
            rows = [_task_values(t, field.id, i) for i, t in enumerate(parsed_field.tasks, start=1)]
            if rows:
                ids = await Task.insert(*[Task(**r) for r in rows]).returning(Task.id)
                await TaskEvent.insert(*[created_event(i["id"], r, actor, now) for i, r in zip(ids, rows)])
    return plan


def _task_values(task: Any, field_id: int, position: int) -> dict[str, Any]:
    return dict(field=field_id, position=position, number=task.number, content=task.content, lead=task.lead,
                partners=task.partners, output=task.output, note=task.note, due_date=task.due,
                due_text=task.due_text, status="not_started", progress=0)


def default_title(year: int) -> str:
    return _("Administrative reform plan %(year)s", year=year)


async def add_field(plan: Plan, name: str, component: int | None) -> Field:
    last = await Field.select(Field.position).where(Field.plan == plan.id).order_by(
        Field.position, ascending=False).first()
    field = Field(plan=plan.id, position=(last["position"] if last else 0) + 1, name=name, component=component)
    await field.save()
    return field


async def add_task(field: Field, values: dict[str, Any], actor: User | None, now: dt.datetime) -> Task:
    async with Task._meta.db.transaction():
        last = await Task.select(Task.position).where(Task.field == field.id).order_by(
            Task.position, ascending=False).first()
        position = (last["position"] if last else 0) + 1
        values = {**values, "field": field.id, "position": position, "number": values.get("number") or str(position)}
        task = Task(**values)
        await task.save()
        await TaskEvent.insert(created_event(task.id, values, actor, now))
    return task
