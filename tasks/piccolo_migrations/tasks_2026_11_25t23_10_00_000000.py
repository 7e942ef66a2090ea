import datetime as dt
import json
from zoneinfo import ZoneInfo

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-25T23:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "deadline history from task events"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class TaskEvent(Table, tablename="task_event"):
    pass


def _day(value) -> dt.date:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(TZ).date()


async def copy_deadline_changes():
    """Deadlines moved before task_deadline existed are in the task history: copy them, so boards at an
    earlier cut-off judge those tasks against the deadline then in force."""
    rows = await TaskEvent.raw("SELECT task, at, changes FROM task_event WHERE action = 'updated' ORDER BY id")
    for row in rows:
        changes = json.loads(row["changes"]) if isinstance(row["changes"], (str, bytes)) else row["changes"]
        old, new = (changes or {}).get("due_date", (None, None))
        if old and new:
            await TaskEvent.raw("INSERT INTO task_deadline (task, changed_on, old_due, new_due) VALUES ({}, {}, {}, {})",
                                row["task"], _day(row["at"]), dt.date.fromisoformat(old), dt.date.fromisoformat(new))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tasks", description=DESCRIPTION)

    async def empty():
        await TaskEvent.raw("DELETE FROM task_deadline")

    manager.add_raw(copy_deadline_changes)
    manager.add_raw_backwards(empty)
    return manager
