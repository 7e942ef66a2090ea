"""A plan at a past date shows that date: progress, group, deadline and the set of tasks as they stood then,
counted exactly as the board counts them; the plan list shows a past year at its year end and says so."""

import datetime as dt
import re

from app import clock
from app.clock import TZ
from board.build import build_board
from board.queries import Filter
from tasks.actions import change_task
from tasks.counting import Scope, state_counts
from tasks.rules import State
from tasks.tables import Task
from tests.builders import TaskSpec, make_plan, run

D = dt.date
JUNE_END = D(2024, 6, 30)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), TZ)


def change(content: str, when: dt.date, **values) -> None:
    """A report of progress; a deadline moved is an amendment, effective from `when`."""
    task = Task.objects().where(Task.content == content).first().run_sync()
    via = {"via": "amendment", "effective_on": when} if "due_date" in values else {}
    run(change_task(task, values, None, at(when), **via))


def plan_with_history(unit):
    """Six tasks whose history crosses 30/06/2024 in each way a task can."""
    plan = make_plan(unit, 2024, {"Thể chế": [
        TaskSpec("Tiến độ đổi", D(2024, 12, 31)), TaskSpec("Xong tháng 9", D(2024, 12, 31)),
        TaskSpec("Mở lại", D(2024, 12, 31)), TaskSpec("Dời hạn", D(2024, 6, 15), "in_progress"),
        TaskSpec("Bắt đầu tháng 7", D(2024, 12, 31)), TaskSpec("Báo muộn", D(2024, 12, 31))]})
    change("Tiến độ đổi", D(2024, 3, 10), status="in_progress", progress=30)
    change("Tiến độ đổi", D(2024, 8, 1), progress=80)
    change("Xong tháng 9", D(2024, 4, 1), status="in_progress", progress=50)
    change("Xong tháng 9", D(2024, 9, 5), status="done", completed_on=D(2024, 9, 5))
    change("Mở lại", D(2024, 5, 20), status="done", completed_on=D(2024, 5, 20))
    change("Mở lại", D(2024, 8, 10), status="in_progress", progress=70)
    change("Dời hạn", D(2024, 7, 15), due_date=D(2024, 9, 30), due_text="Tháng 9/2024")
    change("Bắt đầu tháng 7", D(2024, 7, 20), status="in_progress", progress=10)
    change("Báo muộn", D(2024, 7, 3), status="done", completed_on=D(2024, 6, 28))
    return plan


def rows(html: str) -> dict[str, tuple[str, int]]:
    """Each task row's content → (its group's class, the progress shown)."""
    out = {}
    for row in re.findall(r'<tr data-task .*?</tr>', html, re.S):
        content = re.search(r'<a href="/tasks/\d+">([^<]+)</a>', row).group(1)
        state = re.search(r'class="state-([a-z_]+)"', row).group(1)
        out[content] = (state, int(re.search(r'<progress max="100" value="(\d+)"', row).group(1)))
    return out


def test_the_plan_at_a_past_date_shows_progress_group_and_deadline_as_they_stood(web, actors):
    plan = plan_with_history(actors.unit_a)
    web.login(actors.steering)
    then = web.get(f"/plans/{plan.id}?as_of=2024-06-30").text
    assert rows(then) == {
        "Tiến độ đổi": ("in_progress", 30),  # 80% came in August
        "Xong tháng 9": ("in_progress", 50),  # done on 05/09, not at the cut-off
        "Mở lại": ("in_progress", 70),  # a completion withdrawn later counts at no cut-off
        "Dời hạn": ("overdue", 0),  # judged by the deadline then, 15/06
        "Bắt đầu tháng 7": ("not_started", 0),  # reported under way only on 20/07
        "Báo muộn": ("done_on_time", 100),  # reported on 03/07, done on 28/06
    }
    assert "15/06/2024" in then and "Tháng 9/2024" not in then and "05/09/2024" not in then
    assert "Số liệu tính đến ngày 30/06/2024" in then
    today = rows(web.get(f"/plans/{plan.id}").text)
    assert today["Tiến độ đổi"] == ("overdue", 80) and today["Xong tháng 9"] == ("done_on_time", 100)


def test_the_plan_page_and_the_board_give_the_same_groups_and_ratio_at_every_cut_off(web, actors):
    plan = plan_with_history(actors.unit_a)
    web.login(actors.steering)
    for as_of in (D(2024, 3, 31), JUNE_END, D(2024, 7, 10), D(2024, 8, 5), D(2024, 9, 30), D(2024, 12, 31)):
        page = web.get(f"/plans/{plan.id}?as_of={as_of.isoformat()}").text
        groups = [state for state, _ in rows(page).values()]
        counts = run(state_counts(Scope(2024, as_of)))[plan.id]
        assert {s.value: groups.count(s.value) for s in State} == {s.value: counts[s.value] for s in State}, as_of
        board_row = next(r for r in run(build_board(Filter(2024, as_of))).rows if r.unit["id"] == actors.unit_a.id)
        ratio = re.search(r'id="plan-ratio".*?<strong>([^<]+)</strong>', page, re.S).group(1)
        assert ratio.split(" ")[0] == board_row.ratio_text, as_of
        drill = web.get(f"/board/units/{actors.unit_a.id}/tasks?year=2024&as_of={as_of.isoformat()}&state=all",
                        headers={"hx-request": "true"}).text
        assert sorted(re.findall(r'class="badge ([a-z_]+)"', drill)) == sorted(groups), as_of  # its drill-down too


def test_a_past_view_is_read_only_and_says_updates_are_made_today(web, actors):
    plan = plan_with_history(actors.unit_a)
    web.login(actors.focal_a)
    then = web.get(f"/plans/{plan.id}?as_of=2024-06-30").text
    assert "/edit-row" not in then and "/fields/" not in then and f"/plans/{plan.id}/settings" not in then
    assert "kế hoạch hiện nay" in then
    web.login(actors.secretariat)
    assert f"/plans/{plan.id}/settings" not in web.get(f"/plans/{plan.id}?as_of=2024-06-30").text
    assert f"/plans/{plan.id}/settings" in web.get(f"/plans/{plan.id}").text


def test_the_list_shows_a_past_year_at_its_year_end_as_the_board_does_and_says_so(web, actors):
    done = [TaskSpec(f"Xong {i}", D(2024, 12, 31), "done", D(2024, 10, 1)) for i in range(21)]
    plan = make_plan(actors.unit_a, 2024, {"F": done + [TaskSpec("Xong năm sau", D(2024, 12, 31), "done",
                                                                 D(2025, 1, 10)),
                                                        TaskSpec("Còn dở", D(2024, 12, 31), "in_progress")]})
    year = clock.today().year
    make_plan(actors.unit_b, year, {"F": [TaskSpec("Xong", D(year, 12, 31), "done",
                                                                         clock.today())]},
              title=f"Kế hoạch CCHC năm {year}")
    web.login(actors.steering)
    html = web.get("/plans?all=true").text
    board_row = next(r for r in run(build_board(Filter(2024, D(2024, 12, 31)))).rows if r.plan
                     and r.plan["id"] == plan.id)
    assert board_row.ratio_text == "21/23"
    # The link opens the plan at the cut-off the list counts it at, so the page shows the same 21/23.
    row_2024 = re.search(rf'<a href="/plans/{plan.id}\?as_of=2024-12-31">.*?</tr>', html, re.S).group(0)
    assert "21/23" in row_2024 and "tính đến 31/12/2024" in row_2024
    assert "21/23" in web.get(f"/plans/{plan.id}?as_of=2024-12-31").text
    row_now = re.search(rf'<td>{year}</td>.*?</tr>', html, re.S).group(0)
    assert "1/1" in row_now and "tính đến" not in row_now


def test_the_api_says_at_which_cut_off_it_counts_a_plan(client, actors):
    from app.tokens import create_token

    make_plan(actors.unit_a, 2024, {"F": [TaskSpec("Xong năm sau", D(2024, 12, 31), "done", D(2025, 1, 10))]})
    token = run(create_token(actors.focal_a, "t", clock.now()))
    [plan] = client.get("/api/plans?year=2024", headers={"Authorization": f"Bearer {token}"}).json()
    assert (plan["as_of"], plan["ratio"]) == ("2024-12-31", "0/1")  # done only in January: not by the year end
