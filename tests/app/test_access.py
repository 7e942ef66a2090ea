import datetime as dt

import pytest

from plans.tables import Field, Plan
from tasks.tables import Task
from tests.builders import TaskSpec, count, make_plan


@pytest.fixture
def plan_a(actors):
    """A draft plan: its unit adds to it directly (an issued plan takes new tasks by amendment)."""
    return make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc của A", dt.date(2024, 6, 30))]},
                     status="draft")


@pytest.mark.parametrize("who", ["focal_b", "steering", "secretariat", "admin"])
def test_only_the_units_own_people_may_add_to_its_plan(web, actors, plan_a, who):
    field = Field.objects().first().run_sync()
    web.login(getattr(actors, who))
    add_task = web.post(f"/fields/{field.id}/tasks", {"content": "Chen ngang", "due_text": "Quý II"})
    add_field = web.post(f"/plans/{plan_a.id}/fields", {"name": "Lĩnh vực lạ"})
    assert (add_task.status_code, add_field.status_code) == (403, 403)
    assert count(Task) == 1 and count(Field) == 1


@pytest.mark.parametrize("who", ["focal_a", "head_a"])
def test_the_units_focal_point_and_head_may_add_to_its_plan(web, actors, plan_a, who):
    field = Field.objects().first().run_sync()
    web.login(getattr(actors, who))
    assert web.post(f"/fields/{field.id}/tasks", {"content": "Việc thêm", "due_text": "Quý II"}).status_code == 303
    assert count(Task) == 2


def test_a_focal_point_cannot_create_a_plan_for_another_unit(web, actors):
    web.login(actors.focal_b)
    response = web.post("/plans", {"unit": actors.unit_a.id, "year": "2025", "title": "Kế hoạch giả"})
    assert response.status_code == 403
    assert count(Plan) == 0


def test_steering_cannot_open_the_new_plan_page(web, actors):
    web.login(actors.steering)
    assert web.get("/plans/new").status_code == 403
    assert web.get("/plans/import").status_code == 403


def test_anonymous_writes_are_refused_and_change_nothing(web, plan_a):
    field = Field.objects().first().run_sync()
    response = web.post(f"/fields/{field.id}/tasks", {"content": "Ẩn danh", "due_text": "Quý II"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert count(Task) == 1


def test_a_missing_plan_is_404(web, actors):
    web.login(actors.focal_a)
    assert web.get("/plans/999999").status_code == 404
