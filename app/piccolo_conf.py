"""Piccolo's configuration: the engine comes from DATABASE_URL."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from app.settings import get_settings


def make_engine():
    settings = get_settings()
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteEngine(path=str(settings.sqlite_path), timeout=30)


DB = make_engine()

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app", "plans.piccolo_app", "tasks.piccolo_app", "scoring.piccolo_app",
                                   "reminders.piccolo_app"])
