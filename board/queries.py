"""The counts behind the board: a few aggregate queries, whatever the number of units or tasks.

A task's group at the cut-off is decided in SQL with the same rules as tasks.rules.state_at
(tests/board/test_queries.py checks the two agree), against the deadline in force on the cut-off.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from app.db import concurrently
from plans.rules import fold
from plans.tables import Field, Plan
from scoring.rules import Counts
from tasks.tables import Task, TaskDeadline


@dataclass(frozen=True)
class Filter:
    """What the board shows: a year at a cut-off, optionally one block, one field name, one component."""

    year: int
    as_of: dt.date
    block: str = ""
    field: str = ""  # a field name, matched without diacritics or case
    component: int | None = None

    @property
    def narrowed(self) -> bool:
        """Counting only part of each plan (points are still computed on the whole plan)."""
        return bool(self.field) or self.component is not None


# A task is judged against the deadline in force on the day that matters: its completion day when it was done
# by the cut-off (done late stays late even if the deadline is extended afterwards), else the cut-off. That
# deadline is the old one of the first change made after that day, if any. Deadline changes are rare: the
# subquery, an index probe on task_deadline(task), runs only for the tasks that have one (the outer query
# repeats `due` in three sums, and the database may inline it three times). A task added by amendment after the
# cut-off is left out.
_JUDGED_ON = "CASE WHEN t.status = 'done' AND t.completed_on <= {{}} THEN t.completed_on ELSE {{}} END"
_TASKS = """
SELECT {key} AS key, t.status, t.completed_on,
  CASE WHEN moved.task IS NULL THEN t.due_date ELSE
    COALESCE((SELECT d.old_due FROM task_deadline d WHERE d.task = t.id AND d.changed_on > """ + _JUDGED_ON + """
              ORDER BY d.id LIMIT 1), t.due_date) END AS due,
  CASE WHEN t.status = 'cancelled' AND (t.cancelled_on IS NULL OR t.cancelled_on <= {{}}) THEN 1 ELSE 0 END AS gone,
  CASE WHEN t.status = 'done' AND t.completed_on <= {{}} THEN 1 ELSE 0 END AS done
FROM task t
JOIN field f ON f.id = t.field
JOIN "plan" p ON p.id = f."plan"
JOIN unit u ON u.id = p.unit
LEFT JOIN (SELECT DISTINCT task FROM task_deadline) moved ON moved.task = t.id
WHERE p.year = {{}} AND (t.added_on IS NULL OR t.added_on <= {{}}){where}
"""

_COUNTS = """
WITH s AS ({tasks})
SELECT key, COUNT(*) AS total, SUM(gone) AS cancelled,
  SUM(CASE WHEN done = 1 AND completed_on <= due THEN 1 ELSE 0 END) AS done_on_time,
  SUM(CASE WHEN done = 1 AND completed_on > due THEN 1 ELSE 0 END) AS done_late,
  SUM(CASE WHEN gone = 0 AND done = 0 AND due < {{}} THEN 1 ELSE 0 END) AS overdue,
  SUM(CASE WHEN gone = 0 AND done = 0 AND due >= {{}} AND status = 'not_started' THEN 1 ELSE 0 END) AS not_started
FROM s GROUP BY key
"""

KEYS = {"plan": 'f."plan"', "component": "f.component", "field": "f.name"}


async def field_names(year: int) -> dict[str, list[str]]:
    """The field names used in the year's plans, grouped by their folded form ('cai cach the che')."""
    rows = await Field.select(Field.name).where(Field.plan.year == year).distinct()
    names: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        names[fold(r["name"])].append(r["name"])
    return dict(sorted(names.items()))


async def _where(flt: Filter, narrowed: bool) -> tuple[str, list[Any]]:
    sql, args = "", []
    if flt.block:
        sql += " AND u.block = {}"
        args.append(flt.block)
    if narrowed and flt.component is not None:
        sql += " AND f.component = {}"
        args.append(flt.component)
    if narrowed and flt.field:
        names = (await field_names(flt.year)).get(fold(flt.field), [])
        if not names:
            return " AND 1 = 0", []
        sql += " AND f.name IN (" + ", ".join("{}" for _ in names) + ")"
        args.extend(names)
    return sql, args


async def state_counts(flt: Filter, by: str = "plan", narrowed: bool = True) -> dict[Any, Counts]:
    """Counts of each group at the cut-off, per plan, component or field name: one query."""
    where, args = await _where(flt, narrowed)
    tasks = _TASKS.format(key=KEYS[by], where=where)
    sql = _COUNTS.format(tasks=tasks)
    d = flt.as_of
    rows = await Task.raw(sql, d, d, d, d, flt.year, d, *args, d, d)
    out = {}
    for r in rows:
        n = {k: int(r[k] or 0) for k in ("total", "cancelled", "done_on_time", "done_late", "overdue", "not_started")}
        in_progress = n["total"] - n["cancelled"] - n["done_on_time"] - n["done_late"] - n["overdue"] - n["not_started"]
        out[r["key"]] = Counts(in_progress=in_progress, **n)
    return out


async def units_of_year(flt: Filter) -> list[dict[str, Any]]:
    """Units in force during the year (or with a plan for it), each with its plan's id and issue, if any."""
    start, end = dt.date(flt.year, 1, 1), dt.date(flt.year, 12, 31)
    from app.tables import Unit

    query = Unit.select(Unit.id, Unit.code, Unit.name, Unit.block, Unit.kind, Unit.effective_from, Unit.effective_to)
    if flt.block:
        query = query.where(Unit.block == flt.block)
    units = await query
    plans = {p["unit"]: p for p in await Plan.select(Plan.id, Plan.unit, Plan.status, Plan.doc_number,
                                                        Plan.doc_date, Plan.title).where(Plan.year == flt.year)}
    out = []
    for u in units:
        in_force = (u["effective_from"] is None or u["effective_from"] <= end) and (
            u["effective_to"] is None or u["effective_to"] >= start)
        if in_force or u["id"] in plans:
            out.append({**u, "plan": plans.get(u["id"])})
    return out


async def blocks() -> list[str]:
    from app.tables import Unit

    return sorted({r["block"] for r in await Unit.select(Unit.block).distinct()}, key=fold)


async def monthly(flt: Filter) -> dict[str, dict[dt.date, int]]:
    """Per day: tasks completed, cancelled and falling due — the month-by-month chart sums them."""
    where, args = await _where(flt, True)
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


def judged_on(task: dict[str, Any], as_of: dt.date) -> dt.date:
    """The day whose deadline a task is judged by at the cut-off (see _JUDGED_ON)."""
    done = task["status"] == "done" and task["completed_on"] and task["completed_on"] <= as_of
    return task["completed_on"] if done else as_of


async def deadlines_at(days: dict[int, dt.date]) -> dict[int, dt.date]:
    """For each task id → day, the deadline then in force, for the tasks whose deadline changed after that day."""
    if not days:
        return {}
    changes = await TaskDeadline.select(TaskDeadline.task, TaskDeadline.changed_on, TaskDeadline.old_due).where(
        TaskDeadline.task.is_in(list(days)) & (TaskDeadline.changed_on > min(days.values()))).order_by(TaskDeadline.id)
    out: dict[int, dt.date] = {}
    for c in changes:
        if c["changed_on"] > days[c["task"]]:
            out.setdefault(c["task"], c["old_due"])  # the first change after that day holds the deadline then
    return out


def added_by(as_of: dt.date):
    """Tasks that were part of the plan on `as_of`."""
    return Task.added_on.is_null() | (Task.added_on <= as_of)


async def unit_tasks(flt: Filter, unit_id: int) -> list[dict[str, Any]]:
    """The tasks of a unit's plan for the year, narrowed like the board's counts (field, component)."""
    query = Task.select(Task.id, Task.number, Task.content, Task.status, Task.due_date, Task.completed_on,
                        Task.cancelled_on, Task.field.name.as_alias("field_name"),
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
