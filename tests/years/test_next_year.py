"""A new year's plan from last year's: a draft with the same fields, the chosen tasks copied a year on or carried
(linked), in one transaction; refused when the unit has that year's plan already."""

import datetime as dt

import pytest

from app import clock
from app.tables import AuditEvent
from plans.actions import PlanExists
from plans.tables import Field, Plan
from tasks.tables import Task
from tests.builders import TaskSpec, make_plan, run
from years import queries
from years.actions import YearError, close_year
from years.nextyear import plan_from_last_year

D = dt.date


def plan_2024(unit) -> Plan:
    plan = make_plan(unit, 2024, {
        "Cải cách thể chế": [TaskSpec("Báo cáo quý I", D(2024, 2, 29), "done", D(2024, 2, 20)),
                             TaskSpec("Rà soát văn bản năm 2024", D(2024, 6, 30), "in_progress"),
                             TaskSpec("Đề án cũ", D(2024, 6, 30), "cancelled", cancelled_on=D(2024, 3, 1)),
                             TaskSpec("Báo cáo CCHC năm 2024", D(2025, 1, 15))]},
        title="Kế hoạch CCHC năm 2024")
    for content, text in (("Báo cáo quý I", "Trước 29/02/2024"), ("Rà soát văn bản năm 2024", "Quý II/2024"),
                          ("Báo cáo CCHC năm 2024", "Trước 15/01/2025")):
        Task.update({Task.due_text: text}).where(Task.content == content).run_sync()
    return Plan.objects().where(Plan.id == plan.id).first().run_sync()


def ids(plan_id: int) -> dict[str, int]:
    return {t["content"]: t["id"] for t in Task.select(Task.id, Task.content).where(
        Task.field.plan == plan_id).run_sync()}


def test_the_new_plan_has_the_fields_and_the_chosen_tasks_a_year_on(actors):
    source = plan_2024(actors.unit_a)
    old = ids(source.id)
    choices = {old["Báo cáo quý I"]: "copy", old["Rà soát văn bản năm 2024"]: "carry", old["Đề án cũ"]: "skip",
               old["Báo cáo CCHC năm 2024"]: "copy"}
    plan = run(plan_from_last_year(source, "", choices, actors.focal_a, clock.now()))
    assert (plan.year, plan.unit, plan.status, plan.title) == (2025, actors.unit_a.id, "draft",
                                                                "Kế hoạch CCHC năm 2025")
    [field] = Field.select().where(Field.plan == plan.id).run_sync()
    assert (field["name"], field["position"], field["component"]) == ("Cải cách thể chế", 1, 1)
    tasks = Task.select().where(Task.field.plan == plan.id).order_by(Task.position).run_sync()
    shown = [(t["number"], t["content"], t["due_date"], t["due_text"], t["status"], t["carried_from"]) for t in tasks]
    assert shown == [("1", "Báo cáo quý I", D(2025, 2, 28), "Trước 28/02/2025", "not_started", None),
                     ("2", "Rà soát văn bản năm 2024", D(2025, 6, 30), "Quý II/2025", "not_started",
                      old["Rà soát văn bản năm 2024"]),  # carried: the same task, its wording kept
                     ("3", "Báo cáo CCHC năm 2025", D(2026, 1, 15), "Trước 15/01/2026", "not_started", None)]
    assert all(t["progress"] == 0 and t["completed_on"] is None for t in tasks)
    # The carried one is not offered again; the copied one (unfinished too) still may be.
    assert [t["content"] for t in run(queries.carry_candidates(source.id))] == ["Báo cáo CCHC năm 2024"]
    [event] = AuditEvent.select().where(AuditEvent.action == "plan_from_last_year").run_sync()
    assert event["actor_id"] == actors.focal_a.id and event["target"].startswith("2025")


def test_it_is_refused_when_the_unit_already_has_that_years_plan(actors):
    source = plan_2024(actors.unit_a)
    make_plan(actors.unit_a, 2025, {}, title="Đã có")
    with pytest.raises(PlanExists):
        run(plan_from_last_year(source, "", {}, actors.focal_a, clock.now()))
    assert Plan.count().where(Plan.year == 2025).run_sync() == 1


def test_no_plan_is_started_in_a_closed_year(actors):
    source = plan_2024(actors.unit_a)
    run(close_year(2025, D(2026, 1, 15), "", actors.secretariat, clock.now()))
    with pytest.raises(YearError) as refused:
        run(plan_from_last_year(source, "", {}, actors.focal_a, clock.now()))
    assert "2025" in refused.value.errors["year"] and Plan.count().where(Plan.year == 2025).run_sync() == 0


def test_a_finished_or_carried_task_cannot_be_carried_and_nothing_is_written(actors):
    source = plan_2024(actors.unit_a)
    old = ids(source.id)
    with pytest.raises(YearError) as refused:
        run(plan_from_last_year(source, "", {old["Báo cáo quý I"]: "carry", old["Báo cáo CCHC năm 2024"]: "copy"},
                                actors.focal_a, clock.now()))
    assert list(refused.value.errors) == [f"task.{old['Báo cáo quý I']}"]
    assert Plan.count().where(Plan.year == 2025).run_sync() == 0 and Field.count().run_sync() == 1


def test_the_page_offers_each_task_and_creates_the_draft(web, actors):
    source = plan_2024(actors.unit_a)
    old = ids(source.id)
    web.login(actors.head_a)
    assert f'href="/plans/{source.id}/next-year"' in web.get("/plans/from-last-year").text
    page = web.get(f"/plans/{source.id}/next-year")
    assert page.status_code == 200 and 'value="Kế hoạch CCHC năm 2025"' in page.text
    assert f'name="choice.{old["Rà soát văn bản năm 2024"]}"' in page.text
    form = {"title": "Kế hoạch CCHC 2025", **{f"choice.{i}": "copy" for i in old.values()},
            f"choice.{old['Rà soát văn bản năm 2024']}": "carry", f"choice.{old['Đề án cũ']}": "skip"}
    response = web.post(f"/plans/{source.id}/next-year", form)
    assert response.status_code == 303
    plan = Plan.objects().where(Plan.year == 2025).first().run_sync()
    assert response.headers["location"] == f"/plans/{plan.id}" and plan.title == "Kế hoạch CCHC 2025"
    assert Task.count().where(Task.field.plan == plan.id).run_sync() == 3
    again = web.post(f"/plans/{source.id}/next-year", form)
    assert again.status_code == 400 and 'data-error="year"' in again.text


@pytest.mark.parametrize("who", ["focal_b", "secretariat"])
def test_only_the_unit_starts_its_plan_from_last_years(web, actors, who):
    source = plan_2024(actors.unit_a)
    web.login(getattr(actors, who))
    assert web.post(f"/plans/{source.id}/next-year", {"title": "X"}).status_code == 403
    assert Plan.count().where(Plan.year == 2025).run_sync() == 0
