import datetime as dt
from fractions import Fraction

from app.i18n import _current, set_locale
from tasks.rules import Completion, State, Status, TaskFacts, clamp_progress, completion, state_at

D = dt.date
DUE = D(2024, 6, 30)


def task(status="not_started", completed_on=None, due=DUE):
    return TaskFacts(Status(status), due, completed_on)


def test_done_on_the_deadline_itself_is_on_time():
    assert state_at(task("done", DUE), D(2024, 12, 31)) is State.DONE_ON_TIME


def test_done_a_day_after_the_deadline_is_late_and_stays_late():
    late = task("done", D(2024, 7, 1))
    assert state_at(late, D(2024, 7, 1)) is State.DONE_LATE
    assert state_at(late, D(2026, 1, 1)) is State.DONE_LATE


def test_a_task_completed_after_the_cut_off_is_not_done_at_the_cut_off():
    later = task("done", D(2024, 6, 20))
    assert state_at(later, D(2024, 6, 10)) is State.IN_PROGRESS
    assert state_at(task("done", D(2024, 8, 1)), D(2024, 7, 15)) is State.OVERDUE


def test_unfinished_tasks_are_in_progress_until_the_deadline_then_overdue():
    assert state_at(task("in_progress"), DUE) is State.IN_PROGRESS
    assert state_at(task("in_progress"), D(2024, 7, 1)) is State.OVERDUE
    assert state_at(task("not_started"), D(2024, 1, 1)) is State.NOT_STARTED
    assert state_at(task("not_started"), D(2024, 7, 1)) is State.OVERDUE


def test_cancelled_tasks_leave_the_denominator():
    tasks = [task("done", D(2024, 6, 1))] * 3 + [task("cancelled"), task("in_progress")]
    result = completion(tasks, D(2024, 6, 15))
    assert (result.done, result.counted, result.cancelled) == (3, 4, 1)
    assert result.value == Fraction(3, 4)


def test_26_of_28_is_92_86_percent_in_vietnamese_and_kept_exact():
    result = Completion(26, 28)
    assert result.value == Fraction(13, 14)
    assert result.fraction_text == "26/28"
    assert result.percent_text == "92,86%"
    token = set_locale("en")
    try:
        assert result.percent_text == "92.86%"
    finally:
        _current.reset(token)


def test_an_empty_set_has_no_ratio_rather_than_zero():
    assert completion([], D(2024, 1, 1)).value is None
    assert Completion(0, 0).percent_text == "—"


def test_completions_of_several_units_add_up_exactly():
    total = Completion(26, 28) + Completion(5, 10, 2)
    assert (total.done, total.counted) == (31, 36)


def test_progress_is_100_when_done_and_clamped_otherwise():
    assert clamp_progress(Status.DONE, 40) == 100
    assert clamp_progress(Status.IN_PROGRESS, 140) == 100
    assert clamp_progress(Status.IN_PROGRESS, -5) == 0


def test_a_task_cancelled_after_the_cut_off_still_counts_at_the_cut_off():
    cancelled = TaskFacts(Status.CANCELLED, DUE, None, D(2024, 10, 1))
    assert state_at(cancelled, D(2024, 6, 1)) is State.IN_PROGRESS
    assert state_at(cancelled, D(2024, 8, 1)) is State.OVERDUE
    assert state_at(cancelled, D(2024, 10, 1)) is State.CANCELLED
    assert completion([cancelled], D(2024, 6, 1)).counted == 1
    assert completion([cancelled], D(2024, 12, 31)).counted == 0


def update(status="done", progress=100, completed_on=D(2024, 6, 20)):
    from tasks.rules import ProgressUpdate

    return ProgressUpdate(Status(status), progress, completed_on, "")


def test_done_needs_a_completion_date_that_is_not_in_the_future():
    from tasks.rules import progress_errors

    today = D(2024, 6, 20)
    assert progress_errors(update(), Status.IN_PROGRESS, today, 1, True) == {}  # today itself is fine
    assert "completed_on" in progress_errors(update(completed_on=None), Status.IN_PROGRESS, today, 1, True)
    assert "completed_on" in progress_errors(update(completed_on=D(2024, 6, 21)), Status.IN_PROGRESS, today, 1, True)


def test_done_needs_evidence_only_when_the_plan_requires_it():
    from tasks.rules import progress_errors

    today = D(2024, 6, 20)
    assert "status" in progress_errors(update(), Status.IN_PROGRESS, today, 0, True)
    assert progress_errors(update(), Status.IN_PROGRESS, today, 0, False) == {}
    assert progress_errors(update("in_progress", 40, None), Status.IN_PROGRESS, today, 0, True) == {}


def test_progress_outside_0_to_100_is_refused():
    from tasks.rules import progress_errors

    errors = progress_errors(update("in_progress", 120, None), Status.IN_PROGRESS, D(2024, 6, 20), 0, False)
    assert "progress" in errors


def test_cancelling_or_reopening_is_not_a_progress_report():
    from tasks.rules import progress_errors

    today = D(2024, 6, 20)
    assert "status" in progress_errors(update("cancelled", 0, None), Status.IN_PROGRESS, today, 0, False)
    assert "status" in progress_errors(update("in_progress", 10, None), Status.CANCELLED, today, 0, False)
    assert progress_errors(update("cancelled", 0, None), Status.CANCELLED, today, 0, False) == {}
