"""Applying a rule: how a unit's counts, its plan's issue and the entered points become a score.

Values stay exact (Fraction) and are rounded only for display, by round_points, so a published total is the
rounded sum of unrounded parts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from app.i18n import _, format_date, format_number
from scoring.rules import ROUNDINGS, Criterion, Grade, Rule, band_text
from tasks.counting import Counts


def round_points(value: Fraction, places: int, method: str = "half_up") -> Decimal:
    """Round an exact value for display, exactly: 39/14 at 2 places half-up is 2.79."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)  # 28 significant digits: ample for points
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUNDINGS[method])


def points_text(value: Fraction | None, rule: Rule) -> str:
    """Points as the rule publishes them: rounded once, with its places and method ('2,79'); a dash for none."""
    if value is None:
        return "—"
    return format_number(round_points(value, rule.places, rule.rounding), rule.places)


def measured(rule: Rule | None, counts: Counts) -> tuple[int, int]:
    """(numerator, denominator) of the completion ratio as the rule counts it."""
    if rule is None:
        return counts.done, counts.total - counts.cancelled
    done = counts.done if rule.count_late else counts.done_on_time
    return done, counts.total - (0 if rule.denominator == "all" else counts.cancelled)


@dataclass(frozen=True)
class Part:
    """One criterion's points for one unit, with how they came about.

    The explanation is written when it is read: a nation's board scores 6 000 units but shows 250 of them, and
    writing every explanation (numbers and dates in the reader's language) was half the cost of scoring.
    """

    criterion: Criterion
    points: Fraction | None  # None: not scored yet (a manual criterion nobody entered)
    explain: Callable[[], str] = field(compare=False, repr=False)

    @cached_property
    def explanation(self) -> str:
        return self.explain()


def completion_part(rule: Rule, criterion: Criterion, done: int, counted: int) -> Part:
    if counted == 0:
        return Part(criterion, Fraction(0), lambda: _("No task counts towards the ratio: 0 points."))
    ratio = Fraction(done, counted)
    band = next((b for b in rule.bands if b.holds(ratio)), None)  # parse_rule makes the bands cover 0–100%
    if band is None:
        return Part(criterion, Fraction(0), lambda: _("No band of the rule holds %(ratio)s: 0 points.",
                                                      ratio=format_number(ratio * 100) + "%"))
    points = band.points * ratio if band.mode == "proportional" else band.points

    def explain() -> str:
        shown = f"{done}/{counted} = " + format_number(ratio * 100) + "%"
        if band.mode == "proportional":
            return _("%(ratio)s is %(band)s: %(points)s × %(ratio_short)s", ratio=shown, band=band_text(band),
                     points=format_number(band.points), ratio_short=format_number(ratio * 100) + "%")
        return _("%(ratio)s is %(band)s: %(points)s points", ratio=shown, band=band_text(band),
                 points=format_number(band.points))
    return Part(criterion, points, explain)


def plan_issued_part(rule: Rule, criterion: Criterion, issued_on: dt.date | None) -> Part:
    """On time earns the criterion's maximum, late the rule's late points, not issued nothing."""
    if issued_on is None:
        return Part(criterion, Fraction(0), lambda: _("The plan has not been issued: 0 points."))
    if rule.plan_deadline is None or issued_on <= rule.plan_deadline:
        return Part(criterion, criterion.max_points, lambda: _(
            "Issued on %(date)s, on time: %(points)s points.", date=format_date(issued_on),
            points=format_number(criterion.max_points)))
    points = min(rule.plan_late_points, criterion.max_points)
    return Part(criterion, points, lambda: _(
        "Issued on %(date)s, after the deadline of %(deadline)s: %(points)s points.", date=format_date(issued_on),
        deadline=format_date(rule.plan_deadline), points=format_number(points)))


@dataclass(frozen=True)
class Manual:
    points: Fraction
    comment: str = ""
    has_evidence: bool = False


def manual_part(criterion: Criterion, entry: Manual | None) -> Part:
    if entry is None:
        return Part(criterion, None, lambda: _("Not scored yet."))
    return Part(criterion, min(entry.points, criterion.max_points), lambda: entry.comment)


@dataclass(frozen=True)
class Score:
    parts: tuple[Part, ...] = ()
    total: Fraction = Fraction(0)  # exact; unscored criteria count as 0
    maximum: Fraction = Fraction(0)
    grade: Grade | None = None

    @property
    def complete(self) -> bool:
        return all(p.points is not None for p in self.parts)

    def part(self, source: str) -> Part | None:
        return next((p for p in self.parts if p.criterion.source == source), None)


def score_unit(rule: Rule, counts: Counts, issued_on: dt.date | None, manual: dict[str, Manual],
               memo: dict | None = None) -> Score:
    """A unit's steering-and-direction component: every criterion of the rule, summed exactly.

    `memo`, shared by the units of one board (and its rules), keeps what depends only on the ratio: the
    completion part and the grade. 6 000 units have a few hundred distinct ratios."""
    memo = {} if memo is None else memo
    done, counted = measured(rule, counts)
    parts = []
    for criterion in rule.criteria:
        if criterion.source == "completion":
            key = ("completion", id(criterion), done, counted)
            if key not in memo:
                memo[key] = completion_part(rule, criterion, done, counted)
            parts.append(memo[key])
        elif criterion.source == "plan_issued":
            parts.append(plan_issued_part(rule, criterion, issued_on))
        else:
            parts.append(manual_part(criterion, manual.get(criterion.code)))
    total = sum((p.points or 0 for p in parts), Fraction(0))
    basis = Fraction(done, counted) if rule.grade_basis == "completion" and counted else (
        total / rule.steering_max if rule.grade_basis == "component" and rule.steering_max else None)
    key = ("grade", id(rule), basis)
    if key not in memo:
        memo[key] = grade_for(rule, basis)
    return Score(tuple(parts), total, rule.steering_max, memo[key])


def grade_for(rule: Rule, basis: Fraction | None) -> Grade | None:
    if basis is None:
        return None
    return next((g for g in rule.grades if basis >= g.lower), None)


def competition_ranks(values: list) -> list[int | None]:
    """1, 2, 2, 4: equal scores share a rank; a unit without a score has none.

    Rank the published (rounded) scores: two units both shown as 8,50 share their place."""
    scored = sorted((v for v in values if v is not None), reverse=True)
    first = {}
    for i, v in enumerate(scored, start=1):
        first.setdefault(v, i)
    return [first[v] if v is not None else None for v in values]
