"""A unit's score at a cut-off: the one way the board, its points pop-up, the score page and the API score a unit.

Points are always on the whole plan, whatever the board's filters, and stay exact; they are rounded once, for
display (scoring.points.points_text), and ranks compare the published (rounded) totals within a block.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.db import concurrently
from scoring.points import Manual, Score, competition_ranks, measured, round_points, score_unit
from scoring.queries import entry_history, manual_scores, rule_for_block, rules_for_year, units_of_year
from scoring.rules import Rule
from tasks.counting import Counts, Scope, state_counts


@dataclass
class Scored:
    """A unit's score at the cut-off, with what it came from; no rule (or one that no longer reads), no score."""

    unit: dict[str, Any]
    plan: dict[str, Any] | None
    counts: Counts  # the whole plan at the cut-off
    rule: Rule | None
    rule_row: dict[str, Any] | None
    score: Score | None
    rank: int | None = None  # among the units of its block

    @property
    def ratio(self) -> tuple[int, int]:
        return measured(self.rule, self.counts)

    @property
    def published(self) -> Decimal | None:
        """The total as the rule publishes it: what ranks compare."""
        if self.score is None or self.rule is None:
            return None
        return round_points(self.score.total, self.rule.places, self.rule.rounding)


def issued_on(plan: dict[str, Any] | None, as_of: dt.date) -> dt.date | None:
    """The plan's issue date if it had been issued by the cut-off."""
    if plan and plan["status"] == "issued" and plan["doc_date"] and plan["doc_date"] <= as_of:
        return plan["doc_date"]
    return None


def score_of(unit: dict[str, Any], plan: dict[str, Any] | None, counts: Counts,
             found: tuple[Rule | None, dict[str, Any]] | None, manual: dict[str, Manual], as_of: dt.date,
             memo: dict | None = None) -> Scored:
    """Score one unit at the cut-off under its block's rule (`found`, from rule_for_block)."""
    rule, row = found if found and found[0] else (None, None)
    score = score_unit(rule, counts, issued_on(plan, as_of), manual, memo) if rule else None
    return Scored(unit, plan, counts, rule, row, score)


def rank(scored: list[Scored]) -> None:
    """Competition ranks (1, 2, 2, 4) of the published totals, block by block."""
    by_block: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_block[s.unit["block"]].append(s)
    for members in by_block.values():
        for s, place in zip(members, competition_ranks([s.published for s in members])):
            s.rank = place


async def scores_at(year: int, as_of: dt.date, block: str = "") -> list[Scored]:
    """Every unit ranked in the year (of one block, or of all), scored at the cut-off and ranked in its block.

    Four queries run side by side, whatever the number of units: units and plans, counts, rules, entered points.
    """
    units, counts, rules, manual = await concurrently(
        units_of_year(year, block), state_counts(Scope(year, as_of, block)), rules_for_year(year),
        manual_scores(year))
    memo: dict = {}  # parts and grades shared by units with the same ratio under the same rule
    scored = [score_of(u, u["plan"], counts.get(u["plan"]["id"], Counts()) if u["plan"] else Counts(),
                       rule_for_block(rules, u["block"]), manual.get(u["id"], {}), as_of, memo) for u in units]
    rank(scored)
    return scored


async def unit_score(unit: dict[str, Any], year: int, as_of: dt.date) -> Scored:
    """One unit's score at the cut-off and its rank in its block, exactly as the board shows it."""
    found = next((s for s in await scores_at(year, as_of, unit["block"]) if s.unit["id"] == unit["id"]), None)
    if found is not None:
        return found
    # Neither in force that year nor with a plan for it: ranked nowhere, but its page still shows its points.
    rules, manual = await concurrently(rules_for_year(year), manual_scores(year, unit["id"]))
    return score_of(unit, None, Counts(), rule_for_block(rules, unit["block"]), manual.get(unit["id"], {}), as_of)


async def score_sheet(unit: dict[str, Any], year: int, as_of: dt.date) -> dict[str, Any]:
    """The score page's context: the unit's score criterion by criterion, and every entry made for it."""
    scored = await unit_score(unit, year, as_of)
    if scored.rule is None:
        return {"rule": None, "rule_row": None}
    return {"rule": scored.rule, "rule_row": scored.rule_row, "plan": scored.plan, "counts": scored.counts,
            "score": scored.score, "ratio": scored.ratio, "rank": scored.rank,
            "history": await entry_history(unit["id"], year)}
