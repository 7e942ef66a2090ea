"""Reading amendments: a plan's list, one amendment with its changes and life, the tasks approved amendments
changed, and the plan as it was issued."""

from __future__ import annotations

import datetime as dt
from typing import Any

from amendments.tables import Amendment, AmendmentChange, AmendmentEvent
from tasks.tables import Task

ISSUED = ("number", "content", "lead", "partners", "output", "due_text")  # what an amendment may have changed
_CHANGE_TASK = (AmendmentChange.task.number.as_alias("task_number"),
                AmendmentChange.task.content.as_alias("task_content"),
                AmendmentChange.field.name.as_alias("field_name"),
                AmendmentChange.result_task.number.as_alias("result_number"))


async def amendments_of_plan(plan_id: int) -> list[dict[str, Any]]:
    """The plan's amendments, newest document first, each with how many changes it lists."""
    rows = await Amendment.select(Amendment.all_columns(), Amendment.created_by.full_name.as_alias("creator_name")
                                  ).where(Amendment.plan == plan_id).order_by(Amendment.date, ascending=False
                                                                              ).order_by(Amendment.id, ascending=False)
    counts: dict[int, int] = {}
    if rows:
        for r in await AmendmentChange.select(AmendmentChange.amendment).where(
                AmendmentChange.amendment.is_in([r["id"] for r in rows])):
            counts[r["amendment"]] = counts.get(r["amendment"], 0) + 1
    return [{**r, "changes": counts.get(r["id"], 0)} for r in rows]


async def amendment_detail(amendment_id: int) -> dict[str, Any] | None:
    """The amendment with its plan's title and unit, its changes in order (with the tasks they name) and its
    life, oldest first."""
    amendment = await Amendment.select(
        Amendment.all_columns(), Amendment.plan.title.as_alias("plan_title"), Amendment.plan.year.as_alias("year"),
        Amendment.plan.unit.as_alias("unit_id"), Amendment.plan.unit.name.as_alias("unit_name"),
        Amendment.created_by.full_name.as_alias("creator_name"),
        Amendment.created_by.role.as_alias("creator_role")).where(Amendment.id == amendment_id).first()
    if amendment is None:
        return None
    changes = await AmendmentChange.select(AmendmentChange.all_columns(), *_CHANGE_TASK).where(
        AmendmentChange.amendment == amendment_id).order_by(AmendmentChange.position).output(load_json=True)
    events = await AmendmentEvent.select(AmendmentEvent.all_columns(),
                                         AmendmentEvent.actor.full_name.as_alias("actor_name")).where(
        AmendmentEvent.amendment == amendment_id).order_by(AmendmentEvent.at).order_by(AmendmentEvent.id)
    return {**amendment, "change_list": changes, "events": events}


async def _approved_changes(plan_id: int) -> list[dict[str, Any]]:
    """Approved changes touching the plan's tasks (as the task changed or the task added), oldest first. A
    merge's amendment, approved on the successor's plan, changes tasks of the ended units' plans too."""
    plan_tasks = Task.select(Task.id).where(Task.field.plan == plan_id)
    return await AmendmentChange.select(
        AmendmentChange.all_columns(), AmendmentChange.amendment.number.as_alias("amendment_number"),
        AmendmentChange.amendment.date.as_alias("amendment_date"),
        AmendmentChange.amendment.decided_at.as_alias("decided_at")).where(
        (AmendmentChange.amendment.status == "approved")
        & (AmendmentChange.task.is_in(plan_tasks) | AmendmentChange.result_task.is_in(plan_tasks))).order_by(
        AmendmentChange.amendment.date).order_by(AmendmentChange.amendment).order_by(
        AmendmentChange.position).output(load_json=True)


async def changed_tasks(plan_id: int) -> dict[int, list[dict[str, Any]]]:
    """{task id: the approved changes to it, oldest first}: to mark changed tasks on the plan's page. A task
    added or carried in is listed under its own id; a task carried out, under the source's."""
    plan_tasks = {r["id"] for r in await Task.select(Task.id).where(Task.field.plan == plan_id)}
    marks: dict[int, list[dict[str, Any]]] = {}
    for change in await _approved_changes(plan_id):
        for task_id in (change["task"], change["result_task"]):
            if task_id in plan_tasks:
                marks.setdefault(task_id, []).append(change)
    return marks


async def as_issued(plan_id: int) -> list[dict[str, Any]]:
    """The plan's tasks as the plan was issued: each task's values before its first approved change; tasks
    added by an amendment (or carried in) left out; tasks an amendment cancelled shown as they were."""
    first_before: dict[int, dict[str, Any]] = {}
    added: set[int] = set()
    # In the order they were approved: the first approval's `before` is the task as issued, whatever its date.
    approved = sorted(await _approved_changes(plan_id), key=lambda c: (c["decided_at"], c["amendment"], c["position"]))
    for change in approved:
        if change["result_task"]:
            added.add(change["result_task"])
        if change["task"] and change["before"] and change["task"] not in first_before:
            first_before[change["task"]] = change["before"]
    rows = await Task.select(Task.all_columns(), Task.field.name.as_alias("field_name"),
                             Task.field.position.as_alias("field_position")).where(
        Task.field.plan == plan_id).order_by(Task.field.position).order_by(Task.position)
    issued = []
    for row in rows:
        if row["id"] in added:
            continue
        before = first_before.get(row["id"], {})
        row.update({k: before[k] for k in ISSUED if k in before})
        if "due_date" in before:
            row["due_date"] = dt.date.fromisoformat(before["due_date"])
        if row["status"] == "cancelled" and before.get("status", "cancelled") != "cancelled":
            row.update(status=before["status"], progress=before["progress"], cancel_reason="", cancelled_on=None)
        issued.append(row)
    return issued
