"""Writing plans: from a parsed spreadsheet or by hand, always all-or-nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from typing import Any

import asyncpg

from app import audit
from app.clock import TZ
from app.db import hold_shared, lock_row, write_transaction
from app.i18n import _
from app.tables import Unit, User
from plans.rules import next_task_number
from plans.parsed import ParsedPlan
from plans.tables import Field, Plan
from plans.tables import YearClose
from tasks.actions import AmendmentRequired, YearClosed, created_event
from tasks.tables import Task, TaskEvent


class PlanExists(Exception):
    def __init__(self, plan: Plan):
        if plan.status == "issued":
            message = _("This unit already has an issued plan for %(year)s. An issued plan changes only through an "
                        "amendment: open the plan and choose “Amendments” to draft one.", year=plan.year)
        else:
            message = _("This unit already has a plan for %(year)s.", year=plan.year)
        super().__init__(message)
        self.plan = plan


class AlreadyIssued(Exception):
    pass


async def existing_plan(unit_id: int, year: int) -> Plan | None:
    return await Plan.objects().where((Plan.unit == unit_id) & (Plan.year == year)).first()


def _is_duplicate(exc: Exception) -> bool:
    return isinstance(exc, (sqlite3.IntegrityError, asyncpg.UniqueViolationError))


@contextlib.asynccontextmanager
async def _one_plan_per_year(unit_id: int, year: int):
    """Turn the unique index's refusal (two saves racing) into PlanExists, like the check before it."""
    if found := await existing_plan(unit_id, year):
        raise PlanExists(found)
    if await YearClose.exists().where(YearClose.year == year):  # its board is final: no new plan's tasks in it
        raise YearClosed(year)
    try:
        yield
    except Exception as exc:
        if _is_duplicate(exc) and (found := await existing_plan(unit_id, year)):
            raise PlanExists(found) from exc
        raise


async def create_plan(values: dict[str, Any]) -> Plan:
    """A draft plan made by hand; fields and tasks are added afterwards."""
    async with _one_plan_per_year(values["unit"], values["year"]):
        plan = Plan(**values, status="draft")
        await plan.save()
    return plan


async def issue_plan(plan: Plan, doc_number: str, doc_date: dt.date) -> None:
    """Record the signed document; an issued plan's document is not rewritten silently."""
    updated = await Plan.update({Plan.doc_number: doc_number, Plan.doc_date: doc_date, Plan.status: "issued"}).where(
        (Plan.id == plan.id) & (Plan.status == "draft")).returning(Plan.id)
    if not updated:
        raise AlreadyIssued()


async def save_parsed_plan(parsed: ParsedPlan, unit: Unit, actor: User | None, now: dt.datetime,
                           status: str = "issued") -> Plan:
    """Create the plan, its fields and tasks in one transaction: a failure leaves nothing behind."""
    async with _one_plan_per_year(unit.id, parsed.year), Plan._meta.db.transaction():
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


async def set_evidence_required(plan: Plan, required: bool, actor: User, now: dt.datetime) -> None:
    """The secretariat's rule that a done task needs evidence; a change is written to the audit log."""
    async with Plan._meta.db.transaction():
        changed = await Plan.update({Plan.evidence_required: required}).where(
            (Plan.id == plan.id) & (Plan.evidence_required != required)).returning(Plan.id)
        if changed:
            await audit.record(audit.PLAN_EVIDENCE_RULE, actor, now, target=f"{plan.year} · #{plan.id}",
                               evidence_required=[not required, required])


async def _check_open(plan_id: int, via: str) -> None:
    """A closed year takes nothing new; an issued plan takes new fields and tasks only from an amendment."""
    plan = await Plan.select(Plan.status, Plan.year).where(Plan.id == plan_id).first()
    await hold_shared(f"year-close:{plan['year']}")  # the key years.actions.close_year holds: not across it
    if await YearClose.exists().where(YearClose.year == plan["year"]):
        raise YearClosed(plan["year"])
    if plan["status"] == "issued" and via != "amendment":
        raise AmendmentRequired()


async def add_field(plan: Plan, name: str, component: int | None, *, via: str = "edit") -> Field:
    async with Field._meta.db.transaction():  # the check holds its year's close key until the field is saved
        await _check_open(plan.id, via)
        last = await Field.select(Field.position).where(Field.plan == plan.id).order_by(
            Field.position, ascending=False).first()
        field = Field(plan=plan.id, position=(last["position"] if last else 0) + 1, name=name, component=component)
        await field.save()
    return field


async def add_task(field: Field, values: dict[str, Any], actor: User | None, now: dt.datetime, *,
                   via: str = "edit", effective_on: dt.date | None = None) -> Task:
    """A task added to a draft plan, or to an issued one by an approved amendment (`via="amendment"`), which
    counts from the amendment's date (`effective_on`): boards at an earlier cut-off leave it out."""
    async with write_transaction():
        await lock_row(Field, field.id)  # two adds at once (two approvals) would both take the next number
        last = await Task.select(Task.position, Task.number).where(Task.field == field.id).order_by(
            Task.position, ascending=False).first()
        position = (last["position"] if last else 0) + 1
        number = values.get("number") or next_task_number(last["number"] if last else None, position)
        values = {**values, "field": field.id, "position": position, "number": number}
        plan_id = field.plan.id if isinstance(field.plan, Plan) else field.plan
        await _check_open(plan_id, via)
        if await Plan.exists().where((Plan.id == plan_id) & (Plan.status == "issued")):
            # Added to an issued plan: an amendment, which boards at an earlier cut-off do not count.
            values["added_on"] = effective_on or now.astimezone(TZ).date()
        task = Task(**values)
        await task.save()
        await TaskEvent.insert(created_event(task.id, values, actor, now))
    return task
