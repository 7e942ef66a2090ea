"""Pure rules about units over time: when a unit is in force, and what an act on units needs. The date is passed in.

A unit's `effective_to` is the LAST day it is in force (scoring.queries.units_of_year counts a unit in a year when
effective_to >= 1 January). So a unit ended, merged or split by a decision taking effect on D gets
effective_to = D - 1 day, and a unit created by that act gets effective_from = D: on any day exactly one of them
is in force.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from app.i18n import N_, _, format_date
from app.tables import UNIT_KINDS

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Decision:
    """The decision (quyết định) behind an act: its number and the date the act takes effect from."""

    number: str
    date: dt.date


def last_day(effective: dt.date) -> dt.date:
    """The last day in force of a unit ended by an act taking effect on `effective`."""
    return effective - DAY


def in_force(unit: dict[str, Any], day: dt.date) -> bool:
    """Whether the unit exists on `day` (no dates: always)."""
    starts, ends = unit.get("effective_from"), unit.get("effective_to")
    return (starts is None or starts <= day) and (ends is None or ends >= day)


def decision_errors(number: str, date: dt.date | None) -> dict[str, str]:
    """Every act on units cites its decision: a number and a date are required."""
    errors = {}
    if not number.strip():
        errors["decision_number"] = _("Write the decision's number.")
    elif len(number.strip()) > 64:
        errors["decision_number"] = _("At most %(n)s characters.", n=64)
    if date is None:
        errors["decision_date"] = _("Write the date the decision takes effect.")
    return errors


def ending_errors(unit: dict[str, Any], effective: dt.date) -> str | None:
    """Why `unit` cannot be ended from `effective`, or None."""
    if unit.get("effective_to") is not None:
        return _("%(name)s has already ended.", name=unit["name"])
    if unit.get("effective_from") is not None and effective <= unit["effective_from"]:
        return _("%(name)s starts on %(date)s: it can only end after that.", name=unit["name"],
                 date=format_date(unit["effective_from"]))
    return None


def successor_errors(successor: dict[str, Any] | None, ending: list[dict[str, Any]], effective: dt.date) -> str | None:
    """Why `successor` cannot take over the `ending` units from `effective`, or None."""
    if successor is None:
        return _("Choose the unit that takes over.")
    if any(u["id"] == successor["id"] for u in ending):
        return _("A unit cannot be merged into itself.")
    if not in_force(successor, effective):
        return _("%(name)s is not in force on that date.", name=successor["name"])
    return None


CODE = re.compile(r"[A-Z0-9_.-]{1,32}")


def unit_errors(code: str, name: str, kind: str) -> dict[str, str]:
    """What is wrong with a new unit's code (already upper-cased), name and kind, by field."""
    errors = {}
    if not CODE.fullmatch(code):
        errors["code"] = _("A unit code has 1 to 32 letters, digits, dots, dashes or underscores.")
    if not name.strip():
        errors["name"] = _("The unit needs a name.")
    elif len(name.strip()) > 255:
        errors["name"] = _("At most %(n)s characters.", n=255)
    if kind not in UNIT_KINDS:
        errors["kind"] = _("Unknown unit kind %(kind)s.", kind=kind)
    return errors


KIND_LABELS = {"department": N_("Department (sở, ban, ngành)"), "commune": N_("Commune or ward"),
               "district": N_("District (before 2025)"), "ministry": N_("Ministry"), "other": N_("Other")}
EVENT_LABELS = {"created": N_("Created"), "renamed": N_("Renamed"), "block": N_("Block changed"),
                "kind": N_("Kind changed"), "ended": N_("Ended"), "merged": N_("Merger"), "split": N_("Split"),
                "imported": N_("Imported from the province's list")}
