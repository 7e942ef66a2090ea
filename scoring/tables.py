from piccolo.columns import JSON, BigInt, ForeignKey, Integer, Numeric, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables import Unit, User


class ScoringRule(Table):
    """How a year's plans are scored, as a document (see scoring.rules); one per year and block.

    block "" applies to every block without a rule of its own (unique (year, block) in the migrations).
    """

    year = Integer(index=True)
    block = Varchar(length=128, default="")
    body = JSON()
    version = Integer(default=1)  # bumped on every save; a stale edit is refused
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)


class ScoringRuleVersion(Table):
    """Every saved state of a rule: the history the secretariat and auditors read."""

    rule = ForeignKey(ScoringRule, index=True, on_delete=OnDelete.cascade)
    version = Integer()
    body = JSON()
    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    note = Text(default="")  # what changed and why, as the editor wrote it


class ManualScore(Table):
    """Points the secretariat enters for a criterion that does not come from tasks (reports, inspections…).

    Append-only: a new entry replaces the current one (replaced_at set), so the history stays.
    At most one current entry per unit, year and criterion (a partial unique index in the migrations).
    """

    unit = ForeignKey(Unit, index=True, on_delete=OnDelete.restrict)
    year = Integer(index=True)
    criterion = Varchar(length=16)
    points = Numeric(digits=(7, 3))
    comment = Text(default="")  # giải trình: required when points are given without evidence
    evidence_sha256 = Varchar(length=64, default="")
    evidence_name = Varchar(length=255, default="")
    evidence_type = Varchar(length=128, default="")
    evidence_size = BigInt(default=0)
    entered_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    entered_at = Timestamptz(default=TimestamptzNow())
    replaced_at = Timestamptz(null=True, default=None)
