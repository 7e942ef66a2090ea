"""Evidence (tài liệu kiểm chứng): storing, listing, soft-deleting and reviewing the files behind a task.

Each file is checked as every upload is (app/uploads.py: accepted for what it contains, not for what it is
called). Every change is written together with its TaskEvent, so the task's history tells the whole story.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from app import access, audit
from app.dates import local_time
from app.forms import date_value
from app.i18n import N_, _
from app.settings import get_settings
from app.storage import Storage, TooLarge, file_chunks, get_storage
from app.tables import User
from app.uploads import ACCEPT, Upload, check_upload, human_size, megabytes
from tasks.actions import live_evidence_count, task_locked
from tasks.tables import Evidence, Task, TaskEvent

REVIEWS = {"pending": N_("Awaiting review"), "accepted": N_("Accepted"), "needs_more": N_("Needs more")}
# TaskEvent.action is varchar(16): "evidence_reviewed" (17) does not fit, so the review keeps the shorter name.
ADDED, DELETED, REVIEWED = "evidence_added", "evidence_deleted", "evidence_review"


class EvidenceError(ValueError):
    """The input cannot be saved; `errors` maps a form field to its user-facing reason(s)."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("; ".join(str(v) for v in errors.values()))
        self.errors = errors


# The document details ----------------------------------------------------------------------------------

def read_details(data: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Số/ký hiệu, ngày ban hành, cơ quan ban hành and a description: clean values and errors by field."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, limit in (("doc_number", 64), ("issuer", 255), ("description", 4000)):
        values[name] = (data.get(name) or "").strip()
        if len(values[name]) > limit:
            errors[name] = _("At most %(n)s characters.", n=limit)
        elif "\x00" in values[name]:  # PostgreSQL text cannot hold it
            errors[name] = _("Remove the invisible NUL character from this text.")
    values["doc_date"] = date_value(data, "doc_date", errors)
    return values, errors


# Actions ------------------------------------------------------------------------------------------------

async def _check_uploads(uploads: list[Upload], max_bytes: int) -> list[tuple[str, str]]:
    """(clean name, content type) for each file, or EvidenceError with every file's reason."""
    if not uploads:
        raise EvidenceError({"files": [_("Choose at least one file.")]})
    checked, reasons = [], []
    for upload in uploads:
        name, content_type, reason = await check_upload(upload, max_bytes)
        if reason:
            reasons.append(reason)
        else:
            checked.append((name, content_type))
    if reasons:
        raise EvidenceError({"files": reasons})
    return checked


async def add_evidence(task_id: int, uploads: list[Upload], details: Mapping[str, str], actor: User,
                       now: dt.datetime, max_bytes: int | None = None,
                       storage: Storage | None = None) -> list[Evidence]:
    """Store the files and their rows, or nothing at all: every file and detail is checked first."""
    max_bytes = max_bytes or get_settings().max_upload_bytes
    storage = storage or get_storage()
    values, errors = read_details(details)
    try:
        checked = await _check_uploads(uploads, max_bytes)
    except EvidenceError as exc:
        raise EvidenceError({**errors, **exc.errors}) from None
    if errors:
        raise EvidenceError(errors)
    rows = []
    for upload, (name, content_type) in zip(uploads, checked):
        try:
            stored = await (upload.received.keep() if upload.received else
                            storage.save(file_chunks(upload.file), max_bytes))
        except TooLarge:  # grew after it was measured; the storage kept nothing of it
            raise EvidenceError({"files": [_("%(name)s: the file is larger than %(limit)s MB.", name=name,
                                             limit=megabytes(max_bytes))]}) from None
        rows.append(Evidence(task=task_id, sha256=stored.sha256, size=stored.size, original_name=name,
                             content_type=content_type, uploaded_by=actor.id, uploaded_at=now, **values))
    async with task_locked(task_id):  # it reads nothing, but takes its turn: the task first, then its evidence
        for row in rows:
            await row.save()
            await _event(task_id, actor, now, ADDED, {"evidence": [None, row.original_name]})
    return rows


async def _event(task_id: int, actor: User, now: dt.datetime, action: str, changes: dict[str, list]) -> None:
    await TaskEvent.insert(TaskEvent(task=task_id, actor=actor.id, at=now, action=action, changes=changes))


async def live_evidence(evidence_id: int) -> Evidence | None:
    """The evidence row unless it was deleted."""
    return await Evidence.objects().where((Evidence.id == evidence_id) & Evidence.deleted_at.is_null()).first()


async def delete_evidence(evidence: Evidence, actor: User, now: dt.datetime) -> bool:
    """Hide the evidence; its row and file stay for the history. False when it was already deleted.

    The last file of a task marked done stays while its plan requires evidence: the ratio counts the
    task as proven. The task's lock makes "the last" true: two deletes of a done task's two files at once
    each counted two and both went through, and a delete racing "done" let the task be done with no file.
    """
    async with task_locked(evidence.task):
        task = await Task.select(Task.status, Task.field.plan.evidence_required.as_alias("required")).where(
            Task.id == evidence.task).first()
        if task["status"] == "done" and task["required"] and await live_evidence_count(evidence.task) <= 1:
            raise EvidenceError({"files": [_("%(name)s is the only evidence of a task marked done; upload its "
                                             "replacement first.", name=evidence.original_name)]})
        done = await Evidence.update({Evidence.deleted_at: now, Evidence.deleted_by: actor.id}).where(
            (Evidence.id == evidence.id) & Evidence.deleted_at.is_null()).returning(Evidence.id)
        if not done:  # someone deleted it a moment ago; one history line is enough
            return False
        await _event(evidence.task, actor, now, DELETED, {"evidence": [evidence.original_name, None]})
        await audit.record(audit.EVIDENCE_DELETED, actor, now, target=evidence.original_name, task=evidence.task,
                           evidence=evidence.id, sha256=evidence.sha256)
    return True


async def review_evidence(evidence: Evidence, verdict: str, comment: str, actor: User, now: dt.datetime,
                          seen: tuple[str, str] | None = None) -> None:
    """The secretariat's verdict: accepted, or needs more with a comment saying what is missing.

    `seen` is the verdict and comment the reviewer's page showed (by default, `evidence` as read). If another
    verdict came since, this one is refused rather than written over it: the reviewer decided without it.
    """
    comment = (comment or "").strip()
    if verdict not in ("accepted", "needs_more"):
        raise EvidenceError({"review": _("Choose Accepted or Needs more.")})
    if verdict == "needs_more" and not comment:
        raise EvidenceError({"review": _("Say what is missing.")})
    if len(comment) > 2000:
        raise EvidenceError({"review": _("At most %(n)s characters.", n=2000)})
    async with task_locked(evidence.task):
        row = await Evidence.select(Evidence.review, Evidence.review_comment, Evidence.deleted_at).where(
            Evidence.id == evidence.id).first()
        if row["deleted_at"] is not None:
            raise EvidenceError({"review": _("This file was deleted a moment ago.")})
        current, wanted = (row["review"], row["review_comment"]), (verdict, comment)
        if current == wanted:  # nothing to change (a double click, or the same verdict from a colleague)
            return
        if current != (seen or (evidence.review, evidence.review_comment)):
            raise EvidenceError({"review": _("Someone reviewed this file a moment ago; check the verdict shown.")})
        await Evidence.update({Evidence.review: verdict, Evidence.review_comment: comment,
                               Evidence.reviewed_by: actor.id, Evidence.reviewed_at: now}).where(
            Evidence.id == evidence.id)
        await _event(evidence.task, actor, now, REVIEWED, _review_changes(evidence, current, wanted))


def _review_changes(evidence: Evidence, before: tuple[str, str], after: tuple[str, str]) -> dict[str, list]:
    """The history line of a verdict; the file's name says which of the task's files it is about."""
    changes = {key: [old, new] for key, old, new in zip(("review", "review_comment"), before, after) if old != new}
    return {**changes, "evidence": [evidence.original_name, evidence.original_name]}


# Reading ------------------------------------------------------------------------------------------------

async def evidence_context(task_id: int, user: Any, writable: bool) -> dict[str, Any]:
    """What templates/tasks/_evidence.html needs, for the task page and the fragment endpoint alike."""
    rows = await Evidence.select(
        Evidence.all_columns(), Evidence.uploaded_by.full_name.as_alias("uploader_name"),
        Evidence.uploaded_by.email.as_alias("uploader_email"),
        Evidence.reviewed_by.full_name.as_alias("reviewer_name"),
        Evidence.reviewed_by.email.as_alias("reviewer_email"),
    ).where((Evidence.task == task_id) & Evidence.deleted_at.is_null()).order_by(Evidence.uploaded_at).order_by(
        Evidence.id)
    for row in rows:
        label = REVIEWS[row["review"]]  # a variable, so extraction does not take "review" for a message
        row.update(size_text=human_size(row["size"]), uploaded_text=local_time(row["uploaded_at"]),
                   reviewed_text=local_time(row["reviewed_at"]), review_label=_(label),
                   uploader=row["uploader_name"] or row["uploader_email"] or "—",
                   reviewer=row["reviewer_name"] or row["reviewer_email"] or "")
    max_bytes = get_settings().max_upload_bytes
    return {"evidence": rows, "evidence_task_id": task_id, "writable": writable,
            "can_review": access.can_review_evidence(user), "evidence_errors": {}, "evidence_values": {},
            "review_errors": {}, "max_upload_bytes": max_bytes, "max_upload_mb": megabytes(max_bytes),
            "accept": ACCEPT, "reviews": REVIEWS}
