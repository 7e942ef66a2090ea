"""The board's charts as geometry: pure functions from counts to coordinates, drawn as inline SVG by templates.

No chart library: the numbers stay exact until they become coordinates, the SVG prints well and needs no
script (a CSP forbidding inline script is coming), and these functions are tested without a database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from app.i18n import _, format_date, format_number, format_percent
from tasks.counting import Counts
from tasks.rules import State

WIDTH = 720  # the viewBox width; CSS scales the drawing to the page
LABEL_W = 230  # room for a unit's or a component's name left of the bars
VALUE_W = 70  # room for the value right of a bar
PLOT_X = LABEL_W
PLOT_W = WIDTH - LABEL_W - VALUE_W
ROW_H, BAR_H, TOP, BOTTOM = 24, 16, 26, 8
MAX_UNITS = 40  # more bars than this stop being readable: show the lowest ones
STACKED = (State.DONE_ON_TIME, State.DONE_LATE, State.IN_PROGRESS, State.NOT_STARTED, State.OVERDUE)


@dataclass(frozen=True)
class Tick:
    at: float  # x (or y) in the viewBox
    label: str


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float
    value_text: str
    css: str  # a class, never an inline style: grade colour or task state
    title: str


@dataclass(frozen=True)
class UnitBar:
    """What the ratio chart needs of a board row."""

    label: str
    done: int
    counted: int
    colour: str = "none"

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.done, self.counted) if self.counted else None


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    ticks: list[Tick]
    height: float
    hidden: int  # units left out because there were more than MAX_UNITS
    summary: str  # the text alternative
    width: int = WIDTH
    plot_x: float = PLOT_X
    plot_w: float = PLOT_W


def percent_ticks(start: float, length: float, vertical: bool = False) -> list[Tick]:
    """0% to 100% every 25%; on a vertical axis 100% is at the top."""
    ticks = []
    for share in (0, 25, 50, 75, 100):
        offset = length * share / 100
        ticks.append(Tick(start + (length - offset if vertical else offset), format_number(share, 0) + "%"))
    return ticks


def _lowest(items: list[UnitBar], limit: int) -> list[UnitBar]:
    """The `limit` lowest ratios, kept in the table's order; a unit without tasks is not among the lowest."""
    if len(items) <= limit:
        return items
    ranked = sorted(range(len(items)), key=lambda i: (items[i].ratio is None, items[i].ratio or 0, i))
    keep = set(ranked[:limit])
    return [item for i, item in enumerate(items) if i in keep]


def ratio_bars(items: list[UnitBar], limit: int = MAX_UNITS) -> BarChart:
    """One horizontal bar per unit, its length proportional to the completion ratio."""
    shown = _lowest(items, limit)
    bars = []
    for i, item in enumerate(shown):
        ratio = item.ratio
        percent = format_percent(ratio)
        bars.append(Bar(item.label, TOP + i * ROW_H, float(PLOT_W * ratio) if ratio is not None else 0.0, percent,
                        f"grade-{item.colour}", f"{item.label}: {item.done}/{item.counted} = {percent}"))
    summary = _("Completion ratio by unit: %(items)s", items="; ".join(f"{b.label} {b.value_text}" for b in bars))
    return BarChart(bars, percent_ticks(PLOT_X, PLOT_W), TOP + len(bars) * ROW_H + BOTTOM,
                    len(items) - len(shown), summary)


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    css: str
    count: int
    state_label: str
    title: str


@dataclass(frozen=True)
class Stack:
    label: str
    y: float
    segments: list[Segment]
    counted: int


@dataclass(frozen=True)
class StackChart:
    stacks: list[Stack]
    ticks: list[Tick]
    legend: list[tuple[str, str]]  # (state, label)
    height: float
    summary: str
    width: int = WIDTH
    plot_x: float = PLOT_X
    plot_w: float = PLOT_W


def _segments(label: str, counts: Counts) -> list[Segment]:
    """Each state's share of the counted (not cancelled) tasks, laid end to end."""
    counted = counts.total - counts.cancelled
    x, out = float(PLOT_X), []
    for state in STACKED:
        n = getattr(counts, state.value)
        if not n or not counted:
            continue
        width = float(PLOT_W * Fraction(n, counted))
        share = format_percent(Fraction(n, counted))
        out.append(Segment(x, width, state.value, n, state.label, f"{label} — {state.label}: {n}/{counted} = {share}"))
        x += width
    return out


def status_stacks(rows: list[tuple[str, Counts]]) -> StackChart:
    """One stacked bar per PAR component (or other grouping), in the order given."""
    stacks = [Stack(label, TOP + i * ROW_H, _segments(label, c), c.total - c.cancelled)
              for i, (label, c) in enumerate(rows)]
    parts = []
    for s in stacks:
        mix = ", ".join(f"{seg.count} {seg.state_label}" for seg in s.segments)
        parts.append(f"{s.label}: {mix or '—'}")
    summary = _("Tasks by status and component: %(items)s", items="; ".join(parts))
    return StackChart(stacks, percent_ticks(PLOT_X, PLOT_W), [(s.value, s.label) for s in STACKED],
                      TOP + len(stacks) * ROW_H + BOTTOM, summary)


# Month by month ----------------------------------------------------------------------------------

LINE_H = 220  # plot height of the month-by-month chart
LINE_TOP, LINE_LEFT, LINE_RIGHT, LINE_BOTTOM = 16, 56, 16, 40


@dataclass(frozen=True)
class MonthPoint:
    day: dt.date
    actual: Fraction | None  # done by `day` / (total − cancelled by `day`); None when nothing counts
    planned: Fraction | None  # due by `day` / the same denominator


def checkpoints(year: int, as_of: dt.date) -> list[dt.date]:
    """Each month end of the year up to the cut-off, and the cut-off itself so the last point matches the board."""
    last = min(as_of, dt.date(year, 12, 31))
    days = [dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]
    out = [d for d in days if d <= last]
    if last >= dt.date(year, 1, 1) and last not in out:
        out.append(last)
    return out


def _up_to(per_day: dict[dt.date, int], day: dt.date) -> int:
    return sum(n for d, n in per_day.items() if d <= day)


def month_points(year: int, as_of: dt.date, per_day: dict[str, dict[dt.date, int]], total: int,
                 undated_cancelled: int = 0) -> list[MonthPoint]:
    """The completion ratio and the planned ratio at each checkpoint (see board.queries.monthly for per_day).

    A task cancelled without a date counts as cancelled on every day, as tasks.rules.state_at does.
    """
    out = []
    for day in checkpoints(year, as_of):
        counted = total - undated_cancelled - _up_to(per_day.get("cancelled", {}), day)
        if counted <= 0:
            out.append(MonthPoint(day, None, None))
            continue
        out.append(MonthPoint(day, Fraction(_up_to(per_day.get("done", {}), day), counted),
                              Fraction(_up_to(per_day.get("due", {}), day), counted)))
    return out


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    css: str
    title: str


@dataclass(frozen=True)
class LineChart:
    actual: str  # polyline points "x,y x,y"
    planned: str
    dots: list[Dot]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    summary: str
    width: int = WIDTH
    height: int = LINE_TOP + LINE_H + LINE_BOTTOM
    left: int = LINE_LEFT
    right: int = WIDTH - LINE_RIGHT
    top: int = LINE_TOP
    bottom: int = LINE_TOP + LINE_H


def day_x(year: int, day: dt.date) -> float:
    """A day's x: 1 January at the left edge, 31 December at the right."""
    span = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days
    return LINE_LEFT + (WIDTH - LINE_LEFT - LINE_RIGHT) * (day - dt.date(year, 1, 1)).days / span


def share_y(value: Fraction) -> float:
    """0% at the bottom of the plot, 100% at its top; above 100% (more due than counted) is clipped."""
    return float(LINE_TOP + LINE_H - LINE_H * min(value, Fraction(1)))


def _series(year: int, points: list[MonthPoint], name: str, css: str, label: str) -> tuple[str, list[Dot]]:
    coords, dots = [], []
    for p in points:
        value = getattr(p, name)
        if value is None:
            continue
        x, y = day_x(year, p.day), share_y(value)
        coords.append(f"{x:.1f},{y:.1f}")
        dots.append(Dot(x, y, css, f"{label} {format_date(p.day)}: {format_percent(value)}"))
    return " ".join(coords), dots


def month_chart(year: int, points: list[MonthPoint]) -> LineChart:
    actual, actual_dots = _series(year, points, "actual", "actual", _("Completed"))
    planned, planned_dots = _series(year, points, "planned", "planned", _("Planned"))
    x_ticks = [Tick(day_x(year, dt.date(year, m, 15)), str(m)) for m in range(1, 13)]
    last = next((p for p in reversed(points) if p.actual is not None), None)
    summary = (_("Completion ratio month by month: %(actual)s completed against %(planned)s planned on %(date)s",
                 actual=format_percent(last.actual), planned=format_percent(last.planned), date=format_date(last.day))
               if last else _("Completion ratio month by month: no task counts yet."))
    return LineChart(actual, planned, actual_dots + planned_dots, x_ticks,
                     percent_ticks(LINE_TOP, LINE_H, vertical=True), summary)
