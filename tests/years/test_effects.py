"""What closing a year does: no reminders, read-only tasks (evidence aside), a board final at the closing date."""

import datetime as dt
import io

import pytest

from app import clock
from app.uploads import Upload
from plans.actions import add_task
from plans.tables import Field
from reminders.sweep import digest_items_of, sweep
from reminders.tables import OutboxEmail, Reminder
from tasks.actions import TaskChangeError, YearClosed, change_task
from tasks.evidence import add_evidence, review_evidence
from tasks.tables import Evidence, Task
from tests.builders import NOW, PDF, TaskSpec, make_plan, run
from tests.years.helpers import CLOSED_ON, YEAR, bearer, close, old_plan

D = dt.date


def task(content: str) -> Task:
    return Task.objects().where(Task.content == content).first().run_sync()


# Reminders -----------------------------------------------------------------------------------------------

def test_a_closed_years_tasks_send_no_reminders_through_the_real_sweep(actors):
    old_plan(actors.unit_a)  # YEAR: "Xây dựng quy chế" and two more open and long overdue
    make_plan(actors.unit_a, YEAR + 1, {"Thể chế": [TaskSpec("Việc năm sau", D(YEAR + 1, 6, 30), "in_progress")]},
              title="Kế hoạch năm sau")
    monday = D(YEAR + 1, 6, 30) - dt.timedelta(days=D(YEAR + 1, 6, 30).weekday())
    old = {t["id"] for t in Task.select(Task.id).where(Task.field.plan.year == YEAR).run_sync()}
    run(sweep(monday, NOW, digest=False))
    assert {r["task"] for r in Reminder.select(Reminder.task).run_sync()} & old  # overdue for a year and a half
    Reminder.delete(force=True).run_sync()
    close()
    after = run(sweep(monday, NOW))
    reminded = {r["task"] for r in Reminder.select(Reminder.task).run_sync()}
    assert after.reminders > 0 and reminded == {task("Việc năm sau").id}


def test_a_reminder_stored_before_the_close_is_left_out_of_the_digest(actors):
    old_plan(actors.unit_a)
    monday = D(YEAR + 1, 1, 5) - dt.timedelta(days=D(YEAR + 1, 1, 5).weekday())
    run(sweep(monday, NOW))
    [email] = OutboxEmail.select(OutboxEmail.id).where(OutboxEmail.recipient == actors.focal_a.id).run_sync()
    assert run(digest_items_of([email["id"]]))  # the overdue tasks of YEAR, before the close
    close()
    assert run(digest_items_of([email["id"]])) == {}  # "quá hạn 709 ngày làm việc": not said any more


# Read-only, evidence aside -------------------------------------------------------------------------------

def test_a_closed_years_tasks_refuse_every_change_and_new_tasks(actors):
    old_plan(actors.unit_a)
    close()
    with pytest.raises(YearClosed) as refused:
        run(change_task(task("Xây dựng quy chế"), {"progress": 80}, actors.focal_a, clock.now()))
    assert str(YEAR) in str(refused.value)
    with pytest.raises(TaskChangeError):
        run(change_task(task("Xây dựng quy chế"), {"note": "Ghi chú"}, actors.focal_a, clock.now()))
    field = Field.objects().first().run_sync()
    with pytest.raises(YearClosed):
        run(add_task(field, {"content": "Thêm", "due_date": D(YEAR, 12, 31)}, actors.focal_a, clock.now()))
    assert task("Xây dựng quy chế").progress == 0 and Task.count().run_sync() == 5


def test_evidence_is_still_added_and_reviewed_in_a_closed_year(actors):
    old_plan(actors.unit_a)
    close()
    [row] = run(add_evidence(task("Xây dựng quy chế").id, [Upload("bao-cao.pdf", io.BytesIO(PDF))], {},
                             actors.focal_a, clock.now()))
    run(review_evidence(row, "accepted", "", actors.secretariat, clock.now()))
    assert Evidence.objects().first().run_sync().review == "accepted"


def test_the_pages_of_a_closed_year_say_so_and_offer_no_edits_but_evidence(web, actors):
    plan = old_plan(actors.unit_a)
    close()
    web.login(actors.focal_a)
    page = web.get(f"/plans/{plan.id}").text
    assert f"Năm {YEAR} đã khóa sổ ngày {CLOSED_ON.strftime('%d/%m/%Y')}" in page
    assert "/edit-row" not in page and 'action="/plans/' + str(plan.id) + '/fields"' not in page
    assert 'class="add-task"' not in page
    t = task("Xây dựng quy chế")
    detail = web.get(f"/tasks/{t.id}").text
    assert f"Năm {YEAR} đã khóa sổ ngày" in detail
    assert 'class="card edit-task"' not in detail and f'action="/tasks/{t.id}/evidence"' in detail
    assert "/edit-row" not in web.get(f"/tasks/{t.id}/row").text


def test_progress_of_a_closed_year_is_refused_with_409_by_the_form_and_the_api(web, actors):
    old_plan(actors.unit_a)
    close()
    t = task("Xây dựng quy chế")
    web.login(actors.focal_a)
    form = web.post(f"/tasks/{t.id}/progress", {"status": "in_progress", "progress": "80", "note": "",
                                                "completed_on": "", "version": str(t.version)}, htmx=True)
    assert form.status_code == 409 and f"Năm {YEAR} đã khóa sổ" in form.text
    api = web.client.patch(f"/api/tasks/{t.id}", json={"version": t.version, "progress": 80},
                           headers=bearer(actors.focal_a))
    assert api.status_code == 409 and f"{YEAR}" in api.text
    assert task("Xây dựng quy chế").progress == 0


def test_the_unit_no_longer_lists_a_closed_years_tasks_as_work_to_do(web, actors):
    old_plan(actors.unit_a)
    web.login(actors.focal_a)
    assert "Xây dựng quy chế" in web.get("/my/tasks").text
    close()
    assert "Xây dựng quy chế" not in web.get("/my/tasks").text


# The board ------------------------------------------------------------------------------------------------

def board_plan(unit):
    """Done in June; done on 01/02 of the next year (recorded before the close); open: 1/3 at the close."""
    return make_plan(unit, YEAR, {"Thể chế": [TaskSpec("Xong sớm", D(YEAR, 6, 30), "done", D(YEAR, 6, 1)),
                                              TaskSpec("Xong muộn", D(YEAR, 12, 31), "done", D(YEAR + 1, 2, 1)),
                                              TaskSpec("Còn dở", D(YEAR, 12, 31), "in_progress")]})


def test_a_closed_years_board_counts_at_the_closing_date_and_says_so(web, actors):
    board_plan(actors.unit_a)
    web.login(actors.secretariat)
    token = bearer(actors.secretariat)
    late = D(YEAR + 1, 3, 1)
    open_year = web.get(f"/api/board?year={YEAR}&as_of={late.isoformat()}", headers=token).json()
    assert open_year["rows"][0]["ratio"] == "2/3"  # the late completion counts at 01/03
    close()
    frozen = web.get(f"/api/board?year={YEAR}&as_of={late.isoformat()}", headers=token).json()
    assert (frozen["as_of"], frozen["rows"][0]["ratio"]) == (CLOSED_ON.isoformat(), "1/3")
    page = web.get(f"/board?year={YEAR}&as_of={late.isoformat()}").text
    assert f"số liệu chốt ngày {CLOSED_ON.strftime('%d/%m/%Y')}" in page.lower()
    earlier = web.get(f"/api/board?year={YEAR}&as_of={YEAR}-12-31", headers=token).json()
    assert (earlier["as_of"], earlier["rows"][0]["ratio"]) == (f"{YEAR}-12-31", "1/3")  # before the close: as asked
