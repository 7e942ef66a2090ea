"""The focal point's inline updates: status, progress and note; done with a date and evidence."""

import datetime as dt
import re

from app import clock
from plans.tables import Plan
from tasks.tables import Evidence, Task, TaskEvent
from tests.builders import TaskSpec, make_plan

D = dt.date


def plan_with_two_tasks(actors, evidence_required=True):
    plan = make_plan(actors.unit_a, clock.today().year, {"Thể chế": [
        TaskSpec("Việc một", D(clock.today().year, 12, 31), "in_progress"),
        TaskSpec("Việc hai", D(clock.today().year, 12, 31), "done", clock.today()),
    ]})
    Plan.update({Plan.evidence_required: evidence_required}).where(Plan.id == plan.id).run_sync()
    return plan, Task.objects().order_by(Task.id).first().run_sync()


def attach_evidence(task, actors):
    Evidence(task=task.id, sha256="0" * 64, size=10, original_name="bao-cao.pdf", content_type="application/pdf",
             uploaded_by=actors.focal_a.id).save().run_sync()


def post_progress(web, task, **values):
    data = {"status": "in_progress", "progress": "50", "note": "", "completed_on": "", "version": str(task.version)}
    return web.post(f"/tasks/{task.id}/progress", {**data, **values}, htmx=True)


def test_a_progress_update_swaps_the_row_and_records_the_change(web, actors):
    plan, task = plan_with_two_tasks(actors)
    web.login(actors.focal_a)
    response = post_progress(web, task, progress="70", note="Đã trình lãnh đạo")
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr data-task id="task-{task.id}"')
    assert "70%" in response.text and "Đã trình lãnh đạo" in response.text
    stored = Task.objects().where(Task.id == task.id).first().run_sync()
    assert (stored.progress, stored.note, stored.version) == (70, "Đã trình lãnh đạo", 2)
    assert TaskEvent.count().where(TaskEvent.task == task.id).run_sync() == 1


def test_marking_done_updates_the_row_and_both_ratios_out_of_band(web, actors):
    plan, task = plan_with_two_tasks(actors)
    attach_evidence(task, actors)
    web.login(actors.focal_a)
    response = post_progress(web, task, status="done", completed_on=clock.today().isoformat())
    assert response.status_code == 200
    assert re.search(r'id="plan-ratio" hx-swap-oob="true"', response.text)
    assert "2/2 (100,00%)" in response.text
    assert 'id="field-ratio-' in response.text
    stored = Task.objects().where(Task.id == task.id).first().run_sync()
    assert (stored.status, stored.progress, stored.completed_on) == ("done", 100, clock.today())


def test_done_without_evidence_is_refused_when_the_plan_requires_it(web, actors):
    plan, task = plan_with_two_tasks(actors)
    web.login(actors.focal_a)
    response = post_progress(web, task, status="done", completed_on=clock.today().isoformat())
    assert response.status_code == 400 and 'data-error="status"' in response.text
    assert Task.objects().where(Task.id == task.id).first().run_sync().status == "in_progress"


def test_done_without_evidence_is_fine_when_the_plan_does_not_require_it(web, actors):
    plan, task = plan_with_two_tasks(actors, evidence_required=False)
    web.login(actors.focal_a)
    assert post_progress(web, task, status="done", completed_on=clock.today().isoformat()).status_code == 200
    assert Task.objects().where(Task.id == task.id).first().run_sync().status == "done"


def test_a_completion_date_in_the_future_is_refused(web, actors):
    plan, task = plan_with_two_tasks(actors, evidence_required=False)
    web.login(actors.focal_a)
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    response = post_progress(web, task, status="done", completed_on=tomorrow)
    assert response.status_code == 400 and 'data-error="completed_on"' in response.text
    assert Task.objects().where(Task.id == task.id).first().run_sync().status == "in_progress"


def test_an_update_from_a_stale_row_is_refused_with_the_current_values(web, actors):
    plan, task = plan_with_two_tasks(actors)
    web.login(actors.focal_a)
    assert post_progress(web, task, progress="30", note="Bản mới").status_code == 200
    response = post_progress(web, task, progress="90")  # still version 1
    assert response.status_code == 409 and 'data-error="stale"' in response.text
    assert 'value="Bản mới"' in response.text and 'value="30"' in response.text
    assert Task.objects().where(Task.id == task.id).first().run_sync().progress == 30


def test_another_unit_and_the_steering_committee_get_no_edit_controls_and_403(web, actors):
    plan, task = plan_with_two_tasks(actors)
    for who in ("focal_b", "steering"):
        web.login(getattr(actors, who))
        page = web.get(f"/plans/{plan.id}").text
        assert "/edit-row" not in page
        assert web.get(f"/tasks/{task.id}/edit-row").status_code == 403
        assert post_progress(web, task, progress="99").status_code == 403
    assert Task.objects().where(Task.id == task.id).first().run_sync().progress == 0


def test_my_tasks_lists_overdue_first_then_by_deadline(web, actors):
    year = clock.today().year
    past = clock.today() - dt.timedelta(days=10)
    make_plan(actors.unit_a, year, {"Thể chế": [
        TaskSpec("Sắp tới hạn", clock.today() + dt.timedelta(days=3), "in_progress"),
        TaskSpec("Xa hạn", D(year, 12, 31), "not_started"),
        TaskSpec("Đã quá hạn", past, "in_progress"),
        TaskSpec("Đã xong", past, "done", past),
    ]})
    web.login(actors.focal_a)
    page = web.get("/my/tasks").text
    order = [page.index(name) for name in ("Đã quá hạn", "Sắp tới hạn", "Xa hạn")]
    assert order == sorted(order)
    assert "Đã xong" not in page


def test_the_steering_committee_has_no_task_list_of_its_own(web, actors):
    web.login(actors.steering)
    assert web.get("/my/tasks", follow_redirects=False).headers["location"] == "/plans"


def test_the_evidence_rule_is_set_by_the_secretariat_not_by_the_unit_it_binds(web, actors):
    plan, _task = plan_with_two_tasks(actors)
    for who in ("focal_a", "head_a", "focal_b", "steering"):
        web.login(getattr(actors, who))
        assert "/settings" not in web.get(f"/plans/{plan.id}").text
        assert web.post(f"/plans/{plan.id}/settings", {}).status_code == 403
    assert Plan.objects().first().run_sync().evidence_required is True
    web.login(actors.secretariat)
    assert web.post(f"/plans/{plan.id}/settings", {}).status_code == 303
    assert Plan.objects().first().run_sync().evidence_required is False


def test_a_unit_cannot_cancel_its_own_task_to_lift_its_ratio(web, actors):
    plan, task = plan_with_two_tasks(actors)
    web.login(actors.focal_a)
    response = post_progress(web, task, status="cancelled")
    assert response.status_code == 400 and 'data-error="status"' in response.text
    assert Task.objects().where(Task.id == task.id).first().run_sync().status == "in_progress"


def test_the_typed_completion_date_stays_when_the_form_comes_back(web, actors):
    plan, task = plan_with_two_tasks(actors)
    web.login(actors.focal_a)
    response = post_progress(web, task, status="done", completed_on="2000-01-05")  # refused: no evidence
    assert response.status_code == 400 and 'value="2000-01-05"' in response.text


def test_a_completion_date_typed_as_dd_mm_yyyy_is_read(web, actors):
    plan, task = plan_with_two_tasks(actors, evidence_required=False)
    web.login(actors.focal_a)
    day = clock.today() - dt.timedelta(days=2)
    assert post_progress(web, task, status="done", completed_on=day.strftime("%d/%m/%Y")).status_code == 200
    assert Task.objects().where(Task.id == task.id).first().run_sync().completed_on == day
