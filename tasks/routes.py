"""Task pages."""

from __future__ import annotations

import datetime as dt

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

from app import access, clock
from app.forms import text_value
from app.i18n import N_, _, format_date
from plans.tables import Plan, YearClose
from tasks import queries
from tasks.access import task_for_user
from tasks.actions import WORDING, StaleTask, TaskChangeError, change_task, correct_wording
from tasks.counting import facts
from tasks.evidence import REVIEWS, evidence_context
from tasks.forms import MAX_TEXT, task_form
from tasks.rules import Status, state_at
from tasks.tables import Task, TaskEvent


ACTIONS = {"created": N_("created the task"), "updated": N_("changed"), "amendment": N_("changed by an amendment"),
           "correction": N_("corrected the wording"), "evidence_added": N_("uploaded evidence"),
           "evidence_deleted": N_("deleted evidence"), "evidence_review": N_("reviewed evidence")}

LABELS = {
    "number": N_("No."), "content": N_("Task"), "lead": N_("Lead unit"), "partners": N_("Cooperating units"),
    "output": N_("Output"), "note": N_("Note"), "due_date": N_("Deadline"), "due_text": N_("Deadline as written"),
    "status": N_("Status"), "progress": N_("Progress"), "completed_on": N_("Completed on"),
    "cancel_reason": N_("Cancellation reason"), "cancelled_on": N_("Cancelled on"),
    "evidence": N_("Evidence"), "review": N_("Review"), "review_comment": N_("Comment"),
}


def show_value(name: str, value: object) -> str:
    """A history value as people read it: status labels, dd/mm/yyyy dates, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if name == "status":
        return Status(value).label
    if name == "review":
        return _(REVIEWS.get(str(value), str(value)))
    if name in ("due_date", "completed_on", "cancelled_on"):
        return format_date(dt.date.fromisoformat(str(value)))
    if name == "progress":
        return f"{value}%"
    return str(value)


@get("/tasks/{task_id:int}")
async def task_detail(request: Request, task_id: FromPath[int]) -> Template:
    await task_for_user(request, task_id)
    return Template("tasks/detail.html", context=await detail_context(request, task_id))


@post("/tasks/{task_id:int}")
async def task_edit(request: Request, task_id: FromPath[int], data: URLEncodedBody[dict[str, str]]) -> Response:
    """Correct a task's own details (a draft plan's, or the secretariat's correction of an issued plan's wording);
    the edit is refused when someone changed the task since the page loaded."""
    user = access.require_user(request)
    plan = await Task.select(Task.field.plan.year.as_alias("year"), Task.field.plan.status.as_alias("status")).where(
        Task.id == task_id).first()
    correcting = plan is not None and plan["status"] == "issued" and access.can_correct_wording(user)
    task = await task_for_user(request, task_id, write=not correcting)
    if correcting:  # the wording only
        errors: dict[str, str] = {}
        values = {k: text_value(data, k, errors, required=k == "content", limit=MAX_TEXT) for k in WORDING}
    else:
        values, errors = task_form(data, plan["year"])
        values["number"] = values["number"] or task.number
    if not errors:
        task.version = int(data["version"]) if data.get("version", "").isdecimal() else -1
        try:
            if correcting:
                await correct_wording(task, values, user, clock.now())
            else:
                await change_task(task, values, user, clock.now())
            return Redirect(f"/tasks/{task_id}", status_code=303)
        except StaleTask:
            errors["stale"] = _("Someone changed this task after you opened it. The page now shows the current "
                                "values; your edit was not saved.")
            return Template("tasks/detail.html", status_code=409,
                            context=await detail_context(request, task_id, edit_errors=errors))
        except TaskChangeError as exc:  # an issued plan (amend it) or a closed year
            return Template("tasks/detail.html", status_code=409, context=await detail_context(
                request, task_id, edit_errors={"refused": str(exc)}, edit_values=values))
    return Template("tasks/detail.html", status_code=400,
                    context=await detail_context(request, task_id, edit_errors=errors, edit_values=values))


async def detail_context(request: Request, task_id: int, **extra: Any) -> dict[str, Any]:
    task = await Task.select(Task.all_columns(), Task.field.name.as_alias("field_name"),
                             Task.field.plan.as_alias("plan_id"), Task.field.plan.title.as_alias("plan_title"),
                             Task.field.plan.unit.name.as_alias("unit_name"),
                             Task.field.plan.year.as_alias("plan_year"),
                             Task.field.plan.unit.as_alias("unit_id")).where(Task.id == task_id).first()
    task["state"] = state_at(facts(task), clock.today())
    events = await TaskEvent.select(TaskEvent.all_columns(), TaskEvent.actor.full_name.as_alias("actor_name"),
                                    TaskEvent.actor.email.as_alias("actor_email")).where(
        TaskEvent.task == task_id).order_by(TaskEvent.at, ascending=False).order_by(
        TaskEvent.id, ascending=False).output(load_json=True)
    user = access.require_user(request)
    writable = access.can_write_unit(user, task["unit_id"])
    issued = await Plan.exists().where((Plan.id == task["plan_id"]) & (Plan.status == "issued"))
    extra = {"issued": issued, "correcting": issued and access.can_correct_wording(user), **extra}
    # A closed year: the task's own details are read-only, its evidence is not (writable stays for the files).
    closed = await YearClose.objects().where(YearClose.year == task["plan_year"]).first()
    return {"task": task, "closed": closed, "carry": await queries.carry_links(task_id, task["carried_from"]),
            "events": events, "Status": Status, "labels": LABELS, "actions": ACTIONS, "show": show_value, "tz": clock.TZ,
            "edit_errors": {}, "edit_values": None, **await evidence_context(task_id, user, writable), **extra}


@get("/tasks/{task_id:int}/history")
async def task_history(request: Request, task_id: FromPath[int]) -> Template:
    await task_for_user(request, task_id)
    return HTMXTemplate(template_name="tasks/_history.html", context=await detail_context(request, task_id))


ROUTES = [task_detail, task_edit, task_history]
