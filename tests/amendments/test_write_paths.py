"""Every page that could change an issued plan's tasks refuses and says how to amend; the secretariat's spelling
correction is the one exception, recorded in the task's history and the audit log."""

from __future__ import annotations

import datetime as dt

import pytest

from app.tables import AuditEvent, User
from plans.tables import Field, Plan, YearClose
from tasks.tables import Task, TaskEvent
from tests.builders import NOW, TaskSpec, count, make_plan

AMEND = "change only through an amendment"


@pytest.fixture
def world(actors):
    User.update({User.language: "en"}, force=True).run_sync()
    actors.plan = make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [TaskSpec("Rà soát văn bản",
                                                                                dt.date(2024, 10, 31))]})
    actors.field = Field.objects().where(Field.plan == actors.plan.id).first().run_sync()
    actors.task = Task.objects().first().run_sync()
    return actors


def form(task: Task, **changes) -> dict[str, str]:
    return {"number": task.number, "content": task.content, "lead": task.lead, "partners": task.partners,
            "output": task.output, "note": task.note, "due_text": "Tháng 10/2024", "version": str(task.version),
            **changes}


def test_the_task_form_of_an_issued_plan_refuses_and_links_to_amendments(web, world):
    w = world
    web.login(w.focal_a)
    page = web.get(f"/tasks/{w.task.id}")
    assert "data-amendment-required" in page.text and f"/plans/{w.plan.id}/amendments" in page.text
    assert f'action="/tasks/{w.task.id}" class="task-form"' not in page.text  # no edit form for the unit
    response = web.post(f"/tasks/{w.task.id}", form(w.task, due_text="Tháng 12/2024"))
    assert response.status_code == 409 and "amendment" in response.text and 'data-error="refused"' in response.text
    assert Task.objects().first().run_sync().due_date == dt.date(2024, 10, 31)


def test_the_secretariat_corrects_the_wording_only(web, world):
    w = world
    web.login(w.secretariat)
    assert f'action="/tasks/{w.task.id}" class="task-form"' in web.get(f"/tasks/{w.task.id}").text
    response = web.post(f"/tasks/{w.task.id}", form(w.task, content="Rà soát văn bản QPPL", due_text="Tháng 12/2024"))
    assert response.status_code == 303, response.text
    task = Task.objects().first().run_sync()
    assert task.content == "Rà soát văn bản QPPL" and task.due_date == dt.date(2024, 10, 31)  # the deadline stays
    event = TaskEvent.select(TaskEvent.changes).where(TaskEvent.action == "correction").output(
        load_json=True).first().run_sync()
    assert event["changes"] == {"content": ["Rà soát văn bản", "Rà soát văn bản QPPL"]}
    assert AuditEvent.exists().where(AuditEvent.action == "task_corrected").run_sync()
    assert "corrected the wording" in web.get(f"/tasks/{w.task.id}").text


def test_adding_a_field_or_a_task_to_an_issued_plan_is_refused(web, world):
    w = world
    web.login(w.focal_a)
    tasks, fields = count(Task), count(Field)
    response = web.post(f"/fields/{w.field.id}/tasks", {"content": "Việc mới", "due_text": "Quý IV/2024"})
    assert response.status_code == 409 and AMEND in response.text.replace("\n", " ")
    response = web.post(f"/plans/{w.plan.id}/fields", {"name": "Lĩnh vực mới", "component": ""})
    assert response.status_code == 409
    assert (count(Task), count(Field)) == (tasks, fields)


def test_a_draft_plans_task_form_still_edits(web, world):
    w = world
    Plan.update({Plan.status: "draft"}).where(Plan.id == w.plan.id).run_sync()
    web.login(w.focal_a)
    response = web.post(f"/tasks/{w.task.id}", form(w.task, due_text="Tháng 12/2024"))
    assert response.status_code == 303
    assert Task.objects().first().run_sync().due_date == dt.date(2024, 12, 31)


def test_the_progress_form_in_a_closed_year_is_refused(web, world):
    w = world
    YearClose(year=2024, closed_on=dt.date(2024, 12, 31), closed_by=w.secretariat.id, closed_at=NOW).save().run_sync()
    web.login(w.focal_a)
    response = web.post(f"/tasks/{w.task.id}/progress", {"status": "in_progress", "progress": "30", "note": "",
                                                         "completed_on": "", "version": "1"}, htmx=True)
    assert response.status_code == 409 and "is closed" in response.text
    assert Task.objects().first().run_sync().progress == 0
