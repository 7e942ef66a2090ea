"""Piccolo's configuration: the engine comes from DATABASE_URL."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from app.settings import get_settings

CONNECT_TIMEOUT = 10  # seconds to open a connection to PostgreSQL


def make_engine():
    settings = get_settings()
    if settings.is_postgres:
        # A database that does not answer (host down, network cut) costs a request 10 s before its 503, not
        # asyncpg's default 60 s. A refused connection (PostgreSQL restarting) fails at once anyway.
        # JIT off: the board's aggregate over a nation's tasks looks expensive to the planner, which then spent
        # about 450 ms compiling it for a query that runs in under 300 ms (docs/benchmarks.md).
        return PostgresEngine(config={"dsn": settings.database_url, "timeout": CONNECT_TIMEOUT,
                                      "server_settings": {"jit": "off"}})
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteEngine(path=str(settings.sqlite_path), timeout=30)


DB = make_engine()

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app", "plans.piccolo_app", "tasks.piccolo_app", "scoring.piccolo_app",
                                   "reminders.piccolo_app"])
