"""The day a task was reported under way: kept by every change, backfilled from the history for old tasks."""

import datetime as dt
import importlib

from app.clock import TZ
from tasks.actions import change_task
from tasks.tables import Task, TaskEvent
from tests.builders import TaskSpec, make_plan, run

D = dt.date


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), TZ)


def one_task(actors, status="not_started"):
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc", D(2024, 12, 31), status)]})
    return Task.objects().first().run_sync()


def stored() -> Task:
    return Task.objects().first().run_sync()


def test_the_first_report_under_way_records_the_day_and_later_ones_keep_it(actors):
    task = one_task(actors)
    run(change_task(task, {"status": "in_progress", "progress": 20}, actors.focal_a, at(D(2024, 7, 20))))
    assert stored().started_on == D(2024, 7, 20)
    run(change_task(task, {"status": "done", "completed_on": D(2024, 9, 1)}, actors.focal_a, at(D(2024, 9, 2))))
    assert stored().started_on == D(2024, 7, 20)
    assert "started_on" not in TaskEvent.objects().output(load_json=True).first().run_sync().changes


def test_back_to_not_started_clears_the_day_and_a_restart_records_a_new_one(actors):
    task = one_task(actors)
    run(change_task(task, {"status": "in_progress"}, actors.focal_a, at(D(2024, 3, 1))))
    run(change_task(task, {"status": "not_started"}, actors.focal_a, at(D(2024, 3, 2))))
    assert stored().started_on is None
    run(change_task(task, {"status": "in_progress"}, actors.focal_a, at(D(2024, 5, 5))))
    assert stored().started_on == D(2024, 5, 5)


def test_a_task_reported_done_straight_away_was_under_way_by_its_completion_day(actors):
    task = one_task(actors)
    run(change_task(task, {"status": "done", "completed_on": D(2024, 6, 10)}, actors.focal_a, at(D(2024, 6, 20))))
    assert stored().started_on == D(2024, 6, 10)


def test_a_task_under_way_since_it_exists_stays_without_a_day(actors):
    task = one_task(actors, "in_progress")
    run(change_task(task, {"status": "done", "completed_on": D(2024, 6, 1)}, actors.focal_a, at(D(2024, 6, 2))))
    assert stored().started_on is None


def test_the_migration_backfills_the_day_from_the_history(actors):
    task = one_task(actors)
    run(change_task(task, {"status": "in_progress"}, actors.focal_a, at(D(2024, 4, 1))))
    run(change_task(task, {"progress": 40}, actors.focal_a, at(D(2024, 5, 1))))
    Task.update({Task.started_on: None}, force=True).run_sync()  # as an installation before the column
    migration = importlib.import_module("tasks.piccolo_migrations.tasks_2026_12_03t18_00_01_000000")
    run(migration.copy_start_days())
    assert stored().started_on == D(2024, 4, 1)
