"""Changing tasks: every change bumps the version and is written to the task's history."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from app.clock import TZ
from app.db import lock_row, write_transaction
from app.tables import User
from tasks.rules import ProgressUpdate, Status, clamp_progress, completion_error, progress_errors
from tasks.tables import Evidence, Task, TaskDeadline, TaskEvent

TRACKED = ("number", "content", "lead", "partners", "output", "note", "due_date", "due_text",
           "status", "progress", "completed_on", "cancel_reason", "cancelled_on")


class TaskChangeError(ValueError):
    """A change that would leave the task inconsistent; the message is user-facing."""


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


def _consistent(task: Task, values: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Fill in what a status change implies: done has a date and 100%, leaving a status clears its date."""
    values = dict(values)
    status = Status(values.get("status", task.status))
    reported = "status" in values or "completed_on" in values  # an edit of the wording leaves what done means
    if reported and (error := completion_error(status, values.get("completed_on", task.completed_on), today)):
        raise TaskChangeError(error)
    if status is not Status.DONE and "status" in values:
        values["completed_on"] = None
    if status is Status.CANCELLED:
        values.setdefault("cancelled_on", task.cancelled_on or today)
    elif "status" in values:
        values["cancelled_on"] = None
    if "status" in values or "progress" in values:
        values["progress"] = clamp_progress(status, int(values.get("progress", task.progress)))
    if "status" in values:
        # The day it was first reported under way: a board at an earlier cut-off counts it "not started".
        # None for a task under way since it exists (created so, or from before this was kept).
        if status is Status.NOT_STARTED:
            values["started_on"] = None
        elif task.status == Status.NOT_STARTED.value:
            # Reported done straight away: it was under way by the day it was done, if that is earlier.
            done_on = values.get("completed_on") if status is Status.DONE else None
            values["started_on"] = min(today, done_on) if done_on else today
        else:
            values["started_on"] = task.started_on
    return values


async def change_task(task: Task, values: dict[str, Any], actor: User | None, now: dt.datetime) -> Task:
    """Apply `values` to `task` if nobody changed it meanwhile; record what changed from what to what.

    The update is conditional on the version the editor saw, so of two concurrent edits
    exactly one wins and the other gets StaleTask with the current values. The change and
    its history are written together or not at all.
    """
    values = _consistent(task, values, now.astimezone(TZ).date())
    changes = {k: [_plain(getattr(task, k)), _plain(v)] for k, v in values.items()
               if k in TRACKED and getattr(task, k) != v}
    if not changes:
        return task
    async with write_transaction():
        derived = {Task.started_on: values["started_on"]} if "started_on" in values else {}  # not history: follows status
        updated = await Task.update({**{getattr(Task, k): values[k] for k in changes}, **derived,
                                     Task.version: task.version + 1}).where(
            (Task.id == task.id) & (Task.version == task.version)).returning(Task.id)
        if not updated:
            raise StaleTask(await Task.objects().where(Task.id == task.id).first())
        await TaskEvent.insert(TaskEvent(task=task.id, actor=actor.id if actor else None, at=now,
                                         action="updated", changes=changes))
        if "due_date" in changes:
            # Boards at an earlier cut-off judge the task against the deadline then in force.
            await TaskDeadline.insert(TaskDeadline(task=task.id, changed_on=now.astimezone(TZ).date(),
                                                   old_due=task.due_date, new_due=values["due_date"]))
    for k in [*changes, *(["started_on"] if derived else [])]:
        setattr(task, k, values[k])
    task.version += 1
    return task


class ProgressRefused(Exception):
    """The update breaks a rule; `errors` says why, by form field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("progress refused")
        self.errors = errors


@contextlib.asynccontextmanager
async def task_locked(task_id: int) -> AsyncIterator[None]:
    """A write transaction that holds the task against every other change to its status or its evidence.

    A rule that reads and then writes on what it read — the evidence a done task needs, the last file of a done
    task, a verdict on a file — reads only inside this, so of two people acting at once the second waits and
    then sees what the first committed. Two deletes of a done task's two files each counted two and both went
    through before this. Lock the task before any of its evidence rows: one order everywhere, no deadlock.
    """
    async with write_transaction():
        await lock_row(Task, task_id)
        yield


_EVIDENCE_REQUIRED = Task.field.plan.evidence_required.as_alias("required")  # a chain of joins, built once


async def report_progress(task: Task, update: ProgressUpdate, version: int, actor: User | None,
                          now: dt.datetime) -> Task:
    """A focal point's report — status, progress, note, completion date — checked and saved with history.

    Raises ProgressRefused when a rule says no, StaleTask when the task moved on since `version`. The rules read
    the task and its files under the task's lock: a file deleted meanwhile is not counted.
    """
    if version != task.version:  # even a change to the same values is refused when made on a stale copy
        raise StaleTask(task)
    async with task_locked(task.id):
        current = await Task.select(Task.version, Task.status, _EVIDENCE_REQUIRED).where(Task.id == task.id).first()
        if current is None or current["version"] != version:
            raise StaleTask(await Task.objects().where(Task.id == task.id).first())
        evidence = await live_evidence_count(task.id)
        errors = progress_errors(update, Status(current["status"]), now.astimezone(TZ).date(), evidence,
                                 current["required"])
        if errors:
            raise ProgressRefused(errors)
        values = {"status": update.status.value, "progress": update.progress, "note": update.note}
        if update.status is Status.DONE:
            values["completed_on"] = update.completed_on
        return await change_task(task, values, actor, now)


async def live_evidence_count(task_id: int) -> int:
    """How many files (not deleted) back the task: marking it done may require at least one."""
    return await Evidence.count().where((Evidence.task == task_id) & Evidence.deleted_at.is_null())
