from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-11-26T05:46:22:171346"
VERSION = "1.38.0"
DESCRIPTION = "reminder email index"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="reminders", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Reminder",
        tablename="reminder",
        column_name="email",
        db_column_name="email",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
