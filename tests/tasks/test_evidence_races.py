"""Two people act on one task's evidence at the same moment, through `parplan serve --workers 2`.

Each round releases two requests together (asyncio.gather over two signed-in sessions) and the database then
judges: a done task of a plan that requires evidence keeps at least one live file, exactly one of two
conflicting requests wins, and the other is refused in words, never with a 500. Every round has a task of its
own, so one round cannot hide another's loss. Runs on both databases: a real server per module, sharing the
test database and storage.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest

from app.clock import now, today
from app.tables import User
from app.tokens import create_token
from app.uploads import Upload
from bench import load
from tasks import evidence
from tasks.evidence import add_evidence
from tasks.tables import Evidence, Task, TaskEvent
from tests.builders import NOW, PASSWORD, PDF, TaskSpec, make_plan, make_user, run

ROUNDS = 10
LAST_FILE = "is the only evidence of a task marked done"
NEEDS_EVIDENCE = "Attach at least one evidence file before marking the task done."
REVIEWED_MEANWHILE = "Someone reviewed this file a moment ago"


@pytest.fixture(scope="module")
def base_url(two_app_processes):
    return two_app_processes


@pytest.fixture
def people(actors):
    """The named actors reading English pages, and a second secretariat member."""
    actors.secretariat_2 = make_user("cchc2@example.vn", "secretariat")
    User.update({User.language: "en"}, force=True).run_sync()
    return actors


def tasks_of_a_plan(actors, status: str) -> list[Task]:
    """ROUNDS tasks of one plan (which requires evidence, the default), all in `status`."""
    year = today().year
    done_on = today() - dt.timedelta(days=1) if status == "done" else None
    make_plan(actors.unit_a, year, {"Cải cách thể chế": [
        TaskSpec(f"Việc {i}", dt.date(year, 12, 31), status, done_on) for i in range(ROUNDS)]})
    return Task.objects().order_by(Task.id).run_sync()


def attach(task: Task, *names: str, who: User) -> list[Evidence]:
    uploads = [Upload(name, io.BytesIO(PDF + name.encode())) for name in names]
    return run(add_evidence(task.id, uploads, {}, who, NOW))


@contextlib.asynccontextmanager
async def signed_in(base_url: str, user: User) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        assert await load.sign_in(client, user.email, PASSWORD) == 303
        yield client


async def post(client: httpx.AsyncClient, url: str, data: dict[str, str] | None = None) -> httpx.Response:
    """A plain form post, as a page without JavaScript sends it (the CSRF token among the fields)."""
    return await client.post(url, data={**(data or {}), "_csrf_token": client.cookies.get("parplan_csrf", "")})


async def at_once(first_user: User, second_user: User, base_url: str, requests) -> list[tuple]:
    """For each pair of request makers, both requests released together; their responses, round by round."""
    async with signed_in(base_url, first_user) as a, signed_in(base_url, second_user) as b:
        answers = []
        for first, second in requests:
            answers.append(tuple(await asyncio.gather(first(a), second(b))))
        return answers


def live_count(task_id: int) -> int:
    return run(evidence.live_evidence_count(task_id))


def codes(answers) -> list[tuple[int, int]]:
    return [(x.status_code, y.status_code) for x, y in answers]


def summary(broken: list, answers) -> str:
    """The round's figures, for the failure message (docs/security.md quotes them from before the fix)."""
    return f"{len(broken)}/{ROUNDS} rounds broke the rule; answers {dict(Counter(codes(answers)))}"


def test_two_deletes_at_once_leave_a_done_task_one_file(base_url, people):
    """Before the task lock, PostgreSQL let both deletes through in most rounds; SQLite answered 500."""
    tasks = tasks_of_a_plan(people, "done")
    files = [attach(t, "a.pdf", "b.pdf", who=people.focal_a) for t in tasks]

    def delete(row):
        return lambda client: post(client, f"/evidence/{row.id}/delete")

    answers = run(at_once(people.focal_a, people.head_a, base_url, [(delete(e1), delete(e2)) for e1, e2 in files]))
    emptied = [t.id for t in tasks if live_count(t.id) == 0]
    assert emptied == [] and [live_count(t.id) for t in tasks] == [1] * ROUNDS, summary(emptied, answers)
    assert all(sorted(pair) == [303, 400] for pair in codes(answers)), summary(emptied, answers)
    refusals = [r for pair in answers for r in pair if r.status_code == 400]
    assert all(LAST_FILE in r.text and 'data-error="files"' in r.text for r in refusals)
    assert TaskEvent.count().where(TaskEvent.action == evidence.DELETED).run_sync() == ROUNDS


def _mark_done_page(task: Task):
    form = {"version": str(task.version), "status": "done", "progress": "100", "note": "",
            "completed_on": (today() - dt.timedelta(days=1)).isoformat()}
    return lambda client: post(client, f"/tasks/{task.id}/progress", form)


def _mark_done_api(task: Task, token: str):
    body = {"version": task.version, "status": "done", "completed_on": (today() - dt.timedelta(days=1)).isoformat()}
    return lambda client: client.patch(f"/api/tasks/{task.id}", json=body,
                                       headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("route", ["page", "api"])
def test_marking_done_while_the_only_file_is_deleted_lets_exactly_one_through(base_url, people, route):
    """Before the task lock, PostgreSQL marked the task done and deleted its only file in most rounds."""
    tasks = tasks_of_a_plan(people, "in_progress")
    files = [attach(t, "a.pdf", who=people.focal_a)[0] for t in tasks]
    token = run(create_token(people.focal_a, "races", now()))
    mark = _mark_done_page if route == "page" else (lambda t: _mark_done_api(t, token))
    ok = 303 if route == "page" else 200

    def delete(row):
        return lambda client: post(client, f"/evidence/{row.id}/delete")

    answers = run(at_once(people.focal_a, people.head_a, base_url,
                          [(mark(t), delete(e)) for t, e in zip(tasks, files)]))
    statuses = {t.id: t.status for t in Task.objects().run_sync()}
    done_without_file = [t.id for t in tasks if statuses[t.id] == "done" and live_count(t.id) == 0]
    assert done_without_file == [], summary(done_without_file, answers)
    assert set(codes(answers)) <= {(ok, 400), (400, 303)}, summary(done_without_file, answers)
    for task, (marked, deleted) in zip(tasks, answers):
        if statuses[task.id] == "done":  # marked first: the file is now the last one of a done task
            assert (marked.status_code, deleted.status_code) == (ok, 400) and LAST_FILE in deleted.text
            assert live_count(task.id) == 1
        else:  # deleted first: nothing left to prove the task done
            assert (marked.status_code, deleted.status_code) == (400, 303) and NEEDS_EVIDENCE in marked.text
            assert live_count(task.id) == 0


def test_two_secretaries_reviewing_one_file_at_once_do_not_overwrite_each_other(base_url, people):
    """Both saw the file pending: the second to arrive is told the first's verdict came meanwhile."""
    tasks = tasks_of_a_plan(people, "in_progress")
    files = [attach(t, "a.pdf", who=people.focal_a)[0] for t in tasks]
    seen = {"seen_review": "pending", "seen_comment": ""}

    def review(row, verdict, comment=""):
        return lambda client: post(client, f"/evidence/{row.id}/review",
                                   {"review": verdict, "comment": comment, **seen})

    answers = run(at_once(people.secretariat, people.secretariat_2, base_url,
                          [(review(e, "accepted"), review(e, "needs_more", "Thiếu chữ ký")) for e in files]))
    stored = {e.id: e.review for e in Evidence.objects().run_sync()}
    for row, (accepted, needs_more) in zip(files, answers):
        assert sorted((accepted.status_code, needs_more.status_code)) == [303, 400], summary([], answers)
        winner, loser = (accepted, needs_more) if accepted.status_code == 303 else (needs_more, accepted)
        assert stored[row.id] == ("accepted" if winner is accepted else "needs_more")
        assert REVIEWED_MEANWHILE in loser.text
    assert TaskEvent.count().where(TaskEvent.action == evidence.REVIEWED).run_sync() == ROUNDS


def test_a_review_sent_from_a_page_opened_before_another_verdict_is_refused(base_url, people):
    """No race needed: the second secretary's page still shows "pending" when the first has accepted."""
    task = tasks_of_a_plan(people, "in_progress")[0]
    [row] = attach(task, "a.pdf", who=people.focal_a)

    async def one_after_the_other():
        async with signed_in(base_url, people.secretariat) as a, signed_in(base_url, people.secretariat_2) as b:
            page = (await b.get(f"/tasks/{task.id}")).text
            seen = dict(re.findall(r'name="(seen_review|seen_comment)" value="([^"]*)"', page))
            first = await post(a, f"/evidence/{row.id}/review", {"review": "accepted", "comment": ""})
            second = await post(b, f"/evidence/{row.id}/review",
                                {"review": "needs_more", "comment": "Thiếu chữ ký", **seen})
            return seen, first, second

    seen, first, second = run(one_after_the_other())
    assert seen == {"seen_review": "pending", "seen_comment": ""}
    assert (first.status_code, second.status_code) == (303, 400) and REVIEWED_MEANWHILE in second.text
    assert Evidence.objects().first().run_sync().review == "accepted"


def test_the_row_lock_refuses_to_run_where_it_would_lock_nothing(people):
    """Outside a transaction the lock would end at once; in SQLite's deferred one it could not be taken."""
    from app.db import lock_row, write_transaction

    task = tasks_of_a_plan(people, "in_progress")[0]

    async def outside():
        await lock_row(Task, task.id)

    async def deferred():
        async with Task._meta.db.transaction():
            await lock_row(Task, task.id)

    async def immediate():
        async with write_transaction():
            await lock_row(Task, task.id)

    with pytest.raises(RuntimeError, match="write_transaction"):
        run(outside())
    if Task._meta.db.engine_type == "sqlite":
        with pytest.raises(RuntimeError, match="write_transaction"):
            run(deferred())
    run(immediate())
