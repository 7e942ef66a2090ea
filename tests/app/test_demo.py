import datetime as dt

from amendments.tables import Amendment
from app import demo
from app.tables import Unit, User
from plans.queries import plan_view
from plans.tables import Plan, YearClose
from tasks.tables import Task
import pytest

from tests.builders import count, empty_all_tables, run

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module", autouse=True)
def demo_province(database):
    """The demo loads once for the module (it takes seconds): the tests below read it, and the ones that load it
    again check that nothing changes, or start from empty themselves (the last one)."""
    empty_all_tables()
    run(demo.load(NOW))
    yield
    empty_all_tables()


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the suite's per-test emptying: the demo province above stays for the whole module."""
    yield


def test_the_demo_province_has_stp_at_26_of_28_and_an_account_per_role():
    stp = Plan.objects().where((Plan.unit.code == "STP") & (Plan.year == 2024)).first().run_sync()
    view = run(plan_view(stp.id, dt.date(2024, 12, 31)))
    assert (len(view.fields), view.task_count) == (7, 28)
    assert view.completion.fraction_text == "26/28" and view.completion.percent_text == "92,86%"
    assert count(Unit) >= 20
    blocks = {u["block"] for u in Unit.select(Unit.block).run_sync()}
    assert blocks == {demo.DEPARTMENTS_BLOCK, demo.COMMUNES_BLOCK}
    roles = {u["role"] for u in User.select(User.role).run_sync()}
    assert roles == {"admin", "secretariat", "steering", "unit_head", "focal_point"}
    ratios = {run(plan_view(p["id"], dt.date(2024, 12, 31))).completion.percent_text
              for p in Plan.select(Plan.id).run_sync()}
    assert len(ratios) > 5  # progress varies between units


def test_done_tasks_carry_reviewed_pdf_evidence_and_this_year_has_a_plan():
    from tasks.tables import Evidence

    done = Task.count().where(Task.status == "done").run_sync()
    assert Evidence.count().run_sync() == done > 26
    assert Evidence.count().where(Evidence.review == "accepted").run_sync() > done // 2
    assert Evidence.count().where(Evidence.content_type == "application/pdf").run_sync() == done
    this_year = Plan.objects().where((Plan.unit.code == "STP") & (Plan.year == 2026)).first().run_sync()
    view = run(plan_view(this_year.id, NOW.date()))
    states = {t["state"].value for f in view.fields for t in f.tasks}
    assert {"done_on_time", "in_progress"} <= states


def test_loading_the_demo_twice_changes_nothing():
    before = (count(Unit), count(User), count(Plan), count(Task), count(Amendment), count(YearClose))
    run(demo.load(NOW))
    assert (count(Unit), count(User), count(Plan), count(Task), count(Amendment), count(YearClose)) == before


def test_the_demo_years_follow_today_with_the_plans_life_on_record():
    # Every year before this one is closed, this one is open.
    closed = {y.year: y.closed_on for y in YearClose.objects().run_sync()}
    assert closed == {2024: dt.date(2025, 1, 15), 2025: dt.date(2026, 1, 15)}
    # One amendment approved (a task of Sở Công Thương's 2024 plan cancelled from 15/07/2024), one waiting.
    amendments = Amendment.objects(Amendment.plan).order_by(Amendment.id).run_sync()
    assert [(a.plan.year, a.status) for a in amendments] == [(2024, "approved"), (2026, "submitted")]
    assert {a.plan.unit for a in amendments} == {Unit.objects().get(Unit.code == "SCT").run_sync().id}
    cancelled = Task.objects().where((Task.status == "cancelled") & (Task.field.plan == amendments[0].plan.id)
                                     ).run_sync()
    assert [t.cancelled_on for t in cancelled] == [dt.date(2024, 7, 15)]
    assert Task.count().where(Task.status == "cancelled").run_sync() == 1  # no task is cancelled by hand
    # Last year's unfinished tasks were carried into this year's plans, each linked to where it came from.
    for code in demo.CURRENT_YEAR_UNITS:
        last, this = (Plan.objects().where((Plan.unit.code == code) & (Plan.year == y)).first().run_sync()
                      for y in (2025, 2026))
        carried = Task.objects(Task.carried_from.field.plan).where(
            (Task.field.plan == this.id) & Task.carried_from.is_not_null()).run_sync()
        unfinished = Task.count().where((Task.field.plan == last.id) & Task.status.is_in(
            ["not_started", "in_progress"])).run_sync()
        assert len(carried) == unfinished > 0, code
        assert {t.carried_from.field.plan.id for t in carried} == {last.id}


def test_every_demo_plan_names_its_unit_once_in_each_task():
    import re

    for code, name, plan in _demo_plans():
        for task in (t for f in plan.fields for t in f.tasks):
            assert task.content.count(name) <= 1, (code, task.content)
            assert not re.search(r"(\w+ \w+) \1", task.content), (code, task.content)  # "Xây dựng Xây dựng"
            assert name == "Sở Tư pháp" or "Sở Tư pháp" not in task.content, (code, task.content)
            if task.content.startswith("Xây dựng, ban hành Kế hoạch CCHC"):
                assert task.content.endswith(f"năm {plan.year} của {name}"), (code, task.content)


def test_no_unit_has_its_tasks_done_by_sở_tư_pháps_own_offices():
    from app.demo_data import STP_OFFICES

    for code, _name, plan in _demo_plans():
        tasks = [t for f in plan.fields for t in f.tasks]
        if code == "STP":
            continue
        assert not {t.lead for t in tasks} & set(STP_OFFICES), code
        assert not {t.partners for t in tasks} & set(STP_OFFICES), code
        if code in dict(demo.COMMUNES):  # a commune has no department's offices at all
            assert not [t.lead for t in tasks if "Sở" in t.lead], code


def test_the_demo_loaded_a_year_later_closes_the_year_that_ended():
    """Last in the module: it starts from an empty database."""
    empty_all_tables()
    later = dt.datetime(2027, 3, 1, 3, tzinfo=dt.timezone.utc)
    run(demo.load(later))
    closed = {y.year: y.closed_on for y in YearClose.objects().run_sync()}
    assert closed == {2024: dt.date(2025, 1, 15), 2025: dt.date(2026, 1, 15), 2026: dt.date(2027, 1, 15)}
    years = {p["year"] for p in Plan.select(Plan.year).where(Plan.unit.code == "STP").run_sync()}
    assert years == {2024, 2026, 2027}


def _demo_plans():
    import random

    for code, name in demo.DEPARTMENTS + demo.COMMUNES:
        if code != "STP":
            yield code, name, demo.unit_plan(code, name, random.Random(code))
        yield code, name, demo.year_plan(code, name, 2026, random.Random(code))
