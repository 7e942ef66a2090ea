"""Uploads read as they stream in: each file goes straight into storage (hashed and written once) and is kept
under its hash only when the whole upload is accepted; a body that is cut short or malformed is refused with a
plain reason, and nothing of it stays: no row, no stored file, no temp file in the evidence folder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os

import pytest

from app.settings import get_settings
from app.storage import CHUNK, IN_FLIGHT, LocalStorage, TooLarge
from tasks.tables import Evidence, Task, TaskEvent
from tests.builders import TaskSpec, count, make_plan

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
BOUNDARY = b"streamed"
UNREADABLE = "The upload could not be read. Choose the files again and send them."


def task_of(actors) -> Task:
    plan = make_plan(actors.unit_a, 2024, {"Chỉ đạo, điều hành": [TaskSpec("Ban hành kế hoạch", dt.date(2024, 6, 30))]})
    return Task.objects().where(Task.field.plan == plan.id).first().run_sync()


def in_english(user) -> None:
    user.language = "en"
    user.save().run_sync()


def evidence_files() -> set:
    root = get_settings().evidence_dir
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    head = f"Content-Disposition: {disposition}\r\n"
    if filename is not None:
        head += "Content-Type: application/octet-stream\r\n"
    return b"--" + BOUNDARY + b"\r\n" + head.encode() + b"\r\n" + value + b"\r\n"


def closed(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


def post(web, task, body: bytes, htmx: bool = True):
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY.decode()}"}
    if htmx:  # the token in the header, as htmx sends it: the form is read by the route, as it streams in
        headers.update({"x-csrftoken": web.token(), "hx-request": "true"})
    return web.client.post(f"/tasks/{task.id}/evidence", content=body, headers=headers, follow_redirects=False)


def assert_nothing_kept(before: set) -> None:
    assert count(Evidence) == 0 and count(TaskEvent) == 0
    assert evidence_files() == before


# Through the route ----------------------------------------------------------------------------------------

def test_several_files_and_the_details_are_stored_from_one_streamed_form(web, actors):
    task = task_of(actors)
    web.login(actors.focal_a)
    before = evidence_files()
    large = PDF + os.urandom(3 * CHUNK + 12_345)  # several hand-overs to the writing thread
    body = closed(part("doc_number", "25/BC-STP".encode()), part("files", large, "bao-cao.pdf"),
                  part("issuer", "Sở Tư pháp".encode()), part("files", PNG, "anh.png"))
    response = post(web, task, body)
    assert response.status_code == 200, response.text
    rows = Evidence.objects().order_by(Evidence.id).run_sync()
    assert [(r.original_name, r.size, r.doc_number, r.issuer) for r in rows] == [
        ("bao-cao.pdf", len(large), "25/BC-STP", "Sở Tư pháp"), ("anh.png", len(PNG), "25/BC-STP", "Sở Tư pháp")]
    assert rows[0].sha256 == hashlib.sha256(large).hexdigest()
    assert web.get(f"/evidence/{rows[0].id}/download").content == large
    # Stored under their hashes only: no temp file is left in the evidence folder.
    assert {p.name for p in evidence_files() - before} <= {r.sha256 for r in rows}
    assert all(not p.name.startswith(".") for p in evidence_files())


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_a_body_cut_before_its_closing_boundary_is_refused_and_nothing_is_kept(web, actors, htmx):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = evidence_files()
    whole = closed(part("_csrf_token", web.token().encode()), part("files", PDF + bytes(5000), "bao-cao.pdf"))
    response = post(web, task, whole[:-900], htmx=htmx)  # the file's last bytes and the closing line are missing
    assert response.status_code == 400 and UNREADABLE in response.text
    assert_nothing_kept(before)


@pytest.mark.parametrize("body", [
    closed(part("files", PDF, "a.pdf")).replace(b'name="files"; ', b""),
    closed(part("files", PDF, "a.pdf")).replace(b"Content-Disposition: form-data", b"Content-Disposition: inline"),
    closed(part("files", PDF, "a.pdf")).replace(b"Content-Type: application/octet-stream", b"Content-Type"),
    closed(part("doc_number", b"\xff\xfe"), part("files", PDF, "a.pdf")),
    b"not a multipart body at all",
], ids=["part-without-a-name", "not-form-data", "header-without-colon", "field-not-utf8", "garbage"])
def test_a_malformed_form_is_refused_with_a_plain_reason_and_nothing_is_kept(web, actors, body):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = evidence_files()
    response = post(web, task, body)
    assert response.status_code == 400 and UNREADABLE in response.text
    assert 'data-error="files"' in response.text  # next to the upload field, in the evidence fragment
    assert_nothing_kept(before)


def test_more_files_than_one_upload_takes_are_refused_and_nothing_is_kept(web, actors):
    from tasks.upload_stream import MAX_FILES

    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = evidence_files()
    many = [part("files", PDF + str(i).encode(), f"bao-cao-{i}.pdf") for i in range(MAX_FILES + 1)]
    response = post(web, task, closed(part("doc_number", b"25/BC-STP"), *many))
    assert response.status_code == 400 and UNREADABLE in response.text
    assert_nothing_kept(before)
    # One file fewer is an upload like any other.
    assert post(web, task, closed(part("doc_number", b"25/BC-STP"), *many[:MAX_FILES])).status_code == 200
    assert count(Evidence) == MAX_FILES


def test_a_body_without_a_boundary_is_refused_as_unreadable(web, actors):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    response = web.client.post(f"/tasks/{task.id}/evidence", content=closed(part("files", PDF, "a.pdf")),
                               headers={"content-type": "multipart/form-data", "x-csrftoken": web.token(),
                                        "hx-request": "true"})
    assert response.status_code == 400 and UNREADABLE in response.text
    assert count(Evidence) == 0


def test_a_text_field_past_its_cap_is_refused_by_name_and_nothing_is_kept(web, actors):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = evidence_files()
    # Files go to disk; the other fields are held in memory, so each is capped (16 KB for a description).
    response = post(web, task, closed(part("files", PDF, "a.pdf"), part("description", b"x" * (16 * 1024 + 1))))
    assert response.status_code == 400
    assert "The field “description” is longer than this form accepts (16 KB at most)." in response.text
    assert_nothing_kept(before)


def test_a_file_chosen_in_another_field_is_not_stored(web, actors):
    task = task_of(actors)
    web.login(actors.focal_a)
    before = evidence_files()
    content = PDF + b"% chosen in the files field " + os.urandom(16)
    response = post(web, task, closed(part("attachment", PDF + os.urandom(16), "khac.pdf"),
                                      part("files", content, "bao-cao.pdf")))
    assert response.status_code == 200
    assert [r["original_name"] for r in Evidence.select(Evidence.original_name).run_sync()] == ["bao-cao.pdf"]
    assert [p.name for p in evidence_files() - before] == [hashlib.sha256(content).hexdigest()]


def test_an_empty_body_asks_for_a_file(web, actors):
    task = task_of(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    response = post(web, task, b"")
    assert response.status_code == 400 and "Choose at least one file." in response.text


# Storage -------------------------------------------------------------------------------------------------

def open_files() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue  # closed while we looked
    return found


def received(storage: LocalStorage, content: bytes, piece: int, max_bytes: int):
    """An Incoming fed `content` in pieces of `piece` bytes and completed."""
    async def receive():
        incoming = storage.receive(max_bytes)
        for start in range(0, len(content), piece):
            await incoming.write(content[start:start + piece])
        return incoming, await incoming.complete()

    return asyncio.run(receive())


def test_storage_receives_a_file_in_odd_pieces_and_keeps_it_under_its_hash(tmp_path):
    storage = LocalStorage(tmp_path)
    content = PDF + os.urandom(IN_FLIGHT + 3 * CHUNK + 7)  # past what may wait for the threads
    incoming, stored = received(storage, content, 100_003, len(content))
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.size == len(content)
    assert incoming.temp not in open_files()  # written: its descriptor is closed until it is kept
    with incoming.open() as handle:  # readable before it is kept, for the checks
        assert handle.read() == content
    assert asyncio.run(incoming.keep()) == stored
    asyncio.run(incoming.discard())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [storage.path(stored.sha256)]
    assert storage.path(stored.sha256).read_bytes() == content


def test_storage_receives_a_file_sent_a_few_hundred_bytes_at_a_time(tmp_path):
    storage = LocalStorage(tmp_path)
    content = PDF + os.urandom(600_000)  # some 2,000 pieces, more than one system call takes at once
    incoming, stored = received(storage, content, 300, len(content))
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    asyncio.run(incoming.keep())
    asyncio.run(incoming.discard())
    assert storage.path(stored.sha256).read_bytes() == content


def test_storage_keeps_content_it_already_has_once_and_removes_the_second_copy(tmp_path):
    storage = LocalStorage(tmp_path)
    content = PDF + os.urandom(2 * CHUNK)
    for _time in range(2):
        incoming, stored = received(storage, content, CHUNK // 3, len(content))
        asyncio.run(incoming.keep())
        asyncio.run(incoming.discard())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [storage.path(stored.sha256)]


def test_storage_refuses_a_received_file_past_the_limit_and_a_discarded_one_leaves_nothing(tmp_path):
    storage = LocalStorage(tmp_path)

    async def too_much():
        incoming = storage.receive(2 * CHUNK)
        try:
            for _piece in range(3):
                await incoming.write(bytes(CHUNK))
        finally:
            await incoming.discard()

    with pytest.raises(TooLarge):
        asyncio.run(too_much())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
