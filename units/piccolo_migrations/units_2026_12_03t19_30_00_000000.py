"""The history of units (issue 15, section 4). Written by hand with the operations `--auto` would write.

A new table, backfilled: every existing unit gets a "created" event dated from its effective_from (or no date),
so that an existing installation's units have a history from the day of the upgrade. The backfill needs the
table, so it runs right after the columns are added, in the same transaction.
"""

import datetime as dt
import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Date, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Unit(Table, tablename="unit", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class User(Table, tablename="parplan_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


ID = "2026-12-03T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unit history"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


def _fk(references, on_delete, **extra) -> dict:
    return {"references": references, "on_delete": on_delete, "on_update": OnUpdate.cascade,
            "target_column": None, "default": None, **extra}


COLUMNS = [
    ("unit", ForeignKey, _fk(Unit, OnDelete.cascade, index=True)),
    ("action", Varchar, {"default": "", "length": 16}),
    ("before", JSON, {"default": "{}"}),
    ("after", JSON, {"default": "{}"}),
    ("decision_number", Varchar, {"default": "", "length": 64}),
    ("decision_date", Date, {"default": None, "null": True}),
    ("actor", ForeignKey, _fk(User, OnDelete.set_null, null=True)),
    ("at", Timestamptz, {"default": TimestamptzNow()}),
]


async def backfill(now: dt.datetime) -> None:
    units = await Unit.raw("SELECT id, code, name, kind, block, effective_from FROM unit ORDER BY id")
    for u in units:
        after = {"code": u["code"], "name": u["name"], "kind": u["kind"], "block": u["block"]}
        day = u["effective_from"]
        if day is not None and not isinstance(day, dt.date):  # SQLite through raw(): ISO text
            day = dt.date.fromisoformat(str(day)[:10])
        await Unit.raw('INSERT INTO unit_event (unit, action, "before", "after", decision_number, decision_date, '
                       'actor, "at") VALUES ({}, {}, {}, {}, {}, {}, NULL, {})', u["id"], "created", "{}",
                       json.dumps(after, ensure_ascii=False), "", day, now)


class _Manager(MigrationManager):
    async def _run_add_columns(self, backwards: bool = False):
        await super()._run_add_columns(backwards=backwards)
        if not backwards:
            await backfill(dt.datetime.now(dt.timezone.utc))


async def forwards():
    manager = _Manager(migration_id=ID, app_name="units", description=DESCRIPTION)
    manager.add_table(class_name="UnitEvent", tablename="unit_event", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="UnitEvent", tablename="unit_event", column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
                           params=_params(**params), schema=None)
    return manager
