"""Files sent to the browser to save: one way to name them (Content-Disposition) and to send them.

Ground floor: the plan and board exports and the kept files (a task's evidence, the file behind manual points)
all leave through here, so a name in Vietnamese reaches every browser the same way.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Stream

from app.access import not_found
from app.storage import get_storage

# Litestar adds "; charset=utf-8" to a text/* media type itself: naming it here too sent it twice.
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def content_disposition(name: str) -> str:
    """`attachment` with the exact UTF-8 name (RFC 6266 and 5987's filename*) and an ASCII fallback for old
    clients: accents dropped ("Kế hoạch" -> "Ke hoach"), and quotes, backslashes, controls (a newline would end
    the header) and what has no ASCII form replaced by "_"."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "replace").decode()
    ascii_name = "".join("_" if c in '"\\?' or ord(c) < 32 or ord(c) == 127 else c for c in ascii_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(body: bytes, media_type: str, name: str) -> Response:
    """A file made for this request (an export), saved as `name`."""
    return Response(body, media_type=media_type, headers={"Content-Disposition": content_disposition(name)})


async def stored_download(request: Request, sha256: str, name: str, media_type: str, size: int,
                          what: str) -> Stream:
    """A kept file streamed from storage, saved as `name`; 404 (and an error in the log naming `what`) when the
    storage has lost it. Never sniffed or cached by the browser: it is an uploaded file, not our page."""
    storage = get_storage()
    if not await storage.exists(sha256):
        request.logger.error("%s: file %s is missing from storage", what, sha256)
        not_found()
    return Stream(storage.open_chunks(sha256), media_type=media_type, headers={
        "Content-Disposition": content_disposition(name), "Content-Length": str(size),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
