"""The counting SQL (tasks.counting) decides each task's group at the cut-off exactly as tasks.rules.state_at does."""

import datetime as dt
import itertools

from board.build import build_board
from board.queries import Filter, unit_tasks
from tasks.counting import Scope, deadlines_at, state_counts
from tasks.rules import State, TaskFacts, Status, state_at
from tasks.tables import Task, TaskDeadline
from tests.builders import TaskSpec, make_plan, make_unit, run

D = dt.date
DUE = D(2024, 6, 30)


def _specs():
    """Every shape a task can take around one deadline."""
    days = [None, D(2024, 3, 1), DUE, D(2024, 7, 15), D(2024, 10, 1)]
    specs = []
    for status, day in itertools.product(("not_started", "in_progress", "done", "cancelled"), days):
        if status == "done" and day is None:
            continue
        specs.append(TaskSpec(f"{status} {day}", DUE, status=status,
                              completed_on=day if status == "done" else None,
                              cancelled_on=day if status == "cancelled" else None))
    return specs


def test_the_sql_counts_agree_with_state_at_on_every_cut_off():
    specs = _specs()
    plan = make_plan(make_unit(), fields={"Cải cách thể chế": specs})
    for as_of in (D(2024, 1, 1), D(2024, 3, 1), DUE, D(2024, 7, 1), D(2024, 7, 15), D(2024, 12, 31)):
        counts = run(state_counts(Scope(2024, as_of)))[plan.id]
        states = [state_at(TaskFacts(Status(s.status), s.due, s.completed_on, s.cancelled_on), as_of) for s in specs]
        expected = {state: states.count(state) for state in State}
        assert (counts.done_on_time, counts.done_late, counts.in_progress, counts.not_started, counts.overdue,
                counts.cancelled) == (expected[State.DONE_ON_TIME], expected[State.DONE_LATE],
                                      expected[State.IN_PROGRESS], expected[State.NOT_STARTED],
                                      expected[State.OVERDUE], expected[State.CANCELLED]), as_of
        assert counts.total == len(specs)


def test_a_past_board_counts_a_task_completed_later_as_not_done():
    unit = make_unit()
    make_plan(unit, fields={"F": [TaskSpec("a", DUE, "done", D(2024, 5, 2)), TaskSpec("b", DUE, "done", D(2024, 9, 9))]})
    row = run(build_board(Filter(2024, D(2024, 6, 1)))).rows[0]
    assert (row.counts.done_on_time, row.counts.in_progress, row.ratio_text) == (1, 1, "1/2")
    row = run(build_board(Filter(2024, D(2024, 12, 31)))).rows[0]
    assert (row.counts.done_on_time, row.counts.done_late, row.ratio_text) == (1, 1, "2/2")


def test_a_moved_deadline_counts_from_the_day_it_moved():
    plan = make_plan(make_unit(), fields={"F": [TaskSpec("a", D(2024, 9, 30), "in_progress")]})
    task = Task.objects().first().run_sync()
    # Originally due 30/06, moved on 15/07 to 30/09 by an amendment.
    TaskDeadline(task=task.id, changed_on=D(2024, 7, 15), old_due=DUE, new_due=D(2024, 9, 30)).save().run_sync()
    assert run(state_counts(Scope(2024, D(2024, 7, 10))))[plan.id].overdue == 1
    assert run(state_counts(Scope(2024, D(2024, 7, 20))))[plan.id].in_progress == 1


def test_filters_narrow_the_counts_but_not_the_points_basis():
    unit = make_unit()
    make_plan(unit, fields={"Cải cách thể chế": [TaskSpec("a", DUE, "done", D(2024, 5, 1))],
                            "Cải cách TTHC": [TaskSpec("b", DUE), TaskSpec("c", DUE)]})
    by_field = run(build_board(Filter(2024, D(2024, 12, 31), field="cai cach the che"))).rows[0]
    by_component = run(build_board(Filter(2024, D(2024, 12, 31), component=2))).rows[0]
    assert by_field.counts.total == 1 and by_field.ratio_text == "1/1"
    assert by_component.counts.total == 2 and by_component.counts.overdue == 2


def test_units_without_a_plan_still_have_a_row_and_other_blocks_are_filtered_out():
    make_plan(make_unit(), fields={"F": [TaskSpec("a", DUE)]})
    make_unit("XA", "Xã A", kind="commune", block="Khối xã, phường")
    board = run(build_board(Filter(2024, D(2024, 12, 31))))
    assert [b.name for b in board.blocks] == ["Khối sở, ban, ngành", "Khối xã, phường"]
    assert board.blocks[1].rows[0].plan is None and board.blocks[1].rows[0].ratio_text == "0/0"
    only = run(build_board(Filter(2024, D(2024, 12, 31), block="Khối xã, phường")))
    assert [r.unit["code"] for r in only.rows] == ["XA"]


def test_a_task_done_late_stays_late_when_its_deadline_is_extended_afterwards():
    plan = make_plan(make_unit(), fields={"F": [TaskSpec("a", D(2024, 7, 31), "done", D(2024, 7, 10))]})
    task = Task.objects().first().run_sync()
    # Due 30/06, done 10/07, then the deadline moved to 31/07 on 20/07.
    TaskDeadline(task=task.id, changed_on=D(2024, 7, 20), old_due=DUE, new_due=D(2024, 7, 31)).save().run_sync()
    for as_of in (D(2024, 7, 15), D(2024, 12, 31)):
        counts = run(state_counts(Scope(2024, as_of)))[plan.id]
        assert (counts.done_late, counts.done_on_time) == (1, 0), as_of
    assert run(deadlines_at({task.id: D(2024, 7, 10)})) == {task.id: DUE}
    assert run(deadlines_at({task.id: D(2024, 7, 25)})) == {}


def test_a_task_added_by_amendment_is_not_counted_before_the_day_it_was_added():
    plan = make_plan(make_unit(), fields={"F": [TaskSpec("a", DUE, "done", D(2024, 5, 2)), TaskSpec("b", D(2024, 11, 30))]})
    Task.update({Task.added_on: D(2024, 8, 1)}).where(Task.content == "b").run_sync()
    assert run(state_counts(Scope(2024, D(2024, 6, 30))))[plan.id].total == 1
    assert run(state_counts(Scope(2024, D(2024, 8, 1))))[plan.id].total == 2
    assert [t["content"] for t in run(unit_tasks(Filter(2024, D(2024, 6, 30)), plan.unit))] == ["a"]


def test_adding_a_task_to_an_issued_plan_records_the_day_and_to_a_draft_plan_does_not():
    from plans.actions import add_task
    from plans.tables import Field, Plan
    from tests.builders import NOW

    plan = make_plan(make_unit(), fields={"F": [TaskSpec("a", DUE)]})
    field = Field.objects().first().run_sync()
    added = run(add_task(field, {"content": "b", "due_date": DUE}, None, NOW, via="amendment"))
    assert added.added_on == NOW.date()
    Plan.update({Plan.status: "draft"}).where(Plan.id == plan.id).run_sync()
    drafted = run(add_task(field, {"content": "c", "due_date": DUE}, None, NOW))
    assert drafted.added_on is None


def test_deadline_moves_recorded_before_the_deadline_table_are_copied_from_the_history():
    import importlib

    from tasks.tables import TaskEvent

    migration = importlib.import_module("tasks.piccolo_migrations.tasks_2026_11_25t23_10_00_000000")
    make_plan(make_unit(), fields={"F": [TaskSpec("a", D(2024, 9, 30))]})
    task = Task.objects().first().run_sync()
    TaskEvent(task=task.id, action="updated", at=dt.datetime(2024, 7, 14, 18, 0, tzinfo=dt.timezone.utc),
              changes={"due_date": ["2024-06-30", "2024-09-30"], "note": ["", "x"]}).save().run_sync()
    TaskEvent(task=task.id, action="updated", changes={"note": ["x", "y"]}).save().run_sync()
    run(migration.copy_deadline_changes())
    [row] = TaskDeadline.select().run_sync()
    # 18:00 UTC on 14/07 is already 15/07 in Hà Nội.
    assert (row["changed_on"], row["old_due"], row["new_due"]) == (D(2024, 7, 15), DUE, D(2024, 9, 30))


def test_a_block_whose_own_rule_no_longer_reads_scores_nothing_rather_than_falling_back():
    from scoring.examples import stepped
    from scoring.tables import ScoringRule

    make_plan(make_unit(), fields={"F": [TaskSpec("a", DUE, "done", D(2024, 5, 2))]})
    ScoringRule(year=2024, block="", body=stepped(2024)).save().run_sync()
    broken = stepped(2024)
    broken["bands"] = []
    ScoringRule(year=2024, block="Khối sở, ban, ngành", body=broken).save().run_sync()
    [block] = run(build_board(Filter(2024, D(2024, 12, 31)))).blocks
    assert block.rule is None and block.rows[0].score is None
