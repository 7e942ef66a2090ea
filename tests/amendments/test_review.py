"""Review fixes: a unit's amendment cannot reach into another unit's plan by a "carry", and a unit's working
papers (amendments not approved) are not listed to other units."""

from __future__ import annotations

import datetime as dt

import pytest

from amendments import actions
from amendments.tables import Amendment
from app import clock
from app.tables import User
from plans.tables import Field
from tasks.tables import Task
from tests.builders import NOW, TaskSpec, amend, count, make_plan, run


def token_for(user) -> dict[str, str]:
    from app.tokens import create_token

    return {"Authorization": f"Bearer {run(create_token(user, 'test', clock.now()))}"}


@pytest.fixture
def world(actors):
    User.update({User.language: "en"}, force=True).run_sync()
    actors.plan = make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [TaskSpec("Rà soát văn bản",
                                                                                 dt.date(2024, 10, 31))]})
    actors.field = Field.objects().where(Field.plan == actors.plan.id).first().run_sync()
    actors.plan_b = make_plan(actors.unit_b, 2024, {"Cải cách hành chính": [TaskSpec("Số hoá hồ sơ",
                                                                                     dt.date(2024, 11, 30))]})
    actors.task_b = Task.objects().where(Task.field.plan == actors.plan_b.id).first().run_sync()
    return actors


def test_a_unit_cannot_carry_another_units_task_into_its_plan(client, world):
    w = world
    body = {"number": "25/KH-STP", "date": "2024-06-01", "reason": "Chuyển tiếp",
            "changes": [{"action": "carry", "task": w.task_b.id, "field": w.field.id}]}
    answer = client.post(f"/api/plans/{w.plan.id}/amendments", json=body, headers=token_for(w.focal_a))
    assert answer.status_code == 400, answer.text
    assert "changes.0.task" in answer.json()["errors"]
    assert Amendment.count().run_sync() == 0
    assert Task.objects().where(Task.id == w.task_b.id).first().run_sync().status == "not_started"


def test_another_unit_does_not_see_a_draft_amendment_listed(web, world):
    w = world
    task = Task.objects().where(Task.field == w.field.id).first().run_sync()
    values = {"number": "99/KH-NHAP", "date": dt.date(2024, 7, 1), "reason": "Dự thảo nội bộ"}
    run(actions.create_amendment(w.plan.id, values, [{"action": "cancel", "task": task.id}], w.focal_a, NOW))
    web.login(w.focal_b)
    for url in (f"/plans/{w.plan.id}/amendments", f"/plans/{w.plan.id}/amendments/_summary"):
        page = web.get(url)
        assert page.status_code == 200 and "99/KH-NHAP" not in page.text, url
    web.client.cookies.clear()
    web.login(w.focal_a)
    for url in (f"/plans/{w.plan.id}/amendments", f"/plans/{w.plan.id}/amendments/_summary"):
        assert "99/KH-NHAP" in web.get(url).text, url


@pytest.mark.only_db("postgres")
def test_an_approval_waits_for_a_year_close_in_progress_and_then_is_refused(world):
    """close_year holds "year-close:<year>" while it inserts its row: an approval (and any task write) of that
    year must wait for it and then see the year closed, not slip in between the check and the commit."""
    import asyncio
    import os

    import asyncpg

    from app.db import write_transaction  # noqa: F401  (the app's engine, as the approval uses it)
    from tests.builders import amend

    w = world
    task = Task.objects().where(Task.field == w.field.id).first().run_sync()
    amendment = amend(w.plan.id, [{"action": "cancel", "task": task.id}], w.secretariat, dt.date(2024, 12, 1),
                      approve=False)

    async def scenario():
        closing = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            tx = closing.transaction()
            await tx.start()
            await closing.execute("SELECT pg_advisory_xact_lock(hashtext('year-close:2024'))")
            await closing.execute("INSERT INTO year_close (year, closed_on, closed_at, note) "
                                  "VALUES (2024, '2024-12-31', now(), '')")
            approving = asyncio.ensure_future(actions.approve(amendment.id, None, w.secretariat,
                                                              dt.datetime(2024, 12, 2, 9, tzinfo=dt.timezone.utc)))
            await asyncio.sleep(1)
            waited = not approving.done()
            await tx.commit()
            try:
                await approving
                outcome = "approved"
            except actions.AmendmentError:
                outcome = "refused"
            return waited, outcome
        finally:
            await closing.close()

    waited, outcome = run(scenario())
    assert waited and outcome == "refused"
    assert Task.objects().where(Task.id == task.id).first().run_sync().status == "not_started"


def test_the_plan_as_issued_is_before_the_first_approved_change_not_the_first_drafted(world):
    """Two amendments of one day move one deadline; the one drafted second is approved first. The plan as issued
    shows the deadline the plan was issued with, not the one the first approval set."""
    from amendments import queries

    w = world
    task = Task.objects().where(Task.field == w.field.id).first().run_sync()
    issued_due = task.due_date
    values = {"number": "", "date": dt.date(2024, 7, 1), "reason": "Điều chỉnh thời hạn"}
    first = run(actions.create_amendment(w.plan.id, {**values, "number": "30/KH"}, [
        {"action": "redate", "task": task.id, "due": dt.date(2024, 12, 31), "due_text": "Tháng 12/2024"}],
        w.focal_a, NOW))
    second = run(actions.create_amendment(w.plan.id, {**values, "number": "31/KH"}, [
        {"action": "redate", "task": task.id, "due": dt.date(2024, 11, 30), "due_text": "Tháng 11/2024"}],
        w.focal_a, NOW))
    for hours, amendment in enumerate((second, first)):
        run(actions.submit(amendment.id, None, w.head_a, NOW))
        run(actions.approve(amendment.id, None, w.secretariat, NOW + dt.timedelta(hours=hours)))
    [row] = [r for r in run(queries.as_issued(w.plan.id)) if r["id"] == task.id]
    assert row["due_date"] == issued_due


def test_an_amendment_dated_before_an_approved_one_on_the_same_task_is_refused(world):
    """Approved out of date order, the earlier document would set the deadline for good over the later one: its
    approval is refused (its draft is not: the unit may still redate it)."""
    from tests.builders import amend

    w = world
    task = Task.objects().where(Task.field == w.field.id).first().run_sync()
    amend(w.plan.id, [{"action": "redate", "task": task.id, "due": dt.date(2024, 12, 31), "due_text": "Tháng 12/2024"}],
          w.secretariat, dt.date(2024, 8, 1))
    with pytest.raises(actions.AmendmentError) as refused:
        amend(w.plan.id, [{"action": "redate", "task": task.id, "due": dt.date(2024, 11, 30)}], w.secretariat,
              dt.date(2024, 7, 1), number="26/KH")
    assert "01/08/2024" in refused.value.errors["changes.0.task"]
    assert Task.objects().where(Task.id == task.id).first().run_sync().due_date == dt.date(2024, 12, 31)


def test_no_plan_is_created_or_imported_for_a_closed_year(web, actors):
    """A closed year's board is final: a new plan of that year would add tasks to it."""
    from plans.actions import save_parsed_plan
    from plans.parsed import ParsedField, ParsedPlan, ParsedTask
    from plans.tables import Plan, YearClose
    from tasks.actions import TaskChangeError

    YearClose(year=2024, closed_on=dt.date(2025, 1, 15), closed_at=NOW).save().run_sync()
    web.login(actors.focal_a)
    response = web.post("/plans", {"unit": actors.unit_a.id, "year": "2024", "title": "Kế hoạch CCHC năm 2024"})
    assert response.status_code == 400 and 'data-error="year"' in response.text
    task = ParsedTask("1", "Rà soát", "", "", "", "", dt.date(2024, 12, 31), "", 5)
    parsed = ParsedPlan(2024, "Kế hoạch CCHC năm 2024", "", None, [ParsedField("Cải cách thể chế", 1, [task], 4)])
    with pytest.raises(TaskChangeError):
        run(save_parsed_plan(parsed, actors.unit_a, actors.focal_a, NOW))
    assert Plan.count().run_sync() == 0


@pytest.mark.only_db("postgres")
def test_a_task_added_while_another_is_being_added_to_the_field_gets_the_next_number(world):
    """Two approvals adding a task to one field at once: the second waits for the first and numbers after it."""
    import asyncio
    import os

    import asyncpg

    from tests.builders import amend

    w = world
    amendment = amend(w.plan.id, [{"action": "add", "field": w.field.id, "content": "Số hoá", "due_text": "Năm 2024"}],
                      w.head_a, dt.date(2024, 7, 1), approve=False)

    async def scenario():
        other = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            tx = other.transaction()
            await tx.start()
            # Another approval, mid-way: it has locked the field and added task 2.
            await other.execute("SELECT id FROM field WHERE id = $1 FOR NO KEY UPDATE", w.field.id)
            await other.execute("INSERT INTO task (field, position, number, content, lead, partners, output, note, "
                                "due_date, due_text, status, progress, cancel_reason, version) VALUES "
                                "($1, 2, '2', 'Khác', '', '', '', '', '2024-12-31', '', 'not_started', 0, '', 1)",
                                w.field.id)
            approving = asyncio.ensure_future(actions.approve(amendment.id, None, w.secretariat,
                                                              dt.datetime(2024, 12, 2, 9, tzinfo=dt.timezone.utc)))
            await asyncio.sleep(1)
            await tx.commit()
            await approving
        finally:
            await other.close()

    run(scenario())
    numbers = [r["number"] for r in Task.select(Task.number).where(Task.field == w.field.id).run_sync()]
    assert sorted(numbers) == ["1", "2", "3"]


def test_an_amendment_dated_after_today_is_refused(actors):
    from tests.builders import NOW as now

    plan = make_plan(actors.unit_a, now.year, {"Cải cách thể chế": [TaskSpec("Rà soát", dt.date(now.year, 10, 31))]})
    task = Task.objects().where(Task.field.plan == plan.id).first().run_sync()
    tomorrow = now.date() + dt.timedelta(days=1)
    with pytest.raises(actions.AmendmentError) as refused:
        run(actions.create_amendment(plan.id, {"number": "9/KH", "date": tomorrow, "reason": "Điều chỉnh"},
                                     [{"action": "cancel", "task": task.id}], actors.focal_a, now))
    assert set(refused.value.errors) == {"date"} and count(Amendment) == 0


def test_the_secretariat_returns_a_units_amendment_and_never_withdraws_it(web, actors):
    plan = make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [TaskSpec("Rà soát", dt.date(2024, 10, 31))]})
    task = Task.objects().where(Task.field.plan == plan.id).first().run_sync()
    amendment = amend(plan.id, [{"action": "cancel", "task": task.id}], actors.focal_a, approve=False)
    web.login(actors.secretariat)
    assert web.post(f"/amendments/{amendment.id}/withdraw", {"version": "2"}).status_code == 403
    assert Amendment.objects().get(Amendment.id == amendment.id).run_sync().status == "submitted"
