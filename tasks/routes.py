"""Task pages."""

from __future__ import annotations

import datetime as dt

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from app import access, clock
from app.i18n import N_, format_date
from plans.queries import facts
from tasks.rules import Status, state_at
from tasks.tables import Task, TaskEvent


LABELS = {
    "number": N_("No."), "content": N_("Task"), "lead": N_("Lead unit"), "partners": N_("Cooperating units"),
    "output": N_("Output"), "note": N_("Note"), "due_date": N_("Deadline"), "due_text": N_("Deadline as written"),
    "status": N_("Status"), "progress": N_("Progress"), "completed_on": N_("Completed on"),
    "cancel_reason": N_("Cancellation reason"), "cancelled_on": N_("Cancelled on"),
}


def show_value(name: str, value: object) -> str:
    """A history value as people read it: status labels, dd/mm/yyyy dates, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if name == "status":
        return Status(value).label
    if name in ("due_date", "completed_on", "cancelled_on"):
        return format_date(dt.date.fromisoformat(str(value)))
    if name == "progress":
        return f"{value}%"
    return str(value)


@get("/tasks/{task_id:int}")
async def task_detail(request: Request, task_id: FromPath[int]) -> Template:
    await access.task_for_user(request, task_id)
    task = await Task.select(Task.all_columns(), Task.field.name.as_alias("field_name"),
                             Task.field.plan.as_alias("plan_id"), Task.field.plan.title.as_alias("plan_title"),
                             Task.field.plan.unit.name.as_alias("unit_name")).where(Task.id == task_id).first()
    task["state"] = state_at(facts(task), clock.today())
    events = await TaskEvent.select(TaskEvent.all_columns(), TaskEvent.actor.full_name.as_alias("actor_name"),
                                    TaskEvent.actor.email.as_alias("actor_email")).where(
        TaskEvent.task == task_id).order_by(TaskEvent.at, ascending=False).order_by(
        TaskEvent.id, ascending=False).output(load_json=True)
    return Template("tasks/detail.html", context={"task": task, "events": events, "Status": Status,
                                                  "labels": LABELS, "show": show_value, "tz": clock.TZ})


ROUTES = [task_detail]
