"""Changing tasks: every change bumps the version and is written to the task's history."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Iterable
from typing import Any

from app import audit
from app.clock import TZ
from app.db import hold_shared, lock_row, write_transaction
from app.i18n import _
from app.tables import User
from tasks.rules import ProgressUpdate, Status, clamp_progress, completion_error, progress_errors
from plans.tables import YearClose
from tasks.tables import Evidence, Task, TaskDeadline, TaskEvent

TRACKED = ("number", "content", "lead", "partners", "output", "note", "due_date", "due_text",
           "status", "progress", "completed_on", "cancel_reason", "cancelled_on")


# Once a plan is issued these change only through an approved amendment (amendments/); the status "cancelled"
# too. A secretariat's correction (via="correction") may fix the wording of the first four, nothing else.
AMENDED = ("content", "lead", "partners", "output", "number", "due_date", "due_text", "cancel_reason", "cancelled_on")
WORDING = ("content", "lead", "partners", "output")


class TaskChangeError(ValueError):
    """A change that would leave the task inconsistent; the message is user-facing."""


class AmendmentRequired(TaskChangeError):
    """The task's plan is issued: its content, lead, output, deadline and the set of tasks change by amendment."""

    def __init__(self):
        super().__init__(_("This plan has been issued: its tasks' content, lead unit, cooperating units, output and "
                           "deadline, and the list of tasks, change only through an amendment (văn bản điều chỉnh, "
                           "bổ sung kế hoạch). Open the plan and choose “Amendments” to draft one."))


class YearClosed(TaskChangeError):
    """The task's plan year is closed: its content, status and progress are read-only."""

    def __init__(self, year: int):
        super().__init__(_("The year %(year)s is closed: its tasks can no longer be changed. Evidence can still be "
                           "added and reviewed.", year=year))


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


_PLAN_OF_TASK = (Task.field.plan.status.as_alias("plan_status"), Task.field.plan.year.as_alias("plan_year"))


async def check_writable(task_id: int, changes: Iterable[str], via: str) -> None:
    """Refuse a change the plan's state forbids: any change in a closed year; on an issued plan, a change to what
    only an amendment may change, unless it comes from one (or is the secretariat's correction of wording)."""
    plan = await Task.select(*_PLAN_OF_TASK).where(Task.id == task_id).first()
    if plan is None:
        return
    await hold_shared(f"year-close:{plan['plan_year']}")  # the key years.actions.close_year holds: not across it
    if await YearClose.exists().where(YearClose.year == plan["plan_year"]):
        raise YearClosed(plan["plan_year"])
    changes = set(changes)
    if via == "correction":
        if changes - set(WORDING):
            raise TaskChangeError(_("A correction fixes the wording of a task only; anything else needs an amendment."))
    elif via != "amendment" and plan["plan_status"] == "issued" and changes & set(AMENDED):
        raise AmendmentRequired()


async def change_task(task: Task, values: dict[str, Any], actor: User | None, now: dt.datetime, *,
                      via: str = "edit", effective_on: dt.date | None = None) -> Task:
    """Apply `values` to `task` if nobody changed it meanwhile; record what changed from what to what.

    The update is conditional on the version the editor saw, so of two concurrent edits
    exactly one wins and the other gets StaleTask with the current values. The change and
    its history are written together or not at all.

    `via` says which document allows the change: "edit" (the unit's own report or a draft plan's editing),
    "amendment" (an approved amendment, effective from `effective_on`) or "correction" (the secretariat fixing
    wording). Raises AmendmentRequired or YearClosed when the plan's state forbids it (check_writable).
    """
    today = now.astimezone(TZ).date()
    values = _consistent(task, values, effective_on or today)
    changes = {k: [_plain(getattr(task, k)), _plain(v)] for k, v in values.items()
               if k in TRACKED and getattr(task, k) != v}
    if not changes:
        return task
    async with write_transaction():
        await check_writable(task.id, changes, via)
        derived = {Task.started_on: values["started_on"]} if "started_on" in values else {}  # not history: follows status
        updated = await Task.update({**{getattr(Task, k): values[k] for k in changes}, **derived,
                                     Task.version: task.version + 1}).where(
            (Task.id == task.id) & (Task.version == task.version)).returning(Task.id)
        if not updated:
            raise StaleTask(await Task.objects().where(Task.id == task.id).first())
        await TaskEvent.insert(TaskEvent(task=task.id, actor=actor.id if actor else None, at=now,
                                         action=via if via != "edit" else "updated", changes=changes,
                                         effective_on=effective_on))
        if "due_date" in changes:
            # Boards at an earlier cut-off judge the task against the deadline then in force.
            await TaskDeadline.insert(TaskDeadline(task=task.id, changed_on=effective_on or today,
                                                   old_due=task.due_date, new_due=values["due_date"]))
    for k in [*changes, *(["started_on"] if derived else [])]:
        setattr(task, k, values[k])
    task.version += 1
    return task


async def correct_wording(task: Task, values: dict[str, Any], actor: User, now: dt.datetime) -> Task:
    """The secretariat's correction of an issued plan's wording (a spelling fix that changes no meaning): the
    content, lead, partners and output only, recorded in the task's history and in the audit log."""
    values = {k: v for k, v in values.items() if k in WORDING}
    before = {k: getattr(task, k) for k in values}
    async with write_transaction():
        task = await change_task(task, values, actor, now, via="correction")
        changed = {k: [before[k], v] for k, v in values.items() if before[k] != v}
        if changed:
            await audit.record(audit.TASK_CORRECTED, actor, now, target=f"task:{task.id}", changes=changed)
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
