"""Acts on amendments racing each other, through `parplan serve --workers 2` and the API's bearer tokens.

Each round releases two requests together (asyncio.gather) on an amendment and tasks of its own; the database
then judges: an amendment is applied once, a task cancelled by one amendment cannot be cancelled by another, and
a progress report racing the approval that cancels its task is either kept under the cancellation or refused as
stale, never lost. Refusals are words (409 or 400), never a 500. Runs on both databases.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import httpx
import pytest

from amendments import actions
from amendments.tables import Amendment, AmendmentChange
from app.clock import now
from app.tables import User
from app.tokens import create_token
from plans.tables import Field
from tasks.tables import Task, TaskEvent
from tests.builders import NOW, TaskSpec, make_plan, make_user, run

ROUNDS = 8
DAY = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def base_url(two_app_processes):
    return two_app_processes


@pytest.fixture
def world(actors):
    actors.secretariat_2 = make_user("cchc2@example.vn", "secretariat")
    User.update({User.language: "en"}, force=True).run_sync()
    actors.plan = make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [
        TaskSpec(f"Việc {i}", dt.date(2024, 12, 31)) for i in range(ROUNDS)]})
    actors.field = Field.objects().where(Field.plan == actors.plan.id).first().run_sync()
    actors.tasks = Task.objects().order_by(Task.id).run_sync()
    return actors


def headers(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {run(create_token(user, 'race', now()))}"}


def submitted(w, changes: list[dict], number: str = "25/KH-STP") -> Amendment:
    amendment = run(actions.create_amendment(w.plan.id, {"number": number, "date": DAY, "reason": "Điều chỉnh"},
                                             changes, w.focal_a, NOW))
    return run(actions.submit(amendment.id, None, w.head_a, NOW))


async def pairs(base_url: str, first: dict, second: dict, requests) -> list[tuple[httpx.Response, httpx.Response]]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60, headers=first) as a, \
            httpx.AsyncClient(base_url=base_url, timeout=60, headers=second) as b:
        return [tuple(await asyncio.gather(x(a), y(b))) for x, y in requests]


def codes(answers) -> Counter:
    return Counter(tuple(sorted((x.status_code, y.status_code))) for x, y in answers)


def approve(amendment: Amendment):
    return lambda client: client.post(f"/api/amendments/{amendment.id}/approve")


def test_two_approvals_of_one_amendment_apply_it_once(base_url, world):
    w = world
    amendments = [submitted(w, [{"action": "add", "field": w.field.id, "content": f"Việc thêm {i}",
                                 "due_text": "Quý IV/2024"}, {"action": "cancel", "task": t.id}], f"{i}/KH")
                  for i, t in enumerate(w.tasks)]
    answers = run(pairs(base_url, headers(w.secretariat), headers(w.secretariat_2),
                        [(approve(a), approve(a)) for a in amendments]))
    assert codes(answers) == {(200, 409): ROUNDS}, codes(answers)
    assert all(r.json()["code"] == "wrong_status" for pair in answers for r in pair if r.status_code == 409)
    for i, t in enumerate(w.tasks):
        assert Task.count().where(Task.content == f"Việc thêm {i}").run_sync() == 1
        assert TaskEvent.count().where((TaskEvent.task == t.id) & (TaskEvent.action == "amendment")).run_sync() == 1


def test_two_amendments_cancelling_one_task_cannot_both_apply(base_url, world):
    w = world
    firsts = [submitted(w, [{"action": "cancel", "task": t.id}], f"A{i}") for i, t in enumerate(w.tasks)]
    seconds = [submitted(w, [{"action": "redate", "task": t.id, "due_text": "Tháng 11/2024"},
                             {"action": "cancel", "task": t.id}], f"B{i}") for i, t in enumerate(w.tasks)]
    answers = run(pairs(base_url, headers(w.secretariat), headers(w.secretariat_2),
                        [(approve(a), approve(b)) for a, b in zip(firsts, seconds)]))
    assert codes(answers) == {(200, 400): ROUNDS}, codes(answers)
    for (x, y), t in zip(answers, w.tasks):
        refused = (x if x.status_code == 400 else y).json()["errors"]
        assert "changes" in refused and any("already cancelled" in e for k, e in refused.items() if k != "changes")
        assert Task.objects().where(Task.id == t.id).first().run_sync().status == "cancelled"
        assert TaskEvent.count().where((TaskEvent.task == t.id) & (TaskEvent.action == "amendment")).run_sync() in (
            1, 2)  # the cancel alone, or the redate and the cancel: never a cancel applied twice
    statuses = Counter(a.status for a in Amendment.objects().run_sync())
    assert statuses == {"approved": ROUNDS, "submitted": ROUNDS}


def test_a_progress_report_racing_the_cancelling_approval_is_not_lost(base_url, world):
    w = world
    amendments = [submitted(w, [{"action": "cancel", "task": t.id}], f"C{i}") for i, t in enumerate(w.tasks)]

    def report(task: Task):
        return lambda client: client.patch(f"/api/tasks/{task.id}", json={
            "version": task.version, "status": "in_progress", "progress": 40, "note": "Đang làm"})

    answers = run(pairs(base_url, headers(w.focal_a), headers(w.secretariat),
                        [(report(t), approve(a)) for t, a in zip(w.tasks, amendments)]))
    for (reported, approved), t, a in zip(answers, w.tasks, amendments):
        assert approved.status_code == 200, approved.text
        assert reported.status_code in (200, 409), reported.text
        task = Task.objects().where(Task.id == t.id).first().run_sync()
        assert task.status == "cancelled"
        before = AmendmentChange.select(AmendmentChange.before).where(AmendmentChange.amendment == a.id).output(
            load_json=True).first().run_sync()["before"]
        if reported.status_code == 200:
            # The report came first: it is in the history, and the approval cancelled the task as reported.
            assert task.note == "Đang làm" and before["status"] == "in_progress" and before["progress"] == 40
        else:
            assert reported.json()["code"] == "stale" and task.note == "" and before["status"] == "not_started"
    assert codes(answers)  # both outcomes are fine; the figures say which happened
