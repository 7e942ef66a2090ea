"""Hostile bodies are refused before they are held in memory.

A real `parplan serve` (one process) is sent ~99 MB bodies in chunks, as an attacker would: anonymous, signed
in with the CSRF token in the form or in the header, on the API with and without a token, and as a urlencoded
form. Each is answered at once with the refusal it deserves, the server's peak resident memory (VmHWM, reset
before the hostile requests) stays within 30 MB of where it started, nothing is stored, and ordinary uploads
and forms still work afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.settings import get_settings
from bench import load
from tasks.tables import Evidence, Task
from tests.builders import PASSWORD, PDF, TaskSpec, count, free_port, make_actors, make_plan

# Once, on SQLite: what the server holds in memory does not depend on the database kind.
pytestmark = pytest.mark.only_db("sqlite")

MB = 1024 * 1024
HOSTILE = 99 * MB
CHUNK = b"a" * MB  # one object sent 99 times: the test's own memory stays small
BOUNDARY = "hostile-boundary"
ALLOWED_GROWTH = 30 * MB
QUICK = 10.0  # seconds: a refusal never waits for 99 MB to arrive


def memory(pid: int) -> dict[str, int]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: int(v.split()[0]) * 1024 for k, v in (line.split(":", 1) for line in lines) if k in ("VmRSS", "VmHWM")}


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM starts again from the current VmRSS


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, seconds: float, sent: int):
        self.status, self.headers, self.body, self.seconds, self.sent = status, headers, body, seconds, sent


def raw_post(port: int, path: str, headers: dict[str, str], head: bytes, filler: int, tail: bytes = b"",
             method: str = "POST") -> Answer:
    """Sends `head`, then `filler` bytes of "a", then `tail`, chunked, from a thread, while the answer is read
    here: a server that refuses early stops reading and closes, and the sending stops with it."""
    started = time.monotonic()
    conn = socket.create_connection(("127.0.0.1", port))
    conn.settimeout(120)
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items())]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    sent = [0]

    def send_body() -> None:
        try:
            for piece in [head, *([CHUNK] * (filler // MB)), CHUNK[:filler % MB], tail]:
                if piece:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                    sent[0] += len(piece)
            conn.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: the rest is not wanted

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    received = b""
    try:
        while b"\r\n\r\n" not in received:
            piece = conn.recv(65536)
            if not piece:
                break
            received += piece
        answered = time.monotonic() - started
        conn.settimeout(5)
        while len(received) < 256 * 1024 and (piece := conn.recv(65536)):
            received += piece
    except OSError:
        answered = time.monotonic() - started  # a reset after the answer was read
    finally:
        conn.close()
        sender.join(timeout=30)
    raw_head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    parsed = {k.lower(): v for k, _, v in (line.partition(": ") for line in header_lines)}
    return Answer(int(status_line.split()[1]), parsed, body, answered, sent[0])


def at_once(*calls) -> list[Answer]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def multipart_head(*fields: tuple[str, str], open_field: str) -> bytes:
    """Some small fields, then the start of a text part whose content the filler provides."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n' for n, v in fields]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{open_field}"\r\n\r\n')
    return "".join(parts).encode()


MULTIPART_TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()
MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


# The server and the people ------------------------------------------------------------------------------

@pytest.fixture
def served(tmp_path):
    """A task of unit A, its focal point, and a real server (one process: the pid is the worker)."""
    actors = make_actors()
    plan = make_plan(actors.unit_a, 2024, {"Chỉ đạo, điều hành": [TaskSpec("Ban hành kế hoạch", dt.date(2024, 6, 30))]})
    task = Task.objects().where(Task.field.plan == plan.id).first().run_sync()
    port, log = free_port(), tmp_path / "server.log"
    server = load.start_server(dict(os.environ), port, workers=1, log=log)
    try:
        yield server, port, actors, task, log
    finally:
        load.stop_server(server)


def signed_in(port: int, email: str) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    client.get("/login")
    token = client.cookies["parplan_csrf"]
    # The token in the form, as the login page sends it (no JavaScript needed to sign in).
    response = client.post("/login", data={"_csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def api_token(user) -> str:
    from app.tokens import create_token

    return asyncio.run(create_token(user, "kiểm thử", dt.datetime.now(dt.timezone.utc)))


def evidence_files() -> set:
    root = get_settings().evidence_dir
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# The hostile requests -------------------------------------------------------------------------------------

def anonymous_upload(port: int, task: Task, cookies: str = "") -> Answer:
    headers = {**MULTIPART, **({"cookie": cookies} if cookies else {})}
    return raw_post(port, f"/tasks/{task.id}/evidence", headers,
                          multipart_head(open_field="description"), HOSTILE, MULTIPART_TAIL)


def test_hostile_bodies_are_refused_before_they_are_held_in_memory(served):
    server, port, actors, task, log = served
    web = signed_in(port, actors.focal_a.email)
    token, cookies = web.cookies["parplan_csrf"], cookie_header(web)
    bearer = api_token(actors.focal_a)
    anonymous = httpx.Client(base_url=f"http://127.0.0.1:{port}")
    anonymous.get("/login")
    anonymous_cookies = cookie_header(anonymous)
    before_files = evidence_files()
    reset_peak(server.pid)
    start = memory(server.pid)["VmRSS"]

    def hostile() -> list[tuple[str, Answer]]:
        answers = [("anonymous", anonymous_upload(port, task)),
                   ("anonymous with a CSRF cookie", anonymous_upload(port, task, anonymous_cookies))]
        together = at_once(*[lambda: anonymous_upload(port, task)] * 10)
        answers += [("anonymous, ten at once", a) for a in together]
        answers.append(("signed in, token in the form", raw_post(
            port, f"/tasks/{task.id}/evidence", {**MULTIPART, "cookie": cookies},
            multipart_head(("_csrf_token", token), open_field="description"), HOSTILE, MULTIPART_TAIL)))
        answers.append(("signed in, token in the header", raw_post(
            port, f"/tasks/{task.id}/evidence", {**MULTIPART, "cookie": cookies, "x-csrftoken": token},
            multipart_head(open_field="description"), HOSTILE, MULTIPART_TAIL)))
        answers.append(("signed in, a field before the token", raw_post(
            port, f"/tasks/{task.id}/evidence", {**MULTIPART, "cookie": cookies},
            multipart_head(open_field="issuer"), HOSTILE, MULTIPART_TAIL)))
        answers.append(("API without a token", raw_post(
            port, f"/api/tasks/{task.id}/evidence", MULTIPART,
            multipart_head(open_field="description"), HOSTILE, MULTIPART_TAIL)))
        answers.append(("API with a token", raw_post(
            port, f"/api/tasks/{task.id}/evidence", {**MULTIPART, "authorization": f"Bearer {bearer}"},
            multipart_head(open_field="description"), HOSTILE, MULTIPART_TAIL)))
        answers.append(("API JSON with a token", raw_post(
            port, f"/api/tasks/{task.id}", {"content-type": "application/json", "authorization": f"Bearer {bearer}"},
            b'{"version": 1, "note": "', HOSTILE, b'"}', method="PATCH")))
        answers.append(("urlencoded form, signed in", raw_post(
            port, f"/tasks/{task.id}/progress", {"content-type": "application/x-www-form-urlencoded",
                                                 "cookie": cookies, "x-csrftoken": token},
            b"status=in_progress&progress=50&version=1&note=", HOSTILE)))
        answers.append(("urlencoded form, token in the form", raw_post(
            port, f"/tasks/{task.id}/progress", {"content-type": "application/x-www-form-urlencoded",
                                                 "cookie": cookies},
            f"_csrf_token={token}&note=".encode(), HOSTILE)))
        answers.append(("sign-in form, anonymous", raw_post(
            port, "/login", {"content-type": "application/x-www-form-urlencoded", "cookie": anonymous_cookies},
            f"_csrf_token={anonymous.cookies['parplan_csrf']}&email=".encode(), HOSTILE)))
        return answers

    answers = hostile()
    peak = memory(server.pid)["VmHWM"]
    expected = {"anonymous": (303,), "anonymous with a CSRF cookie": (303,), "anonymous, ten at once": (303,),
                "API without a token": (401,)}
    wrong = [f"{name}: {a.status} after {a.seconds:.1f} s" for name, a in answers
             if a.status not in expected.get(name, (400, 413)) or a.seconds > QUICK]
    assert not wrong, wrong
    assert all(a.headers.get("location", "").startswith("/login?next=") for n, a in answers if n.startswith("anon"))
    assert peak - start <= ALLOWED_GROWTH, (
        f"peak {peak / MB:.0f} MB from {start / MB:.0f} MB: +{(peak - start) / MB:.0f} MB")
    assert count(Evidence) == 0 and evidence_files() == before_files
    assert "Traceback" not in log.read_text()


def test_a_text_field_over_its_cap_is_named_in_the_refusal(served):
    _server, port, actors, task, _log = served
    web = signed_in(port, actors.focal_a.email)
    token, cookies = web.cookies["parplan_csrf"], cookie_header(web)
    answer = raw_post(port, f"/tasks/{task.id}/evidence",
                                  {**MULTIPART, "cookie": cookies, "x-csrftoken": token, "hx-request": "true"},
                                  multipart_head(open_field="description"), 5 * MB, MULTIPART_TAIL)
    assert answer.status == 400 and answer.seconds < QUICK
    # Vietnamese, the focal point's language: "Trường “description” dài hơn mức biểu mẫu này cho phép (tối đa 16 KB)"
    assert "Trường “description” dài hơn" in answer.body.decode("utf-8", "replace")


# Ordinary use still works ---------------------------------------------------------------------------------

def test_ordinary_uploads_and_forms_still_work(served):
    _server, port, actors, task, _log = served
    web = signed_in(port, actors.focal_a.email)
    token = web.cookies["parplan_csrf"]
    # A page without JavaScript: the token is the form's first field.
    plain = web.post(f"/tasks/{task.id}/evidence", data={"_csrf_token": token, "description": "Báo cáo " * 400},
                     files=[("files", ("bao-cao.pdf", PDF, "application/pdf"))])
    assert plain.status_code == 303, plain.text
    htmx = web.post(f"/tasks/{task.id}/evidence", data={"doc_number": "2/BC"},
                    files=[("files", ("bao-cao-2.pdf", PDF + b"2", "application/pdf"))],
                    headers={"x-csrftoken": token, "hx-request": "true"})
    assert htmx.status_code == 200, htmx.text
    api = httpx.post(f"http://127.0.0.1:{port}/api/tasks/{task.id}/evidence",
                     headers={"authorization": f"Bearer {api_token(actors.focal_a)}"},
                     data={"description": "Qua API"}, files=[("files", ("api.pdf", PDF + b"3", "application/pdf"))])
    assert api.status_code == 201, api.text
    assert [e.description for e in Evidence.objects().order_by(Evidence.id).run_sync()] == [
        ("Báo cáo " * 400).strip(), "", "Qua API"]
    form = web.post(f"/tasks/{task.id}/progress", data={"_csrf_token": token, "status": "in_progress",
                                                        "progress": "40", "version": "1", "note": "Đang làm " * 300})
    assert form.status_code == 303, form.text
    assert Task.objects().where(Task.id == task.id).first().run_sync().progress == 40
    forged = web.post(f"/tasks/{task.id}/progress", data={"_csrf_token": token[:-1] + "x", "progress": "50"})
    assert forged.status_code == 403 and "Hãy tải lại trang và thử lại" in forged.text
