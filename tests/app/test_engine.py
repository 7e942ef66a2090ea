"""PostgreSQL pools belong to event loops: the in-process app pools its queries while the test's own run apart."""

from __future__ import annotations

import pytest
from piccolo.engine import engine_finder

from app.tables import Unit

pytestmark = pytest.mark.only_db("postgres")


async def _pool_here() -> bool:
    return engine_finder().pool is not None


def test_the_apps_pool_serves_its_own_loop_and_the_tests_queries_still_work(client, web, actors):
    assert client.blocking_portal.call(_pool_here)  # the lifespan opened a pool on the client's loop
    web.login(actors.focal_a)
    assert web.get("/plans").status_code == 200
    # A query on another loop opens its own connection: with one pool per process it failed, "attached to a
    # different loop".
    assert Unit.count().run_sync() == 2
    assert engine_finder().pool is None  # no loop runs here


def test_a_pool_closed_on_its_loop_leaves_no_pool_behind(client):
    async def close() -> bool:
        await engine_finder().close_connection_pool()
        return await _pool_here()

    assert client.blocking_portal.call(close) is False
    assert client.blocking_portal.call(engine_finder().start_connection_pool) is None
    assert client.blocking_portal.call(_pool_here)
