import datetime as dt

import pytest

from tasks.actions import StaleTask, change_task
from tasks.tables import Task, TaskEvent
from tests.builders import NOW, TaskSpec, make_plan, run


def one_task(actors):
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc", dt.date(2024, 6, 30), "in_progress")]})
    return Task.objects().first().run_sync()


def test_a_change_is_recorded_with_who_when_and_from_what_to_what(actors):
    task = one_task(actors)
    run(change_task(task, {"status": "done", "completed_on": dt.date(2024, 6, 20)}, actors.focal_a, NOW))
    stored = Task.objects().first().run_sync()
    assert (stored.status, stored.progress, stored.completed_on, stored.version) == ("done", 100, dt.date(2024, 6, 20), 2)
    event = TaskEvent.objects().output(load_json=True).first().run_sync()
    assert event.actor == actors.focal_a.id and event.action == "updated"
    assert event.changes == {"status": ["in_progress", "done"], "progress": [0, 100],
                             "completed_on": [None, "2024-06-20"]}


def test_an_edit_made_on_a_stale_copy_is_refused_and_changes_nothing(actors):
    task = one_task(actors)
    stale = Task.objects().first().run_sync()
    run(change_task(task, {"progress": 50}, actors.focal_a, NOW))
    with pytest.raises(StaleTask) as caught:
        run(change_task(stale, {"progress": 10}, actors.head_a, NOW))
    assert caught.value.current.progress == 50
    assert Task.objects().first().run_sync().progress == 50
    assert TaskEvent.count().run_sync() == 1


def test_saving_the_same_values_records_nothing(actors):
    task = one_task(actors)
    run(change_task(task, {"status": "in_progress"}, actors.focal_a, NOW))
    assert TaskEvent.count().run_sync() == 0 and Task.objects().first().run_sync().version == 1


def test_done_needs_a_completion_date_and_changes_nothing_without_one(actors):
    from tasks.actions import TaskChangeError

    task = one_task(actors)
    with pytest.raises(TaskChangeError, match="ngày hoàn thành"):
        run(change_task(task, {"status": "done"}, actors.focal_a, NOW))
    assert Task.objects().first().run_sync().status == "in_progress"
    assert TaskEvent.count().run_sync() == 0


def test_cancelling_records_the_day_and_reopening_clears_it(actors):
    from plans.tables import Plan

    task = one_task(actors)
    Plan.update({Plan.status: "draft"}, force=True).run_sync()  # an issued plan's task is cancelled by amendment
    run(change_task(task, {"status": "cancelled", "cancel_reason": "Điều chỉnh kế hoạch"}, actors.head_a, NOW))
    assert Task.objects().first().run_sync().cancelled_on == NOW.date()
    run(change_task(task, {"status": "in_progress"}, actors.head_a, NOW))
    stored = Task.objects().first().run_sync()
    assert (stored.status, stored.cancelled_on, stored.version) == ("in_progress", None, 3)


def test_leaving_done_clears_the_completion_date(actors):
    task = one_task(actors)
    run(change_task(task, {"status": "done", "completed_on": dt.date(2024, 6, 1)}, actors.focal_a, NOW))
    run(change_task(task, {"status": "in_progress", "progress": 60}, actors.focal_a, NOW))
    stored = Task.objects().first().run_sync()
    assert (stored.completed_on, stored.progress) == (None, 60)


def test_any_change_to_done_follows_the_reports_rule_no_completion_date_in_the_future(actors):
    # One rule says what done means (tasks.rules.completion_error): a change outside the progress form keeps it too.
    from tasks.actions import TaskChangeError

    task = one_task(actors)
    tomorrow = NOW.date() + dt.timedelta(days=1)
    with pytest.raises(TaskChangeError, match="không được sau ngày hôm nay"):
        run(change_task(task, {"status": "done", "completed_on": tomorrow}, actors.focal_a, NOW))
    assert Task.objects().first().run_sync().status == "in_progress"
