"""A short load test: focal points of the same units save tasks at once on two app processes.

The same functions as bench/load.py (which runs 50 clients for 60 s on PostgreSQL), bounded to 8 clients for
5 seconds, on PostgreSQL served by a real `parplan serve --workers 2`.
The database is the judge: nothing acknowledged is lost or doubled, nothing refused is saved, and every task's
history replays to its current values.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter

import pytest

from bench import load
from tests.builders import free_port, run

# Once, on PostgreSQL: several app processes need PostgreSQL (README); bench/load.py --db sqlite shows why.
pytestmark = pytest.mark.only_db("postgres")


def test_concurrent_saves_on_two_processes_are_each_recorded_exactly_once(tmp_path):
    accounts = run(load.seed(8))
    env = {**os.environ, "PARPLAN_DB_POOL": "true", "PARPLAN_SECRET_KEY": secrets.token_urlsafe(48)}
    port, log = free_port(), tmp_path / "server.log"
    server = load.start_server(env, port, workers=2, log=log)
    try:
        result = run(load.drive(f"http://127.0.0.1:{port}", accounts, seconds=5))
    finally:
        load.stop_server(server)
    verdict = run(load.verify(accounts, result.attempts))
    codes = Counter(a.status for a in result.attempts)
    assert result.refused_logins == []
    # 409 is a stale edit (the other focal point of the unit saved first); anything else is a bug.
    assert set(codes) <= {200, 409} and set(result.read_codes) == {200}, (codes, log.read_text()[-4000:])
    assert codes[200] > 0 and verdict.acknowledged == codes[200]
    assert (verdict.lost, verdict.doubled, verdict.ghosts) == (0, 0, 0)
    assert verdict.inconsistent == []
