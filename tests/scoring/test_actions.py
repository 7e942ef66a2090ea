"""Scoring writes and the pure helpers around them: the rule form, the history's sentences, entered points."""

from decimal import Decimal

import pytest

from app.i18n import set_locale
from scoring import actions, forms
from scoring.changes import describe_changes
from scoring.examples import proportional, stepped
from scoring.rules import dump_rule, parse_rule
from scoring.tables import ManualScore, ScoringRule, ScoringRuleVersion
from tests.builders import NOW, count, run


@pytest.fixture
def english():
    set_locale("en")
    yield
    set_locale("vi")


def saved(example=stepped, year=2024) -> dict:
    return dump_rule(parse_rule(example(year)))


def flat(values: dict) -> dict[str, str]:
    """The edit form's fields as a browser posts them."""
    data = {k: str(v) for k, v in values.items() if k not in forms.TABLES and k != "count_late"}
    if values["count_late"]:
        data["count_late"] = "on"
    for table in forms.TABLES:
        for i, row in enumerate(values[table]):
            data.update({f"{table}.{i}.{c}": str(v) for c, v in row.items() if v})
    return {**data, "change_note": "Sửa theo Quyết định 12/QĐ-UBND"}


# The history's sentences ----------------------------------------------------------------------------

def test_the_first_version_reads_as_created(english):
    assert describe_changes(None, saved()) == ["Rule created."]


def test_a_criterions_new_maximum_is_named_with_its_code_and_both_values(english):
    before = saved()
    after = saved()
    after["criteria"][1]["max_points"] = "3"
    after["components"][0]["max_points"] = "7"
    changes = describe_changes(before, after)
    assert "Criterion 1.2 max points: 2 → 3" in changes
    assert "Component 1 max points: 6 → 7" in changes


def test_changed_bands_show_the_old_and_the_new_bands(english):
    changes = describe_changes(saved(), {**saved(), "bands": saved(proportional)["bands"]})
    assert changes == ["Bands: from 90%: 2 (Fixed points); from 70% to under 90%: 1 (Fixed points); "
                       "from 0% to under 70%: 0 (Fixed points) → from 100%: 3 (Fixed points); "
                       "from 80% to under 100%: 3 (Points × completion ratio); from 0% to under 80%: 0 (Fixed points)"]


def test_an_added_criterion_and_a_new_deadline_are_both_listed(english):
    after = saved()
    after["criteria"].append({"code": "1.6", "name": "Khảo sát", "max_points": "0.5", "source": "manual"})
    after["plan_deadline"] = "2024-02-15"
    changes = describe_changes(saved(), after)
    assert "Plan deadline: 31 Jan 2024 → 15 Feb 2024" in changes
    assert "Criterion 1.6 added: Khảo sát, at most 0.5 points." in changes


def test_numbers_in_the_history_are_written_the_vietnamese_way():
    after = saved()
    after["plan_late_points"] = "0.25"
    assert describe_changes(saved(), after)[0].endswith("0,5 → 0,25")


# The rule form ------------------------------------------------------------------------------------

def test_the_saved_rule_read_back_from_its_form_is_the_same_rule():
    rule, values, errors = forms.rule_form(flat(forms.rule_values(saved())))
    assert errors == {}
    assert dump_rule(rule) == saved()


def test_empty_and_removed_rows_are_left_out_and_an_error_keeps_its_rows_number_on_the_form():
    values = forms.rule_values(saved())
    values["bands"][0]["remove"] = "on"  # the top band goes…
    values["bands"][1]["lower"] = "bảy mươi"  # …and the next one is mistyped: document row 0, form row 1
    rule, _values, errors = forms.rule_form(flat(values))
    assert rule is None
    assert list(errors) == ["bands.1.lower"]


def test_a_missing_change_note_and_a_bad_deadline_are_both_reported():
    data = flat(forms.rule_values(saved()))
    data.update(change_note=" ", plan_deadline="31/13/2024")
    _rule, _values, errors = forms.rule_form(data)
    assert set(errors) == {"change_note", "plan_deadline"}


def test_a_component_number_that_is_not_a_whole_number_is_shown_on_its_row():
    data = flat(forms.rule_values(saved()))
    data["components.2.number"] = "3a"
    _rule, _values, errors = forms.rule_form(data)
    assert "components.2.number" in errors


# Creating, copying and saving rules ------------------------------------------------------------------

def test_a_second_rule_for_the_same_year_and_block_raises_and_writes_nothing(actors):
    run(actions.create_rule(2024, "", saved(), actors.secretariat, NOW, "v1"))
    with pytest.raises(actions.RuleExists):
        run(actions.create_rule(2024, "", saved(proportional), actors.secretariat, NOW, "v1"))
    assert (count(ScoringRule), count(ScoringRuleVersion)) == (1, 1)


def test_copying_a_rule_a_year_on_moves_its_deadline_and_the_year_in_its_name():
    body = actions.shift_year(saved(year=2024), 2024, 2025)
    assert body["plan_deadline"] == "2025-01-31"
    assert body["name"].endswith("(theo Cà Mau 2013), năm 2025")


def test_a_29_february_deadline_moves_to_the_28th_in_a_common_year():
    assert actions.shift_year({"plan_deadline": "2024-02-29", "name": "x"}, 2024, 2025)["plan_deadline"] == "2025-02-28"


def test_a_save_on_a_stale_version_raises_and_writes_nothing(actors):
    row = run(actions.create_rule(2024, "", saved(), actors.secretariat, NOW, "v1"))
    rule = parse_rule({**saved(), "name": "Quy tắc mới"})
    assert run(actions.save_rule(row.id, rule, 1, actors.secretariat, NOW, "đổi tên")) == 2
    with pytest.raises(actions.Stale):
        run(actions.save_rule(row.id, parse_rule(saved()), 1, actors.admin, NOW, "cũ"))
    assert count(ScoringRuleVersion) == 2
    assert ScoringRule.select(ScoringRule.version).first().run_sync()["version"] == 2


# Entered points -------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, evidence, error", [
    ("1,5", False, None), ("0", False, None), ("1", True, None), ("1", False, "comment"),
    ("2,5", True, "points"), ("-1", True, "points"), ("một", True, "points"), ("0,0001", True, "points"),
], ids=["comma-with-explanation", "zero", "with-evidence", "no-explanation", "over-max", "negative", "words",
        "too-precise"])
def test_the_points_form_asks_for_an_explanation_only_when_points_come_without_evidence(raw, evidence, error):
    comment = "Đủ 4 báo cáo quý" if raw == "1,5" else ""
    _values, errors = forms.manual_form({"points": raw, "comment": comment}, Decimal("2"), evidence)
    assert list(errors) == ([error] if error else [])


def test_points_written_with_a_decimal_comma_are_read_exactly():
    values, _errors = forms.manual_form({"points": "1,25", "comment": "Đủ"}, Decimal("2"), False)
    assert values["value"] == Decimal("1.25")


def test_an_entry_made_on_a_stale_copy_is_refused_and_the_current_entry_stays(actors):
    unit = actors.unit_a.id
    first = run(actions.enter_score(unit, 2024, "1.3", Decimal(1), "Đủ", None, None, actors.secretariat, NOW))
    with pytest.raises(actions.Stale):
        run(actions.enter_score(unit, 2024, "1.3", Decimal(0), "Thiếu", None, None, actors.admin, NOW))
    current = ManualScore.select().where(ManualScore.replaced_at.is_null()).run_sync()
    assert [r["id"] for r in current] == [first.id]


def test_a_racing_create_stopped_by_the_unique_index_reads_as_an_existing_rule(actors, monkeypatch):
    run(actions.create_rule(2024, "", saved(), actors.secretariat, NOW, "v1"))

    async def not_yet(year, block):  # the other request's insert lands between our check and our insert
        return False

    monkeypatch.setattr(actions, "rule_exists", not_yet)
    with pytest.raises(actions.RuleExists):
        run(actions.create_rule(2024, "", saved(proportional), actors.admin, NOW, "v1"))
    assert (count(ScoringRule), count(ScoringRuleVersion)) == (1, 1)
