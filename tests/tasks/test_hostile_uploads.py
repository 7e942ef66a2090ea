"""Hostile evidence uploads: each is refused with its reason next to the upload, or stored under a safe name.

Nothing of a refused file is stored: no Evidence row, no history line, no file in the evidence folder or in
the temporary folder uploads are spooled to, and the server answers the next request as usual. The upload
limit is also checked against a real uvicorn server, with a body sent by hand over a socket, to show that the
answer comes before the body has been sent (the server never waits for, nor keeps, what is over the limit).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import select
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.downloads import content_disposition
from app.settings import get_settings
from app.uploads import MAX_BODY
from tasks.tables import Evidence, Task, TaskEvent
from tests.builders import PASSWORD, TaskSpec, count, free_port, make_plan, zipped

# Once, on SQLite: what a file holds does not depend on the database kind.
pytestmark = pytest.mark.only_db("sqlite")

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(54) + b"This program cannot be run in DOS mode."
HTML = b"<!DOCTYPE html><html><body><script>fetch('/admin/users')</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>",
               "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>",
               "xl/workbook.xml": b"<workbook/>"})
# Office-looking folders, but no main part: not a Word document, whatever its name says.
FAKE_DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/setup.exe": MZ})


def task_of(actors) -> Task:
    plan = make_plan(actors.unit_a, 2024, {"Chỉ đạo, điều hành": [TaskSpec("Ban hành kế hoạch", dt.date(2024, 6, 30))]})
    return Task.objects().where(Task.field.plan == plan.id).first().run_sync()


def files_under(*roots: Path) -> set[Path]:
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


def evidence_files() -> set[Path]:
    return files_under(get_settings().evidence_dir)


def in_english(user) -> None:
    user.language = "en"
    user.save().run_sync()


def multipart(fields: dict[str, str], files: list[tuple[bytes, bytes]], boundary: bytes = b"hostile") -> bytes:
    """A multipart body written byte by byte, so that a file name can hold what a browser would escape."""
    out = b""
    for name, value in fields.items():
        out += b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n'
        out += value.encode() + b"\r\n"
    for filename, content in files:
        out += b"--" + boundary + b'\r\nContent-Disposition: form-data; name="files"; filename="' + filename
        out += b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + content + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def post_raw(web, task, body: bytes, htmx: bool = True, **headers):
    """Post a hand-written body; without htmx, the CSRF token travels in the form, as a plain browser sends it."""
    headers = {"content-type": "multipart/form-data; boundary=hostile", **headers}
    if htmx:
        headers.update({"x-csrftoken": web.token(), "hx-request": "true"})
    return web.client.post(f"/tasks/{task.id}/evidence", content=body, headers=headers, follow_redirects=False)


def assert_nothing_stored_and_the_server_carries_on(web, task, before: set[Path]) -> None:
    assert count(Evidence) == 0 and count(TaskEvent) == 0
    assert evidence_files() == before
    fine = web.post(f"/tasks/{task.id}/evidence", {}, htmx=True,
                    files=[("files", ("bien-ban.pdf", PDF + b"% next", "application/pdf"))])
    assert fine.status_code == 200 and count(Evidence) == 1


# What the content says ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, reason", [
    ("bao-cao.pdf", ELF, "bao-cao.pdf: this type of file is not accepted"),
    ("bao-cao.pdf", MZ, "bao-cao.pdf: this type of file is not accepted"),
    ("bao-cao.docx", MZ, "bao-cao.docx: this type of file is not accepted"),
    ("ke-hoach.docx", FAKE_DOCX, "ke-hoach.docx: the content is ZIP, but the name does not end in .zip"),
    ("ho-so.zip", DOCX, "ho-so.zip: the content is DOCX, but the name does not end in .docx"),
    ("bang-tinh.docx", XLSX, "bang-tinh.docx: the content is XLSX, but the name does not end in .xlsx"),
    ("anh-chup.pdf", PNG, "anh-chup.pdf: the content is PNG, but the name does not end in .png"),
    ("bao-cao.xlsx", PDF, "bao-cao.xlsx: the content is PDF, but the name does not end in .pdf"),
    ("trang.html", HTML, "trang.html: this type of file is not accepted"),
    ("trang.pdf", HTML, "trang.pdf: this type of file is not accepted"),
    ("logo.svg", SVG, "logo.svg: this type of file is not accepted"),
    ("logo.png", SVG, "logo.png: this type of file is not accepted"),
    ("trong.pdf", b"", "trong.pdf: the file is empty"),
], ids=["elf-as-pdf", "mz-as-pdf", "mz-as-docx", "zip-as-docx", "docx-as-zip", "xlsx-as-docx", "png-as-pdf",
        "pdf-as-xlsx", "html", "html-as-pdf", "svg", "svg-as-png", "empty"])
def test_a_file_is_judged_by_its_content_and_refused_next_to_the_upload(web, actors, name, content, reason):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = evidence_files()
    response = web.post(f"/tasks/{task.id}/evidence", {}, htmx=True,
                        files=[("files", (name, content, "application/pdf"))])
    assert response.status_code == 400
    assert re.search(rf'<p class="error wide" data-error="files">{re.escape(reason)}', response.text)
    assert_nothing_stored_and_the_server_carries_on(web, task, before)


def test_a_refused_file_is_refused_in_vietnamese_by_default(web, actors):
    task = task_of(actors)
    web.login(actors.focal_a)
    response = web.post(f"/tasks/{task.id}/evidence", {}, htmx=True,
                        files=[("files", ("bao-cao.pdf", MZ, "application/pdf"))])
    assert response.status_code == 400 and "bao-cao.pdf: không chấp nhận loại tệp này." in response.text
    assert count(Evidence) == 0


# Names ----------------------------------------------------------------------------------------------------

NFC_NAME = "Báo cáo quý II.pdf"
LONG_VI = "Báo cáo kết quả thực hiện nhiệm vụ cải cách hành chính quý II " * 12  # about 1,000 bytes of UTF-8


@pytest.mark.parametrize("raw, kept", [
    (b"../../etc/bao-cao.pdf", "bao-cao.pdf"),
    (b"..\\..\\Windows\\System32\\bao-cao.pdf", "bao-cao.pdf"),
    (b"/var/lib/parplan/bao-cao.pdf", "bao-cao.pdf"),
    ("C:\\Users\\daumoi\\Kế hoạch.pdf".encode(), "Kế hoạch.pdf"),
    (b"bao\x00cao.pdf", "baocao.pdf"),
    (b"bao\x01\x1b\x7fcao\tmoi.pdf", "baocaomoi.pdf"),
    (unicodedata.normalize("NFD", NFC_NAME).encode(), NFC_NAME),
    (NFC_NAME.encode(), NFC_NAME),
    ("\u202eexe.pdf".encode(), "exe.pdf"),
    ("\ufeffbao\u200bcao\u2028moi.pdf".encode(), "baocaomoi.pdf"),
    (b'bao \\"cao\\"; x=1.pdf', 'bao "cao"; x=1.pdf'),
    (b"..", "tep-dinh-kem.pdf"),
    (b"\x01\x02\x03", "tep-dinh-kem.pdf"),
], ids=["dot-dot-slash", "dot-dot-backslash", "absolute", "windows-path", "nul", "controls", "nfd", "nfc",
        "rtl-override", "zero-width", "quotes", "only-dots", "only-controls"])
def test_a_hostile_name_is_stored_as_a_safe_display_name_and_sent_back_safely(web, actors, raw, kept):
    task = task_of(actors)
    web.login(actors.focal_a)
    before = evidence_files()
    content = PDF + b"% " + raw.hex().encode()  # new content each time: storage keeps one copy of each
    response = post_raw(web, task, multipart({}, [(raw, content)]))
    assert response.status_code == 200, response.text
    row = Evidence.objects().first().run_sync()
    assert row.original_name == kept
    # Stored under its hash only: the name never became a path.
    assert evidence_files() - before == {get_settings().evidence_dir / row.sha256[:2] / row.sha256[2:4] / row.sha256}
    download = web.get(f"/evidence/{row.id}/download")
    disposition = download.headers["content-disposition"]
    assert download.status_code == 200 and download.content == content
    assert disposition == content_disposition(kept)
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(kept, safe='')}" in disposition
    fallback = re.fullmatch(r'attachment; filename="([^"]*)"; filename\*=\S+', disposition)
    assert fallback and all(32 <= ord(c) < 127 and c not in '"\\' for c in fallback[1])


def test_a_name_disguised_with_a_direction_override_is_shown_as_what_it_is_and_refused(web, actors):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    # Displayed as "bao-caoexe.pdf" by the override; really a name ending in .exe.
    response = post_raw(web, task, multipart({}, [("bao-cao\u202efdp.exe".encode(), PDF)]))
    assert response.status_code == 400
    assert "bao-caofdp.exe: the content is PDF, but the name does not end in .pdf" in response.text
    assert "\u202e" not in response.text and count(Evidence) == 0


@pytest.mark.parametrize("raw", ["a" * 300 + ".pdf", LONG_VI + ".pdf", unicodedata.normalize("NFD", LONG_VI) + ".pdf"],
                         ids=["300-ascii", "1000-bytes-vietnamese", "1000-bytes-nfd"])
def test_a_very_long_name_is_cut_to_255_characters_keeping_its_extension(web, actors, raw):
    task = task_of(actors)
    web.login(actors.focal_a)
    assert len(raw.encode()) >= 300
    response = post_raw(web, task, multipart({}, [(raw.encode(), PDF)]))
    assert response.status_code == 200
    name = Evidence.objects().first().run_sync().original_name
    assert len(name) <= 255 and name.endswith(".pdf") and unicodedata.is_normalized("NFC", name)
    assert name[:-4].rstrip() == unicodedata.normalize("NFC", raw)[:len(name) - 4].rstrip()
    download = web.get(f"/evidence/{Evidence.objects().first().run_sync().id}/download")
    assert download.status_code == 200 and download.headers["content-disposition"] == content_disposition(name)


# Bodies that cannot be read ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [b"bao\r\ncao.pdf", b"\xff\xfe.pdf"], ids=["line-break", "not-utf8"])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_a_body_that_is_not_a_readable_form_is_refused_with_a_plain_reason(web, actors, raw, htmx):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = evidence_files()
    response = post_raw(web, task, multipart({"_csrf_token": web.token()}, [(raw, PDF)]), htmx=htmx)
    assert response.status_code == 400
    assert "The upload could not be read. Choose the files again and send them." in response.text
    if htmx:  # next to the upload field, in the evidence fragment
        assert 'data-error="files"' in response.text and 'id="evidence"' in response.text
    assert_nothing_stored_and_the_server_carries_on(web, task, before)


# Over the limit ------------------------------------------------------------------------------------------

def test_a_plain_form_over_the_limit_gets_a_page_that_says_the_limit(web, actors):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = evidence_files()
    # No JavaScript: the token is in the form, so the CSRF check reads the body first, and stops at the limit.
    body = multipart({"_csrf_token": web.token()}, [(b"video.pdf", PDF)])
    response = post_raw(web, task, body, htmx=False, **{"content-length": str(MAX_BODY + 1)})
    assert response.status_code == 413
    assert "<h1>File too large</h1>" in response.text
    assert "The upload is larger than 100 MB. Send a smaller file, or the files in several uploads." in response.text
    assert_nothing_stored_and_the_server_carries_on(web, task, before)


def test_an_htmx_post_carrying_its_token_in_the_form_gets_the_limit_in_the_message_area(web, actors):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    body = multipart({"_csrf_token": web.token()}, [(b"video.pdf", PDF)])
    response = post_raw(web, task, body, htmx=False, **{"hx-request": "true", "content-length": str(MAX_BODY + 1)})
    assert response.status_code == 413 and response.headers["hx-retarget"] == "#messages"
    assert "The upload is larger than 100 MB." in response.text and "<html" not in response.text
    assert count(Evidence) == 0


def test_over_the_limit_with_htmx_the_reason_is_next_to_the_upload(web, actors):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = evidence_files()
    response = post_raw(web, task, multipart({}, [(b"video.pdf", PDF)]), **{"content-length": str(MAX_BODY + 1)})
    assert response.status_code == 413
    assert re.search(r'data-error="files">The upload is larger than 100 MB\.', response.text)
    assert_nothing_stored_and_the_server_carries_on(web, task, before)


# Over the limit, against a real server ---------------------------------------------------------------------

LIMIT_MB = 1  # the server below runs with PARPLAN_MAX_UPLOAD_MB=1
ATTEMPT = 256 * 1024 * 1024  # what each oversized upload claims to be, or would go on sending


@pytest.fixture(scope="module")
def server(database, tmp_path_factory):
    """`parplan serve` in its own process, with a 1 MB limit and its own temporary folder for spooled uploads."""
    port = free_port()
    spool = tmp_path_factory.mktemp("spool")
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "PARPLAN_DB_POOL": "true", "PARPLAN_MAX_UPLOAD_MB": str(LIMIT_MB), "TMPDIR": str(spool)}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(200):  # up to about a minute on a busy machine
            if proc.poll() is not None:
                raise RuntimeError(f"parplan serve exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"parplan serve did not start:\n{log.read_text()}")
        yield {"base": base, "port": port, "pid": proc.pid, "spool": spool, "log": log}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def signed_in(server, user) -> httpx.Client:
    client = httpx.Client(base_url=server["base"], timeout=30)
    client.get("/login")
    token = client.cookies["parplan_csrf"]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"x-csrftoken": token})
    assert response.status_code == 303, response.text
    return client


def peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1])


def spooled_fds(pid: int, spool: Path) -> list[str]:
    """The server's open files in its temporary folder (uploads spooled to disk), deleted or not, and in the
    evidence folder (an upload streamed into storage, not yet kept)."""
    targets = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            targets.append(os.readlink(fd))
        except OSError:
            continue  # closed while we looked
    return [t for t in targets if t.startswith((str(spool), str(get_settings().evidence_dir)))]


def send_until_answered(port: int, head: bytes, chunks) -> tuple[int, bytes]:
    """Send the request, stopping as soon as the server answers; (bytes of body sent, the whole answer)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        pending = b""
        for chunk in chunks:
            pending += chunk
            while pending:
                readable, writable, _ = select.select([sock], [sock], [], 30)
                if readable:
                    return sent, read_answer(sock)
                assert writable, "the server neither read nor answered for 30 s"
                try:
                    n = sock.send(pending)
                except BlockingIOError:
                    continue
                sent, pending = sent + n, pending[n:]
        readable, _, _ = select.select([sock], [], [], 30)
        return sent, read_answer(sock)


def read_answer(sock: socket.socket) -> bytes:
    sock.setblocking(True)
    sock.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536) or b""
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head)[1])
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return head + b"\r\n\r\n" + body


def upload_request(server, client: httpx.Client, task_id: int, htmx: bool, chunked: bool) -> tuple[bytes, bytes]:
    """The request head and the start of a multipart body whose file part then runs on and on."""
    token = client.cookies["parplan_csrf"]
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    start = multipart({} if htmx else {"_csrf_token": token}, [])[:-len(b"--hostile--\r\n")]
    start += (b'--hostile\r\nContent-Disposition: form-data; name="files"; filename="video.pdf"\r\n'
              b"Content-Type: application/pdf\r\n\r\n" + PDF)
    lines = [f"POST /tasks/{task_id}/evidence HTTP/1.1", f"Host: 127.0.0.1:{server['port']}", f"Cookie: {cookies}",
             "Content-Type: multipart/form-data; boundary=hostile", "Accept-Language: en"]
    lines += ["Transfer-Encoding: chunked"] if chunked else [f"Content-Length: {ATTEMPT}"]
    if htmx:
        lines += [f"X-CSRFToken: {token}", "HX-Request: true"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), start


def endless(start: bytes, chunked: bool):
    def frame(data: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(data), data) if chunked else data

    yield frame(start)
    block = bytes(64 * 1024)
    for _ in range(ATTEMPT // len(block)):
        yield frame(block)


@pytest.mark.parametrize("htmx, chunked", [(False, False), (False, True), (True, False), (True, True)],
                         ids=["plain-announced", "plain-chunked", "htmx-announced", "htmx-chunked"])
def test_a_real_server_answers_an_oversized_upload_before_it_is_sent_and_keeps_nothing(server, actors, htmx,
                                                                                       chunked):
    task = task_of(actors)
    in_english(actors.focal_a)
    client = signed_in(server, actors.focal_a)
    evidence_before, spool_before = evidence_files(), files_under(server["spool"])
    peak_before = peak_rss_kb(server["pid"])

    head, start = upload_request(server, client, task.id, htmx, chunked)
    sent, answer = send_until_answered(server["port"], head, endless(start, chunked))

    assert answer.startswith(b"HTTP/1.1 413 ")
    text = answer.decode()
    assert f"The upload is larger than {LIMIT_MB} MB." in text
    # Announced too large: refused before a byte of the body was read, on an error page for a plain form.
    # Streamed: refused soon after the limit, by the route, which says it beside the upload form.
    assert ('data-error="files"' in text) if htmx or chunked else ("<h1>File too large</h1>" in text)
    # Socket buffers on both sides hold a few MB; the upload would have gone on for 256 MB.
    assert sent < 32 * 1024 * 1024
    # Nothing kept: no row, no stored file, no spooled file on disk or still open, no memory for the body.
    assert count(Evidence) == 0 and count(TaskEvent) == 0
    assert evidence_files() == evidence_before and files_under(server["spool"]) == spool_before
    assert spooled_fds(server["pid"], server["spool"]) == []
    assert peak_rss_kb(server["pid"]) - peak_before < 32 * 1024
    # And the server carries on: the next upload, on a new connection, is stored.
    fine = client.post(f"/tasks/{task.id}/evidence", files=[("files", ("bien-ban.pdf", PDF, "application/pdf"))],
                       headers={"x-csrftoken": client.cookies["parplan_csrf"], "hx-request": "true"})
    assert fine.status_code == 200 and count(Evidence) == 1
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("htmx, sent, announced", [(True, 700_000, 1_000_000), (False, 700_000, 1_000_000)],
                         ids=["htmx-streamed-into-storage", "plain-form-streamed-into-storage"])
def test_a_real_server_forgets_an_upload_whose_sender_hangs_up_halfway(server, actors, htmx, sent, announced):
    task = task_of(actors)
    client = signed_in(server, actors.focal_a)
    evidence_before, spool_before = evidence_files(), files_under(server["spool"])
    head, start = upload_request(server, client, task.id, htmx=htmx, chunked=False)
    # Under the limit. The file part is written into storage as it comes, with htmx and from a plain form alike
    # (its CSRF token, the form's first field, is all that is read before the route).
    head = head.replace(f"Content-Length: {ATTEMPT}".encode(), f"Content-Length: {announced}".encode())
    with socket.create_connection(("127.0.0.1", server["port"])) as sock:
        sock.sendall(head + start + bytes(sent))
        for _attempt in range(100):  # the server writes what it got so far
            if spooled_fds(server["pid"], server["spool"]):
                break
            time.sleep(0.1)
        assert spooled_fds(server["pid"], server["spool"]), "the part was never written to disk"
    # Then the sender is gone: the server notices on its own time; poll, then judge.
    for _attempt in range(100):
        if not spooled_fds(server["pid"], server["spool"]):
            break
        time.sleep(0.1)
    assert spooled_fds(server["pid"], server["spool"]) == []
    assert count(Evidence) == 0 and evidence_files() == evidence_before
    assert files_under(server["spool"]) == spool_before
    assert client.get(f"/tasks/{task.id}").status_code == 200


def test_a_real_server_reads_a_form_sent_a_few_bytes_at_a_time(server, actors):
    """Boundaries and headers split across reads: what the streamed reader has of them waits for the next piece."""
    task = task_of(actors)
    client = signed_in(server, actors.focal_a)
    files = [(b"bao-cao.pdf", PDF + b"% sent in pieces " + os.urandom(8)), (b"anh.png", PNG + os.urandom(8))]
    body = multipart({"doc_number": "25/BC-STP"}, files)
    token = client.cookies["parplan_csrf"]
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    head = "\r\n".join([f"POST /tasks/{task.id}/evidence HTTP/1.1", f"Host: 127.0.0.1:{server['port']}",
                        f"Cookie: {cookies}", "Content-Type: multipart/form-data; boundary=hostile",
                        f"Content-Length: {len(body)}", f"X-CSRFToken: {token}", "HX-Request: true"]) + "\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server["port"])) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(head.encode())
        for at in range(0, len(body), 7):
            sock.sendall(body[at:at + 7])
            time.sleep(0.002)  # each piece its own read on the server
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
    rows = Evidence.objects().order_by(Evidence.id).run_sync()
    assert [(r.original_name, r.size, r.sha256, r.doc_number) for r in rows] == [
        (name.decode(), len(content), hashlib.sha256(content).hexdigest(), "25/BC-STP") for name, content in files]
