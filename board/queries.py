"""The counts behind the board: a few aggregate queries, whatever the number of units or tasks.

The board's filter (a field name typed without diacritics, a component) narrows what tasks.counting counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from app.db import concurrently
from app.tables import Unit
from app.text import fold
from plans.tables import Field
from tasks.counting import Counts, Scope, scope_sql, state_counts
from tasks.tables import Task


@dataclass(frozen=True)
class Filter:
    """What the board shows: a year at a cut-off, optionally one block, one field name, one component."""

    year: int
    as_of: dt.date
    block: str = ""
    field: str = ""  # a field name, matched without diacritics or case
    component: int | None = None
    closed_on: dt.date | None = None  # the year was closed on this date: its figures are final then (years/)

    @property
    def narrowed(self) -> bool:
        """Counting only part of each plan (points are still computed on the whole plan)."""
        return bool(self.field) or self.component is not None


async def field_names(year: int) -> dict[str, list[str]]:
    """The field names used in the year's plans, grouped by their folded form ('cai cach the che')."""
    rows = await Field.select(Field.name).where(Field.plan.year == year).distinct()
    names: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        names[fold(r["name"])].append(r["name"])
    return dict(sorted(names.items()))


async def scope(flt: Filter, narrowed: bool = True) -> Scope:
    """The tasks the board counts: the filter's block and, when narrowed, its component and field names."""
    if not narrowed:
        return Scope(flt.year, flt.as_of, flt.block)
    names = tuple((await field_names(flt.year)).get(fold(flt.field), [])) if flt.field else None
    return Scope(flt.year, flt.as_of, flt.block, flt.component, names)


async def board_counts(flt: Filter, by: str = "plan", narrowed: bool = True) -> dict[Any, Counts]:
    """Counts of each group at the cut-off as the board filters them, per plan, component or field name."""
    return await state_counts(await scope(flt, narrowed), by)


async def monthly(flt: Filter) -> dict[str, dict[dt.date, int]]:
    """Per day: tasks completed, cancelled and falling due — the month-by-month chart sums them."""
    where, args = scope_sql(await scope(flt))
    names, queries = [], []
    for name, column, extra in (("done", "t.completed_on", " AND t.status = 'done'"),
                                ("cancelled", "t.cancelled_on", " AND t.status = 'cancelled'"),
                                ("due", "t.due_date", "")):
        sql = (f'SELECT {column} AS day, COUNT(*) AS n FROM task t JOIN field f ON f.id = t.field '
               f'JOIN "plan" p ON p.id = f."plan" JOIN unit u ON u.id = p.unit '
               f'WHERE p.year = {{}}{where}{extra} AND {column} IS NOT NULL GROUP BY {column}')
        names.append(name)
        queries.append(Task.raw(sql, flt.year, *args).run())
    results = await concurrently(*queries)
    return {name: {_as_date(r["day"]): int(r["n"]) for r in rows} for name, rows in zip(names, results)}


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


async def unit_links() -> dict[int, dict[str, Any]]:
    """Each ended unit's successor and the day it took over (the day after the unit's last), and each successor's
    predecessors: the links a board row shows ("merged into X from 01/03/2025", "formed from A, B")."""
    rows = await Unit.select(Unit.id, Unit.name, Unit.effective_to, Unit.successor,
                             Unit.successor.name.as_alias("successor_name")).where(Unit.successor.is_not_null())
    links: dict[int, dict[str, Any]] = defaultdict(lambda: {"successor": None, "predecessors": []})
    for r in sorted(rows, key=lambda r: fold(r["name"])):
        since = r["effective_to"] + dt.timedelta(days=1) if r["effective_to"] else None
        links[r["id"]]["successor"] = {"id": r["successor"], "name": r["successor_name"], "since": since}
        links[r["successor"]]["predecessors"].append(r["name"])
    return dict(links)


def added_by(as_of: dt.date):
    """Tasks that were part of the plan on `as_of`."""
    return Task.added_on.is_null() | (Task.added_on <= as_of)


async def unit_tasks(flt: Filter, unit_id: int) -> list[dict[str, Any]]:
    """The tasks of a unit's plan for the year, narrowed like the board's counts (field, component)."""
    query = Task.select(Task.id, Task.number, Task.content, Task.status, Task.due_date, Task.completed_on,
                        Task.cancelled_on, Task.started_on, Task.field.name.as_alias("field_name"),
                        Task.field.component.as_alias("component"), Task.field.position.as_alias("field_position"),
                        Task.position).where((Task.field.plan.unit == unit_id) & (Task.field.plan.year == flt.year)
                                             & added_by(flt.as_of))
    if flt.component is not None:
        query = query.where(Task.field.component == flt.component)
    if flt.field:
        names = (await field_names(flt.year)).get(fold(flt.field), [])
        if not names:
            return []
        query = query.where(Task.field.name.is_in(names))
    return sorted(await query, key=lambda t: (t["field_position"], t["position"]))
