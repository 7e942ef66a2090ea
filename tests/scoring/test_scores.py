"""One way to score a unit: the board, its points pop-up, the score page and the API show the same figures."""

import datetime as dt
import re

from scoring import examples
from scoring.scores import scores_at, unit_score
from scoring.tables import ScoringRule
from tests.builders import TaskSpec, make_plan, make_unit, run

D = dt.date
END = "year=2024&as_of=2024-12-31"
HTMX = {"hx-request": "true"}


def proportional_rule():
    ScoringRule(year=2024, block="", body=examples.proportional(2024)).save().run_sync()


def plan_done(unit, done: int, total: int = 28):
    tasks = [TaskSpec(f"Việc {i}", D(2024, 6, 30), "done", D(2024, 6, 1)) for i in range(done)]
    tasks += [TaskSpec(f"Còn {i}", D(2024, 12, 31), "in_progress") for i in range(total - done)]
    return make_plan(unit, 2024, {"Cải cách thể chế": tasks})


def test_the_pop_up_the_board_the_score_page_and_the_api_show_the_same_rounded_points(web, client, actors):
    from app import clock
    from app.tokens import create_token

    proportional_rule()
    plan_done(actors.unit_a, 26)  # 26/28 under the proportional example: 3 × 26/28 = 2,7857… completion points
    web.login(actors.secretariat)
    popup = web.get(f"/board/units/{actors.unit_a.id}/score?{END}", headers=HTMX).text
    sheet = web.get(f"/scoring/2024/units/{actors.unit_a.id}?as_of=31/12/2024").text
    board = web.get(f"/board?{END}").text
    parts = ["1,00", "2,79", "—", "—", "—"]  # issued on time, completion, three criteria nobody scored yet
    assert re.findall(r"data-points>([^<]*)<", popup) == parts == re.findall(r"data-points>([^<]*)<", sheet)
    assert re.search(r"data-total>3,79<", popup) and re.search(r"data-total>3,79<", sheet)
    assert re.search(r"data-rank>1<", sheet)  # the rank the board gives it, on the score page too
    row = re.search(r'<tr class="[^"]*" data-unit="STP">.*?</tr>', board, re.S).group(0)
    assert ">2,79</a>" in row and ">3,79</a>" in row
    assert "2,7857" not in popup and "2,7857" not in row
    token = run(create_token(actors.secretariat, "test", clock.now()))
    body = client.get(f"/api/board?{END}", headers={"Authorization": f"Bearer {token}"}).json()
    stp = next(r for r in body["rows"] if r["unit_code"] == "STP")
    assert stp["component_points_display"] == "3.79" and stp["rank"] == 1


def test_a_units_score_and_rank_are_those_of_its_row_on_the_board():
    proportional_rule()
    a, b, c = make_unit("A", "Sở A"), make_unit("B", "Sở B"), make_unit("C", "Sở C")
    plan_done(a, 26)
    plan_done(b, 28)
    plan_done(c, 26)
    board = {s.unit["code"]: s for s in run(scores_at(2024, D(2024, 12, 31)))}
    assert [board[k].rank for k in "BAC"] == [1, 2, 2]  # equal published scores share a place
    one = run(unit_score({"id": c.id, "block": c.block}, 2024, D(2024, 12, 31)))
    assert (one.rank, one.score.total, one.published) == (2, board["C"].score.total, board["C"].published)


def test_a_unit_outside_the_year_is_scored_without_a_rank():
    proportional_rule()
    gone = make_unit("OLD", "Sở cũ")
    gone.effective_to = D(2020, 12, 31)
    gone.save().run_sync()
    scored = run(unit_score({"id": gone.id, "block": gone.block}, 2024, D(2024, 12, 31)))
    assert scored.rank is None and scored.plan is None and scored.score.total == 0
