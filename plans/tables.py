from piccolo.columns import Boolean, Date, OnDelete, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.tables import Unit, User

PLAN_STATUSES = ("draft", "issued")


class Plan(Table):
    """A unit's annual CCHC plan; one per unit and year (unique index in the migrations)."""

    unit = ForeignKey(Unit, index=True, on_delete=OnDelete.restrict)  # deleting a unit never deletes its plans
    year = Integer(index=True)
    title = Varchar(length=500)
    doc_number = Varchar(length=64, default="")  # số/ký hiệu, e.g. 15/KH-STP
    doc_date = Date(null=True, default=None)  # ngày ban hành
    status = Varchar(length=8, default="draft")
    evidence_required = Boolean(default=True)  # marking a task done needs at least one evidence file


class Field(Table):
    """A field (lĩnh vực) of a plan, usually mirroring a PAR Index component."""

    plan = ForeignKey(Plan, index=True)
    position = SmallInt()
    name = Varchar(length=500)
    component = SmallInt(null=True, default=None)  # PAR Index component 1–8


class YearClose(Table, tablename="year_close"):
    """A plan year closed by the secretariat (years/): from `closed_on` its tasks are read-only, send no reminders,
    and its board is final at that cut-off. Kept here, beside the plan, so every write path below can read it."""

    year = Integer(unique=True)
    closed_on = Date()  # the closing cut-off (local date)
    closed_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    closed_at = Timestamptz()
    note = Text(default="")
