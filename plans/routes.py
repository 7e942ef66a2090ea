"""Plan pages: thin handlers — check access, run one action, render."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

from app import access, clock
from app.bounds import refused
from app.forms import query_date
from app.i18n import N_, _
from app.settings import get_settings
from app.tables import Unit
from app.text import matches
from plans import actions, forms, queries
from plans.access import field_for_user, plan_for_user, plan_scope, readable_plans
from plans.components import COMPONENTS
from plans.cutoffs import year_close
from plans.issuer import issuer_warning
from plans.parsed import SpreadsheetError
from plans.rules import guess_component
from plans.spreadsheet import read_plan
from plans.spreadsheet_package import MAX_FILE_BYTES
from tasks.actions import TaskChangeError
from tasks.forms import task_form

MAX_SPREADSHEET = MAX_FILE_BYTES  # 10 MB, as the messages say
UPLOAD_TTL = 24 * 3600  # an uploaded plan waits this long for its confirmation
Form = URLEncodedBody[dict[str, str]]

def _unit_choice(raw: str | None, units: list[dict[str, Any]], errors: dict[str, str]) -> int:
    """The unit a plan is written for; naming a unit the user may not write to is refused (403)."""
    ids = [u["id"] for u in units]
    if not ids or (raw and raw.strip().isdecimal() and int(raw) not in ids):
        access.refuse_plan_author()
    return forms.unit_choice(raw, ids, errors)


async def _writable_units(request: Request) -> list[dict[str, Any]]:
    ids = access.writable_unit_ids(access.require_user(request))
    return await Unit.select(Unit.id, Unit.code, Unit.name).where(Unit.id.is_in(ids)) if ids else []


@get("/plans")
async def plan_list(request: Request, year: FromQuery[str] = "", all: FromQuery[bool] = False,
                    q: FromQuery[str] = "") -> Template:
    user = access.require_user(request)
    year = _year_filter(year)
    where = readable_plans(user) if all else plan_scope(user)
    plans = [p for p in await queries.plan_rows(where, year, clock.today())
             if matches(q, p["unit_name"], p["unit_code"], p["title"], p["doc_number"])]
    return Template("plans/list.html", context={
        "plans": plans, "years": await queries.plan_years(where), "year": year, "all": all, "q": q,
        "units": await _writable_units(request)})


def _year_filter(raw: str) -> int | None:
    """The list's year filter: "All years" sends an empty value; a year out of range is refused."""
    errors: dict[str, str] = {}
    year = forms.year_choice(raw, errors, required=False)
    if errors:
        raise refused("year", errors["year"])
    return year


async def _detail_context(request: Request, plan_id: int, as_of: dt.date | None = None,
                          **extra: Any) -> dict[str, Any]:
    """The plan today, or as it stood on `as_of` (the board's drill-down): then it is a read-only snapshot."""
    plan = await plan_for_user(request, plan_id)
    today = clock.today()
    view = await queries.plan_view(plan_id, as_of or today, in_force=as_of is not None and as_of < today)
    user = access.require_user(request)
    closed = await year_close(plan.year)  # a closed year's plan is read-only (evidence aside)
    writable = access.can_write_unit(user, plan.unit.id) and as_of is None and closed is None
    return {"view": view, "writable": writable, "as_of": as_of, "closed": closed, "today": today,
            "can_carry": access.can_carry_tasks(user, plan.unit.id),
            "previous_plan": await actions.existing_plan(plan.unit.id, plan.year - 1),
            "next_plan": await actions.existing_plan(plan.unit.id, plan.year + 1),
            "writable_unit": access.can_write_unit(user, plan.unit.id), "can_set_rules": access.can_set_plan_rules(user), "components": COMPONENTS, "field_errors": {},
            "field_values": {}, "task_errors": {}, "task_values": {}, "open_field": None, "issue_errors": {},
            "issue_values": {}, **extra}


@get("/plans/{plan_id:int}")
async def plan_detail(request: Request, plan_id: FromPath[int], as_of: FromQuery[str | None] = None) -> Template:
    return Template("plans/detail.html", context=await _detail_context(request, plan_id, query_date(as_of)))


@get("/plans/new")
async def plan_new(request: Request) -> Template:
    units = await _writable_units(request)
    if not units:
        access.refuse_plan_author()
    return Template("plans/new.html", context={"units": units, "values": {"year": clock.today().year}, "errors": {},
                                               "raw": {}})


@post("/plans")
async def plan_create(request: Request, data: Form) -> Response:
    units = await _writable_units(request)
    _unit_choice(data.get("unit"), units, {})
    values, errors = forms.plan_form(data, [u["id"] for u in units])
    if not errors:
        try:
            plan = await actions.create_plan(values)
            return Redirect(f"/plans/{plan.id}", status_code=303)
        except (actions.PlanExists, TaskChangeError) as exc:  # TaskChangeError: the year is closed
            errors["year"] = str(exc)
    return Template("plans/new.html", status_code=400,
                    context={"units": units, "values": values, "errors": errors, "raw": data})


def _plan_body(request: Request, plan_id: int, context: dict[str, Any], errors: dict[str, str]) -> Response:
    """One URL, two shapes: the plan body fragment for htmx, otherwise the page (or back to it)."""
    if request.htmx:
        return HTMXTemplate(template_name="plans/_fields.html", context=context)
    if errors:
        return Template("plans/detail.html", status_code=400, context=context)
    return Redirect(f"/plans/{plan_id}", status_code=303)


@post("/plans/{plan_id:int}/issue")
async def plan_issue(request: Request, plan_id: FromPath[int], data: Form) -> Response:
    plan = await plan_for_user(request, plan_id, write=True)
    values, errors = forms.issue_form(data)
    if not errors:
        try:
            await actions.issue_plan(plan, values["doc_number"], values["doc_date"])
            return Redirect(f"/plans/{plan_id}", status_code=303)
        except actions.AlreadyIssued:
            raise HTTPException(status_code=409, detail=_("This plan has already been issued.")) from None
    context = await _detail_context(request, plan_id, issue_errors=errors, issue_values={**values, "raw": data})
    return Template("plans/detail.html", status_code=400, context=context)


@post("/plans/{plan_id:int}/settings")
async def plan_settings(request: Request, plan_id: FromPath[int], data: Form) -> Response:
    plan = await plan_for_user(request, plan_id)
    user = access.require_plan_rule_setter(request)
    await actions.set_evidence_required(plan, data.get("evidence_required") == "on", user, clock.now())
    return Redirect(f"/plans/{plan_id}", status_code=303)


@post("/plans/{plan_id:int}/fields")
async def field_create(request: Request, plan_id: FromPath[int], data: Form) -> Response:
    plan = await plan_for_user(request, plan_id, write=True)
    values, errors = forms.field_form(data)
    if not errors:
        if values["component"] is None:
            values["component"] = guess_component(values["name"])
        try:
            await actions.add_field(plan, values["name"], values["component"])
        except TaskChangeError as exc:  # an issued plan (amend it) or a closed year
            raise HTTPException(status_code=409, detail=str(exc)) from None
    context = await _detail_context(request, plan_id, field_errors=errors, field_values=values if errors else {})
    return _plan_body(request, plan_id, context, errors)


@post("/fields/{field_id:int}/tasks")
async def task_create(request: Request, field_id: FromPath[int], data: Form) -> Response:
    field = await field_for_user(request, field_id, write=True)
    values, errors = task_form(data, field.plan.year)
    if not errors:
        try:
            await actions.add_task(field, values, access.require_user(request), clock.now())
        except TaskChangeError as exc:  # an issued plan (amend it) or a closed year
            raise HTTPException(status_code=409, detail=str(exc)) from None
    context = await _detail_context(request, field.plan.id, open_field=field_id if errors else None,
                                    task_errors=errors, task_values=values if errors else {})
    return _plan_body(request, field.plan.id, context, errors)


# GET /plans/{id}/export.xlsx is served by amendments/plan_routes.py: the file carries the amendments' sheet.


def _import_dir():
    path = get_settings().var_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


# Why an upload was refused while its body was read, before the handler ran (see _refused_while_read).
IMPORT_REFUSALS = {"too-large": N_("The file is larger than 10 MB."),
                   "unreadable": N_("The upload could not be read. Choose the file again and send it.")}


@get("/plans/import")
async def import_page(request: Request, refused: FromQuery[str] = "") -> Template:
    units = await _writable_units(request)
    if not units:
        access.refuse_plan_author()
    errors = {"file": _(IMPORT_REFUSALS[refused])} if refused in IMPORT_REFUSALS else {}
    return Template("plans/import.html", context={"units": units, "errors": errors, "values": {}})


def _refused_while_read(request: Request, exc: HTTPException) -> Response:
    """Over the limit (413) or not a readable form (400), refused while the body was read: the CSRF check reads
    a plain form before the handler. Exception handlers are synchronous, so back to the form, which says why."""
    return Redirect(f"/plans/import?refused={'too-large' if exc.status_code == 413 else 'unreadable'}",
                    status_code=303)


@post("/plans/import", request_max_body_size=MAX_SPREADSHEET + 65536,
      exception_handlers={400: _refused_while_read, 413: _refused_while_read})
async def import_preview(request: Request, data: MultipartBody[dict[str, Any]]) -> Template:
    """Read the file and show what would be saved, or every error; nothing is written to the plan yet."""
    units = await _writable_units(request)
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    unit_id = _unit_choice(values.get("unit"), units, errors)
    year = forms.year_choice(values.get("year"), errors, required=False)
    upload = data.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content:
        errors["file"] = _("Choose an .xlsx or .docx file.")
    elif len(content) > MAX_SPREADSHEET:
        errors["file"] = _("The file is larger than 10 MB.")
    if errors:
        return Template("plans/import.html", status_code=400, context={"units": units, "errors": errors, "values": values})
    digest = hashlib.sha256(content).hexdigest()
    context = await _preview(content, digest, unit_id, year, units)
    if context["parsed"] and not context["existing"]:
        _keep_upload(digest, content)  # only a file that can be saved waits for the confirmation
    return Template("plans/import_preview.html", context=context)


def _keep_upload(digest: str, content: bytes) -> None:
    folder = _import_dir()
    cutoff = time.time() - UPLOAD_TTL
    for old in [*folder.glob("*.upload"), *folder.glob("*.xlsx")]:  # *.xlsx: kept before .docx was read
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    # Kept under a neutral name: .xlsx or .docx, the reader tells them apart by what the file holds.
    (folder / f"{digest}.upload").write_bytes(content)


async def _preview(source: bytes | Path, digest: str, unit_id: int, year: int | None,
                   units: list[dict[str, Any]]) -> dict[str, Any]:
    unit = next(u for u in units if u["id"] == unit_id)
    context: dict[str, Any] = {"digest": digest, "unit": unit, "year": year or "", "parsed": None,
                               "sheet_errors": [], "existing": None, "issuer_warning": None}
    try:
        context["parsed"] = read_plan(source, year=year)
        # Another unit's file is worth a look, not a refusal: the user may still confirm.
        context["issuer_warning"] = issuer_warning(context["parsed"], unit["code"], unit["name"])
        context["existing"] = await actions.existing_plan(unit_id, context["parsed"].year)
    except SpreadsheetError as exc:
        context["sheet_errors"] = exc.errors
    return context


@post("/plans/import/confirm")
async def import_confirm(request: Request, data: Form) -> Response:
    units = await _writable_units(request)
    errors: dict[str, str] = {}
    unit_id = _unit_choice(data.get("unit"), units, errors)
    year = forms.year_choice(data.get("year"), errors, required=False)
    digest = data.get("digest", "")
    path = None
    if re.fullmatch(r"[0-9a-f]{64}", digest):  # checked before the name reaches the file system
        folder = _import_dir()
        # An upload kept before .docx was read is named .xlsx (an installation upgraded within its 24 hours).
        path = next((p for p in (folder / f"{digest}.upload", folder / f"{digest}.xlsx") if p.exists()), None)
    if errors or path is None:
        access.not_found(_("The uploaded file is no longer available; upload it again."))
    context = await _preview(path, digest, unit_id, year, units)
    if context["sheet_errors"] or context["existing"]:
        return Template("plans/import_preview.html", status_code=400, context=context)
    unit = await Unit.objects().where(Unit.id == unit_id).first()
    try:
        plan = await actions.save_parsed_plan(context["parsed"], unit, access.require_user(request), clock.now())
    except actions.PlanExists as exc:  # another request saved the same plan a moment ago
        return Template("plans/import_preview.html", status_code=400, context={**context, "existing": exc.plan})
    except TaskChangeError as exc:  # the year is closed
        return Template("plans/import_preview.html", status_code=400,
                        context={**context, "sheet_errors": [{"message": str(exc)}]})
    path.unlink(missing_ok=True)
    return Redirect(f"/plans/{plan.id}", status_code=303)


ROUTES = [plan_list, plan_detail, plan_new, plan_create, plan_issue, plan_settings, field_create, task_create,
          import_page, import_preview, import_confirm]
