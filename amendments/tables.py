"""Amendments (văn bản điều chỉnh, bổ sung kế hoạch): the only way an issued plan's tasks change."""

from piccolo.columns import JSON, BigInt, Boolean, Date, ForeignKey, Integer, OnDelete, SmallInt, Text, Timestamptz, \
    Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.i18n import N_
from app.tables import User
from plans.tables import Field, Plan
from tasks.tables import Task

AMENDMENT_STATUSES = ("draft", "submitted", "approved", "returned", "withdrawn")
STATUS_LABELS = {"draft": N_("draft"), "submitted": N_("submitted"), "approved": N_("approved"),
                 "returned": N_("returned"), "withdrawn": N_("withdrawn")}
ACTIONS = ("add", "cancel", "redate", "edit", "carry")


class Amendment(Table):
    """An amendment of a plan: a signed document listing changes, each taking effect from `date` once approved."""

    plan = ForeignKey(Plan, index=True, on_delete=OnDelete.restrict)  # the plan it amends
    number = Varchar(length=64)  # số/ký hiệu, e.g. 25/KH-STP
    date = Date()  # ngày ban hành: every change takes effect from this date
    reason = Text()
    issuer = Varchar(length=255, default="")
    file_sha256 = Varchar(length=64, default="")  # the signed document, kept in app.storage by hash ("" = missing)
    file_name = Varchar(length=255, default="")
    file_size = BigInt(default=0)
    file_type = Varchar(length=128, default="")
    status = Varchar(length=16, default="draft", index=True)
    comment = Text(default="")  # the secretariat's comment on the last return
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    submitted_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    submitted_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)  # approved or returned it
    decided_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)  # bumped on every change; a stale act is refused


class AmendmentChange(Table, tablename="amendment_change"):
    """One change of an amendment, in the document's order."""

    amendment = ForeignKey(Amendment, index=True, on_delete=OnDelete.cascade)
    position = SmallInt()
    action = Varchar(length=8)  # add, cancel, redate, edit, carry
    task = ForeignKey(Task, null=True, on_delete=OnDelete.set_null)  # cancel/redate/edit: the task; carry: the source
    field = ForeignKey(Field, null=True, on_delete=OnDelete.set_null)  # add/carry: the field receiving the task
    values = JSON()  # add: number?, content, lead, partners, output, due (ISO), due_text; redate: due, due_text;
    # edit: any of content, lead, partners, output; cancel: reason?; carry: due?, due_text?
    before = JSON()  # filled on approval: the task's values before ({} for add/carry): "the plan as issued"
    result_task = ForeignKey(Task, null=True, on_delete=OnDelete.set_null)  # filled on approval: the task added


class AmendmentEvent(Table, tablename="amendment_event"):
    """The amendment's life, shown on its page."""

    amendment = ForeignKey(Amendment, index=True, on_delete=OnDelete.cascade)
    actor = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz(default=TimestamptzNow())
    action = Varchar(length=16)  # created, edited, submitted, returned, approved, withdrawn, file
    comment = Text(default="")


class AmendmentSettings(Table, tablename="amendment_settings"):
    """One row: the secretariat's choice of who may submit."""

    focal_may_submit = Boolean(default=False)
