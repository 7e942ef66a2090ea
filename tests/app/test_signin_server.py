"""Sign-in on real `parplan serve` processes: simultaneous guesses stay within the budget, X-Forwarded-For is
believed only from a trusted proxy, and wrong passwords being checked do not stall a task save (issue 13)."""

from __future__ import annotations

import asyncio
import os
import secrets

import httpx
import pytest

from app import audit
from app.lockout import ACCOUNT_LIMIT
from app.settings import SettingsError, load
from app.tables import AuditEvent
from bench import load as bench_load
from bench import signin_stall
from tests.builders import free_port, run


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PARPLAN_TRUSTED_PROXIES"}
    return {**env, "PARPLAN_DB_POOL": "true", "PARPLAN_SECRET_KEY": secrets.token_urlsafe(48), **extra}


class Server:
    def __init__(self, tmp_path, workers: int = 1, **env: str):
        self.port, self.log = free_port(), tmp_path / f"server-{secrets.token_hex(3)}.log"
        self.process = bench_load.start_server(server_env(**env), self.port, workers, self.log)
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        bench_load.stop_server(self.process)


async def wrong_password(base: str, email: str, headers: dict[str, str] | None = None) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await client.get("/login")
        answer = await client.post("/login", data={"email": email, "password": "đoán mò"},
                                   headers={**(headers or {}), "x-csrftoken": client.cookies["parplan_csrf"]})
        return answer.status_code


def rows(action: str) -> list[dict]:
    return AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id).run_sync()


def test_simultaneous_guesses_on_a_real_server_get_no_more_tries_than_the_limit(tmp_path, actors):
    # One process: on this shared 2-core machine uvicorn's supervisor kills a second worker that is still
    # importing after its 5 s health check. The claims are taken in the database, whatever the process.
    with Server(tmp_path) as server:
        async def burst() -> list[int]:
            return list(await asyncio.gather(*(wrong_password(server.base, actors.focal_a.email)
                                               for _ in range(12))))

        codes = run(burst())
    assert len(rows(audit.LOGIN_FAILED)) == ACCOUNT_LIMIT, codes  # claims are taken in turn, in every process
    assert set(codes) <= {400, 429} and codes.count(429) >= 12 - ACCOUNT_LIMIT
    assert len(rows(audit.LOGIN_LOCKED)) == 1


def test_x_forwarded_for_is_ignored_from_an_untrusted_client_and_believed_from_a_trusted_proxy(tmp_path, actors):
    forwarded = {"x-forwarded-for": "203.0.113.9"}
    with Server(tmp_path) as server:  # no PARPLAN_TRUSTED_PROXIES: nobody is trusted, loopback included
        assert run(wrong_password(server.base, "a@example.vn", forwarded)) == 400
    with Server(tmp_path, PARPLAN_TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1") as server:
        assert run(wrong_password(server.base, "b@example.vn", forwarded)) == 400
    assert [(r["actor_email"], r["ip"]) for r in rows(audit.LOGIN_FAILED)] == [
        ("a@example.vn", "127.0.0.1"), ("b@example.vn", "203.0.113.9")]


def test_trusted_proxies_must_be_addresses_or_networks(monkeypatch):
    monkeypatch.setenv("PARPLAN_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1 ,::1")
    assert load().trusted_proxies == ("10.0.0.0/8", "127.0.0.1", "::1")
    for wrong in ("*", "proxy.internal", "10.0.0.0/33"):
        monkeypatch.setenv("PARPLAN_TRUSTED_PROXIES", wrong)
        with pytest.raises(SettingsError, match="PARPLAN_TRUSTED_PROXIES"):
            load()
    monkeypatch.delenv("PARPLAN_TRUSTED_PROXIES")
    assert load().trusted_proxies == ()


@pytest.mark.only_db("sqlite")
def test_a_task_save_does_not_wait_for_wrong_passwords_being_checked(tmp_path):
    """Before issue 13 each sign-in held SQLite's write lock through argon2, so a save waited for the burst
    (bench/signin_stall.py: 2.3 s and more against 0.05 s alone). Measured relative to the burst's length, so
    that a busy machine slows both sides alike."""
    [account] = run(bench_load.seed(1))
    with Server(tmp_path, PARPLAN_TRUSTED_PROXIES="127.0.0.1") as server:
        stall = run(signin_stall.measure(server.base, account, guesses=16, rounds=1))
    assert stall.save_codes == [200] and set(stall.guess_codes) == {400}  # every guess got its full check
    assert stall.before_last_guess == [True], signin_stall.report(stall, 16, "SQLite")
    assert stall.during[0] < 0.25 * stall.guesses[0], signin_stall.report(stall, 16, "SQLite")
