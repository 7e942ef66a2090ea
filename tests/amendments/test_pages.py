"""The amendment pages: drafting with rows of changes, the document page and its life, the signed file, the
setting that lets a focal point submit, and what the plan's pages show of approved amendments."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from amendments import actions
from amendments.tables import Amendment, AmendmentChange, AmendmentEvent, AmendmentSettings
from app.tables import AuditEvent
from plans.tables import Field
from tasks.tables import Task
from tests.builders import NOW, PDF, TaskSpec, amend, count, make_plan, run


@pytest.fixture
def plan(actors):
    """Unit A's issued 2024 plan: tasks 1 and 2 open, 3 done."""
    plan = make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [
        TaskSpec("Rà soát văn bản quy phạm pháp luật", dt.date(2024, 10, 31)),
        TaskSpec("Tập huấn nghiệp vụ", dt.date(2024, 9, 30)),
        TaskSpec("Báo cáo quý", dt.date(2024, 3, 31), "done", dt.date(2024, 3, 20))]})
    plan.field = Field.objects().where(Field.plan == plan.id).first().run_sync()
    plan.tasks = Task.objects().where(Task.field == plan.field.id).order_by(Task.position).run_sync()
    return plan


def drafted(plan, changes: list[dict], actor):
    """A draft, as the focal point leaves it (tests.builders.amend submits too)."""
    values = {"number": "25/KH-STP", "date": dt.date(2024, 7, 1), "reason": "Điều chỉnh"}
    return run(actions.create_amendment(plan.id, values, changes, actor, NOW))


def as_user(web, user):
    web.client.cookies.clear()
    web.login(user)
    return web


def document(**extra) -> dict:
    return {"number": "25/KH-STP", "date": "01/07/2024", "reason": "Thay đổi nhiệm vụ theo chỉ đạo của UBND tỉnh",
            "issuer": "Sở Tư pháp", **extra}


def rows(*changes: dict) -> dict:
    """Form fields for these changes, as the page names them (row=<key>, c-<key>-<name>)."""
    data: dict = {"row": [str(k) for k in range(len(changes))]}
    for key, change in enumerate(changes):
        data.update({f"c-{key}-{name}": str(value) for name, value in change.items()})
    return data


def errors_of(page: str) -> dict[str, str]:
    return {m[0]: html.unescape(m[1]) for m in re.findall(r'data-error="([^"]+)">([^<]*)<', page)}


def draft(web, plan, *changes, **doc):
    return web.post(f"/plans/{plan.id}/amendments", {**document(**doc), **rows(*changes)})


def the_amendment() -> Amendment:
    return Amendment.objects().first().run_sync()


def act(web, amendment_id: int, name: str, **data):
    version = Amendment.select(Amendment.version).where(Amendment.id == amendment_id).first().run_sync()["version"]
    return web.post(f"/amendments/{amendment_id}/{name}", {"version": str(version), **data})


def test_the_focal_point_drafts_an_amendment_and_no_task_changes(web, actors, plan):
    as_user(web, actors.focal_a)
    page = web.get(f"/plans/{plan.id}/amendments/new")
    assert page.status_code == 200 and "Lập văn bản điều chỉnh" in page.text
    assert plan.tasks[2].content not in page.text.split('name="c-0-task"')[1].split("</select>")[0]  # done: not offered
    t1, t2 = plan.tasks[:2]
    response = draft(web, plan, {"action": "cancel", "task": t1.id, "reason": "Đã giao Sở Nội vụ"},
                     {"action": "redate", "task": t2.id, "due_text": "Tháng 12/2024"})
    assert response.status_code == 303
    amendment = the_amendment()
    assert response.headers["location"] == f"/amendments/{amendment.id}"
    assert (amendment.status, amendment.number, amendment.date) == ("draft", "25/KH-STP", dt.date(2024, 7, 1))
    changes = AmendmentChange.select().order_by(AmendmentChange.position).output(load_json=True).run_sync()
    assert [(c["action"], c["task"]) for c in changes] == [("cancel", t1.id), ("redate", t2.id)]
    assert changes[1]["values"]["due"] == "2024-12-31"  # read from the text
    assert Task.objects().where(Task.id == t1.id).first().run_sync().status == "not_started"
    page = web.get(f"/amendments/{amendment.id}").text
    assert "Dự thảo" in page and "Chưa có bản ký" in page
    assert "Hủy nhiệm vụ I.1" in page and "Tháng 12/2024 (31/12/2024)" in page and "30/09/2024" in page


def test_bad_input_is_said_beside_each_field_and_row_and_nothing_is_saved(web, actors, plan):
    as_user(web, actors.focal_a)
    response = draft(web, plan, {"action": "cancel", "task": ""}, {"action": "redate", "task": plan.tasks[1].id,
                                                                   "due": "31/13/2024"},
                     number="", date="1/7/24x", reason="")
    assert response.status_code == 400
    errors = errors_of(response.text)
    assert {"number", "date", "reason", "changes.0.task", "changes.1.due"} <= set(errors)
    assert "dd/mm/yyyy" in errors["changes.1.due"]
    assert 'value="1/7/24x"' in response.text  # what was typed stays
    # The rules' own refusals come back by row too: a deadline outside the plan's years, a task done.
    response = draft(web, plan, {"action": "redate", "task": plan.tasks[1].id, "due_text": "Tháng 6/2026"},
                     {"action": "cancel", "task": plan.tasks[2].id})
    errors = errors_of(response.text)
    assert response.status_code == 400 and "2024" in errors["changes.0.due_text"] and "changes.1.task" in errors
    response = web.post(f"/plans/{plan.id}/amendments", document())
    assert response.status_code == 400 and "changes" in errors_of(response.text)
    assert count(Amendment) == 0 and count(AmendmentChange) == 0


def test_rows_are_added_and_removed_without_script_and_nothing_is_saved(web, actors, plan):
    as_user(web, actors.focal_a)
    typed = {**document(number="26/KH-STP"), **rows({"action": "cancel", "task": plan.tasks[0].id})}
    page = web.post(f"/plans/{plan.id}/amendments", {**typed, "add": "add"})
    assert page.status_code == 200 and count(Amendment) == 0
    assert page.text.count('<fieldset class="change"') == 2 and 'name="c-1-field"' in page.text
    assert 'value="26/KH-STP"' in page.text
    page = web.post(f"/plans/{plan.id}/amendments", {**typed, "remove": "0"})
    assert page.status_code == 200 and page.text.count('<fieldset class="change"') == 0 and count(Amendment) == 0


def test_the_row_fragment_adds_a_row_and_fills_an_edit_with_the_tasks_wording(web, actors, plan):
    as_user(web, actors.focal_a)
    fragment = web.get(f"/plans/{plan.id}/amendments/_change", params={"action": "add", "row": ["0", "3"]},
                       headers={"hx-request": "true"})
    assert fragment.status_code == 200 and 'id="change-4"' in fragment.text and "<legend>3." in fragment.text
    task = plan.tasks[0]
    fragment = web.get(f"/plans/{plan.id}/amendments/_change", params={
        "action": "edit", "key": "0", "index": "0", "c-0-task": str(task.id)}, headers={"hx-request": "true"})
    assert f">{task.content}</textarea>" in fragment.text and f'name="c-0-for" value="{task.id}"' in fragment.text
    assert web.get(f"/plans/{plan.id}/amendments/_change", params={"action": "carry"}).status_code == 404


def test_an_edit_sends_only_what_changed(web, actors, plan):
    as_user(web, actors.focal_a)
    task = plan.tasks[0]
    response = draft(web, plan, {"action": "edit", "task": task.id, "for": task.id, "content": task.content,
                                 "lead": "Phòng Xây dựng và kiểm tra văn bản", "partners": "", "output": ""})
    assert response.status_code == 303
    change = AmendmentChange.select().output(load_json=True).first().run_sync()
    assert change["values"] == {"lead": "Phòng Xây dựng và kiểm tra văn bản"}
    response = draft(web, plan, {"action": "edit", "task": task.id, "for": task.id, "content": task.content})
    assert response.status_code == 400 and "changes.0" in errors_of(response.text)


def test_the_life_of_an_amendment_on_its_page(web, actors, plan):
    """Drafted by the focal point, submitted by the head, returned with a comment the head sees, submitted
    again, approved: the task is cancelled from the amendment's date, and the history tells it all."""
    task = plan.tasks[0]
    as_user(web, actors.focal_a)
    draft(web, plan, {"action": "cancel", "task": task.id})
    a = the_amendment()
    assert act(web, a.id, "submit").status_code == 403  # the head submits, unless the secretariat allows it
    as_user(web, actors.head_a)
    page = web.get(f"/amendments/{a.id}").text
    assert "Trình phê duyệt" in page and f"/amendments/{a.id}/approve" not in page
    assert act(web, a.id, "submit").status_code == 303
    as_user(web, actors.secretariat)
    response = act(web, a.id, "return", comment="")
    assert response.status_code == 400 and "comment" in errors_of(response.text)
    assert act(web, a.id, "return", comment="Bổ sung bản ký và lý do cụ thể").status_code == 303
    as_user(web, actors.head_a)
    page = web.get(f"/amendments/{a.id}").text
    assert "data-returned-comment" in page and "Bổ sung bản ký và lý do cụ thể" in page and "Trả lại" in page
    assert act(web, a.id, "submit").status_code == 303
    as_user(web, actors.secretariat)
    assert act(web, a.id, "approve").status_code == 303
    cancelled = Task.objects().where(Task.id == task.id).first().run_sync()
    assert (cancelled.status, cancelled.cancelled_on) == ("cancelled", dt.date(2024, 7, 1))
    page = web.get(f"/amendments/{a.id}").text
    assert "Đã phê duyệt" in page and "Phê duyệt: áp dụng" not in page and "Rút lại" not in page
    events = [e["action"] for e in AmendmentEvent.select().order_by(AmendmentEvent.id).run_sync()]
    assert events == ["created", "submitted", "returned", "submitted", "approved"]
    assert all(f'data-event="{e}"' in page for e in events)


def test_a_stale_act_is_refused_with_409_and_changes_nothing(web, actors, plan):
    amendment = amend(plan.id, [{"action": "cancel", "task": plan.tasks[0].id}], actors.head_a, approve=False)
    as_user(web, actors.secretariat)
    seen = str(Amendment.select(Amendment.version).first().run_sync()["version"])
    assert act(web, amendment.id, "return", comment="Xem lại").status_code == 303
    response = web.post(f"/amendments/{amendment.id}/approve", {"version": seen})
    assert response.status_code == 409 and "Có người vừa thao tác" in response.text
    assert the_amendment().status == "returned"
    assert Task.objects().where(Task.id == plan.tasks[0].id).first().run_sync().status == "not_started"


def test_the_edit_page_shows_the_draft_and_saves_the_new_list(web, actors, plan):
    t1, t2 = plan.tasks[:2]
    amendment = amend(plan.id, [{"action": "redate", "task": t2.id, "due_text": "Tháng 11/2024"}], actors.focal_a,
                      approve=False)
    as_user(web, actors.secretariat)
    act(web, amendment.id, "return", comment="Thêm nội dung hủy nhiệm vụ 1")
    as_user(web, actors.focal_a)
    page = web.get(f"/amendments/{amendment.id}/edit").text
    assert 'value="Tháng 11/2024"' in page and 'value="25/KH-STP"' in page
    version = str(the_amendment().version)
    data = {**document(), "version": version, **rows({"action": "redate", "task": t2.id, "due_text": "Tháng 11/2024"},
                                                     {"action": "cancel", "task": t1.id})}
    assert web.post(f"/amendments/{amendment.id}/edit", data).status_code == 303
    assert count(AmendmentChange) == 2
    response = web.post(f"/amendments/{amendment.id}/edit", data)  # the version it was opened at is gone
    assert response.status_code == 409 and count(AmendmentChange) == 2


def test_the_signed_document_is_uploaded_and_downloaded(web, actors, plan):
    amendment = amend(plan.id, [{"action": "cancel", "task": plan.tasks[0].id}], actors.focal_a, approve=False)
    as_user(web, actors.focal_a)
    bad = web.post(f"/amendments/{amendment.id}/file", files={"files": ("quyet-dinh.pdf", b"not a pdf", "text/plain")})
    assert bad.status_code == 400 and "file" in errors_of(bad.text) and the_amendment().file_sha256 == ""
    response = web.post(f"/amendments/{amendment.id}/file", files={"files": ("25-KH-STP.pdf", PDF, "application/pdf")})
    assert response.status_code == 303
    page = web.get(f"/amendments/{amendment.id}").text
    assert "25-KH-STP.pdf" in page and "data-missing-file" not in page
    download = web.get(f"/amendments/{amendment.id}/file")
    assert download.status_code == 200 and download.content == PDF


def test_the_secretariat_lets_focal_points_submit_and_it_is_audited(web, actors, plan):
    amendment = drafted(plan, [{"action": "cancel", "task": plan.tasks[0].id}], actors.focal_a)
    as_user(web, actors.focal_a)
    assert "focal_may_submit" not in web.get(f"/plans/{plan.id}/amendments").text
    assert web.post(f"/plans/{plan.id}/amendments/settings", {"focal_may_submit": "on"}).status_code == 403
    as_user(web, actors.secretariat)
    assert web.post(f"/plans/{plan.id}/amendments/settings", {"focal_may_submit": "on"}).status_code == 303
    assert AmendmentSettings.select().first().run_sync()["focal_may_submit"] is True
    assert AuditEvent.count().where(AuditEvent.action == "amendment_settings").run_sync() == 1
    as_user(web, actors.focal_a)
    assert act(web, amendment.id, "submit").status_code == 303 and the_amendment().status == "submitted"


def test_other_units_and_readers(web, actors, plan):
    amendment = amend(plan.id, [{"action": "cancel", "task": plan.tasks[0].id}], actors.focal_a, approve=False)
    as_user(web, actors.focal_b)
    assert web.get(f"/plans/{plan.id}/amendments/new").status_code == 403
    assert web.get(f"/amendments/{amendment.id}").status_code == 403  # a draft is the unit's working paper
    assert "Lập văn bản điều chỉnh" not in web.get(f"/plans/{plan.id}/amendments").text
    as_user(web, actors.steering)
    page = web.get(f"/amendments/{amendment.id}")
    assert page.status_code == 200 and "/withdraw" not in page.text and "/edit" not in page.text


def test_the_plan_page_lists_the_amendments_and_marks_the_changed_tasks(web, actors, plan):
    t1, t2 = plan.tasks[:2]
    amend(plan.id, [{"action": "cancel", "task": t1.id},
                    {"action": "redate", "task": t2.id, "due_text": "Tháng 12/2024"},
                    {"action": "add", "field": plan.field.id, "content": "Số hóa hồ sơ", "lead": "Văn phòng",
                     "output": "Kho dữ liệu", "due_text": "Quý IV/2024"}], actors.head_a, day=dt.date(2024, 7, 1))
    amend(plan.id, [{"action": "cancel", "task": t2.id}], actors.head_a, approve=False, number="30/KH-STP")
    added = Task.objects().where(Task.content == "Số hóa hồ sơ").first().run_sync()
    as_user(web, actors.steering)
    page = web.get(f"/plans/{plan.id}").text
    assert f'hx-get="/plans/{plan.id}/amendments/_summary"' in page and f'id="task-marks-{t1.id}"' in page
    summary = web.get(f"/plans/{plan.id}/amendments/_summary", headers={"hx-request": "true"}).text
    assert "Điều chỉnh kế hoạch (2)" in summary and "30/KH-STP" in summary
    marks = dict(re.findall(r'id="task-marks-(\d+)" hx-swap-oob="true">(.*?)</span>', summary, re.S))
    assert set(marks) == {str(t1.id), str(t2.id), str(added.id)}  # not the one still waiting
    assert "Hủy theo 25/KH-STP ngày 01/07/2024" in marks[str(t1.id)]
    assert "Điều chỉnh theo 25/KH-STP ngày 01/07/2024" in marks[str(t2.id)]
    assert "Bổ sung theo 25/KH-STP" in marks[str(added.id)]
    issued = web.get(f"/plans/{plan.id}/as-issued").text
    assert "Số hóa hồ sơ" not in issued and "30/09/2024" in issued and "Tháng 12/2024" not in issued
    amended = web.get(f"/plans/{plan.id}/as-issued?amended=1").text
    assert "Số hóa hồ sơ" in amended and "Tháng 12/2024" in amended
    assert re.search(rf'data-task="{t1.id}" class="cancelled-task', amended)


def test_a_missing_signed_copy_is_added_after_approval_but_never_replaced(web, actors, plan):
    amendment = amend(plan.id, [{"action": "cancel", "task": plan.tasks[0].id}], actors.secretariat)
    as_user(web, actors.focal_a)
    assert 'action="/amendments/%d/file"' % amendment.id in web.get(f"/amendments/{amendment.id}").text
    response = web.post(f"/amendments/{amendment.id}/file", files={"files": ("25-KH-STP.pdf", PDF, "application/pdf")})
    assert response.status_code == 303 and the_amendment().file_name == "25-KH-STP.pdf"
    page = web.get(f"/amendments/{amendment.id}").text
    assert 'action="/amendments/%d/file"' % amendment.id not in page and "data-missing-file" not in page
    again = web.post(f"/amendments/{amendment.id}/file", files={"files": ("khac.pdf", PDF, "application/pdf")})
    assert again.status_code == 409 and the_amendment().file_name == "25-KH-STP.pdf"


def test_a_closed_years_plan_offers_no_amendment(web, actors, plan):
    from years.actions import close_year

    as_user(web, actors.focal_a)
    offer = f'href="/plans/{plan.id}/amendments/new"'
    assert offer in web.get(f"/plans/{plan.id}/amendments").text
    assert offer in web.get(f"/plans/{plan.id}/amendments/_summary").text
    run(close_year(plan.year, dt.date(plan.year + 1, 1, 15), "", actors.secretariat, NOW.replace(year=plan.year + 1)))
    assert offer not in web.get(f"/plans/{plan.id}/amendments").text
    assert offer not in web.get(f"/plans/{plan.id}/amendments/_summary").text
