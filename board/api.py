"""JSON API for the completion board: the page's rows, with exact values alongside the displayed ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from litestar import Request, get
from litestar.params import FromQuery

from app import access, clock
from app.bounds import Year
from board.build import Row, build_board
from board.params import board_filter, final


@dataclass
class BoardRowOut:
    unit_code: str
    unit_name: str
    block: str
    total: int
    done_on_time: int
    done_late: int
    in_progress: int  # in progress within the deadline
    not_started: int
    overdue: int
    cancelled: int
    ratio: str  # "26/28" as the block's rule counts it, not reduced
    ratio_value: float | None  # 6 places; null when no task counts
    points: float | None  # plan completion points, 4 places; null without a rule
    component_points: float | None  # the steering component's exact total, 4 places
    component_points_display: str | None  # rounded as the rule publishes it: "3.79"
    grade: str | None
    rank: int | None  # within the block; equal scores share a rank
    plan_id: int | None


@dataclass
class BoardOut:
    year: int
    as_of: dt.date
    block: str
    field: str
    component: int | None
    rows: list[BoardRowOut]


def _round(value, places: int) -> float | None:
    return round(float(value), places) if value is not None else None


def row_out(row: Row) -> BoardRowOut:
    c, score = row.counts, row.score
    display = str(row.published) if row.published is not None else None
    return BoardRowOut(unit_code=row.unit["code"], unit_name=row.unit["name"], block=row.unit["block"],
                       total=c.total, done_on_time=c.done_on_time, done_late=c.done_late, in_progress=c.in_progress,
                       not_started=c.not_started, overdue=c.overdue, cancelled=c.cancelled, ratio=row.ratio_text,
                       ratio_value=_round(row.ratio_value, 6), points=_round(row.completion_points, 4),
                       component_points=_round(score.total if score else None, 4), component_points_display=display,
                       grade=score.grade.label if score and score.grade else None, rank=row.rank,
                       plan_id=row.plan["id"] if row.plan else None)


@get("/api/board", tags=["board"])
async def api_board(request: Request, year: Year, as_of: FromQuery[dt.date | None] = None,
                    block: FromQuery[str | None] = None, field: FromQuery[str | None] = None,
                    component: FromQuery[int | None] = None) -> BoardOut:
    """The completion board at a cut-off (default: today, or 31 December of a past year), block by block in rank
    order. A closed year's board is final at its closing date: a later cut-off counts (and says `as_of`) then.
    Counts may be narrowed to a field name or a PAR Index component; points are always for the whole plan.
    For the steering committee, the secretariat and administrators."""
    access.require_board_reader(request)
    flt = await final(board_filter(year, as_of, block, field, component, clock.today()))
    board = await build_board(flt)
    return BoardOut(year=flt.year, as_of=flt.as_of, block=flt.block, field=flt.field, component=flt.component,
                    rows=[row_out(r) for r in board.rows])


ROUTES = [api_board]
