import datetime as dt

from tasks.tables import Task, TaskEvent
from tests.builders import TaskSpec, make_plan


def one_task(actors):
    """A draft plan's task: its unit edits it directly (an issued plan's changes by amendment: tests/amendments)."""
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Rà soát văn bnả", dt.date(2024, 6, 30))]}, status="draft")
    return Task.objects().first().run_sync()


def edit(web, task, **values):
    data = {"number": task.number, "content": task.content, "lead": task.lead, "partners": task.partners,
            "due_text": "Quý II/2024", "output": task.output, "note": task.note, "version": str(task.version)}
    return web.post(f"/tasks/{task.id}", {**data, **values})


def test_the_unit_corrects_a_typo_and_the_history_shows_it(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    assert edit(web, task, content="Rà soát văn bản", due_text="Quý III").status_code == 303
    stored = Task.objects().first().run_sync()
    assert (stored.content, stored.due_date, stored.version) == ("Rà soát văn bản", dt.date(2024, 9, 30), 2)
    page = web.get(f"/tasks/{task.id}").text
    assert "Rà soát văn bnả" in page and "30/09/2024" in page  # old → new, in the history
    assert TaskEvent.count().where(TaskEvent.action == "updated").run_sync() == 1


def test_an_edit_from_a_stale_page_is_refused_and_shows_the_current_values(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    assert edit(web, task, content="Bản sửa thứ nhất").status_code == 303
    response = edit(web, task, content="Bản sửa từ trang cũ")  # still carries version 1
    assert response.status_code == 409 and 'data-error="stale"' in response.text
    assert "Bản sửa thứ nhất" in response.text
    assert Task.objects().first().run_sync().content == "Bản sửa thứ nhất"


def test_a_bad_deadline_is_shown_next_to_the_field_and_nothing_changes(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    response = edit(web, task, due_text="Quý 5")
    assert response.status_code == 400 and 'data-error="due_text"' in response.text
    assert Task.objects().first().run_sync().version == 1


def test_other_units_and_the_steering_committee_cannot_edit(web, actors):
    task = one_task(actors)
    for who in ("focal_b", "steering"):
        web.login(getattr(actors, who))
        assert "Sửa thông tin nhiệm vụ" not in web.get(f"/tasks/{task.id}").text
        assert edit(web, task, content="Không được sửa").status_code == 403
    assert Task.objects().first().run_sync().content == "Rà soát văn bnả"


def test_the_history_fragment_reloads_after_an_evidence_upload(web, actors):
    task = one_task(actors)
    web.login(actors.focal_a)
    assert 'hx-trigger="evidence-changed from:body"' in web.get(f"/tasks/{task.id}").text
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    upload = web.post(f"/tasks/{task.id}/evidence", {"doc_number": "1/BC"}, htmx=True,
                      files={"files": ("bao-cao.pdf", pdf, "application/pdf")})
    assert upload.status_code == 200 and "evidence-changed" in upload.headers["hx-trigger"]
    history = web.get(f"/tasks/{task.id}/history", headers={"hx-request": "true"}).text
    assert 'id="history-section"' in history and "đã tải lên tài liệu kiểm chứng" in history
    assert "bao-cao.pdf" in history


def test_a_review_in_the_history_names_the_file_once(web, actors):
    from tasks.evidence import review_evidence
    from tasks.tables import Evidence
    from tests.builders import NOW, run

    task = one_task(actors)
    Evidence(task=task.id, sha256="0" * 64, size=1, original_name="bien-ban.pdf", content_type="application/pdf",
             uploaded_by=actors.focal_a.id).save().run_sync()
    run(review_evidence(Evidence.objects().first().run_sync(), "accepted", "", actors.secretariat, NOW))
    web.login(actors.focal_a)
    history = web.get(f"/tasks/{task.id}/history", headers={"hx-request": "true"}).text
    assert "đã xem xét tài liệu kiểm chứng" in history and "Đạt" in history
    assert "<del>bien-ban.pdf</del>" not in history and "bien-ban.pdf" in history
