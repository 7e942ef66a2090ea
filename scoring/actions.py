"""Writing scoring rules and entered points: each save is one transaction, and every version is kept."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
from decimal import Decimal
from typing import Any

import asyncpg

from app import audit
from app.i18n import _
from app.settings import get_settings
from app.storage import TooLarge, file_chunks, get_storage
from app.tables import Unit, User
from app.uploads import Upload, check_upload, megabytes
from scoring.rules import Rule, dump_rule
from scoring.tables import ManualScore, ScoringRule, ScoringRuleVersion


class RuleExists(Exception):
    def __init__(self, year: int, block: str):
        super().__init__(_("There is already a rule for %(year)s and this block; edit it instead.", year=year))
        self.year, self.block = year, block


class Stale(Exception):
    """Someone saved first: the editor's copy is out of date, and nothing was written."""


class EvidenceRefused(Exception):
    pass


def _is_duplicate(exc: Exception) -> bool:
    return isinstance(exc, (sqlite3.IntegrityError, asyncpg.UniqueViolationError))


async def rule_exists(year: int, block: str) -> bool:
    return await ScoringRule.exists().where((ScoringRule.year == year) & (ScoringRule.block == block))


@contextlib.asynccontextmanager
async def _one_rule_per_block(year: int, block: str):
    """The unique index's refusal (two saves racing) reads like the check before it."""
    if await rule_exists(year, block):
        raise RuleExists(year, block)
    try:
        yield
    except Exception as exc:
        if _is_duplicate(exc):
            raise RuleExists(year, block) from exc
        raise


async def create_rule(year: int, block: str, body: dict[str, Any], actor: User, now: dt.datetime,
                      note: str) -> ScoringRule:
    """A new rule and its version 1, together or not at all."""
    async with _one_rule_per_block(year, block), ScoringRule._meta.db.transaction():
        rule = ScoringRule(year=year, block=block, body=body, version=1, updated_at=now, updated_by=actor.id)
        await rule.save()
        await ScoringRuleVersion.insert(ScoringRuleVersion(rule=rule.id, version=1, body=body, at=now,
                                                           actor=actor.id, note=note))
        await audit.record(audit.SCORING_RULE_CREATED, actor, now, target=_rule_target(year, block), note=note)
    return rule


def _rule_target(year: int, block: str) -> str:
    return f"{year} · {block}" if block else str(year)


def shift_year(body: dict[str, Any], source_year: int, year: int) -> dict[str, Any]:
    """A rule moved to another year: its dates, and its own year where its name says it, move with it."""
    out = dict(body)
    if out.get("plan_deadline"):
        day = dt.date.fromisoformat(out["plan_deadline"])
        target = day.year + year - source_year
        out["plan_deadline"] = (day.replace(year=target) if (day.month, day.day) != (2, 29)
                                else dt.date(target, 3, 1) - dt.timedelta(days=1)).isoformat()
    # Only the rule's own year: a name citing another year ("Cà Mau 2013") keeps it.
    out["name"] = re.sub(rf"\b{source_year}\b", str(year), out.get("name", ""))
    return out


async def save_rule(rule_id: int, rule: Rule, seen_version: int, actor: User, now: dt.datetime,
                    note: str) -> int:
    """Save the edited rule as the next version, if nobody saved since the editor opened it; the new version."""
    body = dump_rule(rule)
    async with ScoringRule._meta.db.transaction():
        # Conditional on the version the editor saw: exactly one of two racing saves wins.
        done = await ScoringRule.update({ScoringRule.body: json.dumps(body), ScoringRule.version: seen_version + 1,
                                         ScoringRule.updated_at: now, ScoringRule.updated_by: actor.id}).where(
            (ScoringRule.id == rule_id) & (ScoringRule.version == seen_version)).returning(ScoringRule.id)
        if not done:
            raise Stale()
        await ScoringRuleVersion.insert(ScoringRuleVersion(rule=rule_id, version=seen_version + 1, body=body,
                                                           at=now, actor=actor.id, note=note))
        scope = await ScoringRule.select(ScoringRule.year, ScoringRule.block).where(ScoringRule.id == rule_id).first()
        await audit.record(audit.SCORING_RULE_SAVED, actor, now, target=_rule_target(scope["year"], scope["block"]),
                           version=seen_version + 1, note=note)
    return seen_version + 1


async def store_evidence(upload: Upload) -> dict[str, Any]:
    """Check and store one file; the ManualScore columns describing it, or EvidenceRefused with the reason."""
    max_bytes = get_settings().max_upload_bytes
    name, content_type, reason = await check_upload(upload, max_bytes)
    if reason:
        raise EvidenceRefused(reason)
    try:
        stored = await get_storage().save(file_chunks(upload.file), max_bytes)
    except TooLarge:  # grew after it was measured; the storage kept nothing of it
        raise EvidenceRefused(_("%(name)s: the file is larger than %(limit)s MB.", name=name,
                                limit=megabytes(max_bytes))) from None
    return {"evidence_sha256": stored.sha256, "evidence_name": name, "evidence_type": content_type,
            "evidence_size": stored.size}


EVIDENCE = ("evidence_sha256", "evidence_name", "evidence_type", "evidence_size")


async def current_entry(unit_id: int, year: int, criterion: str) -> dict[str, Any] | None:
    return await ManualScore.select().where(
        (ManualScore.unit == unit_id) & (ManualScore.year == year) & (ManualScore.criterion == criterion)
        & ManualScore.replaced_at.is_null()).first()


async def enter_score(unit_id: int, year: int, criterion: str, points: Decimal, comment: str,
                      evidence: dict[str, Any] | None, seen: int | None, actor: User, now: dt.datetime) -> ManualScore:
    """Append an entry and retire the current one, in one transaction; the previous file stays unless replaced.

    `seen` is the current entry the editor was looking at (None: none): another save since then is Stale.
    """
    try:
        async with ManualScore._meta.db.transaction():
            current = await current_entry(unit_id, year, criterion)
            if (current["id"] if current else None) != seen:
                raise Stale()
            if current and not await ManualScore.update({ManualScore.replaced_at: now}).where(
                    (ManualScore.id == current["id"]) & ManualScore.replaced_at.is_null()).returning(ManualScore.id):
                raise Stale()  # replaced by a racing save between our read and this update
            kept = evidence or ({k: current[k] for k in EVIDENCE} if current else {})
            entry = ManualScore(unit=unit_id, year=year, criterion=criterion, points=points, comment=comment,
                                entered_by=actor.id, entered_at=now, **kept)
            await entry.save()
            code = await Unit.select(Unit.code).where(Unit.id == unit_id).first()
            await audit.record(audit.MANUAL_SCORE, actor, now, target=f"{code['code']} · {year} · {criterion}",
                               points=[current["points"] if current else None, points], comment=comment)
    except Exception as exc:
        if _is_duplicate(exc):  # a racing save inserted its current entry first
            raise Stale() from exc
        raise
    return entry
