"""Reading scoring rules, entered points and the units they rank: one query each, for a whole year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from app.dates import local_time
from app.tables import Unit
from app.text import fold
from app.uploads import human_size
from plans.tables import Plan
from scoring.changes import describe_changes, number_text
from scoring.points import Manual
from scoring.rules import Rule, RuleError, parse_rule
from scoring.tables import ManualScore, ScoringRule, ScoringRuleVersion


async def rules_for_year(year: int) -> dict[str, tuple[Rule, dict[str, Any]]]:
    """The year's rules by block ("" for the default), each with its row; a rule that no longer parses is skipped."""
    out = {}
    for row in await ScoringRule.select().where(ScoringRule.year == year):
        try:
            out[row["block"]] = (parse_rule(_load(row["body"])), row)
        except RuleError:
            # Saved rules are checked on save; a rule that no longer reads scores nothing rather than
            # letting its block silently fall back to the rule for every block.
            out[row["block"]] = (None, row)
    return out


def _load(body: Any) -> dict[str, Any]:
    import json

    return json.loads(body) if isinstance(body, (str, bytes)) else dict(body)


def rule_for_block(rules: dict[str, tuple[Rule | None, dict[str, Any]]], block: str
                   ) -> tuple[Rule | None, dict[str, Any]] | None:
    """The block's own rule, else the rule for every block; its Rule is None when it no longer reads."""
    return rules[block] if block in rules else rules.get("")


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


async def units_of_year(year: int, block: str = "") -> list[dict[str, Any]]:
    """Units in force during the year (or with a plan for it), each with its plan's id and issue, if any: the
    units ranked together in a block."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    query = Unit.select(Unit.id, Unit.code, Unit.name, Unit.block, Unit.kind, Unit.effective_from, Unit.effective_to)
    if block:
        query = query.where(Unit.block == block)
    units = await query
    plans = {p["unit"]: p for p in await Plan.select(Plan.id, Plan.unit, Plan.status, Plan.doc_number,
                                                        Plan.doc_date, Plan.title).where(Plan.year == year)}
    out = []
    for u in units:
        in_force = (u["effective_from"] is None or u["effective_from"] <= end) and (
            u["effective_to"] is None or u["effective_to"] >= start)
        if in_force or u["id"] in plans:
            out.append({**u, "plan": plans.get(u["id"])})
    return out


async def blocks() -> list[str]:
    """The ranking blocks units belong to ("Khối sở, ban, ngành"), in reading order."""
    return sorted({r["block"] for r in await Unit.select(Unit.block).distinct()}, key=fold)


# The secretariat's pages ------------------------------------------------------------------------------

async def rule_rows() -> list[dict[str, Any]]:
    """Every rule, newest year first, with its name and who saved it last."""
    rows = await ScoringRule.select(
        ScoringRule.id, ScoringRule.year, ScoringRule.block, ScoringRule.body, ScoringRule.version,
        ScoringRule.updated_at, ScoringRule.updated_by.full_name.as_alias("updater_name"),
        ScoringRule.updated_by.email.as_alias("updater_email"),
    ).order_by(ScoringRule.year, ascending=False).order_by(ScoringRule.block)
    for r in rows:
        r["name"] = _load(r.pop("body")).get("name", "")
        r["updater"] = r["updater_name"] or r["updater_email"] or "—"
        r["when"] = local_time(r["updated_at"])
    return rows


async def rule_row(rule_id: int) -> dict[str, Any] | None:
    row = await ScoringRule.select().where(ScoringRule.id == rule_id).first()
    if row:
        row["body"] = _load(row["body"])
    return row


async def rule_versions(rule_id: int) -> list[dict[str, Any]]:
    """Every saved version, newest first, each with what changed since the one before."""
    rows = await ScoringRuleVersion.select(
        ScoringRuleVersion.version, ScoringRuleVersion.body, ScoringRuleVersion.at, ScoringRuleVersion.note,
        ScoringRuleVersion.actor.full_name.as_alias("actor_name"),
        ScoringRuleVersion.actor.email.as_alias("actor_email"),
    ).where(ScoringRuleVersion.rule == rule_id).order_by(ScoringRuleVersion.version)
    previous = None
    for r in rows:
        r["body"] = _load(r["body"])
        r["changes"] = describe_changes(previous, r["body"])
        r["actor"] = r["actor_name"] or r["actor_email"] or "—"
        r["when"] = local_time(r["at"])
        previous = r["body"]
    return rows[::-1]


async def entry_history(unit_id: int, year: int) -> dict[str, list[dict[str, Any]]]:
    """Every entered score of the unit for the year, newest first, by criterion code."""
    rows = await ManualScore.select(
        ManualScore.all_columns(), ManualScore.entered_by.full_name.as_alias("enterer_name"),
        ManualScore.entered_by.email.as_alias("enterer_email"),
    ).where((ManualScore.unit == unit_id) & (ManualScore.year == year)).order_by(
        ManualScore.entered_at, ascending=False).order_by(ManualScore.id, ascending=False)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        r["enterer"] = r["enterer_name"] or r["enterer_email"] or "—"
        r["when"] = local_time(r["entered_at"])
        r["points_text"] = number_text(Decimal(str(r["points"])).normalize())
        r["size_text"] = human_size(r["evidence_size"]) if r["evidence_sha256"] else ""
        out.setdefault(r["criterion"], []).append(r)
    return out
