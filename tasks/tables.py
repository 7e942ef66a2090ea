from piccolo.columns import OnDelete, JSON, Date, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables import User
from plans.tables import Field


class Task(Table):
    """A task (nhiệm vụ) of a plan's field."""

    field = ForeignKey(Field, index=True)
    position = SmallInt()
    number = Varchar(length=16)  # as written in the plan: "3", "1.2"
    content = Text()
    lead = Text(default="")
    partners = Text(default="")
    output = Text(default="")
    note = Text(default="")
    due_date = Date()
    due_text = Varchar(length=255, default="")
    status = Varchar(length=16, default="not_started")
    progress = SmallInt(default=0)
    completed_on = Date(null=True, default=None)
    cancel_reason = Text(default="")
    cancelled_on = Date(null=True, default=None)  # boards at an earlier cut-off still count the task
    version = Integer(default=1)  # bumped on every change; a stale edit is refused


class TaskEvent(Table):
    """One change to a task: who, when, and each column's old and new value."""

    task = ForeignKey(Task, index=True)
    actor = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz(default=TimestamptzNow())
    action = Varchar(length=16)  # created, updated
    changes = JSON()  # {"status": ["in_progress", "done"], ...}
