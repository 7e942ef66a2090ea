"""Reading scoring rules and entered points: one query each, for a whole year."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from scoring.rules import Manual, Rule, RuleError, parse_rule
from scoring.tables import ManualScore, ScoringRule


async def rules_for_year(year: int) -> dict[str, tuple[Rule, dict[str, Any]]]:
    """The year's rules by block ("" for the default), each with its row; a rule that no longer parses is skipped."""
    out = {}
    for row in await ScoringRule.select().where(ScoringRule.year == year):
        try:
            out[row["block"]] = (parse_rule(row["body"] if isinstance(row["body"], dict) else _load(row["body"])), row)
        except RuleError:
            continue  # saved rules are checked on save; an older shape never breaks the board
    return out


def _load(body: Any) -> dict[str, Any]:
    import json

    return json.loads(body) if isinstance(body, (str, bytes)) else dict(body)


def rule_for_block(rules: dict[str, tuple[Rule, dict[str, Any]]], block: str) -> tuple[Rule, dict[str, Any]] | None:
    return rules.get(block) or rules.get("")


async def manual_scores(year: int, unit_id: int | None = None) -> dict[int, dict[str, Manual]]:
    """The current entered points, by unit and criterion code."""
    query = ManualScore.select(ManualScore.unit, ManualScore.criterion, ManualScore.points, ManualScore.comment,
                               ManualScore.evidence_sha256).where(
        (ManualScore.year == year) & ManualScore.replaced_at.is_null())
    if unit_id is not None:
        query = query.where(ManualScore.unit == unit_id)
    out: dict[int, dict[str, Manual]] = {}
    for r in await query:
        out.setdefault(r["unit"], {})[r["criterion"]] = Manual(
            Fraction(r["points"]), r["comment"], bool(r["evidence_sha256"]))
    return out
