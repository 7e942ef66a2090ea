"""Closed plan years (issue 15, section 3). Written by hand with the operations `--auto` would write.
A new table: no year is closed on an existing installation until the secretariat closes it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Integer, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class User(Table, tablename="parplan_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


ID = "2026-12-03T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "closed plan years"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


def _column(manager: MigrationManager, name: str, column_class, **params) -> None:
    manager.add_column(table_class_name="YearClose", tablename="year_close", column_name=name, db_column_name=name,
                       column_class_name=column_class.__name__, column_class=column_class,
                       params=_params(**params), schema=None)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="plans", description=DESCRIPTION)
    manager.add_table(class_name="YearClose", tablename="year_close", schema=None, columns=None)
    _column(manager, "year", Integer, default=0, unique=True)
    _column(manager, "closed_on", Date, default=None)
    _column(manager, "closed_by", ForeignKey, references=User, on_delete=OnDelete.set_null,
            on_update=OnUpdate.cascade, target_column=None, null=True)
    _column(manager, "closed_at", Timestamptz, default=TimestamptzNow())
    _column(manager, "note", Text, default="")
    return manager
