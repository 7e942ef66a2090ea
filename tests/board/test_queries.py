"""The board's SQL decides each task's group at the cut-off exactly as tasks.rules.state_at does."""

import datetime as dt
import itertools

from board.build import build_board
from board.queries import Filter, state_counts
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
        counts = run(state_counts(Filter(2024, as_of)))[plan.id]
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
    assert run(state_counts(Filter(2024, D(2024, 7, 10))))[plan.id].overdue == 1
    assert run(state_counts(Filter(2024, D(2024, 7, 20))))[plan.id].in_progress == 1


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
