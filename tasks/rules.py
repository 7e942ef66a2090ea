"""Pure rules about tasks: status at a cut-off date and completion ratios.

Values in, values out; the date is always passed in.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from app.i18n import _, format_percent


class Status(str, enum.Enum):
    """What the focal point records."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "not_started": _("Not started"),
            "in_progress": _("In progress"),
            "done": _("Done"),
            "cancelled": _("Cancelled"),
        }[self.value]


class State(str, enum.Enum):
    """Where a task stands at a cut-off date: the four official groups plus two."""

    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    IN_PROGRESS = "in_progress"  # in progress, within the deadline
    OVERDUE = "overdue"  # not done and past the deadline
    NOT_STARTED = "not_started"  # within the deadline, nothing reported yet
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "done_on_time": _("Done on time"),
            "done_late": _("Done late"),
            "in_progress": _("In progress within deadline"),
            "overdue": _("Overdue"),
            "not_started": _("Not started"),
            "cancelled": _("Cancelled"),
        }[self.value]


@dataclass(frozen=True)
class TaskFacts:
    """The few values the rules need, whatever table they came from."""

    status: Status
    due: dt.date
    completed_on: dt.date | None = None
    cancelled_on: dt.date | None = None
    started_on: dt.date | None = None  # the day it was reported under way; None: since it exists


def state_at(task: TaskFacts, as_of: dt.date) -> State:
    """The task's official group on `as_of` — the one definition the board, the plan page and reports share.

    Each part is judged by its own date, as known today: a task completed after the cut-off counts as not done at
    the cut-off, one reported under way after it as not started, one cancelled after it as still open. A task
    done on its deadline day is on time; done late stays late forever. `task.due` is the deadline in force then
    (tasks.counting.deadlines_at). A completion withdrawn later (the task reopened) counts at no cut-off: only
    closing a cut-off keeps its figures from changing.
    """
    if task.status is Status.CANCELLED and (task.cancelled_on is None or task.cancelled_on <= as_of):
        return State.CANCELLED
    if task.status is Status.DONE and task.completed_on and task.completed_on <= as_of:
        return State.DONE_ON_TIME if task.completed_on <= task.due else State.DONE_LATE
    if as_of > task.due:
        return State.OVERDUE
    if task.status is Status.NOT_STARTED or (task.started_on is not None and task.started_on > as_of):
        return State.NOT_STARTED
    return State.IN_PROGRESS


@dataclass(frozen=True)
class Completion:
    """done ÷ (total − cancelled), kept exact; rounded only when shown."""

    done: int
    total: int
    cancelled: int = 0

    @property
    def counted(self) -> int:
        return self.total - self.cancelled

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.done, self.counted) if self.counted else None

    @property
    def fraction_text(self) -> str:
        return f"{self.done}/{self.counted}"

    @property
    def percent_text(self) -> str:
        return format_percent(self.value)

    def __add__(self, other: Completion) -> Completion:
        return Completion(self.done + other.done, self.total + other.total, self.cancelled + other.cancelled)


def completion(tasks: Iterable[TaskFacts], as_of: dt.date) -> Completion:
    """Completion of any set of tasks — a field, a plan, or several units' plans."""
    done = total = cancelled = 0
    for task in tasks:
        state = state_at(task, as_of)
        total += 1
        cancelled += state is State.CANCELLED
        done += state in (State.DONE_ON_TIME, State.DONE_LATE)
    return Completion(done, total, cancelled)


def clamp_progress(status: Status, progress: int) -> int:
    """A done task is 100%; otherwise keep the reported figure within 0–100."""
    if status is Status.DONE:
        return 100
    return max(0, min(100, progress))


@dataclass(frozen=True)
class ProgressUpdate:
    """What a focal point reports: status, progress, note and, for done, the day it was done."""

    status: Status
    progress: int
    completed_on: dt.date | None
    note: str


NOTE_LIMIT = 4000


def completion_error(status: Status, completed_on: dt.date | None, today: dt.date) -> str | None:
    """What "done" means wherever a task changes: it has the day it was done, and that day is not in the future.

    The one rule behind a focal point's report (progress_errors) and any other change (tasks.actions)."""
    if status is not Status.DONE:
        return None
    if completed_on is None:
        return _("Enter the day the task was completed.")
    if completed_on > today:
        return _("The completion date cannot be in the future.")
    return None


def progress_errors(update: ProgressUpdate, current: Status, today: dt.date, evidence_count: int,
                    evidence_required: bool) -> dict[str, str]:
    """Why an update cannot be saved, by form field; empty when it can.

    Done needs its completion date, never in the future, and — when the plan asks for it —
    at least one evidence file already attached to the task. Cancelling (or reopening a cancelled
    task) is not a progress report: it takes the task out of the ratio, so it needs an approved
    plan amendment.
    """
    errors: dict[str, str] = {}
    if (update.status is Status.CANCELLED) != (current is Status.CANCELLED):
        errors["status"] = _("Cancelling or reopening a task needs an approved plan amendment.")
    if not 0 <= update.progress <= 100:
        errors["progress"] = _("Progress is a number from 0 to 100.")
    if len(update.note) > NOTE_LIMIT:
        errors["note"] = _("At most %(n)s characters.", n=NOTE_LIMIT)
    elif "\x00" in update.note:  # PostgreSQL text cannot hold it: refused here, not a 500 on saving
        errors["note"] = _("Remove the invisible NUL character from this text.")
    if error := completion_error(update.status, update.completed_on, today):
        errors["completed_on"] = error
    if update.status is Status.DONE and evidence_required and evidence_count == 0:
        errors["status"] = _("Attach at least one evidence file before marking the task done.")
    return errors
