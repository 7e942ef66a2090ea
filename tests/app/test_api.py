"""The JSON API: bearer tokens, the caller's scope, optimistic locking, the same access rules as the pages."""

import datetime as dt

from click.testing import CliRunner

from app import clock
from app.cli import main
from app.tables import ApiToken
from plans.tables import Plan
from tasks.tables import Task
from tests.builders import TaskSpec, make_plan, run


def token_for(user) -> dict[str, str]:
    from app.tokens import create_token

    return {"Authorization": f"Bearer {run(create_token(user, 'test', clock.now()))}"}


def stp_plan(actors):
    year = clock.today().year
    return make_plan(actors.unit_a, year, {"Thể chế": [
        TaskSpec("Việc một", dt.date(year, 12, 31), "in_progress"),
        TaskSpec("Việc hai", dt.date(year, 1, 31), "done", dt.date(year, 1, 20)),
    ]})


def test_a_token_is_printed_once_and_stored_only_as_a_hash(actors):
    result = CliRunner().invoke(main, ["token", "create", actors.focal_a.email, "--name", "báo cáo"])
    assert result.exit_code == 0
    token = result.output.split()[-1]  # scripts read the last word
    assert token.startswith("pp_") and len(token) > 40
    stored = ApiToken.objects().first().run_sync()
    assert stored.key != token and len(stored.key) == 64


def test_plans_in_the_callers_scope(client, actors):
    plan = stp_plan(actors)
    make_plan(actors.unit_b, clock.today().year, title="Kế hoạch B")
    mine = client.get(f"/api/plans?year={clock.today().year}", headers=token_for(actors.focal_a)).json()
    assert [p["id"] for p in mine] == [plan.id]
    assert mine[0]["ratio"] == "1/2" and mine[0]["ratio_value"] == 0.5 and mine[0]["unit"] == "STP"
    everyone = client.get(f"/api/plans?year={clock.today().year}", headers=token_for(actors.steering)).json()
    assert len(everyone) == 2
    only_b = client.get(f"/api/plans?year={clock.today().year}&unit=sct", headers=token_for(actors.steering)).json()
    assert [p["unit"] for p in only_b] == ["SCT"]


def test_a_plan_with_fields_tasks_and_ratio(client, actors):
    plan = stp_plan(actors)
    body = client.get(f"/api/plans/{plan.id}", headers=token_for(actors.steering)).json()
    assert body["ratio"] == "1/2" and len(body["fields"]) == 1
    tasks = body["fields"][0]["tasks"]
    assert [t["content"] for t in tasks] == ["Việc một", "Việc hai"]
    assert tasks[1]["state"] == "done_on_time" and tasks[0]["version"] == 1


def test_patch_updates_a_task_and_a_stale_version_gets_409_with_the_current_task(client, actors):
    stp_plan(actors)
    task = Task.objects().order_by(Task.id).first().run_sync()
    headers = token_for(actors.focal_a)
    ok = client.patch(f"/api/tasks/{task.id}", json={"version": 1, "progress": 60, "note": "Đang trình"},
                      headers=headers)
    assert ok.status_code == 200 and ok.json()["progress"] == 60 and ok.json()["version"] == 2
    stale = client.patch(f"/api/tasks/{task.id}", json={"version": 1, "progress": 10}, headers=headers)
    assert stale.status_code == 409 and stale.json()["current"]["progress"] == 60
    assert Task.objects().where(Task.id == task.id).first().run_sync().progress == 60


def test_patch_to_done_follows_the_same_rules_as_the_page(client, actors):
    plan = stp_plan(actors)
    task = Task.objects().order_by(Task.id).first().run_sync()
    headers = token_for(actors.focal_a)
    refused = client.patch(f"/api/tasks/{task.id}", json={"version": 1, "status": "done",
                                                          "completed_on": clock.today().isoformat()}, headers=headers)
    assert refused.status_code == 400 and "status" in refused.json()["errors"]  # no evidence yet
    Plan.update({Plan.evidence_required: False}).where(Plan.id == plan.id).run_sync()
    done = client.patch(f"/api/tasks/{task.id}", json={"version": 1, "status": "done",
                                                       "completed_on": clock.today().isoformat()}, headers=headers)
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["progress"] == 100


def test_another_unit_and_the_steering_committee_are_refused_with_403(client, actors):
    stp_plan(actors)
    task = Task.objects().order_by(Task.id).first().run_sync()
    for who in ("focal_b", "steering", "secretariat"):
        response = client.patch(f"/api/tasks/{task.id}", json={"version": 1, "progress": 99},
                                headers=token_for(getattr(actors, who)))
        assert response.status_code == 403
    assert Task.objects().where(Task.id == task.id).first().run_sync().progress == 0


def test_no_token_a_bad_token_or_a_session_cookie_gets_401(client, web, actors):
    stp_plan(actors)
    assert client.get("/api/plans?year=2024").status_code == 401
    assert client.get("/api/plans?year=2024", headers={"Authorization": "Bearer pp_wrong"}).status_code == 401
    web.login(actors.focal_a)  # a browser session is not an API credential
    assert client.get("/api/plans?year=2024").status_code == 401


def test_a_revoked_token_or_a_disabled_account_is_refused(client, actors):
    headers = token_for(actors.focal_a)
    assert client.get("/api/plans?year=2024", headers=headers).status_code == 200
    actors.focal_a.active = False
    actors.focal_a.save().run_sync()
    assert client.get("/api/plans?year=2024", headers=headers).status_code == 401


def test_the_openapi_schema_documents_the_api_and_only_the_api(client):
    schema = client.get("/api/schema/openapi.json").json()
    assert {"/api/plans", "/api/plans/{plan_id}", "/api/tasks/{task_id}"} <= set(schema["paths"])
    assert not [p for p in schema["paths"] if not p.startswith("/api/")]
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_evidence_is_uploaded_and_listed_through_the_api(client, actors):
    stp_plan(actors)
    task = Task.objects().order_by(Task.id).first().run_sync()
    headers = token_for(actors.focal_a)
    response = client.post(f"/api/tasks/{task.id}/evidence", headers=headers,
                           data={"doc_number": "45/BC-STP", "doc_date": "2024-06-20"},
                           files=[("files", ("Báo cáo.pdf", PDF, "application/pdf"))])
    assert response.status_code == 201, response.text
    assert response.json()[0]["name"] == "Báo cáo.pdf" and response.json()[0]["doc_number"] == "45/BC-STP"
    listed = client.get(f"/api/tasks/{task.id}/evidence", headers=token_for(actors.steering)).json()
    assert [e["name"] for e in listed] == ["Báo cáo.pdf"] and listed[0]["review"] == "pending"


def test_a_renamed_executable_is_refused_through_the_api_and_nothing_is_stored(client, actors):
    from tasks.tables import Evidence

    stp_plan(actors)
    task = Task.objects().order_by(Task.id).first().run_sync()
    response = client.post(f"/api/tasks/{task.id}/evidence", headers=token_for(actors.focal_a),
                           files=[("files", ("bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"))])
    assert response.status_code == 400 and "files" in response.json()["errors"]
    assert Evidence.count().run_sync() == 0


def test_another_unit_cannot_upload_evidence_through_the_api(client, actors):
    from tasks.tables import Evidence

    stp_plan(actors)
    task = Task.objects().order_by(Task.id).first().run_sync()
    response = client.post(f"/api/tasks/{task.id}/evidence", headers=token_for(actors.focal_b),
                           files=[("files", ("bao-cao.pdf", PDF, "application/pdf"))])
    assert response.status_code == 403 and Evidence.count().run_sync() == 0


def test_a_stale_version_is_refused_even_when_nothing_would_change(client, actors):
    stp_plan(actors)
    task = Task.objects().order_by(Task.id).first().run_sync()
    headers = token_for(actors.focal_a)
    assert client.patch(f"/api/tasks/{task.id}", json={"version": 1, "progress": 40}, headers=headers).status_code == 200
    same = client.patch(f"/api/tasks/{task.id}", json={"version": 1, "progress": 40}, headers=headers)
    assert same.status_code == 409


def test_the_api_keeps_the_pages_rules_on_cancelling_and_note_length(client, actors):
    stp_plan(actors)
    task = Task.objects().order_by(Task.id).first().run_sync()
    headers = token_for(actors.focal_a)
    cancel = client.patch(f"/api/tasks/{task.id}", json={"version": 1, "status": "cancelled"}, headers=headers)
    long_note = client.patch(f"/api/tasks/{task.id}", json={"version": 1, "note": "x" * 4001}, headers=headers)
    assert cancel.status_code == 400 and "status" in cancel.json()["errors"]
    assert long_note.status_code == 400 and "note" in long_note.json()["errors"]
    assert Task.objects().where(Task.id == task.id).first().run_sync().version == 1
