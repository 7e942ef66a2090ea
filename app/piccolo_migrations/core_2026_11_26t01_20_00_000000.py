from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-26T01:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit append only"


class AuditEvent(Table, tablename="audit_event"):
    pass


POSTGRES = [
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]
SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
]


def _is_sqlite() -> bool:
    return engine_finder().engine_type == "sqlite"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def create_triggers():
        # The audit log can only grow: the database itself refuses edits and deletions, whoever asks.
        for sql in SQLITE if _is_sqlite() else POSTGRES:
            await AuditEvent.raw(sql)
        await AuditEvent.raw("CREATE INDEX audit_event_login ON audit_event (action, actor_email, at)")

    async def drop_triggers():
        await AuditEvent.raw("DROP INDEX audit_event_login")
        if _is_sqlite():
            for name in ("audit_event_no_update", "audit_event_no_delete"):
                await AuditEvent.raw(f"DROP TRIGGER {name}")
        else:
            for name in ("audit_event_append_only", "audit_event_no_truncate"):
                await AuditEvent.raw(f"DROP TRIGGER {name} ON audit_event")
            await AuditEvent.raw("DROP FUNCTION audit_event_append_only()")

    manager.add_raw(create_triggers)
    manager.add_raw_backwards(drop_triggers)
    return manager
