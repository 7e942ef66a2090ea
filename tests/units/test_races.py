"""Two acts on the same unit at the same moment: the second waits for the first (app.db.serialized) and then sees
it, so a unit is ended once, never twice with two successors."""

from __future__ import annotations

import asyncio
import datetime as dt

from app import clock
from app.tables import Unit
from tests.builders import make_unit, run
from units.actions import UnitError, end_unit, merge_units
from units.rules import Decision
from units.tables import UnitEvent

DECISION = Decision("7/QĐ-UBND", dt.date(2026, 3, 1))


async def _both(*acts):
    return await asyncio.gather(*acts, return_exceptions=True)


def test_two_simultaneous_ends_of_one_unit_end_it_once(actors):
    other = make_unit("SNV", "Sở Nội vụ")
    for _round in range(5):
        Unit.update({Unit.effective_to: None, Unit.successor: None}).where(Unit.id == actors.unit_a.id).run_sync()
        UnitEvent.delete(force=True).run_sync()
        results = run(_both(
            end_unit(actors.unit_a.id, actors.unit_b.id, DECISION, "end", {}, actors.secretariat, clock.now()),
            end_unit(actors.unit_a.id, other.id, DECISION, "end", {}, actors.admin, clock.now())))
        refused = [r for r in results if isinstance(r, UnitError)]
        assert len(refused) == 1 and "đã kết thúc" in str(refused[0]), results
        assert UnitEvent.count().where(UnitEvent.action == "ended").run_sync() == 1


def test_a_merge_and_an_end_at_once_leave_one_successor(actors):
    other = make_unit("SNV", "Sở Nội vụ")
    results = run(_both(
        merge_units([actors.unit_a.id], other.id, None, DECISION, "move", {}, actors.secretariat, clock.now()),
        end_unit(actors.unit_a.id, actors.unit_b.id, DECISION, "move", {}, actors.admin, clock.now())))
    assert sum(isinstance(r, UnitError) for r in results) == 1, results
    successor = Unit.select(Unit.successor).where(Unit.id == actors.unit_a.id).first().run_sync()["successor"]
    assert successor in (other.id, actors.unit_b.id)
    assert UnitEvent.count().where(UnitEvent.unit == actors.unit_a.id).run_sync() == 1
