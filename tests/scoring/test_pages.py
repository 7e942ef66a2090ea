"""The secretariat's scoring pages: rules and their history, a unit's score and the points entered for it."""

import datetime as dt
import json
import re

import pytest

from app.settings import get_settings
from scoring import forms
from scoring.tables import ManualScore, ScoringRule, ScoringRuleVersion
from tests.builders import TaskSpec, count, make_plan

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(54) + b"This program cannot be run in DOS mode."


def in_english(*users):
    for user in users:
        user.language = "en"
        user.save().run_sync()


def files_on_disk() -> set:
    root = get_settings().evidence_dir  # shared by the session's tests: compare before and after
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def create(web, year=2024, block="", example="stepped"):
    return web.post("/scoring/rules", {"year": str(year), "block": block, "example": example})


def the_rule(year=2024, block="") -> dict:
    row = ScoringRule.select().where((ScoringRule.year == year) & (ScoringRule.block == block)).first().run_sync()
    return {**row, "body": json.loads(row["body"]) if isinstance(row["body"], str) else row["body"]}


def edit_form(row: dict, note="Tăng điểm tiêu chí 1.2 theo Quyết định 12/QĐ-UBND") -> dict[str, str]:
    """The edit form as the page fills it, ready to post."""
    values = forms.rule_values(row["body"])
    data = {k: str(v) for k, v in values.items() if k not in forms.TABLES and k != "count_late"}
    data.update(count_late="on" if values["count_late"] else "", version=str(row["version"]), change_note=note)
    for table in forms.TABLES:
        for i, r in enumerate(values[table]):
            data.update({f"{table}.{i}.{c}": v for c, v in r.items()})
    return data


def raised_criterion(row: dict) -> dict[str, str]:
    """Criterion 1.2 (completion) worth 3 instead of 2, and component 1 worth 7 to match."""
    data = edit_form(row)
    data.update({"criteria.1.max_points": "3", "components.0.max_points": "7"})
    return data


def errors_on(html: str) -> set[str]:
    return set(re.findall(r'data-error="([^"]+)"', html))


def points_of(html: str, code: str) -> str:
    row = re.search(rf'data-criterion="{re.escape(code)}">(.*?)</tr>', html, re.S).group(1)
    return re.search(r"data-points>([^<]*)<", row).group(1).strip()


def enter(web, unit, code="1.3", points="1", comment="", file=None, seen=""):
    files = [("files", file)] if file else [("files", ("", b"", "application/octet-stream"))]
    return web.post(f"/scoring/2024/units/{unit.id}/scores",
                    {"criterion": code, "points": points, "comment": comment, "seen": seen}, files=files)


# Rules ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("example, points", [("stepped", "2"), ("proportional", "3")])
def test_the_secretariat_creates_a_rule_from_each_example(web, actors, example, points):
    web.login(actors.secretariat)
    response = create(web, 2024, "", example)
    row = the_rule()
    assert response.status_code == 303 and response.headers["location"] == f"/scoring/rules/{row['id']}"
    assert row["version"] == 1 and row["body"]["criteria"][1]["max_points"] == points
    assert count(ScoringRuleVersion) == 1
    assert row["body"]["name"] in web.get("/scoring").text


def test_a_second_rule_for_the_same_year_and_block_is_refused_next_to_the_block_and_nothing_is_written(web, actors):
    web.login(actors.secretariat)
    create(web, 2024, "", "stepped")
    response = create(web, 2024, "", "proportional")
    assert response.status_code == 400
    assert "block" in errors_on(response.text)
    assert (count(ScoringRule), count(ScoringRuleVersion)) == (1, 1)
    assert the_rule()["body"]["criteria"][1]["max_points"] == "2"  # still the first rule


def test_the_same_year_may_have_a_rule_for_a_block_beside_the_rule_for_every_block(web, actors):
    web.login(actors.secretariat)
    create(web, 2024, "")
    assert create(web, 2024, actors.unit_a.block).status_code == 303
    assert count(ScoringRule) == 2


def test_last_years_rule_is_copied_with_its_deadline_moved_a_year_on(web, actors):
    web.login(actors.secretariat)
    create(web, 2024)
    response = web.post("/scoring/rules/copy", {"source": str(the_rule()["id"]), "year": "2025", "block": ""})
    assert response.status_code == 303
    assert the_rule(2025)["body"]["plan_deadline"] == "2025-01-31"
    assert count(ScoringRuleVersion) == 2


def test_a_saved_edit_bumps_the_version_and_the_history_says_what_changed(web, actors):
    in_english(actors.secretariat)
    web.login(actors.secretariat)
    create(web)
    row = the_rule()
    response = web.post(f"/scoring/rules/{row['id']}", raised_criterion(row))
    assert response.status_code == 303
    saved = the_rule()
    assert saved["version"] == 2 and saved["body"]["criteria"][1]["max_points"] == "3"
    assert count(ScoringRuleVersion) == 2
    history = web.get(f"/scoring/rules/{row['id']}/history").text
    assert "Criterion 1.2 max points: 2 → 3" in history
    assert "Tăng điểm tiêu chí 1.2 theo Quyết định 12/QĐ-UBND" in history


def test_a_band_leaving_a_gap_is_refused_with_the_message_by_the_bands_and_nothing_changes(web, actors):
    web.login(actors.secretariat)
    create(web)
    row = the_rule()
    data = edit_form(row)
    data["bands.1.upper"] = "0,8"  # 70–80% and 90–100%: nothing holds 80–90%
    response = web.post(f"/scoring/rules/{row['id']}", data)
    assert response.status_code == 400
    assert "bands" in errors_on(response.text)
    assert the_rule() == row and count(ScoringRuleVersion) == 1


def test_a_mistyped_band_limit_is_shown_next_to_its_own_input(web, actors):
    web.login(actors.secretariat)
    create(web)
    row = the_rule()
    response = web.post(f"/scoring/rules/{row['id']}", {**edit_form(row), "bands.2.lower": "không"})
    assert response.status_code == 400
    assert "bands.2.lower" in errors_on(response.text)
    assert 'value="không"' in response.text  # what was typed is shown back


def test_an_edit_made_on_a_stale_version_is_refused_and_nothing_is_written(web, actors):
    in_english(actors.secretariat)
    web.login(actors.secretariat)
    create(web)
    row = the_rule()
    assert web.post(f"/scoring/rules/{row['id']}", raised_criterion(row)).status_code == 303
    response = web.post(f"/scoring/rules/{row['id']}", {**edit_form(row), "name": "Bản cũ"})
    assert response.status_code == 409
    assert "Someone else saved this rule meanwhile" in response.text
    assert the_rule()["version"] == 2 and the_rule()["body"]["name"] != "Bản cũ"
    assert count(ScoringRuleVersion) == 2


def test_the_steering_committee_reads_a_rule_and_its_history_but_cannot_save_it(web, actors):
    web.login(actors.secretariat)
    create(web)
    row = the_rule()
    web.login(actors.steering)
    page = web.get(f"/scoring/rules/{row['id']}")
    assert page.status_code == 200 and row["body"]["criteria"][1]["name"] in page.text
    assert f'action="/scoring/rules/{row["id"]}"' not in page.text
    assert web.get(f"/scoring/rules/{row['id']}/history").status_code == 200
    assert web.post(f"/scoring/rules/{row['id']}", raised_criterion(row)).status_code == 403
    rules = web.get("/scoring")  # the list too, read only (access.can_read_scoring)
    assert rules.status_code == 200 and 'action="/scoring/rules"' not in rules.text
    assert create(web, 2025).status_code == 403
    assert the_rule()["version"] == 1


def test_a_focal_point_cannot_open_the_rules_and_sees_only_its_own_units_score(web, actors):
    web.login(actors.secretariat)
    create(web)
    web.login(actors.focal_a)
    assert web.get("/scoring").status_code == 403
    assert web.get(f"/scoring/rules/{the_rule()['id']}").status_code == 403
    assert create(web, 2025).status_code == 403
    assert web.get(f"/scoring/2024/units/{actors.unit_a.id}").status_code == 200
    assert web.get(f"/scoring/2024/units/{actors.unit_b.id}").status_code == 403


# A unit's score -------------------------------------------------------------------------------------

def test_26_of_28_tasks_done_earns_2_points_under_the_stepped_example(web, actors):
    done = [TaskSpec(f"Nhiệm vụ {i}", dt.date(2024, 6, 30), "done", dt.date(2024, 6, 1)) for i in range(26)]
    late = [TaskSpec(f"Nhiệm vụ {i}", dt.date(2024, 6, 30)) for i in (26, 27)]
    make_plan(actors.unit_a, 2024, {"Công tác chỉ đạo, điều hành": done + late})
    web.login(actors.secretariat)
    create(web, 2024, "", "stepped")
    page = web.get(f"/scoring/2024/units/{actors.unit_a.id}?as_of=31/12/2024").text
    assert "<strong data-ratio>26/28</strong>" in page
    assert points_of(page, "1.2") == "2,00"
    assert points_of(page, "1.1") == "1,00"  # issued 18/01, before the 31/01 deadline


def test_a_year_without_a_rule_says_so_and_points_the_secretariat_to_the_rules(web, actors):
    web.login(actors.secretariat)
    page = web.get(f"/scoring/2030/units/{actors.unit_a.id}").text
    assert "data-no-rule" in page and 'href="/scoring"' in page


def test_points_with_neither_evidence_nor_an_explanation_are_refused(web, actors):
    web.login(actors.secretariat)
    create(web)
    response = enter(web, actors.unit_a, points="1")
    assert response.status_code == 400
    assert "comment" in errors_on(response.text)
    assert count(ManualScore) == 0


def test_points_with_a_pdf_as_evidence_are_stored_and_the_unit_can_download_it(web, actors):
    web.login(actors.secretariat)
    create(web)
    response = enter(web, actors.unit_a, points="1", file=("Báo cáo quý.pdf", PDF, "application/pdf"))
    assert response.status_code == 303
    entry = ManualScore.select().first().run_sync()
    assert (entry["evidence_name"], entry["evidence_type"]) == ("Báo cáo quý.pdf", "application/pdf")
    assert entry["comment"] == ""  # the file stands in for the explanation
    web.login(actors.focal_a)
    download = web.get(f"/scoring/evidence/{entry['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20qu%C3%BD.pdf" in download.headers["content-disposition"]
    web.login(actors.focal_b)
    assert web.get(f"/scoring/evidence/{entry['id']}").status_code == 403


def test_an_executable_renamed_to_pdf_is_refused_and_nothing_is_stored(web, actors):
    web.login(actors.secretariat)
    create(web)
    before = files_on_disk()
    response = enter(web, actors.unit_a, points="1", file=("bao-cao.pdf", MZ, "application/pdf"))
    assert response.status_code == 400
    assert "evidence" in errors_on(response.text)
    assert count(ManualScore) == 0 and files_on_disk() == before


def test_a_new_entry_replaces_the_current_one_keeps_its_evidence_and_the_history_shows_both(web, actors):
    web.login(actors.secretariat)
    create(web)
    enter(web, actors.unit_a, points="1", file=("bien-ban.pdf", PDF, "application/pdf"))
    first = ManualScore.select().first().run_sync()
    response = enter(web, actors.unit_a, points="0,5", comment="Chậm 1 báo cáo quý", seen=str(first["id"]))
    assert response.status_code == 303
    rows = ManualScore.select().order_by(ManualScore.id).run_sync()
    assert [r["replaced_at"] is None for r in rows] == [False, True]
    assert rows[1]["evidence_sha256"] == first["evidence_sha256"]  # no new file: the previous one stays
    page = web.get(f"/scoring/2024/units/{actors.unit_a.id}").text
    assert points_of(page, "1.3") == "0,50"
    assert f'data-entry="{rows[0]["id"]}"' in page and f'data-entry="{rows[1]["id"]}"' in page


def test_an_entry_made_without_seeing_the_current_one_is_refused(web, actors):
    web.login(actors.secretariat)
    create(web)
    enter(web, actors.unit_a, points="1", comment="Đủ báo cáo")
    response = enter(web, actors.unit_a, points="0", comment="", seen="")
    assert response.status_code == 409
    assert count(ManualScore) == 1


def test_the_unit_sees_its_score_but_not_the_form_to_enter_points(web, actors):
    web.login(actors.secretariat)
    create(web)
    enter(web, actors.unit_a, points="1", comment="Đủ 4 báo cáo quý")
    web.login(actors.head_a)
    page = web.get(f"/scoring/2024/units/{actors.unit_a.id}").text
    assert "Đủ 4 báo cáo quý" in page and points_of(page, "1.3") == "1,00"
    assert "/scores" not in page
    assert enter(web, actors.unit_a, points="1", comment="Tự chấm").status_code == 403
