"""One password link, many simultaneous submissions to a real `parplan serve --workers 2`: exactly one sets the
password (the conditional UPDATE in accounts/links.py), every other gets the "no longer works" page."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets

import httpx

from accounts import links
from app import audit
from app.auth import verify_password
from app.tables import AuditEvent, User
from bench import load
from tests.builders import free_port, make_actors, run

CLICKS = 8


async def _submit(base: str, path: str, password: str) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await client.get("/login")
        response = await client.post(path, data={"_csrf_token": client.cookies["parplan_csrf"], "new": password,
                                                 "confirm": password})
        return response.status_code


async def _race(base: str, path: str) -> dict[str, int]:
    passwords = [f"mat khau so {i} rat dai" for i in range(CLICKS)]
    codes = await asyncio.gather(*(_submit(base, path, p) for p in passwords))
    return dict(zip(passwords, codes))


def test_simultaneous_submissions_of_one_link_on_two_processes_exactly_one_wins(tmp_path):
    actors = make_actors()
    _, token = run(links.issue(actors.focal_a.id, "reset", dt.datetime.now(dt.timezone.utc), None))
    env = {**os.environ, "PARPLAN_SECRET_KEY": secrets.token_urlsafe(48)}
    port, log = free_port(), tmp_path / "server.log"
    server = load.start_server(env, port, workers=2, log=log)
    try:
        codes = run(_race(f"http://127.0.0.1:{port}", f"/password/reset/{token}"))
    finally:
        load.stop_server(server)
    winners = [p for p, code in codes.items() if code == 303]
    assert len(winners) == 1 and sorted(codes.values()) == [303] + [400] * (CLICKS - 1), (
        codes, log.read_text()[-3000:])
    stored = User.select(User.password_hash).where(User.id == actors.focal_a.id).first().run_sync()["password_hash"]
    assert verify_password(stored, winners[0])
    assert AuditEvent.count().where(AuditEvent.action == audit.PASSWORD_RESET).run_sync() == 1
