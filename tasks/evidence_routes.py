"""Evidence pages: upload, download, soft delete, review. Thin handlers: access, one action, render."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, HTTPException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from app import access, clock
from app.auth import use_request_locale
from app.body_guard import TEXT_LIMITS, FormTooLong
from app.downloads import stored_download
from app.i18n import _
from app.settings import get_settings
from app.uploads import MAX_BODY, Upload, megabytes, uploads_from
from tasks import evidence
from tasks.access import task_for_user
from tasks.routes import detail_context
from tasks.tables import Evidence, Task
from tasks.upload_stream import EVIDENCE_TEXT, streamed_form

MULTI_PART = RequestEncodingType.MULTI_PART

_UNIT = Task.field.plan.unit.as_alias("unit_id")  # a chain of joins, built once


async def _writable(request: Request, task_id: int) -> bool:
    row = await Task.select(_UNIT).where(Task.id == task_id).first()
    return access.can_write_unit(access.require_user(request), row["unit_id"])


async def _respond(request: Request, task_id: int, status: int = 200, **extra: Any) -> Response:
    """One URL, two shapes: the evidence fragment for htmx; otherwise back to the task page (or it, with errors)."""
    user = access.require_user(request)
    context = {**await evidence.evidence_context(task_id, user, await _writable(request, task_id)), **extra}
    if request.htmx:
        # The page's history section listens for this event and reloads itself.
        return HTMXTemplate(template_name="tasks/_evidence.html", context=context, status_code=status,
                            trigger_event="evidence-changed" if status < 400 else None, after="receive")
    if status >= 400:
        # No JavaScript: the whole task page, with the reasons beside the form.
        return Template("tasks/detail.html", status_code=status,
                        context=await detail_context(request, task_id, **context))
    return Redirect(f"/tasks/{task_id}", status_code=303)


async def _live(request: Request, evidence_id: int, write: bool = False) -> Evidence:
    access.require_user(request)  # anonymous visitors go to the login page before learning anything
    row = access.found(await evidence.live_evidence(evidence_id))
    await task_for_user(request, row.task, write=write)
    return row


def _too_large_text() -> str:
    return _("The upload is larger than %(limit)s MB. Send a smaller file, or the files in several uploads.",
             limit=megabytes(get_settings().max_upload_bytes))


def _unreadable_text() -> str:
    return _("The upload could not be read. Choose the files again and send them.")


def _refused_while_read(request: Request, exc: HTTPException) -> Response:
    """The body was refused before the handler ran: BodyGuard reads the first bytes of a plain form for its
    CSRF token, and refuses them there when a field before the token is past its cap.

    Synchronous (exception handlers are), so no task page: an error page that says why and what to do.
    """
    # The language was reset when the exception left the auth middleware: the user's again, for this answer.
    use_request_locale(request.scope)
    too_large = exc.status_code == 413
    detail = exc.detail if isinstance(exc, FormTooLong) else _too_large_text() if too_large else _unreadable_text()
    context = {"title": _("File too large") if too_large else _("Error"), "status": exc.status_code,
               "detail": detail}
    if getattr(request, "htmx", None):
        return HTMXTemplate(template_name="errors/_message.html", context=context, status_code=exc.status_code,
                            re_target="#messages", re_swap="innerHTML")
    return Template("errors/error.html", status_code=exc.status_code, context=context)


async def evidence_uploads(request: Request) -> tuple[list[Upload], dict[str, str]]:
    """The files and the document details. A multipart form is read as it streams in, each file straight into
    storage (BodyGuard hands the CSRF token of a page without JavaScript to Litestar's check, which so reads no
    form); anything else is taken as Litestar parses it."""
    if ScopeState.from_scope(request.scope).form is Empty and request.content_type[0] == MULTI_PART:
        return await streamed_form(request)
    return await uploads_from(request)


# Over the limit, Litestar stops reading at once: before a byte of the body when the announced length says so,
# otherwise as soon as the bytes read pass it. 400: a body that is not a readable multipart form.
@post("/tasks/{task_id:int}/evidence", request_max_body_size=MAX_BODY, opt={TEXT_LIMITS: EVIDENCE_TEXT},
      exception_handlers={400: _refused_while_read, 413: _refused_while_read})
async def evidence_upload(request: Request, task_id: FromPath[int]) -> Response:
    """Multipart: one or more `files` and the document details; the files are streamed into storage."""
    await task_for_user(request, task_id, write=True)  # before reading a large body
    try:
        uploads, details = await evidence_uploads(request)
    except RequestEntityTooLarge:
        return await _respond(request, task_id, 413, evidence_errors={"files": [_too_large_text()]})
    except FormTooLong as exc:
        return await _respond(request, task_id, 400, evidence_errors={"files": [exc.detail]})
    except ClientException:
        return await _respond(request, task_id, 400, evidence_errors={"files": [_unreadable_text()]})
    try:
        await evidence.add_evidence(task_id, uploads, details, access.require_user(request), clock.now())
    except evidence.EvidenceError as exc:
        return await _respond(request, task_id, 400, evidence_errors=exc.errors, evidence_values=details)
    finally:
        for upload in uploads:
            upload.file.close()
            if upload.received:
                await upload.received.discard()  # kept under its hash by now, unless refused
    return await _respond(request, task_id)


@get("/evidence/{evidence_id:int}/download")
async def evidence_download(request: Request, evidence_id: FromPath[int]) -> Response:
    row = await _live(request, evidence_id)
    return await stored_download(request, row.sha256, row.original_name, row.content_type, row.size,
                                 what=f"evidence {row.id}")


@post("/evidence/{evidence_id:int}/delete")
async def evidence_delete(request: Request, evidence_id: FromPath[int]) -> Response:
    row = await _live(request, evidence_id, write=True)
    try:
        await evidence.delete_evidence(row, access.require_user(request), clock.now())
    except evidence.EvidenceError as exc:
        return await _respond(request, row.task, 400, evidence_errors=exc.errors)
    return await _respond(request, row.task)


@post("/evidence/{evidence_id:int}/review")
async def evidence_review(request: Request, evidence_id: FromPath[int],
                          data: URLEncodedBody[dict[str, str]]) -> Response:
    reviewer = access.require_reviewer(request)
    row = await _live(request, evidence_id)
    # What the reviewer's page showed: a verdict given since then is not silently written over.
    seen = (data["seen_review"], data.get("seen_comment", "")) if "seen_review" in data else None
    try:
        await evidence.review_evidence(row, data.get("review", ""), data.get("comment", ""), reviewer, clock.now(),
                                       seen)
    except evidence.EvidenceError as exc:
        return await _respond(request, row.task, 400, review_errors={row.id: exc.errors["review"]})
    return await _respond(request, row.task)


ROUTES: list = [evidence_upload, evidence_download, evidence_delete, evidence_review]
