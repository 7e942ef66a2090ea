"""Carry-over links and amendments' effective dates (issue 15). Written by hand with the operations `--auto`
would write. Backfill: none needed. No task was carried before (NULL: not carried), and every change recorded
before amendments existed took effect when it was recorded (NULL: from `at`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Serial
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Task(Table, tablename="task", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


ID = "2026-12-03T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "carried tasks, effective dates of changes"


def _params(**extra) -> dict:
    return {"null": True, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tasks", description=DESCRIPTION)
    manager.add_column(table_class_name="Task", tablename="task", column_name="carried_from",
                       db_column_name="carried_from", column_class_name="ForeignKey", column_class=ForeignKey,
                       params=_params(default=None, references=Task, on_delete=OnDelete.set_null,
                                      on_update=OnUpdate.cascade, target_column=None), schema=None)
    manager.add_column(table_class_name="TaskEvent", tablename="task_event", column_name="effective_on",
                       db_column_name="effective_on", column_class_name="Date", column_class=Date,
                       params=_params(default=None), schema=None)
    return manager
