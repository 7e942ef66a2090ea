from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-25T23:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reminder and email keys"


class Reminder(Table, tablename="reminder"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reminders", description=DESCRIPTION)

    async def create_indexes():
        # The keys that make sweeping and sending exactly-once: a second insert of the same key does nothing.
        await Reminder.raw("CREATE UNIQUE INDEX reminder_key_uniq ON reminder (task, kind, day, recipient)")
        await Reminder.raw("CREATE UNIQUE INDEX outbox_email_key_uniq ON outbox_email (recipient, day)")
        # The delivery query: what is waiting, oldest first.
        await Reminder.raw("CREATE INDEX outbox_email_waiting ON outbox_email (status, not_before)")

    async def drop_indexes():
        for name in ("outbox_email_waiting", "outbox_email_key_uniq", "reminder_key_uniq"):
            await Reminder.raw(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
