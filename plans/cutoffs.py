"""The rule for the past: nothing takes effect on a plan on or before its latest closed cut-off.

Closed cut-offs are, for now, a closed year (plans.tables.YearClose: the year's plans are final at its closing
date). Periodic reports (a submitted report closes its period's cut-off) and published results add theirs here.
"""

from __future__ import annotations

import datetime as dt

from plans.tables import Plan, YearClose


async def year_close(year: int) -> YearClose | None:
    return await YearClose.objects().where(YearClose.year == year).first()


async def closed_cutoff(plan_id: int) -> dt.date | None:
    """The latest closed cut-off of the plan, or None: a change dated on or before it is refused."""
    plan = await Plan.select(Plan.year).where(Plan.id == plan_id).first()
    if plan is None:
        return None
    closed = await year_close(plan["year"])
    return closed.closed_on if closed else None


def before_closed(day: dt.date, cutoff: dt.date | None) -> bool:
    """Whether something dated `day` would reach back to a closed cut-off (pure)."""
    return cutoff is not None and day <= cutoff
