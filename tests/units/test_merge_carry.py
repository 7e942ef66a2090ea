"""A merger carries the open tasks of the merged units into the successor's plan by one approved amendment, so that
every board counts each task once; the merged units leave the boards of later years."""

from __future__ import annotations

import datetime as dt

from amendments.tables import Amendment, AmendmentChange
from app.tables import Unit, User
from board.build import build_board
from board.queries import Filter
from plans.tables import Field, Plan
from tasks.tables import Task
from tests.builders import TaskSpec, make_plan, make_unit, run

YEAR = 2026
DECISION = {"decision_number": "88/QĐ-UBND", "decision_date": f"01/03/{YEAR}"}
THE_DAY = dt.date(YEAR, 3, 1)


def plans(actors):
    """Sở Tư pháp and Sở Công Thương merge into Sở Nội vụ, which has its own issued plan of the year."""
    make_plan(actors.unit_a, YEAR, {"Cải cách thể chế": [TaskSpec("Rà soát văn bản", dt.date(YEAR, 6, 30)),
                                                         TaskSpec("Báo cáo", dt.date(YEAR, 1, 31), "done",
                                                                  dt.date(YEAR, 1, 20))],
                                    "Cải cách TTHC": [TaskSpec("Công khai thủ tục", dt.date(YEAR, 9, 30),
                                                               "in_progress")]})
    make_plan(actors.unit_b, YEAR, {"Cải cách thể chế": [TaskSpec("Kiểm tra văn bản", dt.date(YEAR, 12, 31))]})
    successor = make_unit("SNV", "Sở Nội vụ")
    make_plan(successor, YEAR, {"Cải cách thể chế": [TaskSpec("Tuyên truyền", dt.date(YEAR, 12, 31))],
                                "Chính quyền số": [TaskSpec("Số hóa hồ sơ", dt.date(YEAR, 12, 31))]})
    return successor


def board_totals(year: int, as_of: dt.date) -> dict[str, int]:
    board = run(build_board(Filter(year, as_of)))
    return {r.unit["code"]: r.counts.total for r in board.rows}


def test_merging_into_an_existing_unit_carries_the_open_tasks_counted_once(web, actors):
    successor = plans(actors)
    before = board_totals(YEAR, dt.date(YEAR, 12, 31))
    assert before == {"STP": 3, "SCT": 1, "SNV": 2}
    web.login(actors.secretariat)
    response = web.post("/units/merge", {"units": [str(actors.unit_a.id), str(actors.unit_b.id)],
                                         "into": str(successor.id), "accounts": "move", **DECISION})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/units/{successor.id}?carried=3"

    merged = Unit.select(Unit.code, Unit.effective_to, Unit.successor).where(Unit.code.is_in(["STP", "SCT"])).run_sync()
    assert {(u["effective_to"], u["successor"]) for u in merged} == {(dt.date(YEAR, 2, 28), successor.id)}
    assert User.objects().where(User.id == actors.focal_a.id).first().run_sync().unit == successor.id

    [amendment] = Amendment.select().run_sync()
    assert amendment["status"] == "approved" and amendment["date"] == THE_DAY
    assert amendment["plan"] == Plan.select(Plan.id).where(Plan.unit == successor.id).first().run_sync()["id"]
    assert AmendmentChange.count().where(AmendmentChange.action == "carry").run_sync() == 3
    carried = Task.select(Task.content, Task.carried_from, Task.added_on, Task.field.name.as_alias("field")).where(
        Task.carried_from.is_not_null()).order_by(Task.content).run_sync()
    # Into the field of the same name; "Cải cách TTHC" has none in the successor's plan: its first field.
    assert [(t["content"], t["field"], t["added_on"]) for t in carried] == [
        ("Công khai thủ tục", "Cải cách thể chế", THE_DAY),
        ("Kiểm tra văn bản", "Cải cách thể chế", THE_DAY),
        ("Rà soát văn bản", "Cải cách thể chế", THE_DAY)]
    sources = Task.select(Task.status, Task.cancelled_on).where(
        Task.id.is_in([t["carried_from"] for t in carried])).run_sync()
    assert {(s["status"], s["cancelled_on"]) for s in sources} == {("cancelled", THE_DAY)}

    # Each task counted once, at any cut-off: the old unit's before the merger, the successor's from it.
    after = board_totals(YEAR, dt.date(YEAR, 12, 31))
    assert after["SNV"] == 5
    assert sum(after.values()) - after["SNV"] == 4  # the old plans keep their tasks, cancelled from 01/03
    assert board_totals(YEAR, dt.date(YEAR, 2, 1))["SNV"] == 2
    # Carried once: nothing is left to carry, and the successor's page says what happened.
    page = web.get(f"/units/{successor.id}?carried=3").text
    assert 'id="carried"' in page and 'id="carry"' not in page
    # The merged units leave the boards of later years; the successor stays.
    later = board_totals(YEAR + 1, dt.date(YEAR + 1, 12, 31))
    assert "STP" not in later and "SCT" not in later and "SNV" in later


def test_the_board_links_merged_units_to_their_successor(web, actors):
    successor = plans(actors)
    web.login(actors.secretariat)
    web.post("/units/merge", {"units": [str(actors.unit_a.id), str(actors.unit_b.id)], "into": str(successor.id),
                              **DECISION})
    page = web.get(f"/board?year={YEAR}&as_of=31/12/{YEAR}").text
    assert f'data-successor="{successor.id}"' in page and "01/03/2026" in page
    assert "Sở Công Thương, Sở Tư pháp" in page


def test_merging_into_a_new_unit_waits_for_its_plan_then_carries(web, actors):
    plans(actors)
    web.login(actors.secretariat)
    response = web.post("/units/merge", {"units": [str(actors.unit_a.id), str(actors.unit_b.id)], "into": "new",
                                         "new.code": "SKT", "new.name": "Sở Kinh tế", "new.kind": "department",
                                         "new.block": "Khối sở, ban, ngành", **DECISION})
    assert response.status_code == 303, response.text
    new = Unit.objects().where(Unit.code == "SKT").first().run_sync()
    assert new.effective_from == THE_DAY and response.headers["location"] == f"/units/{new.id}"
    page = web.get(f"/units/{new.id}").text
    assert 'id="carry-blocked"' in page and page.count("data-carry-task") == 3
    assert Amendment.count().run_sync() == 0

    make_plan(new, YEAR, {"Cải cách hành chính": [TaskSpec("Kiện toàn bộ máy", dt.date(YEAR, 6, 30))]})
    field = Field.objects().where(Field.name == "Cải cách hành chính").first().run_sync()
    response = web.post(f"/units/{new.id}/carry", {"field": str(field.id), **DECISION})
    assert response.status_code == 303, response.text
    assert board_totals(YEAR, dt.date(YEAR, 12, 31))["SKT"] == 4
    # Twice is once: nothing is left to carry.
    again = web.post(f"/units/{new.id}/carry", {"field": str(field.id), **DECISION})
    assert again.status_code == 400 and Amendment.count().run_sync() == 1
    assert Task.count().where(Task.carried_from.is_not_null()).run_sync() == 3


def test_carrying_needs_the_decision(web, actors):
    successor = plans(actors)
    web.login(actors.secretariat)
    web.post(f"/units/{actors.unit_a.id}/end", {"successor": str(make_unit("SKT", "Sở Kinh tế").id),
                                                "accounts": "move", **DECISION})
    skt = Unit.objects().where(Unit.code == "SKT").first().run_sync()
    make_plan(skt, YEAR, {"Cải cách thể chế": [TaskSpec("Việc", dt.date(YEAR, 6, 30))]})
    response = web.post(f"/units/{skt.id}/carry", {"decision_number": "", "decision_date": ""})
    assert response.status_code == 400 and 'data-error="decision_number"' in response.text
    assert Amendment.count().run_sync() == 0 and successor


def test_a_draft_successor_plan_is_not_amended_the_page_says_to_issue_it_first(web, actors):
    make_plan(actors.unit_a, YEAR, {"Cải cách thể chế": [TaskSpec("Rà soát văn bản", dt.date(YEAR, 6, 30))]})
    successor = make_unit("SNV", "Sở Nội vụ")
    draft = make_plan(successor, YEAR, {"Cải cách thể chế": [TaskSpec("Tuyên truyền", dt.date(YEAR, 12, 31))]})
    Plan.update({Plan.status: "draft"}).where(Plan.id == draft.id).run_sync()
    web.login(actors.secretariat)
    response = web.post(f"/units/{actors.unit_a.id}/end", {"successor": str(successor.id), **DECISION})
    assert response.status_code == 303 and response.headers["location"] == f"/units/{successor.id}"
    page = web.get(f"/units/{successor.id}").text
    assert 'id="carry-blocked"' in page and "dự thảo" in page
    assert Amendment.count().run_sync() == 0 and Task.count().where(Task.status == "cancelled").run_sync() == 0


def test_the_merge_page_asks_what_becomes_of_each_account_of_the_chosen_units(web, actors):
    successor = make_unit("SNV", "Sở Nội vụ")
    web.login(actors.secretariat)
    page = web.get(f"/units/merge?units={actors.unit_a.id}&units={actors.unit_b.id}").text
    for person in (actors.focal_a, actors.head_a, actors.focal_b):
        assert f'name="account.{person.id}"' in page
    response = web.post("/units/merge", {"units": [str(actors.unit_a.id), str(actors.unit_b.id)],
                                         "into": str(successor.id), "accounts": "move",
                                         f"account.{actors.focal_b.id}": "end", **DECISION})
    assert response.status_code == 303, response.text
    people = {u["id"]: (u["unit"], u["active"]) for u in User.select(User.id, User.unit, User.active).run_sync()}
    assert people[actors.focal_a.id] == (successor.id, True) and people[actors.focal_b.id] == (actors.unit_b.id,
                                                                                                False)


def test_a_carry_dated_before_a_closed_cut_off_is_refused_and_the_merger_stands(web, actors):
    from plans.tables import YearClose

    successor = plans(actors)
    YearClose(year=YEAR, closed_on=dt.date(YEAR, 12, 31), closed_at=clock_now()).save().run_sync()
    web.login(actors.secretariat)
    response = web.post("/units/merge", {"units": [str(actors.unit_a.id)], "into": str(successor.id), **DECISION})
    assert response.status_code == 200 and 'id="carry-error"' in response.text
    assert Unit.objects().where(Unit.code == "STP").first().run_sync().successor == successor.id
    assert Amendment.count().where(Amendment.status != "withdrawn").run_sync() == 0
    assert Task.count().where(Task.carried_from.is_not_null()).run_sync() == 0


def clock_now():
    return dt.datetime(YEAR + 1, 1, 5, tzinfo=dt.timezone.utc)
