"""Piccolo's configuration: the engine comes from DATABASE_URL."""

from __future__ import annotations

import asyncio
import weakref

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from app.settings import get_settings

CONNECT_TIMEOUT = 10  # seconds to open a connection to PostgreSQL


class LoopPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with one pool per event loop instead of one per process.

    An asyncpg pool belongs to the loop that opened it. With one pool per process, a pool opened by the app's
    lifespan on the in-process test client's loop broke every query made from the test's own loop ("attached
    to a different loop"). Here `pool` is the pool of the running loop, if that loop opened one: the server's
    loop (or the test client's) queries through its pool, and any other loop opens a connection per query as
    before. The server, which has a single loop, behaves as with Piccolo's engine.
    """

    def __init__(self, *args, **kwargs):
        self._pools: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.pool_options: dict = {}  # asyncpg.create_pool's own options (the tests open no connection up front)
        super().__init__(*args, **kwargs)

    async def start_connection_pool(self, **kwargs) -> None:
        await super().start_connection_pool(**{**self.pool_options, **kwargs})

    @property
    def pool(self):
        try:
            return self._pools.get(asyncio.get_running_loop())
        except RuntimeError:  # no running loop: no pool
            return None

    @pool.setter
    def pool(self, value) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if value is not None:
                raise
            return  # Piccolo's __init__ setting "no pool" before any loop runs
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value


def make_engine():
    settings = get_settings()
    if settings.is_postgres:
        # A database that does not answer (host down, network cut) costs a request 10 s before its 503, not
        # asyncpg's default 60 s. A refused connection (PostgreSQL restarting) fails at once anyway.
        # JIT off: the board's aggregate over a nation's tasks looks expensive to the planner, which then spent
        # about 450 ms compiling it for a query that runs in under 300 ms (docs/benchmarks.md).
        return LoopPostgresEngine(config={"dsn": settings.database_url, "timeout": CONNECT_TIMEOUT,
                                          "server_settings": {"jit": "off"}})
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteEngine(path=str(settings.sqlite_path), timeout=30)


DB = make_engine()

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app", "plans.piccolo_app", "tasks.piccolo_app", "scoring.piccolo_app",
                                   "reminders.piccolo_app", "amendments.piccolo_app", "units.piccolo_app"])
