"""Counting tasks at a cut-off: each task's group, judged against the deadline then in force.

The one place that decides which deadline a task is judged by on a past day and how a set of tasks splits into
the official groups. The aggregate SQL follows the same rules as tasks.rules.state_at
(tests/board/test_queries.py checks the two agree); the board, the plan page and scoring all count through here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tasks.rules import Status, TaskFacts
from tasks.tables import Task, TaskDeadline


@dataclass(frozen=True)
class Counts:
    """How many tasks of a plan (or a part of it) fall in each group at the cut-off."""

    total: int = 0
    done_on_time: int = 0
    done_late: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    cancelled: int = 0

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    def __getitem__(self, name: str) -> int:
        """counts["overdue"]: templates loop over the states by name."""
        return getattr(self, name)


COUNT_NAMES = ("total", "done_on_time", "done_late", "in_progress", "not_started", "overdue", "cancelled")


def sum_counts(items) -> Counts:
    sums = dict.fromkeys(COUNT_NAMES, 0)
    for c in items:
        for n in COUNT_NAMES:
            sums[n] += getattr(c, n)
    return Counts(**sums)


def facts(task: dict[str, Any]) -> TaskFacts:
    """The values the task rules need, from a task row."""
    return TaskFacts(Status(task["status"]), task["due_date"], task["completed_on"], task.get("cancelled_on"),
                     task.get("started_on"))


# The deadline in force -------------------------------------------------------------------------------

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


# Counting in SQL ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """Which tasks are counted: the year's plans at a cut-off, optionally one block, one component, some fields."""

    year: int
    as_of: dt.date
    block: str = ""
    component: int | None = None
    fields: tuple[str, ...] | None = None  # exact field names; None counts every field, () none


def scope_sql(scope: Scope) -> tuple[str, list[Any]]:
    """The scope's conditions on task t, field f, plan p and unit u, as SQL with {} placeholders and its values."""
    sql, args = "", []
    if scope.block:
        sql += " AND u.block = {}"
        args.append(scope.block)
    if scope.component is not None:
        sql += " AND f.component = {}"
        args.append(scope.component)
    if scope.fields is not None:
        if not scope.fields:
            return " AND 1 = 0", []
        sql += " AND f.name IN (" + ", ".join("{}" for _ in scope.fields) + ")"
        args.extend(scope.fields)
    return sql, args


# A task is judged against the deadline in force on the day that matters: its completion day when it was done
# by the cut-off (done late stays late even if the deadline is extended afterwards), else the cut-off. That
# deadline is the old one of the first change made after that day, if any. Deadline changes are rare: the
# subquery, an index probe on task_deadline(task), runs only for the tasks that have one (the outer query
# repeats `due` in three sums, and the database may inline it three times). A task added by amendment after the
# cut-off is left out; one first reported under way after it (started_on) counts "not started".
_JUDGED_ON = "CASE WHEN t.status = 'done' AND t.completed_on <= {{}} THEN t.completed_on ELSE {{}} END"
_TASKS = """
SELECT {key} AS key, t.status, t.completed_on, t.started_on,
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
  SUM(CASE WHEN gone = 0 AND done = 0 AND due >= {{}} AND (status = 'not_started' OR started_on > {{}})
      THEN 1 ELSE 0 END) AS not_started
FROM s GROUP BY key
"""

KEYS = {"plan": 'f."plan"', "component": "f.component", "field": "f.name"}


async def state_counts(scope: Scope, by: str = "plan") -> dict[Any, Counts]:
    """Counts of each group at the cut-off, per plan, component or field name: one query."""
    where, args = scope_sql(scope)
    sql = _COUNTS.format(tasks=_TASKS.format(key=KEYS[by], where=where))
    d = scope.as_of
    rows = await Task.raw(sql, d, d, d, d, scope.year, d, *args, d, d, d)
    out = {}
    for r in rows:
        n = {k: int(r[k] or 0) for k in ("total", "cancelled", "done_on_time", "done_late", "overdue", "not_started")}
        in_progress = n["total"] - n["cancelled"] - n["done_on_time"] - n["done_late"] - n["overdue"] - n["not_started"]
        out[r["key"]] = Counts(in_progress=in_progress, **n)
    return out
