"""The amendments' API with bearer tokens: drafting, the acts and who may make them, bad input by change index,
wrong states; and PATCH /api/tasks refusing an issued plan's details."""

from __future__ import annotations

import datetime as dt

import pytest

from amendments.tables import Amendment, AmendmentChange, AmendmentSettings
from app import clock
from app.tables import User
from plans.tables import Field, Plan, YearClose
from tasks.tables import Task
from tests.builders import NOW, TaskSpec, count, make_plan, run


def token_for(user) -> dict[str, str]:
    from app.tokens import create_token

    return {"Authorization": f"Bearer {run(create_token(user, 'test', clock.now()))}"}


@pytest.fixture
def world(actors):
    User.update({User.language: "en"}, force=True).run_sync()
    actors.plan = make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [
        TaskSpec("Rà soát văn bản", dt.date(2024, 10, 31)), TaskSpec("Tập huấn", dt.date(2024, 9, 30))]})
    actors.field = Field.objects().where(Field.plan == actors.plan.id).first().run_sync()
    actors.t1, actors.t2 = Task.objects().order_by(Task.id).run_sync()
    actors.tokens = {name: token_for(getattr(actors, name))
                     for name in ("focal_a", "head_a", "focal_b", "steering", "secretariat")}
    return actors


def body(w, *changes):
    return {"number": "25/KH-STP", "date": "2024-06-01", "reason": "Điều chỉnh theo chỉ đạo", "changes": list(changes)}


def create(client, w, who="focal_a", *changes):
    return client.post(f"/api/plans/{w.plan.id}/amendments", json=body(w, *changes), headers=w.tokens[who])


def test_the_life_of_an_amendment_through_the_api(client, world):
    w = world
    created = create(client, w, "focal_a", {"action": "cancel", "task": w.t1.id},
                     {"action": "redate", "task": w.t2.id, "due": "2024-12-31", "due_text": "Tháng 12/2024"},
                     {"action": "add", "field": w.field.id, "content": "Số hoá", "lead": "Văn phòng",
                      "output": "Kho dữ liệu", "due_text": "Quý IV/2024"})
    assert created.status_code == 201, created.text
    a = created.json()
    assert a["status"] == "draft" and [c["action"] for c in a["changes"]] == ["cancel", "redate", "add"]
    url = f"/api/amendments/{a['id']}"
    # A focal point may not submit unless the secretariat allows it; the unit head may.
    assert client.post(f"{url}/submit", headers=w.tokens["focal_a"]).status_code == 403
    assert client.post(f"{url}/approve", headers=w.tokens["secretariat"]).json()["code"] == "wrong_status"
    assert client.post(f"{url}/submit", headers=w.tokens["head_a"]).json()["status"] == "submitted"
    assert client.post(f"{url}/approve", headers=w.tokens["head_a"]).status_code == 403
    refused = client.post(f"{url}/return", json={"comment": ""}, headers=w.tokens["secretariat"])
    assert refused.status_code == 400 and "comment" in refused.json()["errors"]
    returned = client.post(f"{url}/return", json={"comment": "Thiếu căn cứ"}, headers=w.tokens["secretariat"])
    assert returned.json()["status"] == "returned" and returned.json()["comment"] == "Thiếu căn cứ"
    assert client.post(f"{url}/submit", headers=w.tokens["head_a"]).status_code == 200
    approved = client.post(f"{url}/approve", headers=w.tokens["secretariat"])
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert [c["before"].get("status") for c in approved.json()["changes"]] == ["not_started", "not_started", None]
    assert Task.objects().where(Task.id == w.t1.id).first().run_sync().status == "cancelled"
    again = client.post(f"{url}/approve", headers=w.tokens["secretariat"])
    assert again.status_code == 409 and again.json()["code"] == "wrong_status" and again.json()["status"] == "approved"
    listed = client.get(f"/api/plans/{w.plan.id}/amendments", headers=w.tokens["focal_b"])
    assert [x["id"] for x in listed.json()] == [a["id"]]  # approved: part of the public plan
    assert client.get(url, headers=w.tokens["steering"]).json()["changes"][2]["result_task"]


def test_a_focal_point_submits_where_the_secretariat_allows_it(client, world):
    w = world
    AmendmentSettings(focal_may_submit=True).save().run_sync()
    a = create(client, w, "focal_a", {"action": "cancel", "task": w.t1.id}).json()
    assert client.post(f"/api/amendments/{a['id']}/submit", headers=w.tokens["focal_a"]).status_code == 200


def test_bad_input_gets_every_error_by_change_index_and_writes_nothing(client, world):
    w = world
    other = make_plan(w.unit_b, 2024, {"Khác": [TaskSpec("Việc B", dt.date(2024, 6, 30))]})
    other_task = Task.objects().where(Task.field.plan == other.id).first().run_sync()
    response = create(client, w, "focal_a", {"action": "cancel", "task": 99999},
                      {"action": "cancel", "task": other_task.id},
                      {"action": "redate", "task": w.t2.id, "due": "2026-01-01"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"changes.0.task", "changes.1.task", "changes.2.due"}
    empty = client.post(f"/api/plans/{w.plan.id}/amendments", json={"number": "", "date": "2024-06-01",
                                                                     "reason": "x", "changes": []},
                        headers=w.tokens["focal_a"])
    assert empty.status_code == 400 and set(empty.json()["errors"]) == {"number", "changes"}
    malformed = client.post(f"/api/plans/{w.plan.id}/amendments", json={**body(w), "date": "01/06/2024"},
                            headers=w.tokens["focal_a"])
    assert malformed.status_code == 400 and "date" in malformed.json()["errors"]
    assert count(Amendment) == 0 and count(AmendmentChange) == 0


def test_who_may_draft_and_read(client, world):
    w = world
    assert create(client, w, "focal_b", {"action": "cancel", "task": w.t1.id}).status_code == 403
    assert create(client, w, "steering", {"action": "cancel", "task": w.t1.id}).status_code == 403
    a = create(client, w, "secretariat", {"action": "cancel", "task": w.t1.id}).json()
    # A draft is the unit's working paper: another unit neither lists nor reads it.
    assert client.get(f"/api/plans/{w.plan.id}/amendments", headers=w.tokens["focal_b"]).json() == []
    assert client.get(f"/api/amendments/{a['id']}", headers=w.tokens["focal_b"]).status_code == 403
    assert client.get(f"/api/amendments/{a['id']}", headers=w.tokens["steering"]).status_code == 200
    # The secretariat submits what it started and only it may withdraw it: the unit cannot drop the secretariat's
    # document.
    assert client.post(f"/api/amendments/{a['id']}/submit", headers=w.tokens["secretariat"]).status_code == 200
    assert client.post(f"/api/amendments/{a['id']}/withdraw", headers=w.tokens["head_a"]).status_code == 403
    assert client.post(f"/api/amendments/{a['id']}/withdraw", headers=w.tokens["secretariat"]).json()["status"] == \
        "withdrawn"
    assert Task.objects().where(Task.id == w.t1.id).first().run_sync().status == "not_started"


def test_a_closed_cutoff_refuses_the_date(client, world):
    w = world
    YearClose(year=2024, closed_on=dt.date(2024, 12, 31), closed_by=w.secretariat.id, closed_at=NOW).save().run_sync()
    response = create(client, w, "focal_a", {"action": "cancel", "task": w.t1.id})
    assert response.status_code == 400 and "31/12/2024" in response.json()["errors"]["date"]


def test_patch_of_an_issued_plans_details_needs_an_amendment(client, world):
    w = world
    for change in ({"due": "2024-12-31"}, {"due_text": "Tháng 12/2024"}, {"content": "Khác"}, {"lead": "X"},
                   {"partners": "Y"}, {"output": "Z"}):
        response = client.patch(f"/api/tasks/{w.t1.id}", json={"version": 1, **change}, headers=w.tokens["focal_a"])
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "amendment_required"
        assert f"POST /api/plans/{w.plan.id}/amendments" in response.json()["detail"]
    stale = client.patch(f"/api/tasks/{w.t1.id}", json={"version": 7, "progress": 10}, headers=w.tokens["focal_a"])
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    ok = client.patch(f"/api/tasks/{w.t1.id}", json={"version": 1, "status": "in_progress", "progress": 10},
                      headers=w.tokens["focal_a"])
    assert ok.status_code == 200 and ok.json()["progress"] == 10


def test_patch_of_a_draft_plans_details_applies(client, world):
    w = world
    Plan.update({Plan.status: "draft"}).where(Plan.id == w.plan.id).run_sync()
    response = client.patch(f"/api/tasks/{w.t1.id}", json={"version": 1, "content": "Rà soát lại",
                                                           "due_text": "Quý III/2024"}, headers=w.tokens["focal_a"])
    assert response.status_code == 200, response.text
    task = Task.objects().where(Task.id == w.t1.id).first().run_sync()
    assert (task.content, task.due_date, task.due_text) == ("Rà soát lại", dt.date(2024, 9, 30), "Quý III/2024")
    outside = client.patch(f"/api/tasks/{w.t1.id}", json={"version": task.version, "due": "2023-12-31"},
                           headers=w.tokens["focal_a"])
    assert outside.status_code == 400 and "due" in outside.json()["errors"]


def test_patch_in_a_closed_year_is_refused(client, world):
    w = world
    YearClose(year=2024, closed_on=dt.date(2024, 12, 31), closed_by=w.secretariat.id, closed_at=NOW).save().run_sync()
    response = client.patch(f"/api/tasks/{w.t1.id}", json={"version": 1, "progress": 10, "status": "in_progress"},
                            headers=w.tokens["focal_a"])
    assert response.status_code == 409 and response.json()["code"] == "year_closed"
