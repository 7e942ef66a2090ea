"""Amendments of issued plans (issue 15, section 1). Written by hand with the operations `--auto` would write.
New tables: an existing installation has no amendment yet, and its settings row is created when first read."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (JSON, BigInt, Boolean, Date, ForeignKey, Integer, Serial, SmallInt, Text,
                                          Timestamptz, Varchar)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class User(Table, tablename="parplan_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class Plan(Table, tablename="plan", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class Field(Table, tablename="field", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class Task(Table, tablename="task", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class Amendment(Table, tablename="amendment", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


ID = "2026-12-03T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "plan amendments"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


def _fk(references, on_delete, **extra) -> dict:
    return {"references": references, "on_delete": on_delete, "on_update": OnUpdate.cascade,
            "target_column": None, **extra}


TABLES = {
    ("Amendment", "amendment"): [
        ("plan", ForeignKey, _fk(Plan, OnDelete.restrict, null=True, index=True)),
        ("number", Varchar, {"default": "", "length": 64}),
        ("date", Date, {"default": None}),
        ("reason", Text, {"default": ""}),
        ("issuer", Varchar, {"default": "", "length": 255}),
        ("file_sha256", Varchar, {"default": "", "length": 64}),
        ("file_name", Varchar, {"default": "", "length": 255}),
        ("file_size", BigInt, {"default": 0}),
        ("file_type", Varchar, {"default": "", "length": 128}),
        ("status", Varchar, {"default": "draft", "length": 16, "index": True}),
        ("comment", Text, {"default": ""}),
        ("created_by", ForeignKey, _fk(User, OnDelete.set_null, null=True)),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
        ("submitted_by", ForeignKey, _fk(User, OnDelete.set_null, null=True)),
        ("submitted_at", Timestamptz, {"default": None, "null": True}),
        ("decided_by", ForeignKey, _fk(User, OnDelete.set_null, null=True)),
        ("decided_at", Timestamptz, {"default": None, "null": True}),
        ("version", Integer, {"default": 1}),
    ],
    ("AmendmentChange", "amendment_change"): [
        ("amendment", ForeignKey, _fk(Amendment, OnDelete.cascade, null=True, index=True)),
        ("position", SmallInt, {"default": 0}),
        ("action", Varchar, {"default": "", "length": 8}),
        ("task", ForeignKey, _fk(Task, OnDelete.set_null, null=True)),
        ("field", ForeignKey, _fk(Field, OnDelete.set_null, null=True)),
        ("values", JSON, {"default": "{}"}),
        ("before", JSON, {"default": "{}"}),
        ("result_task", ForeignKey, _fk(Task, OnDelete.set_null, null=True)),
    ],
    ("AmendmentEvent", "amendment_event"): [
        ("amendment", ForeignKey, _fk(Amendment, OnDelete.cascade, null=True, index=True)),
        ("actor", ForeignKey, _fk(User, OnDelete.set_null, null=True)),
        ("at", Timestamptz, {"default": TimestamptzNow()}),
        ("action", Varchar, {"default": "", "length": 16}),
        ("comment", Text, {"default": ""}),
    ],
    ("AmendmentSettings", "amendment_settings"): [
        ("focal_may_submit", Boolean, {"default": False}),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="amendments", description=DESCRIPTION)
    for (class_name, tablename) in TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
    for (class_name, tablename), columns in TABLES.items():
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename, column_name=name,
                               db_column_name=name, column_class_name=column_class.__name__,
                               column_class=column_class, params=_params(**params), schema=None)
    return manager
