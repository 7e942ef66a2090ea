"""Uploaded files, whatever they are kept for (a task's evidence, the file behind manual points): what a file is,
the name to keep, why it is refused, its size as people read it, and the files of a form.

A file is accepted for what it contains, not for what it is called: the first bytes (and, for ZIP-based
formats, the archive's table of contents) name its kind, and the name's extension must agree with it.
Ground floor: the domains that keep files build on this, and this imports none of them.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from anyio import to_thread
from litestar import Request
from litestar.datastructures import UploadFile

from app.downloads import DOCX, XLSX
from app.i18n import _, format_number
from app.settings import get_settings
from app.storage import Incoming

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
    ".docx": DOCX, ".xlsx": XLSX,
    ".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".zip": "application/zip",
}
# Dropped from names: controls, format characters (direction overrides, zero-width), surrogates, private use,
# unassigned code points and line or paragraph separators.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
DEFAULT_NAME = "tep-dinh-kem"
ACCEPTED_TEXT = "PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG, ZIP"
ACCEPT = ",".join(CONTENT_TYPES)  # for <input type="file" accept=...>: a hint only, the server decides
# Room for the document fields and the multipart headers around the file(s).
FORM_MARGIN = 1024 * 1024
MAX_BODY = get_settings().max_upload_bytes + FORM_MARGIN  # the largest upload request a route reads


@dataclass
class Upload:
    """One file as received: the name the sender gave it and a readable, seekable file.

    A file streamed into storage as it arrived (the pages' upload) also has `received`: it is kept under its
    hash if accepted, rather than written again.
    """

    name: str
    file: BinaryIO
    received: Incoming | None = None


# What a file is ---------------------------------------------------------------------------------------------

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


async def check_upload(upload: Upload, max_bytes: int) -> tuple[str, str, str | None]:
    """(clean name, content type, None) for a file that may be stored, or (clean name, "", why it is refused)."""
    size, kind = await to_thread.run_sync(_inspect, upload.file)
    # Nothing usable left of the name (e.g. ".." or only control characters): a plain one, of the right type.
    name = clean_name(upload.name) or DEFAULT_NAME + (KINDS[kind][0] if kind in KINDS else "")
    reason = _refusal(name, size, kind, max_bytes)
    return name, "" if reason else CONTENT_TYPES[PurePosixPath(name).suffix.lower()], reason


async def uploads_from(request: Request) -> tuple[list[Upload], dict[str, str]]:
    """The files (spooled to temp files by Litestar's parser) and the other fields of a form."""
    form = await request.form()
    files = [f for f in form.getall("files", []) if isinstance(f, UploadFile)]
    details = {k: v for k, v in form.items() if isinstance(v, str)}
    return [Upload(f.filename, f.file) for f in files], details
