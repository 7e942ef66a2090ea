"""A task as it stood on a past day, rebuilt from its history: pure rules, no database."""

import datetime as dt

from app.clock import TZ
from tasks.history import as_it_was, day_end, progress_then
from tasks.rules import State, Status, TaskFacts, state_at

D = dt.date
JUNE_END = D(2024, 6, 30)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), TZ)


def event(n: int, when: dt.datetime, **changes) -> dict:
    return {"id": n, "at": when, "action": "updated", "changes": changes}


TODAY = {"id": 1, "status": "in_progress", "progress": 80, "content": "Rà soát thủ tục", "due_text": "Quý III",
         "due_date": D(2024, 9, 30), "completed_on": None}


def test_a_change_after_the_day_is_undone_and_one_before_it_is_kept():
    events = [event(1, at(D(2024, 5, 2)), progress=[10, 30]), event(2, at(D(2024, 8, 1)), progress=[30, 80])]
    assert as_it_was(TODAY, events, JUNE_END)["progress"] == 30


def test_changes_are_undone_newest_first_back_to_the_oldest_value():
    events = [event(2, at(D(2024, 9, 1)), progress=[50, 80], due_text=["Quý II", "Quý III"]),
              event(1, at(D(2024, 7, 5)), progress=[30, 50])]
    then = as_it_was(TODAY, events, JUNE_END)
    assert (then["progress"], then["due_text"]) == (30, "Quý II")


def test_a_change_late_in_the_evening_of_the_day_belongs_to_that_day_in_local_time():
    evening = at(JUNE_END, 23)  # 16:00 UTC: still 30/06 in Hà Nội
    assert as_it_was(TODAY, [event(1, evening, progress=[30, 80])], JUNE_END)["progress"] == 80
    assert day_end(JUNE_END) == at(D(2024, 7, 1), 0)


def test_dates_in_the_history_come_back_as_dates():
    events = [event(1, at(D(2024, 7, 20)), due_date=["2024-06-15", "2024-09-30"], status=["done", "in_progress"],
                    completed_on=["2024-06-10", None], progress=[100, 60])]
    then = as_it_was(TODAY, events, JUNE_END)
    assert (then["due_date"], then["completed_on"], then["status"]) == (D(2024, 6, 15), D(2024, 6, 10), "done")
    assert then["withdrawn_progress"] == 60


def test_the_creation_is_not_undone():
    created = {"id": 9, "at": at(D(2024, 8, 1)), "action": "created", "changes": {"content": [None, "Rà soát"]}}
    assert as_it_was(TODAY, [created], JUNE_END)["content"] == "Rà soát thủ tục"


def test_the_progress_shown_agrees_with_the_group_then():
    then = {"status": "in_progress", "progress": 100, "withdrawn_progress": None}
    assert progress_then({**then, "progress": 40}, State.DONE_ON_TIME) == 100
    assert progress_then({**then, "progress": 40}, State.NOT_STARTED) == 0
    assert progress_then(then, State.IN_PROGRESS) == 100  # a focal point may report 100% before it is done
    # Done then but reopened later: the completion counts at no cut-off, the reopening's figure is shown.
    assert progress_then({"status": "done", "progress": 100, "withdrawn_progress": 70}, State.IN_PROGRESS) == 70


def test_a_task_reported_under_way_after_the_cut_off_was_not_started_at_it():
    task = TaskFacts(Status.IN_PROGRESS, D(2024, 12, 31), started_on=D(2024, 7, 20))
    assert state_at(task, JUNE_END) is State.NOT_STARTED
    assert state_at(task, D(2024, 7, 20)) is State.IN_PROGRESS
    assert state_at(TaskFacts(Status.IN_PROGRESS, D(2024, 12, 31)), JUNE_END) is State.IN_PROGRESS  # no date: always
    # Past its deadline it is overdue whether or not it had started; done by the cut-off is done.
    assert state_at(TaskFacts(Status.IN_PROGRESS, D(2024, 6, 1), started_on=D(2024, 7, 20)), JUNE_END) is State.OVERDUE
    done = TaskFacts(Status.DONE, D(2024, 12, 31), completed_on=D(2024, 6, 28), started_on=D(2024, 7, 3))
    assert state_at(done, JUNE_END) is State.DONE_ON_TIME
