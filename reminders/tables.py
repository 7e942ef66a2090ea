from piccolo.columns import (Boolean, Date, ForeignKey, Integer, OnDelete, SmallInt, Text, Timestamptz,
                             Varchar)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables import User
from tasks.tables import Task


class ReminderPolicy(Table):
    """When reminders go out, as the secretariat set it; a single row (the first), created on first use."""

    enabled = Boolean(default=True)
    before_days = Varchar(length=64, default="7,3,1,0")  # working days before the deadline; 0 = the day itself
    repeat_every = SmallInt(default=3)  # while overdue, every N working days
    head_after = SmallInt(default=5)  # overdue this many working days: the unit head too
    secretariat_after = SmallInt(default=10)  # … and the secretariat
    sweep_at = Varchar(length=5, default="07:30")  # local time of the daily sweep, on working days
    version = Integer(default=1)
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)


class CalendarDay(Table):
    """A day the admin sets against the public calendar: an extra holiday, or a make-up working day."""

    day = Date(unique=True)
    kind = Varchar(length=8)  # holiday, workday
    name = Varchar(length=255, default="")
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class OutboxEmail(Table, tablename="outbox_email"):
    """One email to send: the day's digest for one person. Unique (recipient, day) in the migrations.

    A worker claims it with a conditional update (status pending → sending) before sending, and records the
    result after; a claim older than the lease is taken over (the worker that held it died).
    """

    recipient = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    to_address = Varchar(length=255)
    day = Date(index=True)
    language = Varchar(length=2, default="vi")
    subject = Varchar(length=255)
    text = Text()
    html = Text()
    message_id = Varchar(length=255, default="")
    status = Varchar(length=8, default="pending", index=True)  # pending, sending, sent, failed
    not_before = Timestamptz()  # the person's chosen hour
    attempts = SmallInt(default=0)
    claimed_at = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=64, default="")
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Reminder(Table):
    """One reminder: a task, a kind, a day, a recipient — unique together (migrations), so a sweep run twice,
    or by two workers at once, adds nothing the second time."""

    task = ForeignKey(Task, index=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=16)  # before, due, overdue, head, secretariat
    day = Date(index=True)
    recipient = ForeignKey(User, on_delete=OnDelete.cascade)
    days = SmallInt(default=0)  # working days left (before) or overdue (overdue, head, secretariat)
    email = ForeignKey(OutboxEmail, null=True, index=True, on_delete=OnDelete.set_null)  # composing reads by email
    created_at = Timestamptz(default=TimestamptzNow())


class SweepRun(Table):
    """The daily sweep, one row per day: the cron tick runs it once after the policy's time."""

    day = Date(unique=True)
    started_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    reminders = Integer(default=0)
    emails = Integer(default=0)
