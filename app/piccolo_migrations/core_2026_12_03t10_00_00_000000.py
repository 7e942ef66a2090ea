"""API tokens get an expiry (issue 13: credentials people can manage).

Written by hand (other tables changed at the same time), with the `add_column` that `--auto` would write,
so later auto migrations see the column in their snapshot. Piccolo runs raw SQL before it adds columns;
the backfill needs the column, so it runs right after the columns are added, in the same transaction.
"""

import datetime as dt

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-03T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "token expiry"

# Existing tokens keep the lifetime new ones get (90 days from their creation), so nothing changes for a
# token made last week. One whose 90 days are already over gets 30 more from the upgrade instead of dying
# on upgrade day: the scripts using it keep working while their owners create new tokens.
LIFETIME, GRACE = dt.timedelta(days=90), dt.timedelta(days=30)


class ApiToken(Table, tablename="parplan_api_token"):
    pass


def _is_sqlite() -> bool:
    return engine_finder().engine_type == "sqlite"


async def backfill(now: dt.datetime) -> None:
    # SQLite stores a moment as text in UTC; strftime writes the form Piccolo reads back.
    plus_lifetime = ("strftime('%Y-%m-%d %H:%M:%f+00:00', created_at, '+90 days')" if _is_sqlite()
                     else "created_at + interval '90 days'")
    await ApiToken.raw(f"UPDATE parplan_api_token SET expires_at = {plus_lifetime} "
                       "WHERE expires_at IS NULL AND created_at > {}", now - LIFETIME)
    await ApiToken.raw("UPDATE parplan_api_token SET expires_at = {} WHERE expires_at IS NULL", now + GRACE)
    # Until now a deactivated account's tokens were refused but left live, so reactivating the account would
    # have brought them back. Deactivation now revokes them; do the same for accounts already deactivated.
    await ApiToken.raw('UPDATE parplan_api_token SET revoked_at = {} WHERE revoked_at IS NULL '
                       'AND "user" IN (SELECT id FROM parplan_user WHERE NOT active)', now)


class _Manager(MigrationManager):
    async def _run_add_columns(self, backwards: bool = False):
        await super()._run_add_columns(backwards=backwards)
        if not backwards:
            await backfill(dt.datetime.now(dt.timezone.utc))


async def forwards():
    manager = _Manager(migration_id=ID, app_name="core", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ApiToken", tablename="parplan_api_token", column_name="expires_at",
        db_column_name="expires_at", column_class_name="Timestamptz", column_class=Timestamptz,
        params={"default": None, "null": True, "primary_key": False, "unique": False, "index": False,
                "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False},
        schema=None)
    return manager
