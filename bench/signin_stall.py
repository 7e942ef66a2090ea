"""Do sign-ins stall other writes? A task save's latency alone, and while wrong passwords are being checked.

    uv run python bench/signin_stall.py [--guesses 30] [--rounds 5] [--db sqlite|postgres]

Serves the app with `parplan serve` (one process) on a scratch database (bench/load.py's helpers), signs one
focal point in, and times saving a task's progress form (the POST only): first alone, then in each round
while `--guesses` wrong sign-ins run at once. Each guess names a different unknown account and comes through
a different X-Forwarded-For address from a trusted proxy (127.0.0.1), so that no sign-in limit cuts the burst
short and every guess costs a full argon2 check (an unknown account costs the same as a known one).
Before issue 13 the sign-in held SQLite's write lock through argon2, so the save waited for the guesses.
Prints the figures; exits 1 if a save failed. tests/app/test_signin_stall.py runs one round of the same.
"""

from __future__ import annotations

import argparse
import os
import asyncio
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402


@dataclass
class Stall:
    alone: list[float] = field(default_factory=list)  # seconds per save, nothing else running
    during: list[float] = field(default_factory=list)  # seconds per save, while the guesses run
    guesses: list[float] = field(default_factory=list)  # seconds from the burst's start to its last answer
    before_last_guess: list[bool] = field(default_factory=list)  # the save answered while guesses still ran
    guess_codes: list[int] = field(default_factory=list)
    save_codes: list[int | None] = field(default_factory=list)


def proxy_environment(env: dict[str, str]) -> dict[str, str]:
    """Trust the loopback proxy's X-Forwarded-For, where the code has that setting (after issue 13; before it,
    uvicorn trusted loopback clients anyway and the unknown setting would be refused)."""
    from app.settings import KNOWN

    return {**env, "PARPLAN_TRUSTED_PROXIES": "127.0.0.1"} if "PARPLAN_TRUSTED_PROXIES" in KNOWN else env


async def _guess(base: str, n: int) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        headers = {"x-forwarded-for": f"198.51.{n // 250}.{n % 250 + 1}"}
        await client.get("/login", headers=headers)
        answer = await client.post("/login", headers={**headers, "x-csrftoken": client.cookies["parplan_csrf"]},
                                   data={"email": f"doan{n}.{random.random()}@example.vn", "password": "sai"})
        return answer.status_code


async def _save(client: httpx.AsyncClient, account: load.Account, rng: random.Random, tag: str) -> load.Attempt:
    run = load.Run()
    await load.save_once(client, rng.choice(account.task_ids), tag, rng, run)
    return run.attempts[-1] if run.attempts else load.Attempt(tag, 0, None, 0.0)


async def measure(base: str, account: load.Account, guesses: int, rounds: int) -> Stall:
    stall, rng = Stall(), random.Random(7)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        assert await load.sign_in(client, account.email) == 303
        for i in range(5):
            stall.alone.append((await _save(client, account, rng, f"alone-{i}")).seconds)
        for r in range(rounds):
            started = time.perf_counter()
            burst = asyncio.ensure_future(asyncio.gather(*(_guess(base, r * guesses + n) for n in range(guesses))))
            await asyncio.sleep(0.3)  # the guesses are in, their passwords being checked
            saved = await _save(client, account, rng, f"during-{r}")
            stall.before_last_guess.append(not burst.done())
            stall.guess_codes += await burst
            stall.guesses.append(time.perf_counter() - started)
            stall.during.append(saved.seconds)
            stall.save_codes.append(saved.status)
    return stall


def report(stall: Stall, guesses: int, database: str) -> str:
    ms = lambda values: " / ".join(f"{v * 1000:.0f}" for v in (statistics.median(values), max(values)))  # noqa: E731
    return "\n".join([
        f"database: {database}; one process; {guesses} wrong sign-ins at once per round, {len(stall.during)} rounds",
        f"task save alone, median / max: {ms(stall.alone)} ms",
        f"task save during the wrong sign-ins, median / max: {ms(stall.during)} ms",
        f"the burst of wrong sign-ins, start to last answer, median: {statistics.median(stall.guesses):.2f} s",
        f"saves answered before the burst's last answer: {sum(stall.before_last_guess)} of {len(stall.during)}",
        f"save status codes: {stall.save_codes}; sign-in codes: {sorted(set(stall.guess_codes))}",
    ])


def main(guesses: int, rounds: int, db: str) -> int:
    with load.scratch_environment(db) as tmp:
        from app.migrations import migrate_db

        asyncio.run(migrate_db())
        [account] = asyncio.run(load.seed(1))
        port = load.free_port()
        server = load.start_server(proxy_environment(dict(os.environ)), port, 1, tmp / "server.log")
        try:
            stall = asyncio.run(measure(f"http://127.0.0.1:{port}", account, guesses, rounds))
        finally:
            load.stop_server(server)
        print(report(stall, guesses, "PostgreSQL" if db == "postgres" else "SQLite"))
        return 0 if all(code == 200 for code in stall.save_codes) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--guesses", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    sys.exit(main(args.guesses, args.rounds, args.db))
