"""Carrying a closed year's unfinished tasks into the unit's next plan (chuyển tiếp): into a draft directly, into
an issued plan by an amendment (counted there once, from its date); a task is carried once."""

import datetime as dt

import pytest

from amendments import actions as amendments
from amendments.tables import Amendment, AmendmentChange
from app import clock
from app.tables import AuditEvent
from board.build import build_board
from board.queries import Filter
from plans.tables import Field, Plan
from tasks.tables import Task
from tests.builders import TaskSpec, make_plan, run
from tests.years.helpers import YEAR, close, old_plan
from years import queries
from years.actions import Pick, YearError, carry_by_amendment, carry_into_draft

D = dt.date
NEXT = YEAR + 1


def task(content: str, year: int = YEAR) -> Task:
    return Task.objects().where((Task.content == content) & (Task.field.plan.year == year)).first().run_sync()


def next_plan(unit, status: str = "draft") -> Plan:
    plan = make_plan(unit, NEXT, {"Cải cách thể chế": [TaskSpec("Việc mới", D(NEXT, 12, 31))]},
                     title=f"Kế hoạch CCHC năm {NEXT}")
    Plan.update({Plan.status: status}).where(Plan.id == plan.id).run_sync()
    return Plan.objects().where(Plan.id == plan.id).first().run_sync()


def test_carried_into_a_draft_the_tasks_are_linked_moved_a_year_and_offered_once(actors):
    source, target = old_plan(actors.unit_a), next_plan(actors.unit_a)
    close()
    Task.update({Task.due_text: f"Quý III/{YEAR}"}).where(Task.content == "Xây dựng quy chế").run_sync()
    picks = [Pick(task("Xây dựng quy chế").id), Pick(task("Số hóa hồ sơ").id)]
    made = run(carry_into_draft(source, target, picks, actors.focal_a, clock.now()))
    quy_che, so_hoa = (Task.objects().where(Task.id == t.id).first().run_sync() for t in made)
    assert (quy_che.carried_from, quy_che.due_date, quy_che.due_text) == (
        task("Xây dựng quy chế").id, D(NEXT, 9, 30), f"Quý III/{NEXT}")
    assert (quy_che.status, quy_che.progress, quy_che.added_on) == ("not_started", 0, None)
    fields = {f["name"]: f["id"] for f in Field.select().where(Field.plan == target.id).run_sync()}
    assert quy_che.field == fields["Cải cách thể chế"]  # the field of the same name
    assert so_hoa.field == fields["Cải cách thủ tục hành chính"]  # made in the draft, as the old plan named it
    assert [t["content"] for t in run(queries.carry_candidates(source.id))] == ["Đánh giá thủ tục"]
    with pytest.raises(YearError) as again:
        run(carry_into_draft(source, target, picks[:1], actors.focal_a, clock.now()))
    assert "I.2" in str(again.value)
    assert Task.count().where(Task.field.plan == target.id).run_sync() == 3
    [event] = AuditEvent.select().where(AuditEvent.action == "tasks_carried").run_sync()
    assert "I.2" in event["detail"] and "II.2" in event["detail"]


def test_nothing_is_carried_into_a_closed_years_plan(web, actors):
    source = old_plan(actors.unit_a)
    next_plan(actors.unit_a)  # the next year's plan exists, in a year closed too
    close()
    close(NEXT, D(NEXT, 12, 31))
    old = task("Xây dựng quy chế")
    web.login(actors.focal_a)
    refused = web.post(f"/plans/{source.id}/carry", {f"task.{old.id}": "on", f"field.{old.id}": ""})
    assert refused.status_code == 400 and f"Năm {NEXT} đã khóa sổ" in refused.text
    assert Task.count().where(Task.carried_from.is_not_null()).run_sync() == 0


def test_a_done_or_cancelled_task_is_not_carried(actors):
    source, target = old_plan(actors.unit_a), next_plan(actors.unit_a)
    with pytest.raises(YearError):
        run(carry_into_draft(source, target, [Pick(task("Rà soát văn bản").id)], actors.focal_a, clock.now()))
    with pytest.raises(YearError):
        run(carry_into_draft(source, target, [Pick(task("Bỏ việc cũ").id)], actors.focal_a, clock.now()))
    assert Task.count().where(Task.field.plan == target.id).run_sync() == 1


def test_the_carry_page_carries_into_the_draft_and_both_tasks_show_the_link(web, actors):
    source, target = old_plan(actors.unit_a), next_plan(actors.unit_a)
    close()
    old = task("Xây dựng quy chế")
    web.login(actors.focal_a)
    page = web.get(f"/plans/{source.id}/carry")
    assert page.status_code == 200 and "Chuyển tiếp nhiệm vụ chưa hoàn thành" in page.text
    assert f'name="task.{old.id}"' in page.text and f'name="task.{task("Rà soát văn bản").id}"' not in page.text
    assert web.post(f"/plans/{source.id}/carry", {"task.0": "on"}).status_code == 400  # nothing chosen
    response = web.post(f"/plans/{source.id}/carry", {f"task.{old.id}": "on", f"field.{old.id}": ""})
    assert response.status_code == 303 and response.headers["location"] == f"/plans/{target.id}"
    new = Task.objects().where(Task.carried_from == old.id).first().run_sync()
    shown = web.get(f"/tasks/{new.id}").text
    assert f"Chuyển tiếp từ kế hoạch năm {YEAR}, nhiệm vụ I.2" in shown and f'href="/tasks/{old.id}"' in shown
    went = web.get(f"/tasks/{old.id}").text
    assert f"Đã chuyển tiếp sang kế hoạch năm {NEXT}" in went and f'href="/tasks/{new.id}"' in went
    assert f'name="task.{old.id}"' not in web.get(f"/plans/{source.id}/carry").text  # offered once
    assert f'href="/plans/{source.id}/carry"' in web.get(f"/plans/{target.id}").text  # from the new plan too


@pytest.mark.parametrize("who", ["focal_b", "steering"])
def test_another_unit_and_the_steering_committee_do_not_carry(web, actors, who):
    source, _ = old_plan(actors.unit_a), next_plan(actors.unit_a)
    web.login(getattr(actors, who))
    assert web.get(f"/plans/{source.id}/carry").status_code == 403
    old = task("Xây dựng quy chế")
    assert web.post(f"/plans/{source.id}/carry", {f"task.{old.id}": "on"}).status_code == 403
    assert Task.count().where(Task.carried_from.is_not_null()).run_sync() == 0


def test_the_carry_page_says_when_the_unit_has_no_next_plan(web, actors):
    source = old_plan(actors.unit_a)
    web.login(actors.head_a)
    page = web.get(f"/plans/{source.id}/carry")
    assert page.status_code == 200 and 'data-error="target"' in page.text
    assert f'href="/plans/{source.id}/next-year"' in page.text


# Into an issued plan: by an amendment ------------------------------------------------------------------------

def board_total(year: int, as_of: dt.date) -> int:
    board = run(build_board(Filter(year=year, as_of=as_of)))
    return sum(r.counts.total for r in board.rows)


def test_carried_into_an_issued_plan_by_an_amendment_it_counts_there_once_from_its_date(web, actors):
    source, target = old_plan(actors.unit_a), next_plan(actors.unit_a, "issued")
    close()
    old = task("Xây dựng quy chế")
    field = Field.objects().where(Field.plan == target.id).first().run_sync()
    web.login(actors.focal_a)
    page = web.get(f"/plans/{source.id}/carry").text
    assert 'name="number"' in page and "văn bản điều chỉnh" in page
    day = D(NEXT, 3, 2)
    missing = web.post(f"/plans/{source.id}/carry", {f"task.{old.id}": "on", f"field.{old.id}": str(field.id)})
    assert missing.status_code == 400 and 'data-error="number"' in missing.text
    response = web.post(f"/plans/{source.id}/carry", {
        f"task.{old.id}": "on", f"field.{old.id}": str(field.id), "number": "30/KH-STP",
        "date": day.strftime("%d/%m/%Y"), "reason": "Chuyển tiếp nhiệm vụ năm trước"})
    assert response.status_code == 303, response.text
    amendment = Amendment.objects().first().run_sync()
    assert response.headers["location"] == f"/amendments/{amendment.id}" and amendment.status == "draft"
    [change] = AmendmentChange.select().where(AmendmentChange.amendment == amendment.id).run_sync()
    assert (change["action"], change["task"], change["field"]) == ("carry", old.id, field.id)
    assert run(queries.carry_candidates(source.id)) and old.id not in {
        t["id"] for t in run(queries.carry_candidates(source.id))}  # on its way: not offered twice
    assert Task.count().where(Task.carried_from == old.id).run_sync() == 0  # nothing yet: a draft changes nothing
    run(amendments.submit(amendment.id, None, actors.head_a, clock.now()))
    run(amendments.approve(amendment.id, None, actors.secretariat, clock.now()))
    new = Task.objects().where(Task.carried_from == old.id).first().run_sync()
    assert (new.field, new.added_on, new.due_date) == (field.id, day, D(NEXT, 9, 30))
    assert board_total(NEXT, D(NEXT, 12, 31)) == 2  # "Việc mới" and the carried task, once
    assert board_total(NEXT, day - dt.timedelta(days=1)) == 1  # not before the amendment's date
    assert board_total(YEAR, D(YEAR, 12, 31)) == 5  # the old year keeps its own, the source included
    assert old.id not in {t["id"] for t in run(queries.carry_candidates(source.id))}


def test_into_an_issued_plan_each_task_needs_a_field_of_it(actors):
    source, target = old_plan(actors.unit_a), next_plan(actors.unit_a, "issued")
    values = {"number": "30/KH-STP", "date": D(NEXT, 3, 2), "reason": "Chuyển tiếp"}
    with pytest.raises(YearError) as refused:
        run(carry_by_amendment(source, target, values, [Pick(task("Số hóa hồ sơ").id)], actors.focal_a,
                               clock.now()))
    assert list(refused.value.errors) == [f"field.{task('Số hóa hồ sơ').id}"]
    assert Amendment.count().run_sync() == 0
