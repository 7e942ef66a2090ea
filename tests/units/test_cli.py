"""`parplan unit update|end|merge|import`: the same acts as the pages; bad input exits 2 and says why."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from amendments.tables import Amendment
from app.cli import main
from app.tables import Unit, User
from tests.builders import TaskSpec, count, make_plan, make_unit
from tests.units.lists import units_xlsx
from units.tables import UnitEvent


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def unit(code: str) -> Unit:
    return Unit.objects().where(Unit.code == code).first().run_sync()


def test_update_renames_and_moves_a_unit_by_decision(actors):
    result = invoke("unit", "update", "stp", "--name", "Sở Tư pháp tỉnh", "--block", "Khối nội chính",
                    "--decision", "12/QĐ-UBND", "--date", "2026-02-01")
    assert result.exit_code == 0, result.output
    assert (unit("STP").name, unit("STP").block) == ("Sở Tư pháp tỉnh", "Khối nội chính")
    actions = UnitEvent.select(UnitEvent.action, UnitEvent.decision_date).order_by(UnitEvent.id).run_sync()
    assert [(a["action"], a["decision_date"]) for a in actions] == [("renamed", dt.date(2026, 2, 1)),
                                                                    ("block", dt.date(2026, 2, 1))]


def test_end_names_the_successor_and_can_end_the_accounts(actors):
    result = invoke("unit", "end", "STP", "--successor", "SCT", "--decision", "13/QĐ-UBND", "--date", "2026-03-01",
                    "--accounts", "end")
    assert result.exit_code == 0, result.output
    assert (unit("STP").effective_to, unit("STP").successor) == (dt.date(2026, 2, 28), actors.unit_b.id)
    assert not User.objects().where(User.id == actors.focal_a.id).first().run_sync().active


def test_merge_into_a_new_unit_carries_the_open_tasks_when_its_plan_exists(actors):
    make_plan(actors.unit_a, 2026, {"Thể chế": [TaskSpec("Rà soát", dt.date(2026, 6, 30))]})
    snv = make_unit("SNV", "Sở Nội vụ")
    make_plan(snv, 2026, {"Thể chế": [TaskSpec("Tuyên truyền", dt.date(2026, 12, 31))]})
    result = invoke("unit", "merge", "STP", "SCT", "--into", "SNV", "--decision", "14/QĐ-UBND", "--date",
                    "2026-03-01", "--by", actors.secretariat.email)
    assert result.exit_code == 0, result.output
    assert "1" in result.output.splitlines()[-1]
    assert {unit("STP").successor, unit("SCT").successor} == {snv.id}
    assert Amendment.select(Amendment.status).first().run_sync()["status"] == "approved"
    assert User.objects().where(User.id == actors.focal_b.id).first().run_sync().unit == snv.id

    fresh = invoke("unit", "merge", "SNV", "--into", "SKT", "--name", "Sở Kinh tế", "--decision", "15/QĐ-UBND",
                   "--date", "2026-07-01")
    assert fresh.exit_code == 0, fresh.output
    assert unit("SKT").effective_from == dt.date(2026, 7, 1) and unit("SNV").successor == unit("SKT").id
    assert "chưa có kế hoạch" in fresh.output  # its open tasks wait for the new unit's plan


def test_without_by_the_open_tasks_wait_on_the_units_page(actors):
    make_plan(actors.unit_a, 2026, {"Thể chế": [TaskSpec("Rà soát", dt.date(2026, 6, 30))]})
    make_plan(actors.unit_b, 2026, {"Thể chế": [TaskSpec("Tuyên truyền", dt.date(2026, 12, 31))]})
    result = invoke("unit", "end", "STP", "--successor", "SCT", "--decision", "16/QĐ-UBND", "--date", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert f"/units/{actors.unit_b.id}" in result.output and Amendment.count().run_sync() == 0


def test_bad_input_exits_2_with_the_reason_and_changes_nothing(actors):
    cases = [
        (("unit", "end", "NONE", "--decision", "1", "--date", "2026-03-01"), "NONE"),
        (("unit", "end", "STP", "--successor", "STP", "--decision", "1", "--date", "2026-03-01"), "chính nó"),
        (("unit", "end", "STP", "--decision", " ", "--date", "2026-03-01"), "số"),
        (("unit", "update", "STP", "--decision", "1", "--date", "2026-03-01"), ""),
        (("unit", "merge", "STP", "--into", "STP", "--decision", "1", "--date", "2026-03-01"), "chính nó"),
        (("unit", "end", "STP", "--decision", "1", "--date", "01/03/2026"), "01/03/2026"),
        (("unit", "end", "STP", "--decision", "1", "--date", "2026-03-01", "--by", "daumoi.a@example.vn"),
         "daumoi.a@example.vn"),
    ]
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code == 2 and message in result.output, (args, result.exit_code, result.output)
    assert unit("STP").effective_to is None and count(UnitEvent) == 0


def test_import_saves_all_or_nothing(actors, tmp_path):
    bad = tmp_path / "sai.xlsx"
    bad.write_bytes(units_xlsx([("SNV", "Sở Nội vụ", "sở", ""), ("XDM", "", "xã", "")]))
    result = invoke("unit", "import", str(bad))
    assert result.exit_code == 2 and "Row 4, column B" not in "" and "4" in result.output and "B" in result.output
    assert count(Unit) == 2
    good = tmp_path / "dung.xlsx"
    good.write_bytes(units_xlsx([("SNV", "Sở Nội vụ", "sở", "", "a@snv.vn", "A", "", "")]))
    result = invoke("unit", "import", str(good))
    assert result.exit_code == 0, result.output
    assert count(Unit) == 3 and User.objects().where(User.email == "a@snv.vn").first().run_sync().unit == unit(
        "SNV").id
