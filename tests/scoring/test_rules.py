import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from app.i18n import _current, set_locale
from scoring.examples import proportional, stepped
from scoring.points import Manual, competition_ranks, round_points, score_unit
from scoring.rules import RuleError, dump_rule, parse_rule
from tasks.counting import Counts

D = dt.date
STP = Counts(total=28, done_on_time=24, done_late=2, overdue=2)  # 26 of 28 done


def test_26_of_28_earns_the_full_2_points_under_the_stepped_example():
    score = score_unit(parse_rule(stepped(2024)), STP, D(2024, 1, 18), {})
    assert score.part("completion").points == 2


def test_26_of_28_earns_3_times_the_ratio_under_the_proportional_example():
    score = score_unit(parse_rule(proportional(2024)), STP, D(2024, 1, 18), {})
    assert score.part("completion").points == Fraction(39, 14)
    assert round_points(score.part("completion").points, 2) == Decimal("2.79")


def test_the_stepped_bands_meet_at_their_edges():
    rule = parse_rule(stepped(2024))
    points = [score_unit(rule, Counts(total=10, done_on_time=d), None, {}).part("completion").points for d in (9, 8, 7, 6)]
    assert points == [2, 1, 1, 0]


def test_under_80_percent_earns_nothing_and_100_percent_the_full_points_under_the_proportional_example():
    rule = parse_rule(proportional(2024))
    assert score_unit(rule, Counts(total=10, done_on_time=7, overdue=3), None, {}).part("completion").points == 0
    assert score_unit(rule, Counts(total=10, done_on_time=10), None, {}).part("completion").points == 3


def test_cancelled_tasks_leave_the_denominator_unless_the_rule_counts_them():
    counts = Counts(total=30, done_on_time=26, overdue=2, cancelled=2)
    body = stepped(2024)
    assert score_unit(parse_rule(body), counts, None, {}).part("completion").explanation.startswith("26/28")
    body["denominator"] = "all"
    assert score_unit(parse_rule(body), counts, None, {}).part("completion").explanation.startswith("26/30")


def test_a_rule_can_count_only_tasks_done_on_time():
    body = stepped(2024)
    body["count_late"] = False
    part = score_unit(parse_rule(body), STP, None, {}).part("completion")
    assert part.points == 1 and part.explanation.startswith("24/28")


def test_the_plan_earns_its_points_on_time_half_late_and_nothing_when_not_issued():
    rule = parse_rule(stepped(2024))
    assert score_unit(rule, STP, D(2024, 1, 31), {}).part("plan_issued").points == 1
    assert score_unit(rule, STP, D(2024, 2, 1), {}).part("plan_issued").points == Fraction(1, 2)
    assert score_unit(rule, STP, None, {}).part("plan_issued").points == 0


def test_the_component_total_is_the_exact_sum_rounded_once():
    body = proportional(2024)
    rule = parse_rule(body)
    manual = {"1.3": Manual(Fraction("0.335")), "1.4": Manual(Fraction("0.335")), "1.5": Manual(Fraction(1))}
    score = score_unit(rule, STP, D(2024, 1, 18), manual)
    # 1 + 39/14 + 0.335 + 0.335 + 1 = 5.4557…
    assert score.total == 1 + Fraction(39, 14) + Fraction("0.67") + 1
    assert round_points(score.total, 2) == Decimal("5.46")
    assert round_points(score.total, 1) == Decimal("5.5")
    assert sum(round_points(p.points, 1) for p in score.parts) == Decimal("5.4")  # why rounded parts are never added


def test_published_totals_are_the_rounded_sum_of_unrounded_parts():
    parts = [Fraction("0.125"), Fraction("0.125"), Fraction("0.125")]
    assert round_points(sum(parts), 2) == Decimal("0.38")
    assert sum(round_points(p, 2) for p in parts) == Decimal("0.39")


def test_an_unscored_manual_criterion_counts_as_zero_and_marks_the_score_incomplete():
    score = score_unit(parse_rule(stepped(2024)), STP, D(2024, 1, 18), {})
    assert score.total == 3 and not score.complete


def test_grades_follow_the_rule_basis():
    stepped_rule = parse_rule(stepped(2024))
    full = {c: Manual(Fraction(1)) for c in ("1.3", "1.4", "1.5")}
    assert score_unit(stepped_rule, STP, D(2024, 1, 18), full).grade.label == "Xuất sắc"  # 6/6
    assert score_unit(stepped_rule, STP, None, {}).grade.label == "Yếu"  # 2/6
    group = score_unit(parse_rule(proportional(2024)), STP, None, {}).grade  # 92,86% completion
    assert group.label == "Nhóm I"


def test_rounding_methods_are_exact():
    assert round_points(Fraction(5, 1000), 2, "half_up") == Decimal("0.01")
    assert round_points(Fraction(5, 1000), 2, "half_even") == Decimal("0.00")
    assert round_points(Fraction(99, 10), 0, "down") == Decimal("9")


def test_ranks_share_places_on_equal_scores():
    assert competition_ranks([Fraction(5), Fraction(7), Fraction(5), None, Fraction(3)]) == [2, 1, 2, None, 4]


def test_a_rule_round_trips_through_its_document():
    rule = parse_rule(proportional(2024))
    assert parse_rule(dump_rule(rule)) == rule


@pytest.mark.parametrize("change, field", [
    (lambda b: b["bands"].pop(1), "bands"),  # a gap between 0.7 and 0.9... after removing the middle band
    (lambda b: b["bands"][0].update(points="5"), "bands"),
    (lambda b: b["criteria"][0].update(max_points="abc"), "criteria.0.max_points"),
    (lambda b: b["criteria"][1].update(code="1.1"), "criteria"),
    (lambda b: b["components"][0].update(max_points="9"), "components"),
    (lambda b: b.update(rounding="sideways"), "rounding"),
    (lambda b: b["grades"][0].update(colour="plaid"), "grades.0.colour"),
    (lambda b: b["bands"][0].update(upper="1"), "bands"),  # 100% would fall in no band
    (lambda b: b.update(plan_late_points="Infinity"), "plan_late_points"),
    (lambda b: b.update(plan_late_points="1e-999999999"), "plan_late_points"),
])
def test_a_broken_rule_is_refused_naming_the_field(change, field):
    body = stepped(2024)
    change(body)
    token = set_locale("en")
    try:
        with pytest.raises(RuleError) as info:
            parse_rule(body)
    finally:
        _current.reset(token)
    assert field in info.value.errors


def test_ranks_follow_the_published_rounded_scores():
    a, b = Fraction(8499, 1000), Fraction(8501, 1000)
    assert competition_ranks([round_points(a, 2), round_points(b, 2)]) == [1, 1]
    assert competition_ranks([a, b]) == [2, 1]


def test_a_late_plan_explains_the_points_it_really_earns():
    body = stepped(2024)
    body["plan_late_points"] = "0.5"
    body["criteria"][0]["max_points"] = "0.25"
    body["components"][0]["max_points"] = str(Fraction(525, 100).__float__())
    rule = parse_rule(body)
    part = score_unit(rule, STP, D(2024, 3, 1), {}).part("plan_issued")
    assert part.points == Fraction(1, 4) and "0,25" in part.explanation


def test_units_sharing_a_memo_each_get_the_score_they_would_get_alone():
    rule = parse_rule(stepped(2024))
    units = [(Counts(total=28, done_on_time=26), D(2024, 1, 18), {}),
             (Counts(total=28, done_on_time=26), D(2024, 3, 30), {}),  # same ratio, plan issued late
             (Counts(total=28, done_on_time=20, cancelled=1), None, {"1.3": Manual(Fraction(1, 2))}),
             (Counts(total=28, done_on_time=26), D(2024, 1, 18), {})]
    memo: dict = {}
    shared = [score_unit(rule, *unit, memo) for unit in units]
    for unit, score in zip(units, shared):
        alone = score_unit(rule, *unit)
        assert (score.total, score.grade, [p.points for p in score.parts]) == (
            alone.total, alone.grade, [p.points for p in alone.parts])
        assert [p.explanation for p in score.parts] == [p.explanation for p in alone.parts]
    assert shared[0].total != shared[1].total  # the late plan still costs its points under a shared memo
    assert shared[0].part("completion") is shared[3].part("completion")  # written once for one ratio


def test_the_stepped_example_is_named_as_it_scores_from_90_percent_up():
    from decimal import Decimal as Dec

    example = stepped(2024)
    top = int(Dec(example["bands"][0]["lower"]) * 100)
    assert f"từ {top}% trở lên được 2 điểm" in example["name"] and "trên" not in example["name"]
    exactly = score_unit(parse_rule(example), Counts(total=10, done_on_time=9, overdue=1), None, {})
    assert exactly.part("completion").points == 2  # 90% itself earns the top band's points
