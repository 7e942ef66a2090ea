"""Closing a plan year and carrying its unfinished tasks on (chuyển tiếp): each act in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from amendments.actions import create_amendment
from amendments.tables import Amendment
from app import audit
from app.clock import TZ
from app.db import hold, lock_row, write_transaction
from app.i18n import _
from app.tables import User
from plans.actions import add_field, add_task
from plans.cutoffs import year_close
from plans.tables import Field, Plan, YearClose
from tasks.actions import YearClosed
from tasks.tables import Task
from years import queries
from years.rules import close_error, matching_field, move_due_text, year_later


class YearError(Exception):
    """The act is refused; `errors` says why, by form field (user-facing)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


async def close_year(year: int, closed_on: dt.date, note: str, actor: User | None, now: dt.datetime) -> YearClose:
    """Close `year` on `closed_on`: from then its tasks are read-only, send no reminders, and its board is final
    at that date. A year closes once; closing it again is refused, whoever asks first wins."""
    if error := close_error(year, closed_on, now.astimezone(TZ).date()):
        raise YearError({"closed_on": error})
    async with write_transaction():
        await hold(f"year-close:{year}")  # the unique index would refuse a second row too, less politely
        if closed := await YearClose.objects().where(YearClose.year == year).first():
            raise YearError({"year": _("The year %(year)s was already closed on %(date)s.", year=year,
                                       date=closed.closed_on.strftime("%d/%m/%Y"))})
        row = YearClose(year=year, closed_on=closed_on, closed_by=actor.id if actor else None, closed_at=now,
                        note=note)
        await row.save()
        await audit.record(audit.YEAR_CLOSED, actor, now, target=str(year), date=closed_on.isoformat(), note=note)
    return row


@dataclass(frozen=True)
class Pick:
    """One task to carry, and the field of the new plan receiving it (None: the field of the same name, made
    in a draft plan when it has none)."""

    task: int
    field: int | None = None


def carried_values(task: dict[str, Any], from_year: int, to_year: int) -> dict[str, Any]:
    """A task of a `from_year` plan as it starts again in a `to_year` one: the same wording, the deadline moved
    as many years on (date and text), not started."""
    return {"content": task["content"], "lead": task["lead"], "partners": task["partners"], "output": task["output"],
            "due_date": year_later(task["due_date"], to_year - from_year),
            "due_text": move_due_text(task["due_text"], from_year, to_year), "status": "not_started", "progress": 0}


async def _locked_sources(source_id: int, picks: list[Pick]) -> dict[int, dict[str, Any]]:
    """The picked tasks of the source plan, held against a second carry until the transaction ends; refused when
    one is not the plan's, not unfinished, or carried already (a task is carried once)."""
    for task_id in sorted({p.task for p in picks}):  # one order everywhere: no deadlock
        await lock_row(Task, task_id)
    tasks = {t["id"]: t for t in await queries.plan_tasks(source_id)}
    errors = {}
    for pick in picks:
        task = tasks.get(pick.task)
        if task is None or not task["unfinished"]:
            errors[f"task.{pick.task}"] = _("Only the plan's unfinished tasks can be carried over.")
        elif task["carried"]:
            errors[f"task.{pick.task}"] = _("Task %(label)s has already been carried over.", label=task["label"])
    if not picks:
        errors["tasks"] = _("Choose at least one task to carry over.")
    if errors:
        raise YearError(errors)
    return tasks


async def _target_field(target: Plan, task: dict[str, Any], field_id: int | None) -> Field:
    fields = await queries.fields_of(target.id)
    if field_id is not None:
        chosen = next((f for f in fields if f["id"] == field_id), None)
        if chosen is None:
            raise YearError({f"field.{task['id']}": _("Choose a field of the new plan.")})
    else:
        chosen = matching_field(task["field_name"], fields)
    if chosen is None:
        return await add_field(target, task["field_name"], task["field_component"])
    return Field(**chosen)


async def carry_into_draft(source: Plan, target: Plan, picks: list[Pick], actor: User | None,
                           now: dt.datetime) -> list[Task]:
    """Carry the picked tasks into the unit's next-year plan while it is a draft: each a new task linked to the
    one it continues (Task.carried_from), in the field of the same name (made if missing) or the one chosen."""
    async with write_transaction():
        tasks = await _locked_sources(source.id, picks)
        if (await Plan.select(Plan.status).where(Plan.id == target.id).first())["status"] != "draft":
            raise YearError({"plan": _("The plan has been issued meanwhile: carry the tasks by an amendment.")})
        if await year_close(target.year):
            raise YearError({"plan": str(YearClosed(target.year))})
        made = []
        for pick in picks:
            task = tasks[pick.task]
            field = await _target_field(target, task, pick.field)
            values = {**carried_values(task, source.year, target.year), "carried_from": task["id"]}
            made.append(await add_task(field, values, actor, now))
        await audit.record(audit.TASKS_CARRIED, actor, now, target=f"{target.year} · #{target.id}",
                           task=", ".join(tasks[p.task]["label"] for p in picks),
                           from_plan=f"{source.year} · #{source.id}")
    return made


async def carry_by_amendment(source: Plan, target: Plan, values: dict[str, Any], picks: list[Pick],
                             actor: User, now: dt.datetime) -> Amendment:
    """Carry the picked tasks into an issued plan: a draft amendment with one "carry" change each, which then
    lives the amendment's life (submitted, approved) and counts the tasks from its date, once."""
    async with write_transaction():
        tasks = await _locked_sources(source.id, picks)
        fields = await queries.fields_of(target.id)
        changes, errors = [], {}
        for pick in picks:
            task = tasks[pick.task]
            field = next((f for f in fields if f["id"] == pick.field), None) if pick.field else None
            if field is None:
                errors[f"field.{task['id']}"] = _("Choose a field of the plan to receive the task.")
                continue
            moved = carried_values(task, source.year, target.year)
            changes.append({"action": "carry", "task": task["id"], "field": field["id"], "due": moved["due_date"],
                            "due_text": moved["due_text"]})
        if errors:
            raise YearError(errors)
        return await create_amendment(target.id, values, changes, actor, now)
