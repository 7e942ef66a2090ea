"""Pure scoring rules: what a rule says and how its document is read and checked.

A rule is data (a JSON document per year and ranking block, edited by the secretariat); this module
reads it, checks it and writes it back. scoring.points applies it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from app.i18n import N_, _, format_number

SOURCES = {"completion": N_("Completion of the plan (from tasks)"),
           "plan_issued": N_("Plan issued on time (from the plan)"),
           "manual": N_("Entered by the secretariat")}
MODES = {"fixed": N_("Fixed points"), "proportional": N_("Points × completion ratio")}
DENOMINATORS = {"counted": N_("All tasks except cancelled ones"), "all": N_("All tasks, cancelled included")}
ROUNDINGS = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
ROUNDING_LABELS = {"half_up": N_("Half up (0,005 → 0,01)"), "half_even": N_("Half to even"),
                   "down": N_("Down (truncate)")}
GRADE_BASES = {"component": N_("Steering component score, as a share of its maximum"),
               "completion": N_("Completion ratio")}
COLOURS = ("green", "teal", "blue", "amber", "orange", "red", "grey")
STEERING = 1  # the PAR Index component "steering and direction"


class RuleError(ValueError):
    """A rule that cannot be applied; `errors` maps a form field to a user-facing message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Component:
    number: int
    name: str
    max_points: Fraction


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    max_points: Fraction
    source: str  # one of SOURCES


@dataclass(frozen=True)
class Band:
    """Ratios in [lower, upper) earn `points` (fixed) or `points` × ratio (proportional); upper None = no limit."""

    lower: Fraction
    upper: Fraction | None
    mode: str
    points: Fraction

    def holds(self, ratio: Fraction) -> bool:
        return ratio >= self.lower and (self.upper is None or ratio < self.upper)


@dataclass(frozen=True)
class Grade:
    lower: Fraction  # a share from 0 to 1 of the grade basis
    label: str
    colour: str


@dataclass(frozen=True)
class Rule:
    name: str
    note: str = ""
    components: tuple[Component, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    bands: tuple[Band, ...] = ()
    denominator: str = "counted"
    count_late: bool = True
    plan_deadline: dt.date | None = None
    plan_late_points: Fraction = Fraction(0)
    places: int = 2
    rounding: str = "half_up"
    grade_basis: str = "component"
    grades: tuple[Grade, ...] = ()

    @functools.cached_property
    def steering_max(self) -> Fraction:
        return sum((c.max_points for c in self.criteria), Fraction(0))

    def criterion(self, source: str) -> Criterion | None:
        return next((c for c in self.criteria if c.source == source), None)


# Reading and writing the JSON document ------------------------------------------------------------

def _number(raw: Any, key: str, errors: dict[str, str], low: Fraction = Fraction(0),
            high: Fraction | None = None) -> Fraction:
    """An exact decimal from the document or a form ('0,9' or '0.9'); an error names the field."""
    try:
        number = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    # "Infinity" or 1e-999999999 are decimals too, but no rule needs them (and the second would take minutes).
    if not number.is_finite() or len(number.as_tuple().digits) > 12 or abs(number.adjusted()) > 6:
        errors[key] = _("Enter a number, such as 0,9 or 2.")
        return Fraction(0)
    value = Fraction(number)
    if value < low or (high is not None and value > high):
        errors[key] = (_("Enter a number from %(low)s to %(high)s.", low=format_number(low, 0),
                         high=format_number(high, 0)) if high is not None
                       else _("Enter a number of at least %(low)s.", low=format_number(low, 0)))
    return value


def _text(raw: Any, key: str, errors: dict[str, str], required: bool = True, limit: int = 500) -> str:
    value = str(raw or "").strip()
    if required and not value:
        errors[key] = _("This field is required.")
    elif len(value) > limit:
        errors[key] = _("At most %(n)s characters.", n=limit)
    return value


def _choice(raw: Any, options, key: str, errors: dict[str, str]) -> str:
    if raw not in options:
        errors[key] = _("Choose one of the options.")
    return str(raw)


def _bands(items: list[dict[str, Any]], errors: dict[str, str]) -> tuple[Band, ...]:
    bands = []
    for i, item in enumerate(items):
        upper_raw = str(item.get("upper") or "").strip()
        bands.append(Band(lower=_number(item.get("lower"), f"bands.{i}.lower", errors, high=Fraction(1)),
                          upper=_number(upper_raw, f"bands.{i}.upper", errors, high=Fraction(1)) if upper_raw else None,
                          mode=_choice(item.get("mode"), MODES, f"bands.{i}.mode", errors),
                          points=_number(item.get("points"), f"bands.{i}.points", errors)))
    if not bands:
        errors["bands"] = _("Add at least one band.")
        return ()
    ordered = sorted(bands, key=lambda b: b.lower)
    # Every ratio from 0 up must fall in exactly one band: no gap, no overlap.
    if not errors:
        if ordered[0].lower != 0:
            errors["bands"] = _("The lowest band must start at 0.")
        for a, b in zip(ordered, ordered[1:]):
            if a.upper != b.lower:
                errors["bands"] = _("Bands must follow each other without gaps or overlaps: %(a)s and %(b)s.",
                                    a=band_text(a), b=band_text(b))
        if ordered[-1].upper is not None:
            errors["bands"] = _("Leave the upper limit of the highest band empty, so that 100% falls in it.")
    return tuple(ordered)


def parse_rule(body: dict[str, Any]) -> Rule:
    """The rule in a JSON document, checked; RuleError lists every problem by field."""
    errors: dict[str, str] = {}
    components = tuple(Component(number=int(c.get("number") or 0), name=_text(c.get("name"), f"components.{i}.name", errors),
                                 max_points=_number(c.get("max_points"), f"components.{i}.max_points", errors))
                       for i, c in enumerate(body.get("components") or []))
    criteria = tuple(Criterion(code=_text(c.get("code"), f"criteria.{i}.code", errors, limit=16),
                               name=_text(c.get("name"), f"criteria.{i}.name", errors),
                               max_points=_number(c.get("max_points"), f"criteria.{i}.max_points", errors),
                               source=_choice(c.get("source"), SOURCES, f"criteria.{i}.source", errors))
                     for i, c in enumerate(body.get("criteria") or []))
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        errors["criteria"] = _("Each criterion needs its own code.")
    for source in ("completion", "plan_issued"):
        if sum(c.source == source for c in criteria) > 1:
            errors["criteria"] = _("Only one criterion can take its points from %(source)s.", source=_(SOURCES[source]))
    bands = _bands(body.get("bands") or [], errors)
    completion_criterion = next((c for c in criteria if c.source == "completion"), None)
    if completion_criterion and any(b.points > completion_criterion.max_points for b in bands):
        errors["bands"] = _("A band cannot earn more than the criterion's maximum points.")
    deadline = None
    if body.get("plan_deadline"):
        try:
            deadline = dt.date.fromisoformat(str(body["plan_deadline"]))
        except ValueError:
            errors["plan_deadline"] = _("Write the date as dd/mm/yyyy.")
    steering = next((c for c in components if c.number == STEERING), None)
    if steering and criteria and steering.max_points != sum((c.max_points for c in criteria), Fraction(0)):
        errors["components"] = _("The steering component's maximum must equal the sum of its criteria: %(sum)s.",
                                 sum=format_number(sum((c.max_points for c in criteria), Fraction(0))))
    grades = tuple(sorted((Grade(lower=_number(g.get("lower"), f"grades.{i}.lower", errors, high=Fraction(1)),
                                 label=_text(g.get("label"), f"grades.{i}.label", errors, limit=64),
                                 colour=_choice(g.get("colour"), COLOURS, f"grades.{i}.colour", errors))
                           for i, g in enumerate(body.get("grades") or [])), key=lambda g: g.lower, reverse=True))
    places = body.get("places", 2)
    if not isinstance(places, int) or not 0 <= places <= 4:
        errors["places"] = _("Enter a number from %(low)s to %(high)s.", low=0, high=4)
        places = 2
    rule = Rule(name=_text(body.get("name"), "name", errors), note=_text(body.get("note"), "note", errors, False, 2000),
                components=components, criteria=criteria, bands=bands,
                denominator=_choice(body.get("denominator", "counted"), DENOMINATORS, "denominator", errors),
                count_late=bool(body.get("count_late", True)), plan_deadline=deadline,
                plan_late_points=_number(body.get("plan_late_points", 0), "plan_late_points", errors),
                places=places, rounding=_choice(body.get("rounding", "half_up"), ROUNDINGS, "rounding", errors),
                grade_basis=_choice(body.get("grade_basis", "component"), GRADE_BASES, "grade_basis", errors),
                grades=grades)
    if errors:
        raise RuleError(errors)
    return rule


def _dec(value: Fraction) -> str:
    """An exact decimal text for the document ('0.9'); rule values are entered as decimals, so they end."""
    return str(Decimal(value.numerator) / Decimal(value.denominator)).rstrip("0").rstrip(".") if value.denominator != 1 \
        else str(value.numerator)


def dump_rule(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name, "note": rule.note,
        "components": [{"number": c.number, "name": c.name, "max_points": _dec(c.max_points)} for c in rule.components],
        "criteria": [{"code": c.code, "name": c.name, "max_points": _dec(c.max_points), "source": c.source}
                     for c in rule.criteria],
        "bands": [{"lower": _dec(b.lower), "upper": _dec(b.upper) if b.upper is not None else "", "mode": b.mode,
                   "points": _dec(b.points)} for b in rule.bands],
        "denominator": rule.denominator, "count_late": rule.count_late,
        "plan_deadline": rule.plan_deadline.isoformat() if rule.plan_deadline else "",
        "plan_late_points": _dec(rule.plan_late_points), "places": rule.places, "rounding": rule.rounding,
        "grade_basis": rule.grade_basis,
        "grades": [{"lower": _dec(g.lower), "label": g.label, "colour": g.colour} for g in rule.grades],
    }


def band_text(band: Band) -> str:
    low = format_number(band.lower * 100, 0) + "%"
    if band.upper is None:
        return _("from %(low)s", low=low)
    return _("from %(low)s to under %(high)s", low=low, high=format_number(band.upper * 100, 0) + "%")
