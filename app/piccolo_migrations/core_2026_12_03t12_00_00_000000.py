"""Known devices and in-flight sign-in claims (issue 13: lockout that slows the attacker, not the owner).

Written by hand (other tables changed at the same time), with the same operations `--auto` would write, so
later auto migrations see these tables in their snapshot. New tables: nothing to backfill.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class User(Table, tablename="parplan_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


ID = "2026-12-03T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "known devices"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


def _column(manager: MigrationManager, table: str, tablename: str, name: str, column_class, **params) -> None:
    manager.add_column(table_class_name=table, tablename=tablename, column_name=name, db_column_name=name,
                       column_class_name=column_class.__name__, column_class=column_class,
                       params=_params(**params), schema=None)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    manager.add_table(class_name="KnownDevice", tablename="known_device", schema=None, columns=None)
    _column(manager, "KnownDevice", "known_device", "key", Varchar, length=64, default="", unique=True)
    _column(manager, "KnownDevice", "known_device", "user", ForeignKey, references=User,
            on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, null=True)
    for name in ("created_at", "last_seen_at"):
        _column(manager, "KnownDevice", "known_device", name, Timestamptz, default=TimestamptzNow())

    manager.add_table(class_name="SignInClaim", tablename="sign_in_claim", schema=None, columns=None)
    _column(manager, "SignInClaim", "sign_in_claim", "email", Varchar, length=255, default="", index=True)
    _column(manager, "SignInClaim", "sign_in_claim", "ip", Varchar, length=45, default="", index=True)
    _column(manager, "SignInClaim", "sign_in_claim", "known_device", Boolean, default=False)
    _column(manager, "SignInClaim", "sign_in_claim", "started_at", Timestamptz, default=TimestamptzNow())
    return manager
