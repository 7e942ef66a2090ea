"""Changing tasks: every change bumps the version and is written to the task's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.tables import User
from tasks.rules import Status, clamp_progress
from tasks.tables import Task, TaskEvent

TRACKED = ("number", "content", "lead", "partners", "output", "note", "due_date", "due_text",
           "status", "progress", "completed_on", "cancel_reason")


class StaleTask(Exception):
    """The task changed since the editor loaded it; carries the current row."""

    def __init__(self, current: Task | None):
        super().__init__("stale task")
        self.current = current


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def created_event(task_id: int, values: dict[str, Any], actor: User | None, now: dt.datetime) -> TaskEvent:
    changes = {k: [None, _plain(values[k])] for k in TRACKED if values.get(k) not in (None, "")}
    return TaskEvent(task=task_id, actor=actor.id if actor else None, at=now, action="created", changes=changes)


async def change_task(task: Task, values: dict[str, Any], actor: User | None, now: dt.datetime) -> Task:
    """Apply `values` to `task` if nobody changed it meanwhile; record what changed from what to what.

    The update is conditional on the version the editor saw, so of two concurrent edits
    exactly one wins and the other gets StaleTask with the current values.
    """
    if "status" in values or "progress" in values:
        status = Status(values.get("status", task.status))
        values["progress"] = clamp_progress(status, int(values.get("progress", task.progress)))
    changes = {k: [_plain(getattr(task, k)), _plain(v)] for k, v in values.items()
               if k in TRACKED and getattr(task, k) != v}
    if not changes:
        return task
    updated = await Task.update({**{getattr(Task, k): v for k, v in values.items() if k in changes},
                                 Task.version: task.version + 1}).where(
        (Task.id == task.id) & (Task.version == task.version)).returning(Task.id)
    if not updated:
        raise StaleTask(await Task.objects().where(Task.id == task.id).first())
    await TaskEvent.insert(TaskEvent(task=task.id, actor=actor.id if actor else None, at=now,
                                     action="updated", changes=changes))
    for k in changes:
        setattr(task, k, values[k])
    task.version += 1
    return task
