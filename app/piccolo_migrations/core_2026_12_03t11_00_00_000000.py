"""Credential links (issue 13): the single-use links that reset a password or accept an invitation.

Hand-written in the form of an auto migration, so that Piccolo's idea of the schema stays right for the
next auto migration (raw SQL would run before the table exists: Piccolo runs it first). Indexes: the
unique token digest (opening a link) and the account (its recent links: the reset rate limit, and a newer link
invalidating older ones). A new, empty table: nothing to backfill (existing accounts keep their passwords).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-03T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "credential links"
TABLE = "credential_link"


class User(Table, tablename="parplan_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False,
            **overrides}


COLUMNS = [
    ("key", Varchar, _params(length=64, default="", unique=True)),
    ("user", ForeignKey, _params(references=User, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                                 target_column=None, null=True, index=True)),
    ("purpose", Varchar, _params(length=8, default="")),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ("expires_at", Timestamptz, _params(default=TimestamptzNow())),
    ("used_at", Timestamptz, _params(default=None, null=True)),
    ("created_by_id", Integer, _params(default=None, null=True)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)
    manager.add_table(class_name="CredentialLink", tablename=TABLE, schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="CredentialLink", tablename=TABLE, column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)

    return manager
