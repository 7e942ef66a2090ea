"""The completion board page, its drill-downs and the plan page at a cut-off, as the steering committee reads them."""

import datetime as dt
import re

import pytest

import scoring.examples
from scoring.tables import ScoringRule
from tasks.tables import Task, TaskDeadline
from tests.builders import TaskSpec, make_plan, make_unit

D = dt.date
HTMX = {"hx-request": "true"}
END = "year=2024&as_of=2024-12-31"


def stepped_rule():
    ScoringRule(year=2024, block="", body=scoring.examples.stepped(2024)).save().run_sync()


def stp_plan(unit):
    """28 tasks in 7 fields, 26 done on time; one still in progress, one overdue at the year's end."""
    fields = {f"Lĩnh vực {f + 1}": [TaskSpec(f"Nhiệm vụ {f + 1}.{i + 1}", D(2024, 6, 30), "done", D(2024, 6, 1))
                                    for i in range(4)] for f in range(7)}
    fields["Lĩnh vực 7"][2] = TaskSpec("Dịch vụ công trực tuyến", D(2024, 12, 31), "in_progress")
    fields["Lĩnh vực 5"][2] = TaskSpec("Kiểm tra kỷ luật", D(2024, 11, 30), "in_progress")
    return make_plan(unit, 2024, fields)


def unit_row(html: str, code: str) -> str:
    match = re.search(rf'<tr class="[^"]*" data-unit="{code}">.*?</tr>', html, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def test_steering_sees_the_board_with_ratio_points_and_grade(web, actors):
    stepped_rule()
    plan = stp_plan(actors.unit_a)
    web.login(actors.steering)
    page = web.get(f"/board?{END}")
    assert page.status_code == 200 and "<!doctype html>" in page.text
    row = unit_row(page.text, "STP")
    assert "26/28 — 92,86%" in row
    assert "Tỷ lệ hoàn thành" in page.text and "31/12/2024" in page.text
    # Stepped example: 26/28 is over 90% → 2 completion points; issued on time → 1; three manual criteria unscored.
    assert ">2,00</a>" in row and ">3,00</a>" in row and "1,00 + 2,00 + 0,00 + 0,00 + 0,00 = 3,00" in row
    assert 'class="grade-amber"' in row and "Trung bình" in row  # 3 of 6 points is half: "Trung bình"
    assert "26/28 = 92,86%" in row  # the completion points explain themselves
    assert f'href="/plans/{plan.id}?as_of=2024-12-31"' in row
    assert re.search(r"Quá hạn: 1 — [^\"]*\">1</a>", row)
    assert page.text.count('role="img"') == 3


def test_a_focal_point_is_refused_the_board_and_its_drill_downs(web, actors):
    stp_plan(actors.unit_a)
    web.login(actors.focal_a)
    for url in (f"/board?{END}", f"/board/units/{actors.unit_a.id}/tasks?{END}&state=overdue",
                f"/board/units/{actors.unit_a.id}/score?{END}"):
        assert web.get(url).status_code == 403, url


def test_a_past_cut_off_counts_a_later_completion_as_not_done(web, actors):
    make_plan(actors.unit_a, 2024, {"F": [TaskSpec("a", D(2024, 12, 31), "done", D(2024, 5, 2)),
                                          TaskSpec("b", D(2024, 12, 31), "done", D(2024, 9, 9))]})
    web.login(actors.steering)
    june = unit_row(web.get("/board?year=2024&as_of=2024-06-30").text, "STP")
    assert "1/2 — 50,00%" in june
    assert "30/06/2024" in web.get("/board?year=2024&as_of=2024-06-30").text
    assert "2/2 — 100,00%" in unit_row(web.get(f"/board?{END}").text, "STP")


def test_filtering_by_block_hides_the_other_block(web, actors):
    make_plan(actors.unit_a, 2024, {"F": [TaskSpec("a", D(2024, 6, 30))]})
    commune = make_unit("XA", "Xã A", kind="commune", block="Khối xã, phường")
    make_plan(commune, 2024, {"F": [TaskSpec("b", D(2024, 6, 30))]})
    web.login(actors.secretariat)
    both = web.get(f"/board?{END}").text
    assert 'data-unit="STP"' in both and 'data-unit="XA"' in both
    only = web.get(f"/board?{END}&block=Khối xã, phường").text
    assert 'data-unit="XA"' in only and 'data-unit="STP"' not in only
    assert 'data-block="Khối sở, ban, ngành"' not in only


def test_a_field_filter_narrows_the_counts_and_says_points_are_for_the_whole_plan(web, actors):
    make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [TaskSpec("a", D(2024, 6, 30), "done", D(2024, 6, 1))],
                                    "Cải cách TTHC": [TaskSpec("b", D(2024, 6, 30)), TaskSpec("c", D(2024, 6, 30))]})
    web.login(actors.steering)
    whole = web.get(f"/board?{END}").text
    narrowed = web.get(f"/board?{END}&field=cai cach the che&component=").text
    assert "1/3 — 33,33%" in unit_row(whole, "STP") and "1/1 — 100,00%" in unit_row(narrowed, "STP")
    assert narrowed.count("<br>") > whole.count("<br>")  # the banner's second line: counts vs points


def test_the_overdue_list_holds_exactly_the_overdue_tasks_at_the_cut_off(web, actors):
    make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [
        TaskSpec("Quá hạn một", D(2024, 3, 31)), TaskSpec("Quá hạn hai", D(2024, 5, 31), "in_progress"),
        TaskSpec("Đã xong", D(2024, 5, 31), "done", D(2024, 5, 1)), TaskSpec("Còn hạn", D(2024, 12, 31), "in_progress"),
        TaskSpec("Dời hạn", D(2024, 9, 30), "in_progress")]})
    moved = Task.objects().where(Task.content == "Dời hạn").first().run_sync()
    # Due 15/06 at the cut-off; an amendment on 15/07 moved it to 30/09.
    TaskDeadline(task=moved.id, changed_on=D(2024, 7, 15), old_due=D(2024, 6, 15), new_due=D(2024, 9, 30)).save().run_sync()
    web.login(actors.steering)
    fragment = web.get(f"/board/units/{actors.unit_a.id}/tasks?year=2024&as_of=2024-06-30&state=overdue",
                       headers=HTMX).text
    assert fragment.count("data-task=") == 3
    assert "Quá hạn một" in fragment and "Quá hạn hai" in fragment and "Dời hạn" in fragment
    assert "Đã xong" not in fragment and "Còn hạn" not in fragment
    assert "15/06/2024" in fragment and "30/09/2024" in fragment  # the deadline then, and now
    assert f'href="/tasks/{moved.id}"' in fragment


def test_htmx_gets_the_fragment_and_a_plain_request_the_page(web, actors):
    stp_plan(actors.unit_a)
    web.login(actors.steering)
    fragment = web.get(f"/board?{END}", headers=HTMX).text
    assert "<!doctype html>" not in fragment
    assert '<div id="board">' in fragment and 'hx-swap-oob="true"' in fragment  # field choices follow the year
    score = web.get(f"/board/units/{actors.unit_a.id}/score?{END}", headers=HTMX).text
    assert "<!doctype html>" not in score and 'id="board-score"' in score and 'class="empty"' in score  # no rule yet
    page = web.get(f"/board/units/{actors.unit_a.id}/tasks?{END}&state=all").text
    assert "<!doctype html>" in page and page.count("data-task=") == 28


def test_the_score_drill_down_lists_every_criterion_with_its_explanation(web, actors):
    stepped_rule()
    stp_plan(actors.unit_a)
    web.login(actors.steering)
    fragment = web.get(f"/board/units/{actors.unit_a.id}/score?{END}", headers=HTMX).text
    assert fragment.count("data-criterion=") == 5
    assert "26/28 = 92,86%" in fragment and "18/01/2024" in fragment
    assert f'href="/scoring/2024/units/{actors.unit_a.id}"' in fragment


def test_without_a_rule_the_points_columns_show_a_dash(web, actors):
    stp_plan(actors.unit_a)
    web.login(actors.steering)
    page = web.get(f"/board?{END}").text
    row = unit_row(page, "STP")
    assert "26/28 — 92,86%" in row and "3,00" not in row and row.count(">—</span>") == 2
    assert 'class="board-note no-rule"' in page


@pytest.mark.parametrize("query", ["year=abc", "year=2024&component=9", "year=2024&component=x",
                                   "year=2024&as_of=2024-13-01", "year=2024&sort=worst", "year=1999"])
def test_bad_parameters_are_a_400_with_a_message(web, actors, query):
    web.login(actors.steering)
    response = web.get(f"/board?{query}")
    assert response.status_code == 400
    assert re.search(r"<p>[^<]{10,}</p>", response.text)  # the error page says what is wrong


def test_bad_drill_down_parameters_are_refused_too(web, actors):
    web.login(actors.steering)
    assert web.get(f"/board/units/{actors.unit_a.id}/tasks?{END}&state=lost").status_code == 400
    assert web.get(f"/board/units/999999/tasks?{END}").status_code == 404
    component_message = web.get("/board?year=2024&component=9").text
    assert "8" in re.search(r"<p>([^<]+)</p>", component_message).group(1)


def test_the_plan_page_at_a_cut_off_shows_each_tasks_state_then(web, actors):
    plan = make_plan(actors.unit_a, 2024, {"F": [TaskSpec("Xong tháng 9", D(2024, 12, 31), "done", D(2024, 9, 9)),
                                                 TaskSpec("Dời hạn", D(2024, 9, 30), "in_progress")]})
    moved = Task.objects().where(Task.content == "Dời hạn").first().run_sync()
    TaskDeadline(task=moved.id, changed_on=D(2024, 7, 15), old_due=D(2024, 6, 15), new_due=D(2024, 9, 30)).save().run_sync()
    web.login(actors.steering)
    today = web.get(f"/plans/{plan.id}").text
    assert 'class="badge done_on_time"' in today and "as-of-banner" not in today
    then = web.get(f"/plans/{plan.id}?as_of=2024-06-30").text
    assert 'class="badge done_on_time"' not in then and "09/09/2024" not in then
    assert then.count('class="badge overdue"') == 1 and "15/06/2024" in then  # judged by the deadline then
    assert "as-of-banner" in then and "30/06/2024" in then and 'href="/board?year=2024&as_of=2024-06-30"' in then


def test_a_snapshot_of_the_plan_offers_no_edit_controls(web, actors):
    plan = make_plan(actors.unit_a, 2024, {"F": [TaskSpec("a", D(2024, 6, 30))]})
    web.login(actors.focal_a)
    assert "/fields/" in web.get(f"/plans/{plan.id}").text
    snapshot = web.get(f"/plans/{plan.id}?as_of=2024-06-30").text
    assert "/fields/" not in snapshot and "/board?" not in snapshot  # a focal point has no board to go back to


def test_choosing_another_year_resets_the_cut_off_to_that_years_default(web, actors):
    stp_plan(actors.unit_a)
    web.login(actors.steering)
    # The form still carries the cut-off of the year shown before (2026); 2024 starts at its own year end.
    page = web.get("/board?year=2024&as_of=2026-11-20&as_of_year=2026", headers=HTMX)
    assert 'data-as-of="2024-12-31"' in page.text and 'value="31/12/2024"' in page.text
    kept = web.get("/board?year=2024&as_of=2024-06-30&as_of_year=2024", headers=HTMX)
    assert 'data-as-of="2024-06-30"' in kept.text


def _board_of(blocks: dict[str, int]):
    from board.build import Block, Board, Row
    from board.queries import Filter
    from tasks.counting import Counts

    made = [Block(name, rows=[Row({"id": i, "name": f"{name} {i}", "code": f"{name}{i}"}, None, Counts(), None, None)
                              for i in range(n)]) for name, n in blocks.items()]
    return Board(Filter(2024, D(2024, 12, 31)), made)


def test_a_page_of_the_board_crosses_blocks_and_keeps_its_place():
    from board.build import page_of

    board = _board_of({"A": 3, "B": 4})
    first = page_of(board, 1, size=2)
    assert (first.number, first.pages, first.first, first.last, first.total) == (1, 4, 1, 2, 7)
    assert [(b.name, [r.unit["code"] for r in rows]) for b, rows in first.blocks] == [("A", ["A0", "A1"])]
    second = page_of(board, 2, size=2)  # the last row of A and the first of B, each under its own block
    assert [(b.name, [r.unit["code"] for r in rows]) for b, rows in second.blocks] == [("A", ["A2"]), ("B", ["B0"])]
    assert page_of(board, 99, size=2).number == 4 and page_of(board, 0, size=2).number == 1  # clamped
    assert [r.unit["code"] for _, rows in page_of(board, 4, size=2).blocks for r in rows] == ["B3"]
    empty = page_of(_board_of({}), 1)
    assert (empty.pages, empty.first, empty.last, empty.blocks) == (1, 0, 0, [])


def test_one_page_boards_have_no_pager_and_a_page_out_of_range_shows_the_last(web, actors):
    stepped_rule()
    stp_plan(actors.unit_a)
    web.login(actors.steering)
    page = web.get(f"/board?{END}&page=7")
    assert page.status_code == 200 and 'data-unit="STP"' in page.text
    assert "board-pages" not in page.text
    assert web.get(f"/board?{END}&page=x").status_code == 400


def test_a_board_longer_than_a_page_is_paged_with_links_that_keep_the_filter(web, actors):
    from app.tables import Unit
    from board.build import PAGE_SIZE

    Unit.insert(*[Unit(code=f"X{i:03d}", name=f"Xã số {i:03d}", kind="commune", block="Khối xã")
                  for i in range(PAGE_SIZE + 1)]).run_sync()
    web.login(actors.steering)
    first = web.get(f"/board?{END}&block=Khối xã&sort=name").text
    assert 'data-unit="X000"' in first and f'data-unit="X{PAGE_SIZE:03d}"' not in first
    assert f"Đơn vị 1–{PAGE_SIZE} trên tổng số {PAGE_SIZE + 1}; trang 1/2" in first
    assert "&amp;sort=name&amp;page=2" in first and "Trang sau" in first and "Trang trước" not in first
    second = web.get(f"/board?{END}&block=Khối xã&sort=name&page=2").text
    assert f'data-unit="X{PAGE_SIZE:03d}"' in second and 'data-unit="X000"' not in second
    assert "trang 2/2" in second and "Trang trước" in second
    assert second.count('data-block="Khối xã"') == 1  # the page's rows sit under their block's heading
