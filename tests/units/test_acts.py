"""Acts on units through the pages: create, rename, change block, end; each with its decision, its history and its
audit row, and each refusal writing nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.tables import AuditEvent, Unit, User
from tests.builders import count, make_unit
from units.tables import UnitEvent

pytestmark = pytest.mark.usefixtures("actors")
DECISION = {"decision_number": "1234/QĐ-UBND", "decision_date": "01/03/2026"}


def unit(code: str) -> Unit:
    return Unit.objects().where(Unit.code == code).first().run_sync()


def events(unit_id: int) -> list[tuple[str, dict, dict]]:
    rows = UnitEvent.select().where(UnitEvent.unit == unit_id).order_by(UnitEvent.id).run_sync()
    return [(r["action"], _plain(r["before"]), _plain(r["after"])) for r in rows]


def _plain(value):
    return json.loads(value) if isinstance(value, str) else value


def audit_actions() -> list[str]:
    return [r["action"] for r in AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id).run_sync()]


def test_the_secretariat_creates_a_unit_and_renames_it_with_its_history_kept(web, actors):
    web.login(actors.secretariat)
    response = web.post("/units", {"code": "snv", "name": "Sở Nội vụ", "kind": "department",
                                   "block": "Khối sở, ban, ngành", **DECISION})
    assert response.status_code == 303, response.text
    created = unit("SNV")
    assert created.effective_from == dt.date(2026, 3, 1)
    response = web.post(f"/units/{created.id}", {"name": "Sở Nội vụ và Lao động", "block": "Khối sở, ban, ngành",
                                                 "kind": "department", "decision_number": "55/QĐ-UBND",
                                                 "decision_date": "01/07/2026"})
    assert response.status_code == 303, response.text
    assert unit("SNV").name == "Sở Nội vụ và Lao động"
    assert [e[0] for e in events(created.id)] == ["created", "renamed"]
    assert events(created.id)[1][1:] == ({"name": "Sở Nội vụ"}, {"name": "Sở Nội vụ và Lao động"})
    page = web.get(f"/units/{created.id}").text
    assert "Sở Nội vụ</td>" in page and "55/QĐ-UBND" in page and "01/07/2026" in page
    assert audit_actions()[-2:] == ["unit_created", "unit_changed"]


def test_moving_a_unit_to_another_block_is_recorded_as_such(web, actors):
    web.login(actors.admin)
    response = web.post(f"/units/{actors.unit_a.id}", {"name": "Sở Tư pháp", "block": "Khối cơ quan Đảng",
                                                       "kind": "department", **DECISION})
    assert response.status_code == 303
    assert unit("STP").block == "Khối cơ quan Đảng"
    assert events(actors.unit_a.id) == [("block", {"block": "Khối sở, ban, ngành"}, {"block": "Khối cơ quan Đảng"})]


@pytest.mark.parametrize("missing, field", [("decision_number", "decision_number"),
                                            ("decision_date", "decision_date")])
def test_an_act_without_its_decision_is_refused_and_writes_nothing(web, actors, missing, field):
    web.login(actors.secretariat)
    response = web.post("/units", {"code": "SNV", "name": "Sở Nội vụ", "kind": "department",
                                   **{**DECISION, missing: ""}})
    assert response.status_code == 400
    assert f'data-error="{field}"' in response.text
    assert count(Unit) == 2 and count(UnitEvent) == 0 and "unit_created" not in audit_actions()


def test_a_badly_written_date_or_a_taken_code_is_refused_next_to_its_field(web, actors):
    web.login(actors.secretariat)
    bad_date = web.post("/units", {"code": "SNV", "name": "Sở Nội vụ", "kind": "department",
                                   "decision_number": "1", "decision_date": "31/02/2026"})
    taken = web.post("/units", {"code": "stp", "name": "Sở khác", "kind": "department", **DECISION})
    assert bad_date.status_code == 400 and 'data-error="decision_date"' in bad_date.text
    assert taken.status_code == 400 and 'data-error="code"' in taken.text and "STP" in taken.text
    assert count(Unit) == 2 and count(UnitEvent) == 0


def test_ending_a_unit_sets_its_last_day_successor_and_moves_its_accounts(web, actors):
    web.login(actors.secretariat)
    response = web.post(f"/units/{actors.unit_a.id}/end", {"successor": str(actors.unit_b.id), "accounts": "move",
                                                           f"account.{actors.head_a.id}": "end", **DECISION})
    assert response.status_code == 303, response.text
    ended = unit("STP")
    assert (ended.effective_to, ended.successor) == (dt.date(2026, 2, 28), actors.unit_b.id)
    focal = User.objects().where(User.id == actors.focal_a.id).first().run_sync()
    head = User.objects().where(User.id == actors.head_a.id).first().run_sync()
    assert (focal.unit, focal.active) == (actors.unit_b.id, True)
    assert (head.unit, head.active) == (actors.unit_a.id, False)
    assert events(ended.id)[0][0] == "ended" and events(ended.id)[0][2]["successor"] == "SCT"
    assert "unit_ended" in audit_actions()
    # The ended unit's page offers no act any more, and the list of units in force leaves it out.
    assert 'id="end"' not in web.get(f"/units/{ended.id}").text
    assert 'data-unit="STP"' not in web.get("/units").text
    assert 'data-unit="STP"' in web.get("/units?show=ended").text


def test_an_ended_unit_cannot_be_ended_again(web, actors):
    web.login(actors.secretariat)
    assert web.post(f"/units/{actors.unit_a.id}/end", {"accounts": "end", **DECISION}).status_code == 303
    again = web.post(f"/units/{actors.unit_a.id}/end", {"accounts": "end", "decision_number": "2/QĐ",
                                                        "decision_date": "01/05/2026"})
    assert again.status_code == 400 and "đã kết thúc" in again.text
    renamed = web.post(f"/units/{actors.unit_a.id}", {"name": "Tên mới", **DECISION})
    assert renamed.status_code == 400 and 'id="form-errors"' in renamed.text
    assert unit("STP").effective_to == dt.date(2026, 2, 28) and unit("STP").name == "Sở Tư pháp"
    assert [e[0] for e in events(actors.unit_a.id)] == ["ended"]


def test_the_successor_must_be_in_force_on_the_date(web, actors):
    old = make_unit("HDM", "Huyện Đắk Mil", "district")
    Unit.update({Unit.effective_to: dt.date(2025, 6, 30)}).where(Unit.id == old.id).run_sync()
    web.login(actors.secretariat)
    response = web.post(f"/units/{actors.unit_a.id}/end", {"successor": str(old.id), **DECISION})
    assert response.status_code == 400 and 'data-error="successor"' in response.text
    assert unit("STP").effective_to is None and count(UnitEvent) == 0


def test_a_split_makes_new_units_and_the_first_is_the_successor(web, actors):
    web.login(actors.secretariat)
    response = web.post(f"/units/{actors.unit_a.id}/split", {
        "new.0.code": "STP1", "new.0.name": "Sở Tư pháp (mới)", "new.0.kind": "department",
        "new.1.code": "TTTG", "new.1.name": "Trung tâm Trợ giúp pháp lý", "new.1.kind": "other",
        "accounts": "move", f"account.{actors.head_a.id}": "new.1", **DECISION})
    assert response.status_code == 303, response.text
    first, second = unit("STP1"), unit("TTTG")
    assert unit("STP").successor == first.id and first.effective_from == dt.date(2026, 3, 1)
    users = {u["id"]: u["unit"] for u in User.select(User.id, User.unit).run_sync()}
    assert users[actors.focal_a.id] == first.id and users[actors.head_a.id] == second.id
    assert events(second.id)[0][2]["from"] == ["STP"]
    assert "unit_split" in audit_actions()


def test_a_split_needs_two_new_units(web, actors):
    web.login(actors.secretariat)
    response = web.post(f"/units/{actors.unit_a.id}/split", {"new.0.code": "STP1", "new.0.name": "Sở mới",
                                                             "new.0.kind": "department", **DECISION})
    assert response.status_code == 400 and 'data-error="new"' in response.text
    assert count(Unit) == 2 and count(UnitEvent) == 0


def test_a_unit_cannot_be_merged_into_itself(web, actors):
    web.login(actors.secretariat)
    response = web.post("/units/merge", {"units": [str(actors.unit_a.id), str(actors.unit_b.id)],
                                         "into": str(actors.unit_a.id), **DECISION})
    assert response.status_code == 400 and "chính nó" in response.text
    assert unit("STP").effective_to is None and unit("SCT").effective_to is None


@pytest.mark.parametrize("who", ["steering", "focal_a", "head_a"])
def test_only_the_admin_and_the_secretariat_see_or_change_units(web, actors, who):
    web.login(getattr(actors, who))
    assert web.get("/units").status_code == 403
    assert web.post("/units", {"code": "X", "name": "X", "kind": "other", **DECISION}).status_code == 403
    assert web.post(f"/units/{actors.unit_a.id}/end", DECISION).status_code == 403
    assert count(Unit) == 2 and unit("STP").effective_to is None


def test_the_units_menu_entry_shows_for_the_secretariat(web, actors):
    web.login(actors.secretariat)
    assert 'href="/units"' in web.get("/plans").text
    web.login(actors.steering)
    assert 'href="/units"' not in web.get("/plans").text


def test_the_list_filters_by_block_kind_and_date(web, actors):
    make_unit("XA1", "Xã Một", "commune", "Khối xã, phường")
    web.login(actors.secretariat)
    assert web.post(f"/units/{actors.unit_b.id}/end", {"accounts": "end", **DECISION}).status_code == 303
    communes = web.get("/units?kind=commune").text
    assert 'data-unit="XA1"' in communes and 'data-unit="STP"' not in communes
    block = web.get("/units?block=Khối sở, ban, ngành").text
    assert 'data-unit="STP"' in block and 'data-unit="XA1"' not in block
    assert 'data-unit="SCT"' in web.get("/units?on=28/02/2026").text
    assert 'data-unit="SCT"' not in web.get("/units?on=01/03/2026").text
