from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, OnDelete, SmallInt, Text, Timestamptz, Varchar
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
    added_on = Date(null=True, default=None)  # added to an issued plan (amendment): earlier boards leave it out
    started_on = Date(null=True, default=None)  # first reported under way: a cut-off before it counts "not started"
    version = Integer(default=1)  # bumped on every change; a stale edit is refused
    carried_from = ForeignKey("self", null=True, on_delete=OnDelete.set_null)  # chuyển tiếp: the task it continues


class TaskEvent(Table):
    """One change to a task: who, when, and each column's old and new value."""

    task = ForeignKey(Task, index=True)
    actor = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz(default=TimestamptzNow())
    action = Varchar(length=16)  # created, updated
    changes = JSON()  # {"status": ["in_progress", "done"], ...}
    effective_on = Date(null=True, default=None)  # an amendment's date: the change holds from then, not from `at`


class Evidence(Table):
    """A file proving a task was done (tài liệu kiểm chứng), stored under its SHA-256."""

    task = ForeignKey(Task, index=True)
    sha256 = Varchar(length=64, index=True)
    size = BigInt()
    original_name = Varchar(length=255)  # kept as data; the stored file is named by its hash
    content_type = Varchar(length=128)
    doc_number = Varchar(length=64, default="")  # số/ký hiệu
    doc_date = Date(null=True, default=None)  # ngày ban hành
    issuer = Varchar(length=255, default="")  # cơ quan ban hành
    description = Text(default="")
    uploaded_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    uploaded_at = Timestamptz(default=TimestamptzNow())
    deleted_at = Timestamptz(null=True, default=None)  # soft delete: the row and the file stay
    deleted_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    review = Varchar(length=16, default="pending")  # pending, accepted, needs_more
    review_comment = Text(default="")
    reviewed_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    reviewed_at = Timestamptz(null=True, default=None)


class TaskDeadline(Table):
    """A deadline change (plan amendment or correction): boards at an earlier cut-off use the deadline then in force."""

    task = ForeignKey(Task, index=True, on_delete=OnDelete.cascade)
    changed_on = Date()  # local date of the change; from this day on, new_due applies
    old_due = Date()
    new_due = Date()
