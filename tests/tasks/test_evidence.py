"""Evidence (tài liệu kiểm chứng): type from content, streamed storage under SHA-256, downloads, soft delete, review."""

import datetime as dt
import hashlib
import io
from pathlib import Path
from urllib.parse import quote

import pytest

from app.settings import get_settings
from app.storage import CHUNK, LocalStorage, TooLarge
from app.uploads import CONTENT_TYPES, DAMAGED, MAX_BODY, Upload, clean_name, sniff
from tasks import evidence
from tasks.actions import live_evidence_count
from tasks.evidence import EvidenceError, add_evidence
from tasks.tables import Evidence, Task, TaskEvent
from tests.builders import NOW, TaskSpec, count, make_plan, run, zipped

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(54) + b"This program cannot be run in DOS mode."


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
ODS = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"})
ZIP = zipped({"anh-1.jpg": JPEG, "bien-ban.pdf": PDF})
DAMAGED_ZIP = b"PK\x03\x04" + bytes(100)


def one_task(actors, unit=None):
    plan = make_plan(unit or actors.unit_a, 2024, {"Chỉ đạo, điều hành": [TaskSpec("Ban hành kế hoạch", dt.date(2024, 6, 30))]})
    return Task.objects().where(Task.field.plan == plan.id).first().run_sync()


def files_on_disk() -> set[Path]:
    root = get_settings().evidence_dir
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def in_english(*users):
    for user in users:
        user.language = "en"
        user.save().run_sync()


def upload(web, task, *files, htmx=True, **details):
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    return web.post(f"/tasks/{task.id}/evidence", details, files=parts, htmx=htmx)


def live_names(task) -> list[str]:
    return [r["original_name"] for r in Evidence.select(Evidence.original_name).where(
        (Evidence.task == task.id) & Evidence.deleted_at.is_null()).order_by(Evidence.id).run_sync()]


# What a file is ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, kind", [
    (PDF, "PDF"), (DOCX, "DOCX"), (XLSX, "XLSX"), (ODT, "ODT"), (ODS, "ODS"), (ZIP, "ZIP"), (PNG, "PNG"),
    (JPEG, "JPEG"), (OLE2, "DOC/XLS"), (ELF, None), (MZ, None), (b"<html><script>", None),
    (DAMAGED_ZIP, DAMAGED),
], ids=["pdf", "docx", "xlsx", "odt", "ods", "zip", "png", "jpeg", "ole2", "elf", "mz", "html", "damaged-zip"])
def test_the_kind_of_a_file_is_read_from_its_content(content, kind):
    assert sniff(io.BytesIO(content)) == kind


def test_an_archive_claiming_a_huge_directory_is_not_opened_to_look_inside():
    # zipfile would read the whole central directory into memory: a crafted size must not make it try.
    at = DOCX.rfind(b"PK\x05\x06")
    crafted = DOCX[:at + 12] + b"\xff\xff\xff\xff" + DOCX[at + 16:]
    assert sniff(io.BytesIO(crafted)) == "ZIP"


@pytest.mark.parametrize("raw, kept", [
    ("Báo cáo tổng kết.pdf", "Báo cáo tổng kết.pdf"),
    ("C:\\Users\\daumoi\\Desktop\\Kế hoạch.docx", "Kế hoạch.docx"),
    ("../../etc/passwd", "passwd"),
    ("..", ""),
    ("bien\x00ban\r\n.pdf", "bienban.pdf"),
    ("hoa-don\u202efdp.exe", "hoa-donfdp.exe"),  # a right-to-left override would show it as "…exe.pdf"
    ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),  # decomposed (macOS) accents are joined
])
def test_a_name_keeps_its_vietnamese_letters_but_loses_folders_and_control_characters(raw, kept):
    assert clean_name(raw) == kept


def test_a_very_long_name_is_cut_to_255_characters_and_keeps_its_extension():
    name = clean_name("Tài liệu " * 60 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")


# Storage -------------------------------------------------------------------------------------------------

async def chunks_of(content: bytes, size: int = CHUNK):
    for start in range(0, len(content), size):
        yield content[start:start + size]


def test_storage_names_a_file_by_its_sha256_and_keeps_the_same_content_once(tmp_path):
    storage = LocalStorage(tmp_path)
    content = PDF + bytes(3 * CHUNK)
    first = run(storage.save(chunks_of(content), max_bytes=10 * CHUNK))
    second = run(storage.save(chunks_of(content), max_bytes=10 * CHUNK))
    sha = hashlib.sha256(content).hexdigest()
    assert first.sha256 == second.sha256 == sha and first.size == len(content)
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == \
        [f"{sha[:2]}/{sha[2:4]}/{sha}"]
    assert storage.path(sha).read_bytes() == content


def test_storage_stops_at_the_first_chunk_over_the_limit_and_leaves_nothing(tmp_path):
    storage = LocalStorage(tmp_path)
    sent = []

    async def endless():
        while True:
            sent.append(CHUNK)
            yield bytes(CHUNK)

    with pytest.raises(TooLarge):
        run(storage.save(endless(), max_bytes=2 * CHUNK + 10))
    assert len(sent) == 3  # refused as soon as the limit was passed, not at the end
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_storage_streams_a_stored_file_back_in_chunks_of_one_mebibyte(tmp_path):
    storage = LocalStorage(tmp_path)
    content = PDF + bytes(2 * CHUNK + 123)
    stored = run(storage.save(chunks_of(content, 4096), max_bytes=len(content)))

    async def read_back():
        return [chunk async for chunk in storage.open_chunks(stored.sha256)]

    chunks = run(read_back())
    assert b"".join(chunks) == content and max(map(len, chunks)) == CHUNK
    assert run(storage.exists(stored.sha256)) and not run(storage.exists("0" * 64))


# Actions -------------------------------------------------------------------------------------------------

def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(actors):
    task = one_task(actors)
    before = files_on_disk()
    with pytest.raises(EvidenceError) as refused:
        run(add_evidence(task.id, [Upload("bao-cao.pdf", io.BytesIO(PDF + bytes(2000)))], {}, actors.focal_a,
                         NOW, max_bytes=1024))
    assert "bao-cao.pdf" in refused.value.errors["files"][0]
    assert count(Evidence) == 0 and count(TaskEvent) == 0 and files_on_disk() == before


def test_the_count_of_live_evidence_leaves_out_deleted_files(actors):
    task = one_task(actors)
    rows = run(add_evidence(task.id, [Upload("a.pdf", io.BytesIO(PDF)), Upload("b.png", io.BytesIO(PNG))], {},
                            actors.focal_a, NOW))
    assert run(live_evidence_count(task.id)) == 2
    assert run(evidence.delete_evidence(rows[0], actors.focal_a, NOW)) is True
    assert run(live_evidence_count(task.id)) == 1
    assert run(evidence.delete_evidence(rows[0], actors.head_a, NOW)) is False  # only one history line
    assert TaskEvent.count().where(TaskEvent.action == "evidence_deleted").run_sync() == 1


def test_needs_more_without_a_comment_is_refused_and_changes_nothing(actors):
    task = one_task(actors)
    [row] = run(add_evidence(task.id, [Upload("a.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    with pytest.raises(EvidenceError):
        run(evidence.review_evidence(row, "needs_more", "  ", actors.secretariat, NOW))
    with pytest.raises(EvidenceError):
        run(evidence.review_evidence(row, "rejected", "", actors.secretariat, NOW))
    assert Evidence.objects().first().run_sync().review == "pending"
    assert TaskEvent.count().where(TaskEvent.action != "evidence_added").run_sync() == 0


# Uploading -----------------------------------------------------------------------------------------------

def test_a_focal_point_uploads_a_pdf_with_its_document_details(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    response = upload(web, task, ("bao-cao.pdf", PDF), doc_number="25/BC-STP", doc_date="2024-06-20",
                      issuer="Sở Tư pháp", description="Báo cáo kết quả CCHC 6 tháng")
    assert response.status_code == 200 and 'id="evidence"' in response.text
    assert "bao-cao.pdf" in response.text and "25/BC-STP" in response.text and "20/06/2024" in response.text
    row = Evidence.objects().first().run_sync()
    assert (row.doc_number, row.doc_date, row.issuer, row.description) == (
        "25/BC-STP", dt.date(2024, 6, 20), "Sở Tư pháp", "Báo cáo kết quả CCHC 6 tháng")
    assert (row.size, row.content_type, row.uploaded_by, row.review) == (len(PDF), "application/pdf",
                                                                         actors.focal_a.id, "pending")
    event = TaskEvent.objects().output(load_json=True).first().run_sync()
    assert (event.action, event.actor, event.changes) == ("evidence_added", actors.focal_a.id,
                                                          {"evidence": [None, "bao-cao.pdf"]})


def test_several_files_in_one_post_are_all_stored_with_types_read_from_their_content(web, actors):
    task = one_task(actors)
    web.login(actors.head_a)
    response = upload(web, task, ("Kế hoạch.docx", DOCX), ("Số liệu.xlsx", XLSX), ("Ảnh hội nghị.JPG", JPEG),
                      ("Hồ sơ.zip", ZIP), ("Biên bản.odt", ODT))
    assert response.status_code == 200
    types = {r["original_name"]: r["content_type"]
             for r in Evidence.select(Evidence.original_name, Evidence.content_type).run_sync()}
    assert types == {"Kế hoạch.docx": CONTENT_TYPES[".docx"], "Số liệu.xlsx": CONTENT_TYPES[".xlsx"],
                     "Ảnh hội nghị.JPG": "image/jpeg", "Hồ sơ.zip": "application/zip",
                     "Biên bản.odt": "application/vnd.oasis.opendocument.text"}
    assert TaskEvent.count().where(TaskEvent.action == "evidence_added").run_sync() == 5


def test_the_same_content_uploaded_twice_is_stored_once_under_its_sha256(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    content = PDF + b"% unique to this test " + bytes(range(256))
    upload(web, task, ("lan-1.pdf", content))
    upload(web, task, ("lan-2.pdf", content))
    sha = hashlib.sha256(content).hexdigest()
    assert live_names(task) == ["lan-1.pdf", "lan-2.pdf"]
    assert {r["sha256"] for r in Evidence.select(Evidence.sha256).run_sync()} == {sha}
    stored = [p for p in files_on_disk() if p.name == sha]
    assert stored == [get_settings().evidence_dir / sha[:2] / sha[2:4] / sha] and stored[0].read_bytes() == content


def test_a_plain_form_post_goes_back_to_the_task_page(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    response = upload(web, task, ("bao-cao.pdf", PDF), htmx=False)
    assert response.status_code == 303 and response.headers["location"] == f"/tasks/{task.id}"
    assert live_names(task) == ["bao-cao.pdf"]


def test_the_task_page_shows_the_upload_form_to_the_unit_and_the_review_form_to_the_secretariat(web, actors):
    task = one_task(actors)
    run(add_evidence(task.id, [Upload("bao-cao.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    web.login(actors.focal_a)
    page = web.get(f"/tasks/{task.id}").text
    assert 'name="files"' in page and "/static/upload.js" in page and 'action="/evidence/' in page
    assert 'name="review"' not in page
    web.login(actors.secretariat)
    page = web.get(f"/tasks/{task.id}").text
    assert "bao-cao.pdf" in page and 'name="files"' not in page and 'name="review"' in page
    web.login(actors.steering)
    page = web.get(f"/tasks/{task.id}").text
    assert "bao-cao.pdf" in page and 'name="files"' not in page and 'name="review"' not in page
    assert web.get("/static/upload.js").status_code == 200


# Refusals ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, reason", [
    ("bao-cao.pdf", PNG, "the content is PNG, but the name does not end in .png"),
    ("bao-cao.pdf", ELF, "this type of file is not accepted"),
    ("bao-cao.pdf", MZ, "this type of file is not accepted"),
    ("ke-hoach.docx", ZIP, "the content is ZIP, but the name does not end in .zip"),
    ("ke-hoach.docx", DAMAGED_ZIP, "the file is damaged"),
    ("trong.pdf", b"", "the file is empty"),
], ids=["png-as-pdf", "elf-as-pdf", "mz-as-pdf", "zip-as-docx", "damaged-docx", "empty"])
def test_a_file_whose_content_is_not_what_its_name_says_is_refused_and_nothing_is_stored(web, actors, name,
                                                                                        content, reason):
    task = one_task(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = files_on_disk()
    response = upload(web, task, (name, content), doc_number="01/BC")
    assert response.status_code == 400 and 'data-error="files"' in response.text
    assert f"{name}: {reason}" in response.text and 'value="01/BC"' in response.text  # details kept
    assert count(Evidence) == 0 and count(TaskEvent) == 0 and files_on_disk() == before


def test_without_javascript_a_refused_file_shows_the_task_page_with_the_reason(web, actors):
    task = one_task(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    response = upload(web, task, ("anh.pdf", PNG), htmx=False)
    assert response.status_code == 400 and "Ban hành kế hoạch" in response.text  # the whole task page
    assert 'data-error="files"' in response.text and "anh.pdf: the content is PNG" in response.text
    assert count(Evidence) == 0


def test_one_refused_file_among_several_stores_none_of_them(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    before = files_on_disk()
    response = upload(web, task, ("a.pdf", PDF + b"% a"), ("setup.pdf", MZ), ("b.png", PNG))
    assert response.status_code == 400 and response.text.count('data-error="files"') == 1
    assert count(Evidence) == 0 and files_on_disk() == before


def test_posting_without_a_file_asks_for_one(web, actors):
    task = one_task(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    response = web.post(f"/tasks/{task.id}/evidence", {"doc_number": "01/BC"}, htmx=True,
                        files=[("files", ("", b"", "application/octet-stream"))])
    assert response.status_code == 400 and "Choose at least one file." in response.text
    assert count(Evidence) == 0


def test_a_bad_issue_date_is_shown_next_to_its_field_and_nothing_is_stored(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    before = files_on_disk()
    response = upload(web, task, ("a.pdf", PDF + b"% bad date"), doc_date="31/02/2024")
    assert response.status_code == 400 and 'data-error="doc_date"' in response.text
    assert count(Evidence) == 0 and files_on_disk() == before


def test_a_request_bigger_than_the_upload_limit_is_refused_before_it_is_read(web, actors):
    task = one_task(actors)
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    before = files_on_disk()
    # The announced size is over the limit: the body is refused before a byte of it is read.
    response = web.post(f"/tasks/{task.id}/evidence", {}, htmx=True, files=[("files", ("to.pdf", PDF, "x"))],
                        headers={"content-length": str(MAX_BODY + 1)})
    assert response.status_code == 413 and 'data-error="files"' in response.text
    assert "larger than 100 MB" in response.text
    assert count(Evidence) == 0 and files_on_disk() == before


# Downloading ---------------------------------------------------------------------------------------------

def test_a_download_keeps_the_vietnamese_name_and_the_exact_bytes(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    name = "Báo cáo tổng kết CCHC năm 2024 (Sở Tư pháp).pdf"
    content = PDF + bytes(range(256)) * 4000  # about 1 MB: more than one chunk
    upload(web, task, (name, content))
    row = Evidence.objects().first().run_sync()
    web.login(actors.steering)  # every signed-in account reads evidence
    response = web.get(f"/evidence/{row.id}/download")
    assert response.status_code == 200 and response.content == content
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert 'filename="Bao cao tong ket CCHC nam 2024 (So Tu phap).pdf"' in disposition
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_anonymous_download_goes_to_the_login_page(web, actors):
    task = one_task(actors)
    [row] = run(add_evidence(task.id, [Upload("a.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    response = web.get(f"/evidence/{row.id}/download", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert response.content != PDF


# Deleting ------------------------------------------------------------------------------------------------

def test_a_deleted_file_leaves_the_list_and_cannot_be_downloaded_but_its_row_file_and_history_stay(web, actors):
    task = one_task(actors)
    content = PDF + b"% to be deleted"
    [row] = run(add_evidence(task.id, [Upload("nham-file.pdf", io.BytesIO(content))], {}, actors.focal_a, NOW))
    web.login(actors.head_a)
    response = web.post(f"/evidence/{row.id}/delete", {}, htmx=True)
    assert response.status_code == 200 and "nham-file.pdf" not in response.text
    assert web.get(f"/evidence/{row.id}/download").status_code == 404
    kept = Evidence.objects().where(Evidence.id == row.id).first().run_sync()
    assert kept.deleted_at is not None and kept.deleted_by == actors.head_a.id
    assert LocalStorage(get_settings().evidence_dir).path(row.sha256).read_bytes() == content
    event = TaskEvent.objects().where(TaskEvent.action == "evidence_deleted").output(load_json=True).first().run_sync()
    assert (event.actor, event.changes) == (actors.head_a.id, {"evidence": ["nham-file.pdf", None]})
    assert web.post(f"/evidence/{row.id}/delete", {}, htmx=True).status_code == 404


def test_another_unit_and_the_steering_committee_cannot_upload_or_delete(web, actors):
    task = one_task(actors)
    [row] = run(add_evidence(task.id, [Upload("a.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    before = files_on_disk()
    for who in (actors.focal_b, actors.steering, actors.secretariat):
        web.login(who)
        assert upload(web, task, ("b.pdf", PDF + b"% b")).status_code == 403
        assert web.post(f"/evidence/{row.id}/delete", {}, htmx=True).status_code == 403
    assert live_names(task) == ["a.pdf"] and count(TaskEvent) == 1 and files_on_disk() == before


# Reviewing -----------------------------------------------------------------------------------------------

def test_the_secretariat_asks_for_more_and_the_unit_sees_the_verdict_and_comment(web, actors):
    task = one_task(actors)
    [row] = run(add_evidence(task.id, [Upload("bao-cao.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    web.login(actors.secretariat)
    response = web.post(f"/evidence/{row.id}/review", {"review": "needs_more", "comment": "Thiếu chữ ký"},
                        htmx=True)
    assert response.status_code == 200 and 'data-review="needs_more"' in response.text
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    page = web.get(f"/tasks/{task.id}").text
    assert 'data-review="needs_more"' in page and "Needs more" in page and "Thiếu chữ ký" in page
    stored = Evidence.objects().where(Evidence.id == row.id).first().run_sync()
    assert (stored.review, stored.reviewed_by) == ("needs_more", actors.secretariat.id)
    event = TaskEvent.objects().where(TaskEvent.action == evidence.REVIEWED).output(load_json=True).first().run_sync()
    assert event.changes == {"review": ["pending", "needs_more"], "review_comment": ["", "Thiếu chữ ký"],
                             "evidence": ["bao-cao.pdf", "bao-cao.pdf"]}


def test_accepting_evidence_turns_its_badge_to_accepted(web, actors):
    task = one_task(actors)
    [row] = run(add_evidence(task.id, [Upload("bao-cao.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    in_english(actors.secretariat)
    web.login(actors.secretariat)
    response = web.post(f"/evidence/{row.id}/review", {"review": "accepted"})
    assert response.status_code == 303
    page = web.get(f"/tasks/{task.id}").text
    assert 'data-review="accepted"' in page and "Accepted" in page


def test_a_review_without_a_comment_asking_for_more_is_shown_next_to_the_form(web, actors):
    task = one_task(actors)
    [row] = run(add_evidence(task.id, [Upload("a.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    in_english(actors.secretariat)
    web.login(actors.secretariat)
    response = web.post(f"/evidence/{row.id}/review", {"review": "needs_more", "comment": ""}, htmx=True)
    assert response.status_code == 400 and 'data-error="review"' in response.text
    assert "Say what is missing." in response.text
    assert Evidence.objects().first().run_sync().review == "pending"


def test_only_the_secretariat_reviews_evidence(web, actors):
    task = one_task(actors)
    [row] = run(add_evidence(task.id, [Upload("a.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    for who in (actors.steering, actors.focal_b, actors.focal_a, actors.admin):
        web.login(who)
        assert web.post(f"/evidence/{row.id}/review", {"review": "accepted"}, htmx=True).status_code == 403
    assert Evidence.objects().first().run_sync().review == "pending"
    assert count(TaskEvent) == 1


def test_deleted_evidence_cannot_be_reviewed(web, actors):
    task = one_task(actors)
    [row] = run(add_evidence(task.id, [Upload("a.pdf", io.BytesIO(PDF))], {}, actors.focal_a, NOW))
    run(evidence.delete_evidence(row, actors.focal_a, NOW))
    web.login(actors.secretariat)
    assert web.post(f"/evidence/{row.id}/review", {"review": "accepted"}, htmx=True).status_code == 404


def test_the_only_evidence_of_a_done_task_cannot_be_deleted_while_the_plan_requires_it(web, actors):
    from tasks.tables import Task as TaskTable

    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc xong", dt.date(2024, 6, 30), "done",
                                                          dt.date(2024, 6, 1))]})
    task = TaskTable.objects().first().run_sync()
    web.login(actors.focal_a)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    web.post(f"/tasks/{task.id}/evidence", {}, files={"files": ("bao-cao.pdf", pdf, "application/pdf")})
    only = Evidence.objects().first().run_sync()
    response = web.post(f"/evidence/{only.id}/delete", {}, htmx=True)
    assert response.status_code == 400
    assert Evidence.objects().first().run_sync().deleted_at is None


def test_a_review_made_on_a_stale_copy_is_refused(actors):
    from tasks.evidence import review_evidence

    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc", dt.date(2024, 6, 30))]})
    task = Task.objects().first().run_sync()
    Evidence(task=task.id, sha256="0" * 64, size=1, original_name="a.pdf", content_type="application/pdf",
             uploaded_by=actors.focal_a.id).save().run_sync()
    seen_by_both = Evidence.objects().first().run_sync()
    run(review_evidence(seen_by_both, "accepted", "", actors.secretariat, NOW))
    with pytest.raises(EvidenceError):
        run(review_evidence(seen_by_both, "needs_more", "Thiếu chữ ký", actors.secretariat, NOW))
    assert Evidence.objects().first().run_sync().review == "accepted"
