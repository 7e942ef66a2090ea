"""Every date field reads and shows dd/mm/yyyy, whatever the language; links that carry ISO dates keep working."""

import datetime as dt
import re

import pytest

import scoring.examples
from app.dates import format_date_input
from scoring.tables import ScoringRule
from tests.builders import TaskSpec, make_plan

D = dt.date
HTMX = {"hx-request": "true"}
TYPED = "30%2F06%2F2024"  # 30/06/2024 as a GET form sends it


def in_english(user):
    user.language = "en"
    user.save().run_sync()


def a_plan(actors):
    return make_plan(actors.unit_a, 2024, {"F": [TaskSpec("Xong tháng 9", D(2024, 12, 31), "done", D(2024, 9, 9)),
                                                 TaskSpec("Đang làm", D(2024, 6, 15), "in_progress")]})


def test_a_date_for_a_field_is_dd_mm_yyyy():
    assert format_date_input(D(2026, 6, 30)) == "30/06/2026" and format_date_input(None) == ""


def test_the_board_reads_a_cut_off_typed_as_dd_mm_yyyy_and_iso_links_still_work(web, actors):
    a_plan(actors)
    in_english(actors.steering)
    web.login(actors.steering)
    for query in (f"as_of={TYPED}", "as_of=2024-06-30"):
        page = web.get(f"/board?year=2024&{query}")
        assert page.status_code == 200, query
        assert 'data-as-of="2024-06-30"' in page.text and 'name="as_of"' in page.text
        assert re.search(r'name="as_of" value="30/06/2024"', page.text), query  # not "30 Jun 2024", not ISO
    unit = actors.unit_a.id
    for url in (f"/board/units/{unit}/score?year=2024&as_of={TYPED}",
                f"/board/units/{unit}/tasks?year=2024&as_of={TYPED}&state=overdue"):
        assert web.get(url).status_code == 200, url


@pytest.mark.parametrize("typed", ["31%2F02%2F2024", "30-06-2024", "tomorrow"])
def test_an_unreadable_cut_off_is_a_400_that_says_how_to_write_it(web, actors, typed):
    web.login(actors.steering)
    for url in (f"/board?year=2024&as_of={typed}", f"/plans/{a_plan(actors).id}?as_of={typed}"):
        response = web.get(url)
        assert response.status_code == 400 and "dd/mm/yyyy" in response.text, url


def test_the_plan_page_at_a_typed_cut_off_is_the_same_snapshot_as_at_an_iso_one(web, actors):
    plan = a_plan(actors)
    web.login(actors.steering)
    typed, iso = (web.get(f"/plans/{plan.id}?as_of={q}") for q in (TYPED, "2024-06-30"))
    assert typed.status_code == iso.status_code == 200
    assert "as-of-banner" in typed.text and typed.text.count('class="badge overdue"') == 1
    main = [re.search(r"<main>.*</main>", page.text, re.S).group(0) for page in (typed, iso)]
    assert main[0] == main[1]


def test_the_scoring_pages_cut_off_and_the_rules_deadline_show_dd_mm_yyyy_in_english(web, actors):
    ScoringRule(year=2024, block="", body=scoring.examples.stepped(2024)).save().run_sync()
    rule = ScoringRule.objects().first().run_sync()
    in_english(actors.secretariat)
    web.login(actors.secretariat)
    unit = web.get(f"/scoring/2024/units/{actors.unit_a.id}?as_of={TYPED}").text
    assert re.search(r'name="as_of" value="30/06/2024"', unit)
    form = web.get(f"/scoring/rules/{rule.id}").text
    assert re.search(r'name="plan_deadline" id="f-plan_deadline" value="31/01/2024"', form)


def test_a_task_being_marked_done_offers_today_as_dd_mm_yyyy_in_english(web, actors):
    a_plan(actors)
    from tasks.tables import Task

    task = Task.objects().where(Task.content == "Đang làm").first().run_sync()
    in_english(actors.focal_a)
    web.login(actors.focal_a)
    row = web.get(f"/tasks/{task.id}/edit-row", headers=HTMX).text
    match = re.search(r'name="completed_on" value="([^"]*)"', row)
    assert match and re.fullmatch(r"\d{2}/\d{2}/\d{4}", match.group(1)), row


def test_a_date_typed_wrong_is_shown_back_as_typed_with_the_reason(web, actors):
    web.login(actors.admin)
    page = web.get("/admin/audit?day_from=31%2F02%2F2026&day_to=01%2F03%2F2026")
    assert page.status_code == 400 and "dd/mm/yyyy" in page.text
    assert 'name="day_from" value="31/02/2026"' in page.text and 'aria-invalid="true"' in page.text
    assert web.get("/admin/audit?day_from=01%2F03%2F2026&day_to=2026-03-31").status_code == 200


def test_no_page_asks_for_a_date_with_the_browsers_own_date_field(web, actors):
    """A native <input type=date> shows mm/dd/yyyy in an English browser: each date field is text, with a picker."""
    plan = a_plan(actors)
    ScoringRule(year=2024, block="", body=scoring.examples.stepped(2024)).save().run_sync()
    rule = ScoringRule.objects().first().run_sync()
    from tasks.tables import Task

    task = Task.objects().where(Task.content == "Đang làm").first().run_sync()
    pages = {"admin": ["/admin/audit", "/admin/deliveries", "/reminders/calendar", "/board?year=2024",
                            f"/scoring/rules/{rule.id}", f"/scoring/2024/units/{actors.unit_a.id}"],
             "focal_a": ["/plans/new", f"/plans/{plan.id}", f"/tasks/{task.id}", f"/tasks/{task.id}/edit-row"]}
    fields = 0
    for role, urls in pages.items():
        web.login(getattr(actors, role))
        for url in urls:
            html = web.get(url).text
            for tag in re.findall(r"<input[^>]*>", html):
                if 'type="date"' in tag:
                    assert 'class="date-native"' in tag and "name=" not in tag, (url, tag)
                if "data-date" in tag:
                    fields += 1
                    assert 'placeholder="dd/mm/yyyy"' in tag and "type=" not in tag, (url, tag)
    assert fields >= 10
