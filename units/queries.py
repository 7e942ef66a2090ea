"""Reading units: the list with its filters, one unit's page (history, predecessors, successor, people)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from app.i18n import N_, _, format_date
from app.text import fold
from app.tables import Unit, User
from units import rules
from units.actions import UNIT_COLUMNS
from units.tables import UnitEvent

STATES = ("in_force", "ended", "all")


@dataclass(frozen=True)
class UnitFilter:
    block: str = ""
    kind: str = ""
    state: str = "in_force"  # in force on `on`, ended by then, or all
    on: dt.date | None = None  # None: today


async def unit_list(flt: UnitFilter, today: dt.date) -> list[dict[str, Any]]:
    """The units the filter keeps, by block then name, each with its successor's name."""
    query = Unit.select(*UNIT_COLUMNS, Unit.successor.name.as_alias("successor_name"))
    if flt.block:
        query = query.where(Unit.block == flt.block)
    if flt.kind:
        query = query.where(Unit.kind == flt.kind)
    day = flt.on or today
    rows = []
    for unit in await query:
        live = rules.in_force(unit, day)
        ended = unit["effective_to"] is not None and unit["effective_to"] < day
        if flt.state == "all" or (flt.state == "ended" and ended) or (flt.state == "in_force" and live):
            rows.append(unit)
    return sorted(rows, key=lambda u: (fold(u["block"]), fold(u["name"])))


async def blocks() -> list[str]:
    return sorted({r["block"] for r in await Unit.select(Unit.block).distinct()}, key=fold)


async def units_in_force(day: dt.date, but: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The choices for a successor or a merge: units in force on `day`, by name."""
    return [u for u in await unit_list(UnitFilter(state="in_force", on=day), day) if u["id"] not in but]


async def unit_page(unit_id: int) -> dict[str, Any] | None:
    """A unit with its history (newest first), the units it took over from, its successor and its people."""
    unit = await Unit.select(*UNIT_COLUMNS, Unit.successor.name.as_alias("successor_name"),
                             Unit.successor.code.as_alias("successor_code")).where(Unit.id == unit_id).first()
    if unit is None:
        return None
    history = await UnitEvent.select(UnitEvent.all_columns(), UnitEvent.actor.full_name.as_alias("actor_name"),
                                     UnitEvent.actor.email.as_alias("actor_email")).where(
        UnitEvent.unit == unit_id).order_by(UnitEvent.at, ascending=False).order_by(UnitEvent.id, ascending=False)
    for event in history:
        event["before"], event["after"] = _values(event["before"]), _values(event["after"])
    predecessors = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.effective_to).where(
        Unit.successor == unit_id).order_by(Unit.name)
    people = await User.select(User.id, User.email, User.full_name, User.role, User.active).where(
        User.unit == unit_id).order_by(User.role).order_by(User.email)
    return {"unit": unit, "history": history, "predecessors": predecessors, "people": people}


VALUE_LABELS = {"code": N_("Code"), "name": N_("Name"), "kind": N_("Kind"), "block": N_("Block"),
                "effective_to": N_("In force until"), "successor": N_("Successor"), "from": N_("Took over from"),
                "into": N_("Split into")}
CHANGE_KEYS = ("name", "block", "kind")


def _values(raw: Any) -> list[str]:
    """An event's JSON values as the history shows them: "Kế thừa: SCT", "2025-02-28" as 28/02/2025, lists
    joined. A lone name, block or kind (a rename, a move) is shown bare."""
    values = json.loads(raw) if isinstance(raw, str) else (raw or {})
    shown = []
    for key, value in values.items():
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        elif isinstance(value, str) and len(value) == 10 and value[4] == "-":
            value = format_date(dt.date.fromisoformat(value))
        if key == "kind" and value in rules.KIND_LABELS:
            value = _(rules.KIND_LABELS[value])
        if value:
            label = _(VALUE_LABELS[key]) if key in VALUE_LABELS and (len(values) > 1 or key not in CHANGE_KEYS) else ""
            shown.append(f"{label}: {value}" if label else str(value))
    return shown


async def people_of(unit_ids: list[int]) -> list[dict[str, Any]]:
    """The active accounts of units an act ends: the form asks what becomes of each."""
    if not unit_ids:
        return []
    return await User.select(User.id, User.email, User.full_name, User.role,
                             User.unit.code.as_alias("unit_code")).where(
        User.unit.is_in(unit_ids) & (User.active == True)).order_by(User.email)  # noqa: E712


async def unit_by_code(code: str) -> dict[str, Any] | None:
    return await Unit.select(*UNIT_COLUMNS).where(Unit.code == code.strip().upper()).first()
