"""JSON API for tasks: report progress with optimistic locking (409 when stale)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar import Request, get, patch, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import JSONBody, MultipartBody

from app import access, clock
from app.bounds import Id
from app.forms import text_value
from app.body_guard import TEXT_LIMITS
from app.i18n import _
from app.uploads import MAX_BODY, Upload
from tasks import evidence, queries
from tasks.access import task_for_user
from tasks.upload_stream import EVIDENCE_TEXT
from tasks.tables import Evidence, Task
from tasks.actions import (AmendmentRequired, ProgressRefused, StaleTask, TaskChangeError, YearClosed, change_task,
                           report_progress)
from tasks.deadlines import DeadlineError, parse_deadline
from tasks.forms import MAX_TEXT
from tasks.rules import ProgressUpdate, Status
from tasks.shapes import TaskOut, task_out


@dataclass
class TaskPatch:
    version: int  # the version you read; a stale version gets 409 with "code": "stale" and the current task
    status: Status | None = None
    progress: int | None = None
    note: str | None = None
    completed_on: dt.date | None = None
    # A draft plan's task only: once the plan is issued these change by amendment (409, "amendment_required").
    content: str | None = None
    lead: str | None = None
    partners: str | None = None
    output: str | None = None
    due: dt.date | None = None  # YYYY-MM-DD; without it, read from due_text
    due_text: str | None = None


DETAILS = ("content", "lead", "partners", "output", "due", "due_text")


async def _current(task_id: int) -> TaskOut:
    return task_out(await queries.task_row(task_id, clock.today()))


def _amendment_required(plan_id: int) -> HTTPException:
    return HTTPException(status_code=409, extra={"code": "amendment_required"}, detail=_(
        "This plan has been issued: a task's content, lead unit, cooperating units, output and deadline change only "
        "through an amendment. Draft one with POST /api/plans/%(plan)s/amendments.", plan=plan_id))


async def _details(task: Task, data: TaskPatch) -> dict[str, Any]:
    """The task's own details the patch changes (a draft plan's task), checked as the task form checks them."""
    plan = await Task.select(Task.field.plan.as_alias("id"), Task.field.plan.year.as_alias("year"),
                             Task.field.plan.status.as_alias("status")).where(Task.id == task.id).first()
    if plan["status"] == "issued":
        raise _amendment_required(plan["id"])
    errors: dict[str, str] = {}
    values = {k: text_value({k: getattr(data, k)}, k, errors, required=k == "content", limit=MAX_TEXT)
              for k in ("content", "lead", "partners", "output") if getattr(data, k) is not None}
    if data.due is not None or data.due_text is not None:
        values["due_text"] = text_value({"due_text": data.due_text}, "due_text", errors, limit=255)
        try:  # the date given, or the one the text says, within the plan's year window
            values["due_date"] = parse_deadline(data.due if data.due is not None else values["due_text"], plan["year"])
        except DeadlineError as exc:
            errors["due" if data.due is not None else "due_text"] = str(exc)
    if errors:
        raise ValidationException(_("The update was refused."), extra={"errors": errors})
    return values


@patch("/api/tasks/{task_id:int}", tags=["tasks"])
async def api_task_patch(request: Request, task_id: Id, data: JSONBody[TaskPatch]) -> TaskOut:
    """Change a task's status, progress, note or completion date (done needs the date and, if the plan says so,
    evidence). A draft plan's task may also change its content, lead, partners, output and deadline; an issued
    plan's only through an amendment (409 with "code": "amendment_required"). A closed year's tasks are read-only
    (409, "year_closed")."""
    task = await task_for_user(request, task_id, write=True)
    user = access.require_user(request)
    try:
        details = any(getattr(data, k) is not None for k in DETAILS)
        if details:
            values = await _details(task, data)
            if data.version != task.version:
                raise StaleTask(task)
            task = await change_task(task, values, user, clock.now())
            data.version = task.version
        if not details or any(v is not None for v in (data.status, data.progress, data.note, data.completed_on)):
            update = ProgressUpdate(status=data.status or Status(task.status),
                                    progress=task.progress if data.progress is None else data.progress,
                                    completed_on=data.completed_on or task.completed_on,
                                    note=task.note if data.note is None else data.note.strip())
            await report_progress(task, update, data.version, user, clock.now())
    except ProgressRefused as exc:
        raise ValidationException(_("The update was refused."), extra={"errors": exc.errors}) from None
    except StaleTask:
        raise HTTPException(status_code=409, detail=_("The task changed since you read it."),
                            extra={"code": "stale", "current": await _current(task_id)}) from None
    except YearClosed as exc:
        raise HTTPException(status_code=409, detail=str(exc), extra={"code": "year_closed"}) from None
    except AmendmentRequired:
        raise _amendment_required(await _plan_of(task_id)) from None
    except TaskChangeError as exc:
        raise ValidationException(_("The update was refused."), extra={"errors": {"status": str(exc)}}) from None
    return await _current(task_id)


async def _plan_of(task_id: int) -> int:
    return (await Task.select(Task.field.plan.as_alias("plan")).where(Task.id == task_id).first())["plan"]



@dataclass
class EvidenceOut:
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    doc_number: str
    doc_date: dt.date | None
    issuer: str
    description: str
    uploaded_at: dt.datetime
    review: str  # pending, accepted, needs_more
    review_comment: str
    download_url: str


@dataclass
class EvidenceForm:
    """multipart/form-data: one or more `files` and the document details."""

    files: list[UploadFile]
    doc_number: str = ""  # số/ký hiệu
    doc_date: str = ""  # YYYY-MM-DD
    issuer: str = ""  # cơ quan ban hành
    description: str = ""


def _evidence_out(e: Evidence) -> EvidenceOut:
    return EvidenceOut(id=e.id, name=e.original_name, size=e.size, content_type=e.content_type, sha256=e.sha256,
                       doc_number=e.doc_number, doc_date=e.doc_date, issuer=e.issuer, description=e.description,
                       uploaded_at=e.uploaded_at, review=e.review, review_comment=e.review_comment,
                       download_url=f"/evidence/{e.id}/download")


@get("/api/tasks/{task_id:int}/evidence", tags=["evidence"])
async def api_evidence_list(request: Request, task_id: Id) -> list[EvidenceOut]:
    """The task's evidence files (deleted ones left out). Downloads use the page URL with a browser session."""
    await task_for_user(request, task_id)
    rows = await Evidence.objects().where((Evidence.task == task_id) & Evidence.deleted_at.is_null()).order_by(
        Evidence.id)
    return [_evidence_out(e) for e in rows]


@post("/api/tasks/{task_id:int}/evidence", tags=["evidence"], request_max_body_size=MAX_BODY,
      opt={TEXT_LIMITS: EVIDENCE_TEXT})
async def api_evidence_upload(request: Request, task_id: Id,
                              data: MultipartBody[EvidenceForm]) -> list[EvidenceOut]:
    """Upload evidence with the same type and size limits as the pages; nothing is stored if any file is refused."""
    await task_for_user(request, task_id, write=True)
    details = {"doc_number": data.doc_number, "doc_date": data.doc_date, "issuer": data.issuer,
               "description": data.description}
    uploads = [Upload(f.filename, f.file) for f in data.files]
    try:
        rows = await evidence.add_evidence(task_id, uploads, details, access.require_user(request), clock.now())
    except evidence.EvidenceError as exc:
        raise ValidationException(_("The files were refused."), extra={"errors": exc.errors}) from None
    finally:
        for upload in uploads:
            upload.file.close()
    return [_evidence_out(e) for e in rows]


ROUTES = [api_task_patch, api_evidence_list, api_evidence_upload]
