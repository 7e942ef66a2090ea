"""Amendment pages: a plan's list of amendments, drafting one, its document page and the acts of its life.
Thin handlers: amendments.access says who may, one action runs, a page or a fragment is rendered."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

from amendments import actions, forms, queries, views
from amendments.access import (amendment_for_user, focal_may_submit, may_draft, plan_for_amendments, user_rights,
                               visible)
from amendments.settings import set_focal_may_submit
from amendments.shown import EVENTS, STATUSES, WORDING, shown_changes
from app import access, clock
from app.dates import format_date_input
from app.downloads import stored_download
from app.i18n import _
from app.settings import get_settings
from app.uploads import ACCEPT, MAX_BODY, megabytes, uploads_from

Form = URLEncodedBody[dict[str, str]]
EDITABLE = ("draft", "returned")


def _stale() -> str:
    return _("Someone acted on this amendment meanwhile. The page now shows where it stands; nothing was done.")


# A plan's amendments -------------------------------------------------------------------------------------

@get("/plans/{plan_id:int}/amendments")
async def amendment_list(request: Request, plan_id: FromPath[int]) -> Template:
    await plan_for_amendments(request, plan_id)
    user = access.require_user(request)
    plan = await views.plan_head(plan_id)
    return Template("amendments/list.html", context={
        "plan": plan, "amendments": visible(user, plan["unit"], await queries.amendments_of_plan(plan_id)),
        "statuses": STATUSES,
        "may_draft": await may_draft(user, plan_id, plan["status"], plan["unit"]),
        "may_set": access.can_set_plan_rules(user), "focal_may_submit": await focal_may_submit()})


@post("/plans/{plan_id:int}/amendments/settings")
async def amendment_settings(request: Request, plan_id: FromPath[int], data: Form) -> Response:
    user = access.require_plan_rule_setter(request)
    await plan_for_amendments(request, plan_id)
    await set_focal_may_submit(data.get("focal_may_submit") == "on", user, clock.now())
    return Redirect(f"/plans/{plan_id}/amendments", status_code=303)


# Drafting -------------------------------------------------------------------------------------------------

async def _form_page(plan_id: int, rows: list[forms.Row], values: dict[str, Any], errors: dict[str, str],
                     status: int = 200, amendment: dict[str, Any] | None = None) -> Template:
    tasks = await views.plan_tasks(plan_id)
    forms.attach_errors(rows, errors)
    return Template("amendments/form.html", status_code=status, context={
        "plan": await views.plan_head(plan_id), "tasks": tasks, "fields": await views.plan_fields(plan_id),
        "rows": rows, "row_values": {r.key: forms.row_values(r, _task_of(r, tasks)) for r in rows},
        "values": values, "errors": errors, "kinds": forms.KINDS, "amendment": amendment,
        "version": amendment["version"] if amendment else None,
        "action": f"/amendments/{amendment['id']}/edit" if amendment else f"/plans/{plan_id}/amendments"})


def _task_of(row: forms.Row, tasks: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    raw = row.raw.get("task", "")
    return tasks.get(int(raw)) if raw.isdecimal() else None


@get("/plans/{plan_id:int}/amendments/new")
async def amendment_new(request: Request, plan_id: FromPath[int]) -> Template:
    await plan_for_amendments(request, plan_id, draft=True)
    return await _form_page(plan_id, [forms.Row(0, "cancel", {"action": "cancel"})],
                            {"issuer": (await views.plan_head(plan_id))["unit_name"]}, {})


@get("/plans/{plan_id:int}/amendments/_change")
async def change_row(request: Request, plan_id: FromPath[int]) -> Template:
    """One more row of changes (htmx), or an edit row again with the wording of the task just chosen."""
    await plan_for_amendments(request, plan_id, draft=True)
    query = request.query_params
    action = query.get("action", "")
    if action not in forms.KINDS:
        access.not_found()
    keys = [int(k) for k in query.getall("row", []) if k.isdecimal()]
    key = int(query["key"]) if query.get("key", "").isdecimal() else max(keys, default=-1) + 1
    index = int(query["index"]) if query.get("index", "").isdecimal() else len(keys)
    row = forms.Row(key, action, {"action": action, "task": query.get(f"c-{key}-task", "")})
    tasks = await views.plan_tasks(plan_id)
    return HTMXTemplate(template_name="amendments/_change.html", context={
        "plan": await views.plan_head(plan_id), "tasks": tasks, "fields": await views.plan_fields(plan_id),
        "row": row, "index": index, "v": forms.row_values(row, _task_of(row, tasks)), "kinds": forms.KINDS})


async def _submitted_form(plan_id: int, form) -> tuple[list[forms.Row], dict[str, Any], list[dict], dict[str, str],
                                                       bool]:
    """The rows, document values, changes and errors of a posted form, and whether it asks to be saved (rather
    than to add or remove a row, without script)."""
    rows = forms.rows_of(form)
    adding = form.get("add", "")
    if adding in forms.KINDS and not form.get("save"):
        rows.append(forms.Row(forms.next_key(rows), adding, {"action": adding}))
    values, errors = forms.document_form(form)
    tasks = await views.plan_tasks(plan_id)
    changes, change_errors = forms.changes_form(rows, tasks, {f["id"] for f in await views.plan_fields(plan_id)})
    saving = not (adding or form.get("remove")) or bool(form.get("save"))
    return rows, values, changes, {**errors, **change_errors}, saving


@post("/plans/{plan_id:int}/amendments")
async def amendment_create(request: Request, plan_id: FromPath[int]) -> Response:
    await plan_for_amendments(request, plan_id, draft=True)
    form = await request.form()
    rows, values, changes, errors, saving = await _submitted_form(plan_id, form)
    if not saving:
        return await _form_page(plan_id, rows, dict(form), {})
    if not errors:
        try:
            created = await actions.create_amendment(plan_id, values, changes, access.require_user(request),
                                                     clock.now())
            return Redirect(f"/amendments/{created.id}", status_code=303)
        except actions.AmendmentError as exc:
            errors = exc.errors
    return await _form_page(plan_id, rows, dict(form), errors, 400)


@get("/amendments/{amendment_id:int}/edit")
async def amendment_edit(request: Request, amendment_id: FromPath[int]) -> Response:
    await amendment_for_user(request, amendment_id, "draft")
    a = access.found(await queries.amendment_detail(amendment_id))
    if a["status"] not in EDITABLE:
        return Redirect(f"/amendments/{amendment_id}", status_code=303)
    rows = forms.change_rows(a["change_list"], await views.plan_tasks(a["plan"]))
    values = {"number": a["number"], "date": format_date_input(a["date"]), "reason": a["reason"],
              "issuer": a["issuer"]}
    return await _form_page(a["plan"], rows, values, {}, amendment=a)


@post("/amendments/{amendment_id:int}/edit")
async def amendment_update(request: Request, amendment_id: FromPath[int]) -> Response:
    await amendment_for_user(request, amendment_id, "draft")
    a = access.found(await queries.amendment_detail(amendment_id))
    form = await request.form()
    rows, values, changes, errors, saving = await _submitted_form(a["plan"], form)
    version = int(form["version"]) if form.get("version", "").isdecimal() else -1
    if not saving:
        return await _form_page(a["plan"], rows, dict(form), {}, amendment={**a, "version": version})
    if not errors:
        try:
            await actions.update_draft(amendment_id, version, values, changes, access.require_user(request),
                                       clock.now())
            return Redirect(f"/amendments/{amendment_id}", status_code=303)
        except actions.AmendmentError as exc:
            errors = exc.errors
        except actions.AmendmentStale:
            return await _detail_page(request, amendment_id, {"stale": _stale()}, 409)
    return await _form_page(a["plan"], rows, dict(form), errors, 400, amendment={**a, "version": version})


# The document and its life --------------------------------------------------------------------------------

async def _detail_page(request: Request, amendment_id: int, errors: dict[str, str] | None = None,
                       status: int = 200, values: dict[str, str] | None = None) -> Template:
    a = access.found(await queries.amendment_detail(amendment_id))
    user = access.require_user(request)
    tasks = await views.plan_tasks(a["plan"])
    rights = user_rights(user, a["unit_id"], a["creator_role"] in access.AMENDMENT_DECIDERS,
                         await focal_may_submit())
    return Template("amendments/detail.html", status_code=status, context={
        "a": a, "plan": await views.plan_head(a["plan"]), "changes": shown_changes(a["change_list"], tasks, a),
        "rights": rights, "statuses": STATUSES, "wording": WORDING, "event_names": EVENTS, "errors": errors or {},
        "values": values or {}, "editable": a["status"] in EDITABLE, "accept": ACCEPT,
        "max_upload_mb": megabytes(get_settings().max_upload_bytes)})


@get("/amendments/{amendment_id:int}")
async def amendment_detail(request: Request, amendment_id: FromPath[int]) -> Template:
    await amendment_for_user(request, amendment_id)
    return await _detail_page(request, amendment_id)


async def _act(request: Request, amendment_id: int, data: dict[str, str], act, *args: Any) -> Response:
    """Run one act of the amendment's life on the version the page showed; back to its page, or it again
    with the reason (409 when someone acted first)."""
    version = int(data["version"]) if data.get("version", "").isdecimal() else -1
    try:
        await act(amendment_id, version, *args, access.require_user(request), clock.now())
    except actions.AmendmentStale:
        return await _detail_page(request, amendment_id, {"stale": _stale()}, 409)
    except actions.AmendmentError as exc:
        return await _detail_page(request, amendment_id, exc.errors, 400, data)
    return Redirect(f"/amendments/{amendment_id}", status_code=303)


@post("/amendments/{amendment_id:int}/submit")
async def amendment_submit(request: Request, amendment_id: FromPath[int], data: Form) -> Response:
    await amendment_for_user(request, amendment_id, "submit")
    return await _act(request, amendment_id, data, actions.submit)


@post("/amendments/{amendment_id:int}/approve")
async def amendment_approve(request: Request, amendment_id: FromPath[int], data: Form) -> Response:
    await amendment_for_user(request, amendment_id, "decide")
    return await _act(request, amendment_id, data, actions.approve)


@post("/amendments/{amendment_id:int}/return")
async def amendment_return(request: Request, amendment_id: FromPath[int], data: Form) -> Response:
    await amendment_for_user(request, amendment_id, "decide")
    return await _act(request, amendment_id, data, actions.return_amendment, data.get("comment", ""))


@post("/amendments/{amendment_id:int}/withdraw")
async def amendment_withdraw(request: Request, amendment_id: FromPath[int], data: Form) -> Response:
    await amendment_for_user(request, amendment_id, "withdraw")
    return await _act(request, amendment_id, data, actions.withdraw)


# The signed document --------------------------------------------------------------------------------------

@post("/amendments/{amendment_id:int}/file", request_max_body_size=MAX_BODY)
async def amendment_file(request: Request, amendment_id: FromPath[int]) -> Response:
    """Multipart: `files`, the signed document (a scan or the .docx/.pdf as issued)."""
    await amendment_for_user(request, amendment_id, "draft")  # before reading a large body
    try:
        uploads, _details = await uploads_from(request)
    except RequestEntityTooLarge:
        return await _detail_page(request, amendment_id, {"file": _(
            "The file is larger than %(limit)s MB.", limit=megabytes(get_settings().max_upload_bytes))}, 413)
    upload = next((u for u in uploads if u.name), None)  # an empty file input still sends a nameless part
    try:
        if upload is None:
            return await _detail_page(request, amendment_id, {"file": _("Choose the signed document.")}, 400)
        await actions.attach_file(amendment_id, upload, access.require_user(request), clock.now())
    except actions.AmendmentStale as exc:  # approved with its signed copy already: it is never replaced
        return await _detail_page(request, amendment_id, {"file": str(exc)}, 409)
    except actions.AmendmentError as exc:
        return await _detail_page(request, amendment_id, exc.errors, 400)
    finally:
        for u in uploads:
            u.file.close()
    return Redirect(f"/amendments/{amendment_id}", status_code=303)


@get("/amendments/{amendment_id:int}/file")
async def amendment_file_download(request: Request, amendment_id: FromPath[int]) -> Response:
    a = await amendment_for_user(request, amendment_id)
    if not a.file_sha256:
        access.not_found(_("The signed document has not been uploaded yet."))
    return await stored_download(request, a.file_sha256, a.file_name, a.file_type, a.file_size,
                                 what=f"amendment {a.id}")


ROUTES = [amendment_list, amendment_settings, amendment_new, change_row, amendment_create, amendment_edit,
          amendment_update, amendment_detail, amendment_submit, amendment_approve, amendment_return,
          amendment_withdraw, amendment_file, amendment_file_download]
