"""Amendments' acts on real databases: what a draft holds, what approval applies (and from which date), what is
refused, and that a refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from amendments import actions, queries
from app import i18n
from amendments.tables import Amendment, AmendmentChange, AmendmentEvent
from app.tables import AuditEvent, Unit
from plans.tables import Field, Plan, YearClose
from tasks.actions import AmendmentRequired, change_task
from tasks.history import as_it_was
from tasks.tables import Task, TaskDeadline, TaskEvent
from tests.builders import NOW, TaskSpec, amend, count, make_plan, run

DAY = dt.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_locale("en")
    yield
    i18n._current.reset(token)


@pytest.fixture
def plan(actors):
    """Unit A's issued 2024 plan: one field, tasks 1 (open), 2 (open), 3 (done), 4 (cancelled)."""
    plan = make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [
        TaskSpec("Rà soát văn bản", dt.date(2024, 10, 31)), TaskSpec("Tập huấn", dt.date(2024, 9, 30)),
        TaskSpec("Báo cáo quý", dt.date(2024, 3, 31), "done", dt.date(2024, 3, 20)),
        TaskSpec("Hội nghị", dt.date(2024, 5, 31), "cancelled", cancelled_on=dt.date(2024, 2, 1))]})
    plan.field = Field.objects().where(Field.plan == plan.id).first().run_sync()
    plan.tasks = Task.objects().where(Task.field == plan.field.id).order_by(Task.position).run_sync()
    return plan


def task(task_id: int) -> Task:
    return Task.objects().where(Task.id == task_id).first().run_sync()


def create(plan_id, changes, actor, **values):
    values = {"number": "25/KH-STP", "date": DAY, "reason": "Điều chỉnh", **values}
    return run(actions.create_amendment(plan_id, values, changes, actor, NOW))


def refused(plan_id, changes, actor, **values) -> dict[str, str]:
    before = (count(Amendment), count(AmendmentChange), count(TaskEvent))
    with pytest.raises(actions.AmendmentError) as exc:
        create(plan_id, changes, actor, **values)
    assert (count(Amendment), count(AmendmentChange), count(TaskEvent)) == before
    return exc.value.errors


def test_a_draft_holds_its_changes_and_changes_no_task(actors, plan):
    t1, t2 = plan.tasks[:2]
    amendment = create(plan.id, [{"action": "cancel", "task": t1.id, "reason": "Không còn phù hợp"},
                                 {"action": "redate", "task": t2.id, "due_text": "Tháng 12/2024"}], actors.focal_a)
    assert amendment.status == "draft" and amendment.version == 1
    detail = run(queries.amendment_detail(amendment.id))
    assert [(c["action"], c["task"], c["values"]) for c in detail["change_list"]] == [
        ("cancel", t1.id, {"reason": "Không còn phù hợp"}),
        ("redate", t2.id, {"due": "2024-12-31", "due_text": "Tháng 12/2024"})]
    assert [e["action"] for e in detail["events"]] == ["created"]
    assert task(t1.id).status == "not_started" and task(t2.id).due_date == dt.date(2024, 9, 30)


def test_bad_values_and_changes_are_refused_by_index_and_nothing_is_written(actors, plan):
    other = make_plan(actors.unit_b, 2024, {"Khác": [TaskSpec("Việc khác", dt.date(2024, 6, 30))]})
    other_task = Task.objects().where(Task.field.plan == other.id).first().run_sync()
    t1, t2, done, cancelled = plan.tasks
    assert refused(plan.id, [], actors.focal_a, number="", reason=" ", date=None) == {
        "number": "This field is required.", "reason": "This field is required.", "date": "This field is required.",
        "changes": "List at least one change."}
    errors = refused(plan.id, [
        {"action": "cancel", "task": 999999},
        {"action": "cancel", "task": other_task.id},
        {"action": "cancel", "task": cancelled.id},
        {"action": "cancel", "task": done.id},
        {"action": "redate", "task": t1.id, "due": dt.date(2025, 6, 30)},
        {"action": "add", "field": plan.field.id, "content": "", "due_text": "Quý II/2023"},
        {"action": "edit", "task": t2.id},
        {"action": "cancel", "task": t2.id}, {"action": "cancel", "task": t2.id},
        {"action": "rename", "task": t2.id},
    ], actors.focal_a)
    assert errors["changes.0.task"] == "There is no such task."
    assert "belongs to another plan" in errors["changes.1.task"]
    assert "already cancelled" in errors["changes.2.task"]
    assert "a done task cannot be cancelled" in errors["changes.3.task"]
    assert "outside the plan year 2024" in errors["changes.4.due"]
    assert errors["changes.5.content"] == "This field is required."
    assert "outside the plan year 2024" in errors["changes.5.due_text"]
    assert "changes.6" in errors and "changes.7" not in errors and "already cancelled" in errors["changes.8.task"]
    assert "changes.9.action" in errors


def test_a_deadline_text_is_read_as_the_task_form_reads_it(actors, plan):
    errors = refused(plan.id, [{"action": "redate", "task": plan.tasks[0].id, "due_text": "Sớm nhất có thể"}],
                     actors.focal_a)
    assert "Cannot read the deadline" in errors["changes.0.due_text"]


def test_approval_applies_every_change_from_the_amendments_date(actors, plan):
    t1, t2, done, _ = plan.tasks
    amendment = amend(plan.id, [
        {"action": "cancel", "task": t1.id},
        {"action": "redate", "task": t2.id, "due_text": "Tháng 12/2024"},
        {"action": "edit", "task": done.id, "lead": "Phòng Hành chính"},
        {"action": "add", "field": plan.field.id, "content": "Số hoá hồ sơ", "lead": "Văn phòng",
         "output": "Kho dữ liệu", "due_text": "Quý IV/2024"}], actors.focal_a)
    assert amendment.status == "approved"
    cancelled = task(t1.id)
    assert (cancelled.status, cancelled.cancelled_on) == ("cancelled", DAY)
    assert cancelled.cancel_reason == "Điều chỉnh kế hoạch"  # the amendment's reason, none given for the change
    assert (task(t2.id).due_date, task(t2.id).due_text) == (dt.date(2024, 12, 31), "Tháng 12/2024")
    assert task(done.id).lead == "Phòng Hành chính" and task(done.id).status == "done"
    added = Task.objects().where(Task.content == "Số hoá hồ sơ").first().run_sync()
    assert (added.added_on, added.due_date, added.number, added.output) == (DAY, dt.date(2024, 12, 31), "5",
                                                                           "Kho dữ liệu")
    deadline = TaskDeadline.objects().where(TaskDeadline.task == t2.id).first().run_sync()
    assert (deadline.changed_on, deadline.old_due, deadline.new_due) == (DAY, dt.date(2024, 9, 30),
                                                                         dt.date(2024, 12, 31))
    event = TaskEvent.objects().where((TaskEvent.task == t1.id) & (TaskEvent.action == "amendment")).first().run_sync()
    assert event.effective_on == DAY
    # On a day before the amendment the task was still open, with its old deadline.
    row = Task.select().where(Task.id == t1.id).first().run_sync()
    events = TaskEvent.select().where(TaskEvent.task == t1.id).output(load_json=True).run_sync()
    assert as_it_was(row, events, dt.date(2024, 5, 31))["status"] == "not_started"
    assert as_it_was(row, events, DAY)["status"] == "cancelled"
    changes = AmendmentChange.select().where(AmendmentChange.amendment == amendment.id).order_by(
        AmendmentChange.position).output(load_json=True).run_sync()
    assert changes[0]["before"]["status"] == "not_started" and changes[1]["before"]["due_date"] == "2024-09-30"
    assert changes[3]["before"] == {} and changes[3]["result_task"] == added.id
    assert AuditEvent.exists().where(AuditEvent.action == "amendment_approved").run_sync()
    assert [e["action"] for e in AmendmentEvent.select(AmendmentEvent.action).order_by(
        AmendmentEvent.id).run_sync()] == ["created", "submitted", "approved"]


def test_the_plan_as_issued_and_the_changed_tasks(actors, plan):
    t1, t2 = plan.tasks[:2]
    amend(plan.id, [{"action": "cancel", "task": t1.id},
                    {"action": "edit", "task": t2.id, "content": "Tập huấn nghiệp vụ"},
                    {"action": "add", "field": plan.field.id, "content": "Mới", "due_text": "Quý IV/2024"}],
          actors.focal_a)
    amend(plan.id, [{"action": "edit", "task": t2.id, "content": "Tập huấn chuyên sâu"}], actors.focal_a,
          day=dt.date(2024, 7, 1), number="30/KH-STP")
    issued = {r["id"]: r for r in run(queries.as_issued(plan.id))}
    assert len(issued) == 4 and issued[t1.id]["status"] == "not_started"
    assert issued[t2.id]["content"] == "Tập huấn" and task(t2.id).content == "Tập huấn chuyên sâu"
    marks = run(queries.changed_tasks(plan.id))
    added = Task.select(Task.id).where(Task.content == "Mới").first().run_sync()["id"]
    assert sorted(marks) == sorted([t1.id, t2.id, added])
    assert [c["amendment_number"] for c in marks[t2.id]] == ["25/KH-STP", "30/KH-STP"]


def test_return_then_resubmit_then_withdraw_changes_nothing(actors, plan):
    t1 = plan.tasks[0]
    amendment = amend(plan.id, [{"action": "cancel", "task": t1.id}], actors.focal_a, approve=False)
    with pytest.raises(actions.AmendmentError):
        run(actions.return_amendment(amendment.id, None, " ", actors.secretariat, NOW))
    returned = run(actions.return_amendment(amendment.id, None, "Thiếu căn cứ", actors.secretariat, NOW))
    assert (returned.status, returned.comment, returned.decided_by) == ("returned", "Thiếu căn cứ",
                                                                        actors.secretariat.id)
    with pytest.raises(actions.AmendmentStale):  # only a submitted amendment is approved
        run(actions.approve(amendment.id, None, actors.secretariat, NOW))
    edited = run(actions.update_draft(amendment.id, returned.version, {"number": "26/KH-STP", "date": DAY,
                                                                       "reason": "Bổ sung căn cứ"},
                                      [{"action": "cancel", "task": t1.id}], actors.head_a, NOW))
    assert edited.number == "26/KH-STP"
    with pytest.raises(actions.AmendmentStale) as stale:  # the version seen before the edit
        run(actions.submit(amendment.id, returned.version, actors.head_a, NOW))
    assert stale.value.code == "stale"
    run(actions.submit(amendment.id, edited.version, actors.head_a, NOW))
    assert run(actions.withdraw(amendment.id, None, actors.head_a, NOW)).status == "withdrawn"
    assert task(t1.id).status == "not_started"
    assert {e["action"] for e in AuditEvent.select(AuditEvent.action).run_sync()} >= {
        "amendment_submitted", "amendment_returned", "amendment_withdrawn"}


def test_a_task_cancelled_meanwhile_refuses_the_whole_approval(actors, plan):
    t1, t2 = plan.tasks[:2]
    first = amend(plan.id, [{"action": "cancel", "task": t1.id}], actors.focal_a, approve=False)
    second = amend(plan.id, [{"action": "redate", "task": t2.id, "due_text": "Tháng 11/2024"},
                             {"action": "cancel", "task": t1.id}], actors.focal_a, approve=False, number="26/KH")
    run(actions.approve(first.id, None, actors.secretariat, NOW))
    with pytest.raises(actions.AmendmentError) as exc:
        run(actions.approve(second.id, None, actors.secretariat, NOW))
    assert "already cancelled" in exc.value.errors["changes.1.task"] and "changes" in exc.value.errors
    assert Amendment.objects().where(Amendment.id == second.id).first().run_sync().status == "submitted"
    assert task(t2.id).due_date == dt.date(2024, 9, 30)  # its first change was not applied either


def test_the_rule_for_the_past(actors, plan):
    YearClose(year=2024, closed_on=dt.date(2024, 6, 30), closed_by=actors.secretariat.id, closed_at=NOW).save(
    ).run_sync()
    errors = refused(plan.id, [{"action": "cancel", "task": plan.tasks[0].id}], actors.focal_a,
                     date=dt.date(2024, 6, 30))
    assert "30/06/2024" in errors["date"]


def test_carry_from_a_plan_of_the_same_year_cancels_the_source_once(actors, plan):
    """A merge: the secretariat carries unit B's open task into unit A's plan; B has ended, A succeeds it."""
    Unit.update({Unit.successor: actors.unit_a.id}).where(Unit.id == actors.unit_b.id).run_sync()
    other = make_plan(actors.unit_b, 2024, {"Khác": [TaskSpec("Việc của B", dt.date(2024, 8, 31)),
                                                     TaskSpec("Việc thứ hai", dt.date(2024, 8, 31))]})
    source, second = Task.objects().where(Task.field.plan == other.id).order_by(Task.id).run_sync()
    # A unit's own amendment may carry but not cancel another plan's task.
    errors = refused(plan.id, [{"action": "cancel", "task": second.id}], actors.focal_a)
    assert "belongs to another plan" in errors["changes.0.task"]
    amend(plan.id, [{"action": "carry", "task": source.id, "field": plan.field.id},
                    {"action": "cancel", "task": second.id, "reason": "Giải thể"}], actors.secretariat)
    carried = Task.objects().where(Task.carried_from == source.id).first().run_sync()
    assert (carried.content, carried.added_on, carried.due_date) == ("Việc của B", DAY, dt.date(2024, 12, 31))
    assert task(source.id).status == "cancelled" and task(source.id).cancelled_on == DAY
    assert "Sở Tư pháp" in task(source.id).cancel_reason
    assert task(second.id).status == "cancelled"
    errors = refused(plan.id, [{"action": "carry", "task": source.id, "field": plan.field.id}], actors.secretariat)
    assert "already cancelled" in errors["changes.0.task"]


def test_carry_from_an_earlier_year_leaves_the_source(actors, plan):
    old = make_plan(actors.unit_a, 2023, {"Cũ": [TaskSpec("Việc 2023", dt.date(2023, 12, 31), "in_progress")]})
    source = Task.objects().where(Task.field.plan == old.id).first().run_sync()
    amend(plan.id, [{"action": "carry", "task": source.id, "field": plan.field.id, "due_text": "Quý II/2024"}],
          actors.focal_a)
    assert task(source.id).status == "in_progress"
    carried = Task.objects().where(Task.carried_from == source.id).first().run_sync()
    assert carried.due_date == dt.date(2024, 6, 30)
    errors = refused(plan.id, [{"action": "carry", "task": source.id, "field": plan.field.id}], actors.focal_a)
    assert "already been carried" in errors["changes.0.task"]


def test_a_draft_plan_needs_no_amendment(actors):
    draft = make_plan(actors.unit_a, 2024, {"Lĩnh vực": [TaskSpec("Việc", dt.date(2024, 6, 30))]})
    Plan.update({Plan.status: "draft"}).where(Plan.id == draft.id).run_sync()
    t = Task.objects().where(Task.field.plan == draft.id).first().run_sync()
    assert "plan" in refused(draft.id, [{"action": "cancel", "task": t.id}], actors.focal_a)
    run(change_task(t, {"content": "Việc đã sửa"}, actors.focal_a, NOW))  # edited directly
    assert task(t.id).content == "Việc đã sửa"


def test_an_issued_plans_task_changes_only_by_amendment(actors, plan):
    with pytest.raises(AmendmentRequired):
        run(change_task(plan.tasks[0], {"due_date": dt.date(2024, 12, 31)}, actors.focal_a, NOW))
