"""What amendments add to a plan's own pages: the summary and the marks on the plan page (an htmx fragment, since
plans/ may not read amendments), the plan as issued beside the plan as amended, and the plan's export.

The export lives here rather than in plans/routes.py because the file carries the amendments' sheet: the room
that knows both plans and amendments serves it, at the URL the plan page has always linked to.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Template

from amendments import queries, views
from amendments.access import may_draft, plan_for_amendments, visible
from amendments.export import export_plan
from amendments.shown import MARKS, STATUSES, task_marks
from app import access, clock
from app.downloads import XLSX, download


@get("/plans/{plan_id:int}/amendments/_summary")
async def plan_summary(request: Request, plan_id: FromPath[int]) -> Template:
    """The plan page's card of amendments, and (out of band) the mark beside each task they changed."""
    plan = await plan_for_amendments(request, plan_id)
    listed = visible(access.require_user(request), plan.unit, await queries.amendments_of_plan(plan_id))
    amendments = [a for a in listed if a["status"] != "withdrawn"]
    return HTMXTemplate(template_name="amendments/_summary.html", context={
        "plan": {"id": plan_id, "status": plan.status}, "amendments": amendments, "statuses": STATUSES,
        "marks": task_marks(await queries.changed_tasks(plan_id)), "mark_names": MARKS,
        "may_draft": await may_draft(access.require_user(request), plan_id, plan.status, plan.unit)})


@get("/plans/{plan_id:int}/as-issued")
async def plan_as_issued(request: Request, plan_id: FromPath[int], amended: FromQuery[bool] = False) -> Template:
    """The plan as it was issued (each changed task as it then read), or as amended (cancelled tasks struck
    through, added ones marked), each changed task marked with the amendment that changed it."""
    await plan_for_amendments(request, plan_id)
    marks = task_marks(await queries.changed_tasks(plan_id))
    tasks = list((await views.plan_tasks(plan_id)).values()) if amended else await queries.as_issued(plan_id)
    return Template("amendments/as_issued.html", context={
        "plan": await views.plan_head(plan_id), "fields": _by_field(await views.plan_fields(plan_id), tasks),
        "marks": marks, "mark_names": MARKS, "amended": amended, "changed": len(marks)})


def _by_field(fields: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**f, "tasks": [t for t in tasks if t["field"] == f["id"]]} for f in fields]


@get("/plans/{plan_id:int}/export.xlsx")
async def plan_export(request: Request, plan_id: FromPath[int]) -> Response:
    """The plan as amended (cancelled tasks noted as cancelled), with the sheet of approved amendments."""
    await plan_for_amendments(request, plan_id)
    body, plan = await export_plan(plan_id, clock.today())
    return download(body, XLSX, f"ke-hoach-cchc-{plan['year']}-{plan['unit_code']}.xlsx")


ROUTES = [plan_summary, plan_as_issued, plan_export]
