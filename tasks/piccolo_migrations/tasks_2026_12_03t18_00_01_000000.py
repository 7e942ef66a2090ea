import datetime as dt
import json
from zoneinfo import ZoneInfo

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T18:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "the day a task was first reported under way, backfilled from its history"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class TaskEvent(Table, tablename="task_event"):
    pass


def _day(value) -> dt.date:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(TZ).date()


async def copy_start_days():
    """A task that left "not started" before the column existed: the day of its last such change, from the
    history, so a board at an earlier cut-off counts it not started. A task without such an event (created under
    way, by an import or by hand) keeps NULL: started since it exists, as boards counted it before."""
    rows = await TaskEvent.raw("SELECT e.task, e.at, e.changes FROM task_event e JOIN task t ON t.id = e.task "
                               "WHERE e.action = 'updated' AND t.status <> 'not_started' ORDER BY e.id")
    started: dict[int, dt.date] = {}
    for row in rows:
        changes = json.loads(row["changes"]) if isinstance(row["changes"], (str, bytes)) else row["changes"]
        old, new = (changes or {}).get("status", (None, None))
        if old == "not_started" and new and new != "not_started":
            started[row["task"]] = _day(row["at"])  # the last start wins: a task put back to "not started" restarted
    for task, day in started.items():
        await TaskEvent.raw("UPDATE task SET started_on = {} WHERE id = {}", day, task)


async def forwards():
    # A second migration: Piccolo runs a migration's raw steps before its new columns, so the backfill follows
    # the column (tasks_2026_12_03t18_00_00_000000) instead of sharing its file.
    manager = MigrationManager(migration_id=ID, app_name="tasks", description=DESCRIPTION)
    manager.add_raw(copy_start_days)
    return manager
