"""The history of each unit (issue 15, section 4): every official act that made, renamed, moved or ended it."""

from piccolo.columns import JSON, Date, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from app.tables import Unit, User

EVENT_ACTIONS = ("created", "renamed", "block", "kind", "ended", "merged", "split", "imported")


class UnitEvent(Table, tablename="unit_event"):
    """One act on one unit, with the decision (quyết định) that made it. Units are never deleted, so neither is
    their history; the cascade only serves tests that empty every table."""

    unit = ForeignKey(Unit, index=True, on_delete=OnDelete.cascade)  # a unit's page lists its history
    action = Varchar(length=16)  # EVENT_ACTIONS
    before = JSON(default="{}")  # the values the act changed, as they were: {"name": "Sở Nội vụ"}
    after = JSON(default="{}")  # ... and as they became; ended/merged/split: successor, effective_to, units
    decision_number = Varchar(length=64, default="")
    decision_date = Date(null=True, default=None)  # None only for units backfilled without a start date
    actor = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz()
