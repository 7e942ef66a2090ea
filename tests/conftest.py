"""The test database is chosen before anything touches a table: real SQLite or real PostgreSQL.

PARPLAN_TEST_DB=sqlite (default) or postgres. PostgreSQL gets a fresh database per session, dropped at the
end; a PostgreSQL that cannot be reached is an error, never a skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="parplan-tests-"))
DB_KIND = os.environ.get("PARPLAN_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("PARPLAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_NAME = f"parplan_test_{uuid.uuid4().hex[:10]}"

os.environ["PARPLAN_VAR_DIR"] = str(_TMP / "var")
os.environ.setdefault("PARPLAN_DB_POOL", "true")
os.environ.pop("PARPLAN_SECRET_KEY", None)
if DB_KIND == "postgres":
    os.environ["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_NAME
elif DB_KIND == "sqlite":
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"
else:
    raise RuntimeError(f"PARPLAN_TEST_DB={DB_KIND!r}: use sqlite or postgres")


def _cheap_argon2() -> None:
    """argon2 at its cheapest in the test process. Its cost is what a sign-in pays on purpose (about 0.1 s idle,
    0.6 s on two busy cores); here it was paid hundreds of times per pass while no in-process test checks it.
    Servers that tests start as processes of their own (the browser journeys, the sign-in burst, the load test)
    keep the real cost, and a hash of either cost verifies under both."""
    from argon2 import PasswordHasher, profiles

    import app.auth

    app.auth._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


_cheap_argon2()


def _lazy_pools() -> None:
    """The in-process app's PostgreSQL pool opens connections as its requests need them, not ten up front: a
    test client starts hundreds of times per pass, and one app starts (to read its API schema) while the
    test modules are collected, before the test database exists."""
    from app.piccolo_conf import DB

    if DB_KIND == "postgres":
        DB.pool_options["min_size"] = 0


_lazy_pools()


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pytest_collection_modifyitems(config, items):
    """Tests marked `only_db("sqlite")` or `only_db("postgres")` run in that database's pass only.

    They are left out (deselected, not skipped) in the other pass: what they test does not depend on the
    database kind (a file's content, a private PostgreSQL of their own), and the suite runs twice.
    """
    kept, left_out = [], []
    for item in items:
        marker = item.get_closest_marker("only_db")
        (left_out if marker and marker.args[0] != DB_KIND else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def pytest_report_header(config):
    return f"parplan test database: {DB_KIND} ({os.environ['DATABASE_URL']})"


@pytest.fixture(scope="session", autouse=True)
def database():
    from app.migrations import migrate_db

    if DB_KIND == "postgres":
        asyncio.run(_pg(f'CREATE DATABASE "{PG_NAME}"'))
    asyncio.run(migrate_db())
    yield os.environ["DATABASE_URL"]
    if DB_KIND == "postgres":
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(autouse=True)
def clean_tables(database):
    from tests.builders import empty_all_tables

    empty_all_tables()
    yield


@pytest.fixture
def actors():
    from tests.builders import make_actors

    return make_actors()


@pytest.fixture
def client():
    from litestar.testing import TestClient

    from app.factory import create_app

    with TestClient(app=create_app(), base_url="http://testserver.local") as c:
        yield c


@pytest.fixture
def web(client):
    from tests.builders import Web

    return Web(client)


@pytest.fixture
def shared_data() -> Path:
    path = Path(__file__).resolve().parents[2] / "shared" / "data"
    assert path.is_dir(), f"the shared test spreadsheets are missing: {path}"
    return path


@pytest.fixture(scope="module")
def two_app_processes(tmp_path_factory):
    """Two app processes (`parplan serve --workers 2`) on the test database, shared by a module's race tests; the
    address to send simultaneous requests to. No request may end in a traceback in their log."""
    import secrets

    from bench import load
    from tests.builders import free_port

    env = {**os.environ, "PARPLAN_DB_POOL": "true", "PARPLAN_SECRET_KEY": secrets.token_urlsafe(48)}
    port, log = free_port(), tmp_path_factory.mktemp("races") / "server.log"
    server = load.start_server(env, port, workers=2, log=log)
    yield f"http://127.0.0.1:{port}"
    load.stop_server(server)
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-4000:]
