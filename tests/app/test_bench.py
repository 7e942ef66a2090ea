"""The benchmarks' own parts: the generated province has the shape docs/benchmarks.md promises, and the table
says which target a figure meets. The benchmarks themselves run by `bench/run.py`, never as timed tests."""

from __future__ import annotations

import datetime as dt

import pytest

from bench import run as bench_run
from bench.data import PASSWORD, generate
from tests.builders import run

# The generator writes 12 000 tasks: once, on SQLite (bench/run.py runs it on both databases).
pytestmark = pytest.mark.only_db("sqlite")


def test_the_province_has_200_units_of_30_tasks_for_two_years_with_people_to_sign_in():
    from app.auth import authenticate
    from app.tables import Unit, User
    from board.build import build_board
    from board.queries import Filter
    from plans.tables import Plan
    from scoring.tables import ScoringRule
    from tasks.tables import Task, TaskDeadline

    today = dt.date(2026, 6, 30)
    world = run(generate("province", today))
    assert (world.units, world.per_unit, world.years, world.tasks) == (200, 30, (2025, 2026), 12000)
    assert Unit.count().run_sync() == 200 and Task.count().run_sync() == 12000
    assert Plan.count().where(Plan.year == 2026).run_sync() == 200 and ScoringRule.count().run_sync() == 2
    assert User.count().where(User.role == "focal_point").run_sync() == 200 == len(world.focal_points)
    assert 0.01 < TaskDeadline.count().run_sync() / 12000 < 0.03
    due = Task.select(Task.status).where((Task.due_date <= today) & (Task.field.plan.year == 2026)).run_sync()
    done = sum(t["status"] == "done" for t in due) / len(due)
    assert 0.7 < done < 0.8, done  # three in four of the tasks already due are done
    assert Task.count().where(Task.completed_on > today).run_sync() == 0  # nothing is done in the future
    for email in (world.steering, world.secretariat, world.focal_points[0][0]):
        assert run(authenticate(email, PASSWORD)) is not None, email
    board = run(build_board(Filter(2026, today)))
    assert len(board.rows) == 200 and sum(r.counts.total for r in board.rows) == 6000


def _result(**changes) -> dict:
    lat = {"p50": 10.0, "p95": 20.0, "n": 20}
    result = {"database": "PostgreSQL 15.19", "units": 200, "tasks": 12000, "processes": 2, "import_tasks": 500,
              "raw_sql": {**lat, "p50": 20.0}, "page_sql": {**lat, "p50": 30.0}, "build_board": lat,
              "board_page": {**lat, "p50": 59.0}, "board_api": {**lat, "p50": 41.0}, "board_page_bytes": 300 * 1024,
              "healthz": lat, "update_sql": lat, "save_alone": lat,
              "save_20": {**lat, "p50": 150.0, "per_s": 130.0}, "save_20_paced": {**lat, "p50": 12.5, "per_s": 40.0},
              "healthz_20": {**lat, "per_s": 900.0}, "sweep_s": 4.2, "again_s": 0.5, "reminders": 37641,
              "emails": 10675, "open_tasks_read": lat, "import": {**lat, "p95": 180.0}, "openpyxl": lat,
              "send": {"sent": 2000, "emails_per_s": 250.0, "smtp_limit_per_s": 480.0}}
    return {**result, **changes}


def test_the_table_says_which_targets_are_met_in_vietnamese_numbers():
    rows = {measure: (figure, target) for _, measure, figure, _, target in bench_run.rows_of(
        "province-postgres", _result())}
    assert rows["board page `/board` (300 KiB)"] == ("59,0 / 20,0 ms", "≤ 2× raw SQL: 1,97× — met")
    assert rows["`/api/board`"][1] == "≤ 2× raw SQL: 2,05× — **missed**"
    assert rows["status update, 20 clients (2 processes)"] == ("150,0 / 20,0 ms; 130 saves/s",
                                                               "p50 < 20 ms — **missed**")
    assert rows["status update, 20 clients, each saving every 0,5 s"][1] == "p50 < 20 ms — met"
    assert rows["reminder sweep over 12 000 tasks"][1] == "< 5 s — met"
    assert rows["sending 2 000 emails, one worker"] == ("250 emails/s", "≥ 200/s — met")
    nation = {m: t for _, m, _, _, t in bench_run.rows_of("nation-postgres", _result(board_page={
        "p50": 151.0, "p95": 200.0}))}
    assert nation["board page `/board` (300 KiB)"] == "< 150 ms — **missed**"  # national scale: an absolute target
    upload = bench_run.rows_of("upload", {"upload": {"upload_mib_s": 260.0, "copy_mib_s": 2000.0,
                                                     "copy_fsync_mib_s": 500.0, "rss_growth_mib": 31.0}})
    assert upload[0][4] == "≥ ½ of copy + fsync: 0,52× — met" and upload[1][4] == "< 30 MiB — **missed**"


def test_recording_replaces_the_last_table_and_keeps_the_rest(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nHistory stays.\n")
    bench_run.record("| first |", doc)
    bench_run.record("| second |", doc)
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nHistory stays.\n") and "| second |" in text and "| first |" not in text
    assert text.count(bench_run.MARK_START) == 1 == text.count(bench_run.MARK_END)
