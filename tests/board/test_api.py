"""GET /api/board: the board's rows as JSON for board readers, with exact and displayed points."""

import datetime as dt

import pytest

from scoring import examples
from scoring.tables import ScoringRule
from tests.builders import TaskSpec, make_plan, make_unit, run

END = dt.date(2024, 12, 31)
FIELDS = {"unit_code", "unit_name", "block", "total", "done_on_time", "done_late", "in_progress", "not_started",
          "overdue", "cancelled", "ratio", "ratio_value", "points", "component_points", "component_points_display",
          "grade", "rank", "plan_id"}


def token_for(user) -> dict[str, str]:
    from app import clock
    from app.tokens import create_token

    # Created now, not at NOW: a token expires (90 days), and the API checks it against the real clock.
    return {"Authorization": f"Bearer {run(create_token(user, 'test', clock.now()))}"}


def board_plan(unit, done: int = 26, later: dt.date | None = None):
    """`done` tasks done in March, one in progress, one overdue, one cancelled (26/28); `later`: one more done then."""
    tasks = [TaskSpec(f"Việc {i}", END, "done", dt.date(2024, 3, 1)) for i in range(done)]
    tasks += [TaskSpec("Đang làm", END, "in_progress"), TaskSpec("Trễ", dt.date(2024, 6, 30)),
              TaskSpec("Bỏ", END, "cancelled", cancelled_on=dt.date(2024, 2, 1))]
    if later:
        tasks.append(TaskSpec("Làm sau", END, "done", later))
    return make_plan(unit, 2024, {"Cải cách thể chế": tasks})


def add_rule(example):
    ScoringRule(year=2024, block="", body=example(2024)).save().run_sync()


def board(client, user, query: str = "year=2024&as_of=2024-12-31"):
    response = client.get(f"/api/board?{query}", headers=token_for(user))
    assert response.status_code == 200, response.text
    return response.json()


def row(body, code: str) -> dict:
    return next(r for r in body["rows"] if r["unit_code"] == code)


def test_the_board_rows_carry_counts_ratio_points_grade_and_rank(client, actors):
    add_rule(examples.proportional)
    plan = board_plan(actors.unit_a)
    board_plan(actors.unit_b, done=15)
    body = board(client, actors.steering)
    assert {k: body[k] for k in ("year", "as_of", "block", "field", "component")} == {
        "year": 2024, "as_of": "2024-12-31", "block": "", "field": "", "component": None}
    stp = row(body, "STP")
    assert set(stp) == FIELDS
    assert (stp["total"], stp["done_on_time"], stp["in_progress"], stp["overdue"], stp["cancelled"]) == (29, 26, 1, 1, 1)
    assert stp["ratio"] == "26/28" and stp["ratio_value"] == pytest.approx(0.928571, abs=1e-6)
    assert stp["points"] == pytest.approx(2.7857) and stp["component_points"] == pytest.approx(3.7857)
    assert stp["component_points_display"] == "3.79" and stp["grade"] == "Nhóm I"
    assert stp["rank"] == 1 and stp["plan_id"] == plan.id and stp["unit_name"] == "Sở Tư pháp"
    sct = row(body, "SCT")  # 15/17 = 88.2%: 3 × ratio, the second group
    assert sct["rank"] == 2 and sct["points"] == pytest.approx(2.6471) and sct["grade"] == "Nhóm II"
    assert [r["unit_code"] for r in body["rows"]] == ["STP", "SCT"]


def test_the_stepped_example_gives_fixed_points(client, actors):
    add_rule(examples.stepped)
    board_plan(actors.unit_a)
    stp = row(board(client, actors.secretariat), "STP")
    assert stp["points"] == pytest.approx(2) and stp["component_points_display"] == "3.00"
    assert stp["grade"] == "Trung bình"  # 3 of the component's 6 points


def test_without_a_rule_there_are_counts_but_no_points(client, actors):
    board_plan(actors.unit_a)
    stp = row(board(client, actors.admin), "STP")
    assert stp["ratio"] == "26/28" and stp["points"] is None and stp["component_points_display"] is None
    assert stp["rank"] is None and stp["grade"] is None


def test_a_unit_without_tasks_has_no_ratio_value(client, actors):
    board_plan(actors.unit_a)
    sct = row(board(client, actors.steering), "SCT")
    assert sct["ratio"] == "0/0" and sct["ratio_value"] is None and sct["plan_id"] is None


def test_the_cut_off_is_honoured(client, actors):
    add_rule(examples.proportional)
    board_plan(actors.unit_a, later=dt.date(2024, 9, 1))
    june = row(board(client, actors.steering, "year=2024&as_of=2024-06-30"), "STP")
    december = row(board(client, actors.steering), "STP")
    assert june["ratio"] == "26/29" and june["done_on_time"] == 26
    assert december["ratio"] == "27/29"


def test_a_past_year_defaults_to_its_last_day(client, actors):
    body = board(client, actors.steering, "year=2024")
    assert body["as_of"] == "2024-12-31"


def test_the_block_filter_keeps_only_that_blocks_units(client, actors):
    district = make_unit("HX", "UBND huyện X", kind="district", block="Khối huyện")
    board_plan(actors.unit_a)
    board_plan(district, done=10)
    body = board(client, actors.steering, "year=2024&block=Khối huyện")
    assert body["block"] == "Khối huyện" and [r["unit_code"] for r in body["rows"]] == ["HX"]
    assert body["rows"][0]["ratio"] == "10/12"


def test_a_component_filter_narrows_the_counts_not_the_points(client, actors):
    add_rule(examples.proportional)
    board_plan(actors.unit_a)
    stp = row(board(client, actors.steering, "year=2024&component=2"), "STP")
    assert stp["total"] == 0 and stp["ratio_value"] is None and stp["points"] == pytest.approx(2.7857)


def test_no_token_gets_401_and_a_focal_points_token_403(client, actors):
    assert client.get("/api/board?year=2024").status_code == 401
    refused = client.get("/api/board?year=2024", headers=token_for(actors.focal_a))
    assert refused.status_code == 403 and refused.json()["status_code"] == 403


@pytest.mark.parametrize("query", ["year=2024&as_of=2024-02-30", "year=abc", "year=1999", "year=2024&component=9", ""])
def test_bad_parameters_get_400_json(client, actors, query):
    response = client.get(f"/api/board?{query}", headers=token_for(actors.steering))
    assert response.status_code == 400 and response.json()["status_code"] == 400


def test_the_openapi_schema_documents_the_board(client):
    schema = client.get("/api/schema/openapi.json").json()
    operation = schema["paths"]["/api/board"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"year", "as_of", "block", "field", "component"}
    assert "component_points_display" in schema["components"]["schemas"]["BoardRowOut"]["properties"]
