"""The completion board: the page, its drill-downs (tasks behind a count, points behind a score) and its charts.

Each URL has two shapes: the full page, or for htmx just the fragment the page includes.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Template

from app import access, clock
from app.bounds import OptionalYear, Page
from app.db import concurrently
from app.i18n import _, format_percent
from app.tables import Unit
from app.text import fold
from board import charts
from board.build import SORT_LABELS, SORTS, Board, Row, build_board, page_of
from board.params import board_filter, board_sort, final
from board.queries import Filter, board_counts, field_names, monthly, unit_tasks
from plans.components import COMPONENTS, component_label
from plans.queries import plan_years
from scoring.points import measured, points_text
from scoring.queries import blocks
from scoring.rules import Rule
from scoring.scores import unit_score
from tasks.counting import Counts, deadlines_at, judged_on
from tasks.rules import State, Status, TaskFacts, state_at

TASK_STATES = ("all", *(s.value for s in State))


async def _filter(year: int | None, as_of: str | None, block: str | None, field: str | None,
                  component: str | None) -> Filter:
    return await final(board_filter(year, as_of, block, field, component, clock.today()))


def _shape(request: Request, page: str, fragment: str, context: dict[str, Any]) -> Template:
    """One URL, two shapes; htmx restoring its history after a cache miss needs the whole page."""
    if request.htmx and not request.htmx.history_restore_request:
        return HTMXTemplate(template_name=fragment, context={**context, "oob": True})
    return Template(page, context={**context, "oob": False})


def query_of(flt: Filter, **extra: Any) -> str:
    """The filter as a query string, for links that must keep it (drill-downs, the plan page)."""
    params = {"year": flt.year, "as_of": flt.as_of.isoformat(), "block": flt.block, "field": flt.field,
              "component": "" if flt.component is None else flt.component, **extra}
    return urlencode({k: v for k, v in params.items() if v != ""})


# What each number means, shown as its title ---------------------------------------------------------

def ratio_cell(rule: Rule | None, counts: Counts) -> dict[str, str]:
    done, counted = measured(rule, counts)
    value = Fraction(done, counted) if counted else None
    numerator = _("completed (on time + late)") if rule is None or rule.count_late else _("completed on time")
    denominator = _("total") if rule is not None and rule.denominator == "all" else _("(total − cancelled)")
    return {"text": f"{done}/{counted}", "percent": format_percent(value),
            "title": _("Ratio = %(num)s / %(den)s = %(ratio)s", num=numerator, den=denominator,
                       ratio=f"{done}/{counted}")}


def total_title(c: Counts) -> str:
    parts = " + ".join(str(n) for n in (c.done_on_time, c.done_late, c.in_progress, c.not_started, c.overdue,
                                        c.cancelled))
    return _("Total = on time + late + in progress + not started + overdue + cancelled = %(parts)s = %(total)s",
             parts=parts, total=c.total)


def points_cell(row: Row) -> dict[str, str]:
    """Completion points and the component score, each rounded once from the exact value (as the score page and
    the pop-up show them), with its working."""
    if row.score is None or row.rule is None:
        return {"points": "—", "points_title": _("No scoring rule for this block and year."), "score": "—",
                "score_title": _("No scoring rule for this block and year.")}
    rule, part = row.rule, row.score.part("completion")
    score = points_text(row.score.total, rule)
    sum_text = " + ".join(points_text(p.points or Fraction(0), rule) for p in row.score.parts)  # unscored: 0
    return {"points": points_text(part.points, rule) if part else "—",
            "points_title": part.explanation if part else _("The rule scores no completion criterion."),
            "score": score, "score_title": f"{sum_text} = {score}"}


# Context builders -----------------------------------------------------------------------------------

def chart_context(board: Board, by_component: dict[Any, Counts], per_day: dict[str, dict[dt.date, int]]
                  ) -> dict[str, Any]:
    flt, totals = board.filter, board.totals
    bars = charts.ratio_bars([charts.UnitBar(r.unit["name"], *r.ratio,
                                             r.score.grade.colour if r.score and r.score.grade else "none")
                              for r in board.rows])
    keys = sorted(by_component, key=lambda k: (k is None, k or 0))
    stacks = charts.status_stacks([(component_label(k), by_component[k]) for k in keys])
    dated = sum(n for d, n in per_day["cancelled"].items() if d <= flt.as_of)
    points = charts.month_points(flt.year, flt.as_of, per_day, totals.total, max(0, totals.cancelled - dated))
    return {"bars": bars, "stacks": stacks, "line": charts.month_chart(flt.year, points)}


async def _choices(flt: Filter) -> dict[str, Any]:
    years, names, all_blocks = await concurrently(plan_years(None), field_names(flt.year), blocks())
    return {"years": sorted({*years, flt.year}, reverse=True), "blocks": all_blocks,
            "fields": [(key, options[0]) for key, options in names.items()],
            "components": {n: label for n, label in COMPONENTS.items() if n <= 7},
            "sorts": {k: SORT_LABELS[k] for k in SORTS}, "field_key": fold(flt.field)}


async def board_context(flt: Filter, sort: str, page: int = 1) -> dict[str, Any]:
    # The board, the charts' two aggregates and the filter's choices do not depend on each other.
    board, by_component, per_day, choices = await concurrently(
        build_board(flt, sort), board_counts(flt, by="component"), monthly(flt), _choices(flt))
    return {"board": board, "page": page_of(board, page), "flt": flt, "sort": sort, "query": query_of(flt),
            "ratio_cell": ratio_cell, "points_cell": points_cell, "total_title": total_title,
            "charts": chart_context(board, by_component, per_day), **choices}


async def _unit(unit_id: int) -> dict[str, Any]:
    return access.found(await Unit.select(Unit.id, Unit.code, Unit.name, Unit.block).where(Unit.id == unit_id).first())


async def task_rows(flt: Filter, unit_id: int, state: str) -> list[dict[str, Any]]:
    """The unit's tasks in one group at the cut-off, judged against the deadline in force then."""
    tasks = await unit_tasks(flt, unit_id)
    in_force = await deadlines_at({t["id"]: judged_on(t, flt.as_of) for t in tasks})
    out = []
    for t in tasks:
        t["due_then"] = in_force.get(t["id"], t["due_date"])
        t["state"] = state_at(TaskFacts(Status(t["status"]), t["due_then"], t["completed_on"], t["cancelled_on"],
                                        t["started_on"]), flt.as_of)
        if state == "all" or t["state"].value == state:
            out.append(t)
    return out


# Handlers -------------------------------------------------------------------------------------------

@get("/board")
async def board_page(request: Request, year: OptionalYear = None, as_of: FromQuery[str | None] = None,
                     block: FromQuery[str] = "", field: FromQuery[str] = "", component: FromQuery[str] = "",
                     sort: FromQuery[str] = "rank", as_of_year: OptionalYear = None,
                     page: Page = 1) -> Template:
    access.require_board_reader(request)
    if as_of_year is not None and year != as_of_year:
        as_of = None  # the form's date belonged to the year shown before: another year starts at its own default
    flt = await _filter(year, as_of, block, field, component)
    context = await board_context(flt, board_sort(sort), page)
    return _shape(request, "board/index.html", "board/_board.html", context)


@get("/board/units/{unit_id:int}/tasks")
async def board_unit_tasks(request: Request, unit_id: FromPath[int], year: OptionalYear = None,
                           as_of: FromQuery[str | None] = None,
                           group: Annotated[str, QueryParameter(name="state")] = "all",  # "state" is reserved by Litestar
                           field: FromQuery[str] = "", component: FromQuery[str] = "") -> Template:
    access.require_board_reader(request)
    flt = await _filter(year, as_of, "", field, component)
    if group not in TASK_STATES:
        raise ClientException(detail=_("Choose one of the options."))
    unit = await _unit(unit_id)
    context = {"unit": unit, "flt": flt, "state": group, "tasks": await task_rows(flt, unit_id, group),
               "state_label": State(group).label if group != "all" else _("All tasks"), "query": query_of(flt),
               "component_label": component_label(flt.component) if flt.component is not None else ""}
    return _shape(request, "board/tasks.html", "board/_tasks.html", context)


@get("/board/units/{unit_id:int}/score")
async def board_unit_score(request: Request, unit_id: FromPath[int], year: OptionalYear = None,
                           as_of: FromQuery[str | None] = None) -> Template:
    access.require_board_reader(request)
    flt = await _filter(year, as_of, "", "", "")
    unit = await _unit(unit_id)
    scored = await unit_score(unit, flt.year, flt.as_of)  # points are always on the whole plan
    context = {"unit": unit, "flt": flt, "row": Row.of(scored, scored.counts), "query": query_of(flt),
               "points_cell": points_cell, "points_text": points_text}
    return _shape(request, "board/score.html", "board/_score.html", context)


ROUTES = [board_page, board_unit_tasks, board_unit_score]
