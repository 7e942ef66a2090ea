"""Edges found in review: races, stale documents, htmx errors, leftovers on disk."""

import asyncio
import datetime as dt

import pytest

from app.downloads import XLSX
from app.settings import get_settings
from plans import actions
from plans.spreadsheet import read_plan
from plans.tables import Field, Plan
from tasks.tables import Task
from tests.builders import NOW, TaskSpec, count, make_plan, make_unit, run


def test_two_saves_of_the_same_plan_at_once_give_one_plan_and_a_clear_refusal(actors, shared_data):
    parsed = read_plan(shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx")

    async def both():
        return await asyncio.gather(*(actions.save_parsed_plan(parsed, actors.unit_a, actors.focal_a, NOW)
                                      for _ in range(2)), return_exceptions=True)

    results = run(both())
    assert sum(isinstance(r, Plan) for r in results) == 1
    assert sum(isinstance(r, actions.PlanExists) for r in results) == 1
    assert (count(Plan), count(Task)) == (1, 28)


def test_an_issued_plans_document_is_not_rewritten(web, actors):
    plan = make_plan(actors.unit_a, 2024)
    web.login(actors.focal_a)
    response = web.post(f"/plans/{plan.id}/issue", {"doc_number": "99/KH-GIA", "doc_date": "01/02/2024"})
    assert response.status_code == 409 and "đã được ban hành" in response.text
    assert Plan.objects().first().run_sync().doc_number == "15/KH-STP"


def test_an_expired_session_sends_htmx_requests_to_the_login_page(web, actors):
    make_plan(actors.unit_a, 2024, {"Thể chế": []})
    field = Field.objects().first().run_sync()
    response = web.post(f"/fields/{field.id}/tasks", {"content": "x", "due_text": "Quý II"}, htmx=True,
                        headers={"hx-current-url": "http://testserver.local/plans/1"})
    assert response.headers["hx-redirect"] == "/login?next=/plans/1"
    assert count(Task) == 0


def test_a_refused_htmx_request_shows_its_reason_in_the_message_area(web, actors):
    make_plan(actors.unit_a, 2024, {"Thể chế": []})
    field = Field.objects().first().run_sync()
    web.login(actors.focal_b)
    response = web.post(f"/fields/{field.id}/tasks", {"content": "x", "due_text": "Quý II"}, htmx=True)
    assert response.status_code == 403
    assert response.headers["hx-retarget"] == "#messages"
    assert "Bạn không được thay đổi kế hoạch của đơn vị này" in response.text


def test_a_malformed_address_gets_a_vietnamese_message(web, actors):
    web.login(actors.focal_a)
    response = web.get("/plans?year=abc")
    assert response.status_code == 400 and "không hợp lệ" in response.text
    assert "Validation failed" not in response.text


def test_a_malformed_cookie_from_another_app_does_not_sign_people_out(web, actors):
    web.login(actors.focal_a)
    token = web.client.cookies["parplan_session"]
    response = web.client.get("/plans", headers={"cookie": f'other="a b; parplan_session={token}'},
                              follow_redirects=False)
    assert response.status_code == 200


def test_uploads_with_errors_are_not_kept_on_disk(web, actors, shared_data):
    web.login(actors.focal_a)
    folder = get_settings().var_dir / "imports"
    before = set(folder.glob("*.xlsx"))  # other tests' previews waiting for their confirmation
    content = (shared_data / "ke-hoach-cchc-2024-loi.xlsx").read_bytes()
    response = web.post("/plans/import", {"unit": str(actors.unit_a.id)}, files={"file": ("loi.xlsx", content, XLSX)})
    assert "Lỗi" in response.text or "lỗi" in response.text  # the errors are shown, the file is not kept
    assert set(folder.glob("*.xlsx")) == before


def test_a_task_added_by_hand_continues_the_fields_numbering(web, actors):
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc 2.1", dt.date(2024, 3, 31), number="2.1")]},
              status="draft")  # an issued plan takes new tasks by amendment (tests/amendments)
    field = Field.objects().first().run_sync()
    web.login(actors.focal_a)
    web.post(f"/fields/{field.id}/tasks", {"content": "Việc tiếp theo", "due_text": "Quý II"})
    numbers = [t["number"] for t in Task.select(Task.number).order_by(Task.position).run_sync()]
    assert numbers == ["2.1", "2.2"]


def test_the_plan_list_sorts_vietnamese_names_as_people_read_them(web, actors):
    for code, name in (("XTD", "Xã Tuy Đức"), ("XDM", "Xã Đắk Mil"), ("XAB", "Xã An Bình")):
        make_plan(make_unit(code, name, kind="commune"), 2024, title=f"Kế hoạch {name}")
    web.login(actors.steering)
    page = web.get("/plans").text
    assert page.index("Xã An Bình") < page.index("Xã Đắk Mil") < page.index("Xã Tuy Đức")


@pytest.mark.parametrize("status", ["done_wrongly"])
def test_an_unknown_status_never_reaches_the_database(actors, status):
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc", dt.date(2024, 6, 30))]})
    task = Task.objects().first().run_sync()
    from tasks.actions import change_task

    with pytest.raises(ValueError):
        run(change_task(task, {"status": status}, actors.focal_a, NOW))
    assert Task.objects().first().run_sync().status == "not_started"
