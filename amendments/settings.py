"""The secretariat's one choice about amendments: whether a unit's focal point may submit them, not only its head
(read by amendments.access.focal_may_submit)."""

from __future__ import annotations

import datetime as dt

from amendments.tables import AmendmentSettings
from app import audit
from app.db import serialized
from app.tables import User


async def set_focal_may_submit(allowed: bool, actor: User, now: dt.datetime) -> None:
    """Keep the one row, and record the change in the audit log: a rule that binds every unit."""
    async with serialized("amendment-settings"):  # one row, even when two first choices cross
        row = await AmendmentSettings.objects().first()
        if row is not None and row.focal_may_submit == allowed:
            return
        if row is None:
            await AmendmentSettings.insert(AmendmentSettings(focal_may_submit=allowed))
        else:
            await AmendmentSettings.update({AmendmentSettings.focal_may_submit: allowed}).where(
                AmendmentSettings.id == row.id)
        await audit.record(audit.AMENDMENT_SETTINGS, actor, now, target="amendments", focal_may_submit=allowed)
