import datetime as dt

from plans.tables import Field, Plan
from tasks.tables import Task, TaskEvent
from tests.builders import TaskSpec, count, make_plan

D = dt.date


def stp_like_plan(unit):
    """28 tasks in 7 fields, 26 done — the shape of Sở Tư pháp's 2024 plan."""
    fields = {}
    for f in range(7):
        specs = [TaskSpec(f"Nhiệm vụ {f + 1}.{i + 1}", D(2024, 6, 30), "done", D(2024, 6, 1)) for i in range(4)]
        fields[f"Lĩnh vực {f + 1}"] = specs
    fields["Lĩnh vực 7"][2] = TaskSpec("Dịch vụ công trực tuyến", D(2024, 12, 31), "in_progress")
    fields["Lĩnh vực 5"][2] = TaskSpec("Kiểm tra kỷ luật", D(2024, 12, 31), "in_progress")
    return make_plan(unit, 2024, fields)


def test_the_plan_page_shows_fields_tasks_and_the_completion_ratio(web, actors):
    plan = stp_like_plan(actors.unit_a)
    web.login(actors.focal_a)
    page = web.get(f"/plans/{plan.id}")
    assert page.status_code == 200
    assert page.text.count("data-task ") == 28
    assert page.text.count("data-field") == 7
    assert "26/28 (92,86%)" in page.text
    assert "7 lĩnh vực, 28 nhiệm vụ" in page.text


def test_the_plan_list_shows_the_units_own_plans_with_their_ratio(web, actors):
    stp_like_plan(actors.unit_a)
    make_plan(actors.unit_b, 2024, {"Lĩnh vực": [TaskSpec("Việc của B", D(2024, 3, 31))]}, title="Kế hoạch của B")
    web.login(actors.focal_a)
    page = web.get("/plans").text
    assert "26/28 (92,86%)" in page
    assert "Kế hoạch của B" not in page
    assert "Kế hoạch của B" in web.get("/plans?all=true").text


def test_the_plan_lists_year_filter_takes_all_years_and_refuses_a_year_out_of_range(web, actors):
    stp_like_plan(actors.unit_a)
    web.login(actors.focal_a)
    assert "26/28 (92,86%)" in web.get("/plans?year=&q=").text  # "All years" sends an empty year
    assert "26/28 (92,86%)" in web.get("/plans?year=2024").text
    assert "26/28 (92,86%)" not in web.get("/plans?year=2025").text
    assert web.get("/plans?year=0").status_code == 400


def test_steering_sees_every_units_plan_but_no_edit_controls(web, actors):
    plan = stp_like_plan(actors.unit_a)
    make_plan(actors.unit_b, 2024, {"Lĩnh vực": [TaskSpec("Việc của B", D(2024, 3, 31))]}, title="Kế hoạch của B")
    web.login(actors.steering)
    assert "Kế hoạch của B" in web.get("/plans").text
    page = web.get(f"/plans/{plan.id}").text
    assert "Thêm nhiệm vụ" not in page and "Thêm lĩnh vực" not in page


def test_a_focal_point_creates_a_plan_by_hand_then_adds_a_field_and_a_task(web, actors):
    web.login(actors.focal_a)
    response = web.post("/plans", {"unit": actors.unit_a.id, "year": "2025", "title": "Kế hoạch CCHC năm 2025",
                                   "doc_number": "9/KH-STP", "doc_date": "20/01/2025"})
    assert response.status_code == 303
    plan = Plan.objects().first().run_sync()
    assert (plan.year, plan.doc_number, plan.doc_date, plan.status) == (2025, "9/KH-STP", D(2025, 1, 20), "draft")
    fragment = web.post(f"/plans/{plan.id}/fields", {"name": "Cải cách thủ tục hành chính"}, htmx=True)
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith("<div id=\"plan-body\">")
    field = Field.objects().first().run_sync()
    assert field.component == 3  # guessed from the heading
    fragment = web.post(f"/fields/{field.id}/tasks", {"content": "Rà soát TTHC", "lead": "Văn phòng",
                                                       "due_text": "Quý II"}, htmx=True)
    assert "Rà soát TTHC" in fragment.text and "0/1 (0,00%)" in fragment.text
    task = Task.objects().first().run_sync()
    assert (task.number, task.due_date, task.due_text) == ("1", D(2025, 6, 30), "Quý II")
    assert TaskEvent.count().where(TaskEvent.task == task.id).run_sync() == 1


def test_an_unreadable_deadline_is_shown_next_to_the_field_and_saves_nothing(web, actors):
    plan = make_plan(actors.unit_a, 2024, {"Thể chế": []})
    field = Field.objects().first().run_sync()
    web.login(actors.focal_a)
    fragment = web.post(f"/fields/{field.id}/tasks", {"content": "Việc mới", "due_text": "Theo chỉ đạo"}, htmx=True)
    assert 'data-error="due_text"' in fragment.text
    assert "Không đọc được thời hạn" in fragment.text
    assert "Việc mới" in fragment.text  # what was typed is kept
    assert count(Task) == 0
    assert plan.id


def test_the_plan_form_reports_each_bad_field_and_saves_nothing(web, actors):
    web.login(actors.focal_a)
    response = web.post("/plans", {"unit": actors.unit_a.id, "year": "20x5", "title": "", "doc_date": "31/02/2025"})
    assert response.status_code == 400
    for name in ("year", "title", "doc_date"):
        assert f'data-error="{name}"' in response.text
    assert count(Plan) == 0


def test_a_second_plan_for_the_same_year_is_refused(web, actors):
    make_plan(actors.unit_a, 2024)
    web.login(actors.focal_a)
    response = web.post("/plans", {"unit": actors.unit_a.id, "year": "2024", "title": "Lần hai"})
    assert response.status_code == 400 and "đã có kế hoạch năm 2024" in response.text
    assert count(Plan) == 1


def test_a_task_page_shows_its_history(web, actors):
    plan = make_plan(actors.unit_a, 2024, {"Thể chế": []}, status="draft")
    field = Field.objects().first().run_sync()
    web.login(actors.focal_a)
    web.post(f"/fields/{field.id}/tasks", {"content": "Việc có lịch sử", "due_text": "Tháng 6/2024"})
    task = Task.objects().first().run_sync()
    page = web.get(f"/tasks/{task.id}").text
    assert "Việc có lịch sử" in page and "30/06/2024" in page
    assert "Đầu mối A" in page and "đã tạo nhiệm vụ" in page
    assert plan.id


def test_a_draft_plan_is_issued_with_its_document_number_and_date(web, actors):
    web.login(actors.focal_a)
    web.post("/plans", {"unit": actors.unit_a.id, "year": "2025", "title": "Kế hoạch CCHC năm 2025"})
    plan = Plan.objects().first().run_sync()
    assert "Ghi nhận văn bản ban hành" in web.get(f"/plans/{plan.id}").text
    refused = web.post(f"/plans/{plan.id}/issue", {"doc_number": "", "doc_date": "32/01/2025"})
    assert refused.status_code == 400
    assert 'data-error="doc_number"' in refused.text and 'data-error="doc_date"' in refused.text
    assert Plan.objects().first().run_sync().status == "draft"
    assert web.post(f"/plans/{plan.id}/issue", {"doc_number": "12/KH-STP", "doc_date": "25/01/2025"}).status_code == 303
    plan = Plan.objects().first().run_sync()
    assert (plan.status, plan.doc_number, plan.doc_date) == ("issued", "12/KH-STP", D(2025, 1, 25))


def test_another_units_focal_point_cannot_issue_the_plan(web, actors):
    plan = make_plan(actors.unit_a, 2025)
    Plan.update({Plan.status: "draft"}).where(Plan.id == plan.id).run_sync()
    web.login(actors.focal_b)
    assert web.post(f"/plans/{plan.id}/issue", {"doc_number": "1/KH", "doc_date": "25/01/2025"}).status_code == 403
    assert Plan.objects().first().run_sync().status == "draft"


def test_search_finds_units_with_or_without_diacritics(web, actors):
    make_plan(actors.unit_a, 2024, title="Kế hoạch của Sở Tư pháp")
    make_plan(actors.unit_b, 2024, title="Kế hoạch của Sở Công Thương")
    web.login(actors.steering)
    for query in ("tu phap", "Tư pháp", "TU PHAP"):
        page = web.get("/plans", params={"q": query}).text
        assert "Kế hoạch của Sở Tư pháp" in page and "Kế hoạch của Sở Công Thương" not in page
    assert "Chưa có kế hoạch nào" in web.get("/plans", params={"q": "không có"}).text
