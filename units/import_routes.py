"""Importing the province's list of units and accounts: upload, preview (every unit and account, or every error
by row and cell), confirm. Nothing is saved before the confirmation, and then all of it or nothing."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template

from app import access, clock
from app.forms import date_value
from app.i18n import N_, _
from app.settings import get_settings
from plans.spreadsheet_package import MAX_FILE_BYTES
from units import importer

Form = URLEncodedBody[dict[str, str]]
UPLOAD_TTL = 24 * 3600  # an uploaded list waits this long for its confirmation
REFUSALS = {"too-large": N_("The file is larger than 10 MB."),
            "unreadable": N_("The upload could not be read. Choose the file again and send it.")}


def _folder():
    path = get_settings().var_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _keep(digest: str, content: bytes) -> None:
    cutoff = time.time() - UPLOAD_TTL
    for old in _folder().glob("units-*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    (_folder() / f"units-{digest}.upload").write_bytes(content)


@get("/units/import")
async def import_page(request: Request, refused: FromQuery[str] = "") -> Template:
    access.require_unit_manager(request)
    errors = {"file": _(REFUSALS[refused])} if refused in REFUSALS else {}
    return Template("units/import.html", context={"errors": errors})


def _refused_while_read(request: Request, exc: HTTPException) -> Response:
    """Too large (413) or not a readable form (400), refused before the handler ran: back to the form."""
    return Redirect(f"/units/import?refused={'too-large' if exc.status_code == 413 else 'unreadable'}",
                    status_code=303)


async def _preview(source, digest: str) -> dict[str, Any]:
    context: dict[str, Any] = {"digest": digest, "units": [], "sheet_errors": [], "accounts": 0}
    try:
        units = await importer.check_list(source)
        context["units"], context["accounts"] = units, sum(len(u.accounts) for u in units)
    except importer.ListError as exc:
        context["sheet_errors"] = exc.errors
    return context


@post("/units/import", request_max_body_size=MAX_FILE_BYTES + 65536,
      exception_handlers={400: _refused_while_read, 413: _refused_while_read})
async def import_preview(request: Request, data: MultipartBody[dict[str, Any]]) -> Template:
    access.require_unit_manager(request)
    upload = data.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content or len(content) > MAX_FILE_BYTES:
        message = _("Choose an .xlsx file.") if not content else _("The file is larger than 10 MB.")
        return Template("units/import.html", status_code=400, context={"errors": {"file": message}})
    digest = hashlib.sha256(content).hexdigest()
    context = await _preview(content, digest)
    if not context["sheet_errors"]:
        _keep(digest, content)  # only a list that can be saved waits for the confirmation
    return Template("units/import_preview.html", status_code=400 if context["sheet_errors"] else 200,
                    context=context)


@post("/units/import/confirm")
async def import_confirm(request: Request, data: Form) -> Response:
    actor = access.require_unit_manager(request)
    digest = data.get("digest", "")
    path = _folder() / f"units-{digest}.upload" if re.fullmatch(r"[0-9a-f]{64}", digest) else None
    if path is None or not path.exists():
        access.not_found(_("The uploaded file is no longer available; upload it again."))
    errors: dict[str, str] = {}
    effective_from = date_value(data, "effective_from", errors)
    context = await _preview(path, digest)
    if errors or context["sheet_errors"]:
        return Template("units/import_preview.html", status_code=400, context={**context, "errors": errors})
    try:
        users = await importer.save_units(context["units"], effective_from, actor, clock.now())
    except importer.ListError as exc:  # another request took a code or an email a moment ago
        return Template("units/import_preview.html", status_code=400, context={**context, "sheet_errors": exc.errors})
    path.unlink(missing_ok=True)
    failed = await importer.invite(users, actor, clock.now())
    return Template("units/import_done.html", context={"units": context["units"], "invited": len(users),
                                                        "failed": failed})


ROUTES = [import_page, import_preview, import_confirm]
