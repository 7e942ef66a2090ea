"""Evidence (tài liệu kiểm chứng): storing, listing, soft-deleting and reviewing the files behind a task.

A file is accepted for what it contains, not for what it is called: the first bytes (and, for ZIP-based
formats, the archive's table of contents) name its kind, and the name's extension must agree with it.
Every change is written together with its TaskEvent, so the task's history tells the whole story.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from anyio import to_thread

from app import access, audit
from app.clock import TZ
from app.i18n import N_, _, format_number
from app.settings import get_settings
from app.storage import Incoming, Storage, TooLarge, file_chunks, get_storage
from app.tables import User
from plans.rules import parse_date_input
from tasks.actions import live_evidence_count, task_locked
from tasks.tables import Evidence, Task, TaskEvent

MIB = 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Word and Excel (and other compound files)
PNG = b"\x89PNG\r\n\x1a\n"
DAMAGED = "damaged"  # a ZIP signature whose archive cannot be read
# Each kind of content and the extensions a file of that kind may have.
KINDS = {
    "PDF": (".pdf",), "DOC/XLS": (".doc", ".xls"), "DOCX": (".docx",), "XLSX": (".xlsx",), "ODT": (".odt",),
    "ODS": (".ods",), "JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "ZIP": (".zip",),
}
CONTENT_TYPES = {
    ".pdf": "application/pdf", ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".zip": "application/zip",
}
# Dropped from names: controls, format characters (direction overrides, zero-width), surrogates, private use,
# unassigned code points and line or paragraph separators.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
DEFAULT_NAME = "tep-dinh-kem"
ACCEPTED_TEXT = "PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG, ZIP"
ACCEPT = ",".join(CONTENT_TYPES)  # for <input type="file" accept=...>: a hint only, the server decides
REVIEWS = {"pending": N_("Awaiting review"), "accepted": N_("Accepted"), "needs_more": N_("Needs more")}
# TaskEvent.action is varchar(16): "evidence_reviewed" (17) does not fit, so the review keeps the shorter name.
ADDED, DELETED, REVIEWED = "evidence_added", "evidence_deleted", "evidence_review"


class EvidenceError(ValueError):
    """The input cannot be saved; `errors` maps a form field to its user-facing reason(s)."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("; ".join(str(v) for v in errors.values()))
        self.errors = errors


@dataclass
class Upload:
    """One file as received: the name the sender gave it and a readable, seekable file.

    A file streamed into storage as it arrived (the pages' upload) also has `received`: it is kept under its
    hash if accepted, rather than written again.
    """

    name: str
    file: BinaryIO
    received: Incoming | None = None


# Content sniffing ---------------------------------------------------------------------------------------

def sniff(handle: BinaryIO) -> str | None:
    """The kind of content (a key of KINDS, or DAMAGED), from its magic bytes; None for anything else."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head.startswith(PNG):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(OLE2):
        return "DOC/XLS"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(handle)
    return None


MAX_ZIP_DIRECTORY = 4 * 1024 * 1024  # Office files need a few KB; zipfile holds the whole directory in memory


def _zip_directory_size(handle: BinaryIO) -> int:
    """The central directory's size from the end record, read before zipfile loads that directory; -1 if none."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - 65_557))  # the record (22 bytes) follows a comment of at most 65,535
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return -1
    return int.from_bytes(tail[at + 12:at + 16], "little")  # 0xFFFFFFFF (ZIP64) counts as too large


def _zip_kind(handle: BinaryIO) -> str:
    """Office files are ZIP archives: tell them apart by what is inside (only the directory is read)."""
    directory = _zip_directory_size(handle)
    handle.seek(0)
    if directory < 0:
        return DAMAGED
    if directory > MAX_ZIP_DIRECTORY:  # a plain archive as far as we look: no Office file is this big inside
        return "ZIP"
    try:
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    mimetype = entry.read(100)  # a few bytes at most, even from a crafted archive
                if mimetype == b"application/vnd.oasis.opendocument.text":
                    return "ODT"
                if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
                    return "ODS"
            if "[Content_Types].xml" in names:  # an OOXML package is named by its main part, not by a folder
                if "word/document.xml" in names:
                    return "DOCX"
                if "xl/workbook.xml" in names:
                    return "XLSX"
            return "ZIP"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, ValueError):
        return DAMAGED
    finally:
        handle.seek(0)


def _inspect(handle: BinaryIO) -> tuple[int, str | None]:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(0)
    return size, sniff(handle) if size else None


def clean_name(raw: str) -> str:
    """The name to keep and show: no folders, no `..`, no control or direction-changing characters.

    It is only ever shown and sent back in Content-Disposition, never used as a path. Direction overrides
    (U+202E) are dropped because they make "fdp.exe" display as "exe.pdf"; NFD accents (macOS) are joined.
    """
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in DROPPED_CATEGORIES)
    name = " ".join(name.split())  # tabs, no-break and other odd spaces: one plain space
    name = re.sub(r"\.{2,}", ".", name).strip().strip(".").strip()
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[: 255 - len(ext)].rstrip() + ext
    return name


def megabytes(size: int) -> str:
    return format_number(size / MIB, 0 if size % MIB == 0 else 2)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < MIB:
        return f"{format_number(size / 1024, 0)} KB"
    return f"{format_number(size / MIB, 1)} MB"


def _refusal(name: str, size: int, kind: str | None, max_bytes: int) -> str | None:
    """Why this file is refused, or None when it may be stored."""
    if size == 0:
        return _("%(name)s: the file is empty.", name=name)
    if size > max_bytes:
        return _("%(name)s: the file is larger than %(limit)s MB.", name=name, limit=megabytes(max_bytes))
    if kind == DAMAGED:
        return _("%(name)s: the file is damaged and cannot be opened.", name=name)
    if kind is None:
        return _("%(name)s: this type of file is not accepted. Accepted types: %(types)s.", name=name,
                 types=ACCEPTED_TEXT)
    if PurePosixPath(name).suffix.lower() not in KINDS[kind]:
        return _("%(name)s: the content is %(kind)s, but the name does not end in %(ext)s.", name=name,
                 kind=kind, ext=" / ".join(KINDS[kind]))
    return None


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
    raw = (data.get("doc_date") or "").strip()
    values["doc_date"] = _parse_date(raw)
    if raw and values["doc_date"] is None:
        errors["doc_date"] = _("Write the date as dd/mm/yyyy.")
    return values, errors


def _parse_date(raw: str) -> dt.date | None:
    try:
        return parse_date_input(raw)
    except ValueError:
        return None


# Actions ------------------------------------------------------------------------------------------------

async def check_upload(upload: Upload, max_bytes: int) -> tuple[str, str, str | None]:
    """(clean name, content type, None) for a file that may be stored, or (clean name, "", why it is refused)."""
    size, kind = await to_thread.run_sync(_inspect, upload.file)
    # Nothing usable left of the name (e.g. ".." or only control characters): a plain one, of the right type.
    name = clean_name(upload.name) or DEFAULT_NAME + (KINDS[kind][0] if kind in KINDS else "")
    reason = _refusal(name, size, kind, max_bytes)
    return name, "" if reason else CONTENT_TYPES[PurePosixPath(name).suffix.lower()], reason


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



def _when(value: dt.datetime | None) -> str:
    return value.astimezone(TZ).strftime("%d/%m/%Y %H:%M") if value else ""


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
        row.update(size_text=human_size(row["size"]), uploaded_text=_when(row["uploaded_at"]),
                   reviewed_text=_when(row["reviewed_at"]), review_label=_(label),
                   uploader=row["uploader_name"] or row["uploader_email"] or "—",
                   reviewer=row["reviewer_name"] or row["reviewer_email"] or "")
    max_bytes = get_settings().max_upload_bytes
    return {"evidence": rows, "evidence_task_id": task_id, "writable": writable,
            "can_review": access.can_review_evidence(user), "evidence_errors": {}, "evidence_values": {},
            "review_errors": {}, "max_upload_bytes": max_bytes, "max_upload_mb": megabytes(max_bytes),
            "accept": ACCEPT, "reviews": REVIEWS}
