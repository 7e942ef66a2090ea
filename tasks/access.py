"""Which tasks a user may read or change: a task is checked by the unit and status of the plan it belongs to."""

from __future__ import annotations

from litestar import Request

from app.access import check_unit, found, require_user
from tasks.tables import Task

# Built once: Piccolo spends about a millisecond assembling a chain of joins, on every request that checks a task.
_TASK_SCOPE = (Task.field.plan.unit.as_alias("unit_id"), Task.field.plan.status.as_alias("status"))


async def task_for_user(request: Request, task_id: int, write: bool = False) -> Task:
    user = require_user(request)
    row = found(await Task.select(*_TASK_SCOPE).where(Task.id == task_id).first())
    check_unit(user, row["unit_id"], write, row["status"] == "issued")
    return await Task.objects().where(Task.id == task_id).first()
