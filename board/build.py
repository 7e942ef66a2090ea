"""The board: one row per unit with its counts at the cut-off, its points and its rank in the block."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from app.db import concurrently
from app.i18n import N_, format_percent
from app.text import fold
from board.queries import Filter, board_counts, unit_links
from scoring.points import Score, measured
from scoring.rules import Rule
from scoring.scores import Scored, scores_at
from tasks.counting import Counts, sum_counts

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
    rule_row: dict[str, Any] | None = None
    published: Decimal | None = None  # the score as the rule publishes it, rounded once

    @classmethod
    def of(cls, scored: Scored, shown: Counts) -> Row:
        """The unit's score (on the whole plan) with the counts the board shows."""
        return cls(scored.unit, scored.plan, shown, scored.rule, scored.score, scored.rank, scored.rule_row,
                   scored.published)

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
    links: dict[int, dict[str, Any]] = field(default_factory=dict)  # board.queries.unit_links: merged units

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
    """Five queries whatever the size, run side by side (units and plans, counts, rules, entered points, merged
    units' links), and a sixth when the filter narrows the counts the board shows."""
    scored, links, *narrowed = await concurrently(scores_at(flt.year, flt.as_of, flt.block), unit_links(),
                                                  *([board_counts(flt, "plan")] if flt.narrowed else []))
    shown = narrowed[0] if narrowed else None
    blocks: dict[str, Block] = {}
    for s in scored:
        block = blocks.get(s.unit["block"])
        if block is None:
            block = blocks[s.unit["block"]] = Block(s.unit["block"], rule=s.rule, rule_row=s.rule_row)
        counts = s.counts if shown is None else shown.get(s.plan["id"] if s.plan else None, Counts())
        block.rows.append(Row.of(s, counts))
    for block in blocks.values():
        block.rows.sort(key=_sort_key(sort))
    return Board(flt, [blocks[k] for k in sorted(blocks, key=fold)], sort, links)
