"""The board: one row per unit with its counts at the cut-off, its points and its rank in the block."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from app.db import concurrently
from app.i18n import N_, format_percent
from board.queries import Filter, state_counts, units_of_year
from plans.rules import fold
from scoring.queries import manual_scores, rule_for_block, rules_for_year
from scoring.rules import Counts, Rule, Score, competition_ranks, measured, round_points, score_unit

SORT_LABELS = {"rank": N_("Rank"), "ratio": N_("Completion ratio"), "overdue": N_("Most overdue tasks"),
               "name": N_("Unit name")}
SORTS = tuple(SORT_LABELS)


@dataclass
class Row:
    unit: dict[str, Any]
    plan: dict[str, Any] | None
    counts: Counts  # what the board shows: the whole plan, or the filtered field/component
    rule: Rule | None
    score: Score | None  # always on the whole plan
    rank: int | None = None

    @property
    def ratio(self) -> tuple[int, int]:
        return measured(self.rule, self.counts)

    @property
    def ratio_value(self) -> Fraction | None:
        done, counted = self.ratio
        return Fraction(done, counted) if counted else None

    @property
    def ratio_text(self) -> str:
        return "%d/%d" % self.ratio

    @property
    def percent_text(self) -> str:
        return format_percent(self.ratio_value)

    @property
    def completion_points(self) -> Fraction | None:
        part = self.score.part("completion") if self.score else None
        return part.points if part else None


@dataclass
class Block:
    name: str
    rows: list[Row] = field(default_factory=list)
    rule: Rule | None = None
    rule_row: dict[str, Any] | None = None

    @property
    def totals(self) -> Counts:
        return sum_counts(r.counts for r in self.rows)


@dataclass
class Board:
    filter: Filter
    blocks: list[Block]
    sort: str = "rank"

    @property
    def rows(self) -> list[Row]:
        return [r for b in self.blocks for r in b.rows]

    @property
    def totals(self) -> Counts:
        return sum_counts(r.counts for r in self.rows)


PAGE_SIZE = 250  # rows rendered at once: a province fits on one page; a nation's 6 000 units take 24


@dataclass(frozen=True)
class Page:
    """One page of the board's rows, block by block; ranks and totals stay those of the whole board."""

    number: int
    pages: int
    first: int  # 1-based position of the page's first row among all rows
    last: int
    total: int
    blocks: list[tuple[Block, list[Row]]]


def page_of(board: Board, number: int, size: int = PAGE_SIZE) -> Page:
    """The rows of page `number` (1-based, clamped to the pages there are), with the blocks they belong to."""
    total = sum(len(b.rows) for b in board.blocks)
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    start, end = (number - 1) * size, min(number * size, total)
    shown, offset = [], 0
    for block in board.blocks:
        rows = block.rows[max(0, start - offset):max(0, end - offset)]
        if rows:
            shown.append((block, rows))
        offset += len(block.rows)
    return Page(number, pages, start + 1 if total else 0, end, total, shown)


def sum_counts(items) -> Counts:
    names = ("total", "done_on_time", "done_late", "in_progress", "not_started", "overdue", "cancelled")
    sums = dict.fromkeys(names, 0)
    for c in items:
        for n in names:
            sums[n] += getattr(c, n)
    return Counts(**sums)


def issued_on(plan: dict[str, Any] | None, as_of: dt.date) -> dt.date | None:
    """The plan's issue date if it had been issued by the cut-off."""
    if plan and plan["status"] == "issued" and plan["doc_date"] and plan["doc_date"] <= as_of:
        return plan["doc_date"]
    return None


def _sort_key(sort: str):
    last = Fraction(10**9)
    keys = {
        "rank": lambda r: (r.rank if r.rank is not None else 10**9, -(r.ratio_value or -1), fold(r.unit["name"])),
        "ratio": lambda r: (-(r.ratio_value if r.ratio_value is not None else -1), fold(r.unit["name"])),
        "overdue": lambda r: (-r.counts.overdue, fold(r.unit["name"])),
        "name": lambda r: (fold(r.unit["name"]), last),
    }
    return keys[sort if sort in keys else "rank"]


async def build_board(flt: Filter, sort: str = "rank") -> Board:
    """Five queries whatever the size, run side by side: units and plans, counts (twice when filtered), rules,
    entered points."""
    units, shown, rules, manual, *whole = await concurrently(
        units_of_year(flt), state_counts(flt, "plan", narrowed=True), rules_for_year(flt.year),
        manual_scores(flt.year), *([state_counts(flt, "plan", narrowed=False)] if flt.narrowed else []))
    whole = whole[0] if whole else shown
    blocks: dict[str, Block] = {}
    memo: dict = {}  # parts and grades shared by units with the same ratio under the same rule
    for u in units:
        block = blocks.get(u["block"])
        if block is None:
            found = rule_for_block(rules, u["block"])
            rule = found[0] if found else None
            block = blocks[u["block"]] = Block(u["block"], rule=rule, rule_row=found[1] if rule else None)
        plan_id = u["plan"]["id"] if u["plan"] else None
        score = score_unit(block.rule, whole.get(plan_id, Counts()), issued_on(u["plan"], flt.as_of),
                           manual.get(u["id"], {}), memo) if block.rule else None
        block.rows.append(Row(u, u["plan"], shown.get(plan_id, Counts()), block.rule, score))
    for block in blocks.values():
        ranks = competition_ranks([round_points(r.score.total, r.rule.places, r.rule.rounding) if r.score else None
                                   for r in block.rows])
        for row, rank in zip(block.rows, ranks):
            row.rank = rank
        block.rows.sort(key=_sort_key(sort))
    return Board(flt, [blocks[k] for k in sorted(blocks, key=fold)], sort)
