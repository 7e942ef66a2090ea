"""A task as it stood on a past day, rebuilt from its history (TaskEvent rows): pure, the day passed in.

Each change after the day is undone, newest first, from the old values the history kept. What the task was
*recorded* to be then (its wording, deadline text, reported progress) comes from here; which group it falls in
comes from tasks.rules.state_at on the dated facts, the one definition the board shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from app.clock import TZ
from tasks.rules import State

DATES = ("due_date", "completed_on", "cancelled_on")
UNDONE = State.NOT_STARTED, State.IN_PROGRESS, State.OVERDUE  # open at the cut-off


def day_end(day: dt.date) -> dt.datetime:
    """The first instant after `day` in local time: a change recorded before it happened on or before `day`."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), TZ)


def _value(column: str, raw: Any) -> Any:
    return dt.date.fromisoformat(raw) if column in DATES and isinstance(raw, str) else raw


def _later(event: dict[str, Any], as_of: dt.date) -> bool:
    """Whether the change came into force after `as_of`: an amendment's from its date, the rest when recorded."""
    if event.get("effective_on") is not None:
        return _value("due_date", event["effective_on"]) > as_of
    return event["at"] >= day_end(as_of)


def as_it_was(task: dict[str, Any], events: Iterable[dict[str, Any]], as_of: dt.date) -> dict[str, Any]:
    """The task's columns as recorded by the end of `as_of`: every later update undone, newest first.

    `events` are the task's history rows (any order; only those after the day matter). The creation is not
    undone: whether the task belonged to the plan then is the plan's rule (added_on), not the history's.
    Adds "withdrawn_progress": the progress a later change recorded when it took "done" away, if one did.
    """
    then = dict(task)
    then["withdrawn_progress"] = None
    later = [e for e in events if e["action"] != "created" and _later(e, as_of)]
    for event in sorted(later, key=lambda e: (e["at"], e["id"]), reverse=True):
        for column, (old, new) in event["changes"].items():
            if column == "status" and old == "done" and new != "done":
                then["withdrawn_progress"] = event["changes"].get("progress", [None, None])[1]
            then[column] = _value(column, old)
    return then


def progress_then(then: dict[str, Any], state: State) -> int:
    """The progress to show beside the state at the cut-off, so the two never disagree.

    Done then is 100%, not started then is 0%. A completion withdrawn later (the task reopened) does not count at
    any cut-off, so the 100% it was recorded with gives way to the figure the reopening recorded.
    """
    if state in (State.DONE_ON_TIME, State.DONE_LATE):
        return 100
    if state is State.NOT_STARTED:
        return 0
    if state in UNDONE and then.get("status") == "done":
        withdrawn = then.get("withdrawn_progress")
        return int(withdrawn) if withdrawn is not None else 0
    return int(then.get("progress") or 0)
