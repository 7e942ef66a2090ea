"""The pure rules of units over time: the date is passed in."""

from __future__ import annotations

import datetime as dt

from units import rules

D = dt.date


def test_an_act_taking_effect_on_a_day_ends_the_old_unit_the_day_before():
    assert rules.last_day(D(2025, 3, 1)) == D(2025, 2, 28)
    ended = {"effective_from": None, "effective_to": rules.last_day(D(2025, 3, 1))}
    assert rules.in_force(ended, D(2025, 2, 28)) and not rules.in_force(ended, D(2025, 3, 1))
    assert rules.in_force({"effective_from": D(2025, 3, 1), "effective_to": None}, D(2025, 3, 1))
    assert rules.in_force({}, D(1990, 1, 1))


def test_a_decision_needs_a_number_and_a_date():
    assert set(rules.decision_errors(" ", None)) == {"decision_number", "decision_date"}
    assert rules.decision_errors("1/QĐ", D(2025, 3, 1)) == {}


def test_a_unit_ends_once_and_only_after_it_starts():
    unit = {"name": "Sở A", "effective_from": D(2025, 7, 1), "effective_to": None}
    assert rules.ending_errors(unit, D(2025, 7, 1)) is not None
    assert rules.ending_errors(unit, D(2025, 7, 2)) is None
    assert rules.ending_errors({**unit, "effective_to": D(2025, 12, 31)}, D(2026, 3, 1)) is not None


def test_the_successor_is_another_unit_in_force_on_the_day():
    a = {"id": 1, "name": "A", "effective_from": None, "effective_to": None}
    b = {"id": 2, "name": "B", "effective_from": D(2025, 7, 1), "effective_to": None}
    assert rules.successor_errors(a, [a], D(2025, 8, 1)) is not None
    assert rules.successor_errors(b, [a], D(2025, 6, 30)) is not None
    assert rules.successor_errors(b, [a], D(2025, 7, 1)) is None
    assert rules.successor_errors(None, [a], D(2025, 7, 1)) is not None


def test_a_new_units_code_name_and_kind_are_checked():
    assert set(rules.unit_errors("bad code!", "", "planet")) == {"code", "name", "kind"}
    assert rules.unit_errors("SNV", "Sở Nội vụ", "department") == {}
