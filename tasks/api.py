"""JSON API for tasks: report progress with optimistic locking (409 when stale)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from litestar import Request, get, patch, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import JSONBody, MultipartBody

from app import access, clock
from app.bounds import Id
from app.body_guard import TEXT_LIMITS
from app.i18n import _
from app.uploads import MAX_BODY, Upload
from tasks import evidence, queries
from tasks.access import task_for_user
from tasks.upload_stream import EVIDENCE_TEXT
from tasks.tables import Evidence
from tasks.actions import ProgressRefused, StaleTask, report_progress
from tasks.rules import ProgressUpdate, Status
from tasks.shapes import TaskOut, task_out


@dataclass
class TaskPatch:
    version: int  # the version you read; a stale version gets 409 with the current task
    status: Status | None = None
    progress: int | None = None
    note: str | None = None
    completed_on: dt.date | None = None


async def _current(task_id: int) -> TaskOut:
    return task_out(await queries.task_row(task_id, clock.today()))


@patch("/api/tasks/{task_id:int}", tags=["tasks"])
async def api_task_patch(request: Request, task_id: Id, data: JSONBody[TaskPatch]) -> TaskOut:
    """Change a task's status, progress, note or completion date (done needs the date and, if the plan says so,
    evidence)."""
    task = await task_for_user(request, task_id, write=True)
    update = ProgressUpdate(status=data.status or Status(task.status),
                            progress=task.progress if data.progress is None else data.progress,
                            completed_on=data.completed_on or task.completed_on,
                            note=task.note if data.note is None else data.note.strip())
    try:
        await report_progress(task, update, data.version, access.require_user(request), clock.now())
    except ProgressRefused as exc:
        raise ValidationException(_("The update was refused."), extra={"errors": exc.errors}) from None
    except StaleTask:
        raise HTTPException(status_code=409, detail=_("The task changed since you read it."),
                            extra={"current": await _current(task_id)}) from None
    return await _current(task_id)



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
