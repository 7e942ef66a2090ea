"""The focal point's inline updates: a task row swaps to a form and back, and the ratios follow."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

from app import access, clock
from app.i18n import _
from plans.tables import YearClose
from tasks import queries
from tasks.access import task_for_user
from tasks.actions import ProgressRefused, StaleTask, TaskChangeError, live_evidence_count, report_progress
from tasks.forms import progress_form
from tasks.rules import Status


async def _row_context(request: Request, task_id: int, mine: bool, **extra: Any) -> dict[str, Any]:
    row = await queries.task_row(task_id, clock.today())
    # A closed year's tasks are read-only: no "Update" button (the write itself is refused: YearClosed).
    writable = (access.can_write_unit(access.require_user(request), row["unit_id"])
                and not await YearClose.exists().where(YearClose.year == row["plan_year"]))
    return {"t": row, "writable": writable, "show_plan": mine, "statuses": list(Status), "today": clock.today(),
            "v": row, "row_errors": {}, "evidence_required": row["evidence_required"],
            "evidence_count": await live_evidence_count(task_id), **extra}


@get("/tasks/{task_id:int}/row")
async def task_row(request: Request, task_id: FromPath[int], mine: FromQuery[bool] = False) -> Template:
    await task_for_user(request, task_id)
    return HTMXTemplate(template_name="tasks/_row.html", context=await _row_context(request, task_id, mine))


@get("/tasks/{task_id:int}/edit-row")
async def task_edit_row(request: Request, task_id: FromPath[int], mine: FromQuery[bool] = False) -> Template:
    await task_for_user(request, task_id, write=True)
    return HTMXTemplate(template_name="tasks/_row_edit.html", context=await _row_context(request, task_id, mine))


@post("/tasks/{task_id:int}/progress")
async def task_progress(request: Request, task_id: FromPath[int], data: URLEncodedBody[dict[str, str]],
                        mine: FromQuery[bool] = False) -> Response:
    task = await task_for_user(request, task_id, write=True)
    update, errors = progress_form(data)
    if not errors:
        version = int(data["version"]) if data.get("version", "").isdecimal() else -1
        try:
            await report_progress(task, update, version, access.require_user(request), clock.now())
        except ProgressRefused as exc:
            errors = exc.errors
        except StaleTask:
            stale = _("Someone changed this task after you opened it. The page now shows the current values; "
                      "your edit was not saved.")
            return _edit_again(request, await _row_context(request, task_id, mine), {"stale": stale}, 409, None)
        except TaskChangeError as exc:  # a closed year's tasks are read-only
            return _edit_again(request, await _row_context(request, task_id, mine), {"status": str(exc)}, 409, data)
    # Built once, after the write: the row as it now stands (or as it stood, when refused).
    context = await _row_context(request, task_id, mine)
    if errors:
        return _edit_again(request, context, errors, 400, data)
    if not request.htmx:
        return Redirect("/my/tasks" if mine else f"/plans/{context['t']['plan_id']}", status_code=303)
    if not mine:  # on the plan page, the plan's and the field's ratios follow
        context["plan_ratio"], context["field_ratio"] = await queries.plan_ratios(
            context["t"]["plan_id"], context["t"]["field"], clock.today())
    return HTMXTemplate(template_name="tasks/_row_saved.html", context=context)


def _edit_again(request: Request, context: dict[str, Any], errors: dict[str, str], status: int,
                typed: dict[str, str] | None) -> Response:
    """The form again with the reasons; what was typed stays (or, when stale, the current values)."""
    if typed is not None:
        context["v"] = {**context["t"], **{k: typed.get(k, "") for k in ("status", "progress", "note")},
                        "completed_on_typed": typed.get("completed_on", "")}
    context["row_errors"] = errors
    if request.htmx:
        return HTMXTemplate(template_name="tasks/_row_edit.html", context=context, status_code=status)
    return Template("tasks/my.html", status_code=status, context={**context, "tasks": [context["t"]]})


@get("/my/tasks")
async def my_tasks(request: Request) -> Response:
    user = access.require_user(request)
    units = access.writable_unit_ids(user)
    if not units:
        return Redirect("/plans", status_code=303)
    tasks = await queries.open_tasks_of_unit(units[0], clock.today())
    return Template("tasks/my.html", context={"tasks": tasks, "writable": True, "show_plan": True,
                                              "row_errors": {}})


ROUTES = [task_row, task_edit_row, task_progress, my_tasks]
