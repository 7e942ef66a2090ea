"""Load test: many focal points update their units' tasks at once, through the real pages, on several processes.

    uv run python bench/load.py [--clients 50] [--seconds 60] [--workers 3] [--db postgres|sqlite]

Creates a scratch database (PostgreSQL: parplan_load_<random>, dropped at the end; SQLite: a temporary file),
gives every two focal points one unit with a few tasks (so that two people contend for the same tasks), and
serves the app with `parplan serve --workers N` (uvicorn processes sharing one port and one secret key, with a
PostgreSQL pool). Each client signs in through /login like a browser (CSRF cookie and token), then until time is
up opens a task's edit row and saves it, as the htmx form on "My tasks" does, with a note "load-<client>-<n>"
that names the attempt. Afterwards the database is the judge: every acknowledged update must be in the task's
history exactly once, no refused one at all, and replaying the history from the seeded values must give each
task's current values and version. Prints two tables; exits 1 on any 5xx, lost, doubled or inconsistent update.
tests/app/test_load.py runs a short version of the same functions in the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-parplan-2024"
PG_ADMIN_URL = os.environ.get("PARPLAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
VERSION = re.compile(r'name="version" value="(\d+)"')
SEEDED = {"status": "in_progress", "progress": 0, "note": "", "completed_on": None}


@dataclass
class Account:
    email: str
    task_ids: list[int]


@dataclass
class Attempt:
    """One save of the task form; status None when no answer came (timeout or dropped connection)."""

    marker: str
    task_id: int
    status: int | None
    seconds: float


@dataclass
class Run:
    attempts: list[Attempt] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)  # latency of opening the edit row
    read_codes: Counter = field(default_factory=Counter)
    refused_logins: list[str] = field(default_factory=list)
    login_seconds: float = 0.0  # all clients signing in at once, before the clock starts
    seconds: float = 0.0


@dataclass
class Verdict:
    acknowledged: int
    lost: int  # acknowledged, not in the history
    doubled: int  # in the history more than once
    ghosts: int  # refused (4xx/5xx), yet in the history
    inconsistent: list[str]  # tasks whose history does not replay to their current values


async def seed(clients: int, per_unit: int = 2, tasks_per_unit: int = 4) -> list[Account]:
    """A unit for every `per_unit` focal points, each with one plan of `tasks_per_unit` open tasks this year."""
    from app.auth import hash_password
    from app.clock import today
    from app.tables import Unit, User
    from plans.tables import Field, Plan
    from tasks.tables import Task

    year, hashed, accounts = today().year, hash_password(PASSWORD), []
    for u in range(-(-clients // per_unit)):
        unit = Unit(code=f"LOAD{u:03d}", name=f"Đơn vị tải {u}", kind="department", block="Khối sở, ban, ngành")
        await unit.save()
        plan = Plan(unit=unit.id, year=year, title=f"Kế hoạch CCHC năm {year}", status="issued",
                    evidence_required=False)
        await plan.save()
        fld = Field(plan=plan.id, position=1, name="Cải cách thủ tục hành chính", component=2)
        await fld.save()
        tasks = [Task(field=fld.id, position=i, number=str(i + 1), content=f"Nhiệm vụ {i + 1}",
                      due_date=dt.date(year, 12, 31), **SEEDED) for i in range(tasks_per_unit)]
        ids = [r["id"] for r in await Task.insert(*tasks).returning(Task.id)]
        for k in range(per_unit):
            if len(accounts) < clients:
                email = f"daumoi{k}.load{u:03d}@example.vn"
                await User.insert(User(email=email, role="focal_point", unit=unit.id, password_hash=hashed,
                                       full_name=f"Đầu mối {u}.{k}"))
                accounts.append(Account(email, ids))
    return accounts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    """`parplan serve --workers N` on the loopback; returns once /healthz answers."""
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port),
                                   "--workers", str(workers)], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()  # uvicorn's supervisor stops its worker processes
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def htmx_headers(client: httpx.AsyncClient, task_id: int) -> dict[str, str]:
    # What htmx 2 sends for hx-post/hx-get on the "My tasks" page (base.html puts the CSRF token in hx-headers).
    return {"hx-request": "true", "hx-current-url": f"{client.base_url}my/tasks", "hx-target": f"task-{task_id}",
            "x-csrftoken": client.cookies.get("parplan_csrf", "")}


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> int:
    await client.get("/login")
    response = await client.post("/login", data={"email": email, "password": password, "next": "/my/tasks"},
                                 headers={"x-csrftoken": client.cookies.get("parplan_csrf", "")})
    return response.status_code


async def save_once(client: httpx.AsyncClient, task_id: int, marker: str, rng: random.Random, run: Run) -> None:
    """Open the task's edit row (for its version), then save the form with a new status, progress and note."""
    started = time.perf_counter()
    try:
        row = await client.get(f"/tasks/{task_id}/edit-row?mine=1", headers=htmx_headers(client, task_id))
    except httpx.TransportError:
        run.read_codes["no answer"] += 1
        return
    run.reads.append(time.perf_counter() - started)
    run.read_codes[row.status_code] += 1
    found = VERSION.search(row.text) if row.status_code == 200 else None
    if found is None:
        return
    status = rng.choices(["in_progress", "not_started", "done"], weights=[6, 2, 2])[0]
    form = {"version": found.group(1), "status": status, "progress": str(rng.randint(0, 100)), "note": marker,
            "completed_on": (dt.date.today() - dt.timedelta(days=1)).isoformat()}
    started = time.perf_counter()
    try:
        saved = await client.post(f"/tasks/{task_id}/progress?mine=1", data=form,
                                  headers=htmx_headers(client, task_id))
        code = saved.status_code
    except httpx.TransportError:
        code = None
    run.attempts.append(Attempt(marker, task_id, code, time.perf_counter() - started))


async def focal_point(client: httpx.AsyncClient, index: int, account: Account, deadline: float, run: Run) -> None:
    rng, n = random.Random(index), 0
    while time.monotonic() < deadline:
        n += 1
        await save_once(client, rng.choice(account.task_ids), f"load-{index}-{n}", rng, run)


async def drive(base: str, accounts: list[Account], seconds: float) -> Run:
    """Every account signs in; then all save tasks until `seconds` have passed."""
    run = Run()
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in accounts]
    try:
        started = time.monotonic()
        codes = await asyncio.gather(*(sign_in(c, a.email) for c, a in zip(clients, accounts)))
        run.login_seconds = time.monotonic() - started
        run.refused_logins = [f"{a.email}: {code}" for a, code in zip(accounts, codes) if code != 303]
        signed_in = [(i, c, a) for i, (c, a, code) in enumerate(zip(clients, accounts, codes)) if code == 303]
        started = time.monotonic()
        await asyncio.gather(*(focal_point(c, i, a, started + seconds, run) for i, c, a in signed_in))
        run.seconds = time.monotonic() - started
    finally:
        for client in clients:
            await client.aclose()
    return run


def _replay(seeded: dict, events: list[dict], current: dict) -> str | None:
    """Why the task's history does not lead from the seeded values to its current row, or None if it does."""
    state = dict(seeded)
    for event in events:
        for key, (old, new) in event["changes"].items():
            if state.get(key) != old:
                return f"event {event['id']}: {key} was {state.get(key)!r}, the event says {old!r}"
            state[key] = new
    now = {k: current[k].isoformat() if isinstance(current[k], dt.date) else current[k] for k in seeded}
    if now != state:
        return f"current {now} != history {state}"
    if current["version"] != 1 + len(events):
        return f"version {current['version']} after {len(events)} changes"
    return None


async def verify(accounts: list[Account], attempts: list[Attempt]) -> Verdict:
    from tasks.tables import Task, TaskEvent

    task_ids = sorted({t for a in accounts for t in a.task_ids})
    events = await TaskEvent.select(TaskEvent.id, TaskEvent.task, TaskEvent.changes).where(
        TaskEvent.task.is_in(task_ids)).order_by(TaskEvent.id)
    for event in events:
        if isinstance(event["changes"], str):
            event["changes"] = json.loads(event["changes"])
    seen = Counter(e["changes"].get("note", [None, None])[1] for e in events)
    acked = [a.marker for a in attempts if a.status is not None and 200 <= a.status < 300]
    refused = [a.marker for a in attempts if a.status is not None and a.status >= 400]
    tasks = await Task.select(Task.id, Task.version, *[getattr(Task, k) for k in SEEDED]).where(
        Task.id.is_in(task_ids))
    inconsistent = []
    for task in tasks:
        why = _replay(SEEDED, [e for e in events if e["task"] == task["id"]], task)
        if why:
            inconsistent.append(f"task {task['id']}: {why}")
    return Verdict(acknowledged=len(acked), lost=sum(1 for m in acked if seen[m] == 0),
                   doubled=sum(1 for m, c in seen.items() if c > 1), ghosts=sum(1 for m in refused if seen[m]),
                   inconsistent=inconsistent)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def report(clients: int, workers: int, database: str, run: Run, verdict: Verdict) -> str:
    codes = Counter(a.status for a in run.attempts)
    by_4xx = ", ".join(f"{c}: {n}" for c, n in sorted((c, n) for c, n in codes.items() if c and 400 <= c < 500))
    saves = [a.seconds * 1000 for a in run.attempts]
    requests = len(run.attempts) + len(run.reads)  # in the timed window: edit-row reads and saves
    row = [clients, workers, f"{run.seconds:.1f}", requests, f"{requests / run.seconds:.1f}", len(saves),
           f"{len(saves) / run.seconds:.1f}", " / ".join(f"{percentile(saves, p):.0f}" for p in (.5, .95, .99)),
           sum(n for c, n in codes.items() if c and c < 300), by_4xx or "0",
           sum(n for c, n in codes.items() if c and c >= 500), codes.get(None, 0), verdict.lost, verdict.doubled]
    reads = " / ".join(f"{percentile(run.reads, p) * 1000:.0f}" for p in (.5, .95, .99))
    lines = [
        f"database: {database}; {clients} focal points, 2 per unit; {workers} processes",
        "| clients | processes | seconds | requests | req/s | saves | saves/s | save p50 / p95 / p99 (ms) "
        "| 2xx | 4xx by code | 5xx | no answer | lost | doubled |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        "| " + " | ".join(str(v) for v in row) + " |",
        f"sign-ins, all at once before the clock starts: {run.login_seconds:.1f} s",
        f"edit-row reads: {len(run.reads)}, p50 / p95 / p99 {reads} ms, status codes {dict(run.read_codes)}",
        f"history: {verdict.acknowledged} acknowledged saves, {verdict.lost} lost, {verdict.doubled} doubled, "
        f"{verdict.ghosts} refused but saved, {len(verdict.inconsistent)} tasks inconsistent with their history",
    ]
    lines += [f"  {why}" for why in verdict.inconsistent[:10]]
    lines += [f"refused sign-in: {r}" for r in run.refused_logins]
    return "\n".join(lines)


def failed(run: Run, verdict: Verdict) -> bool:
    server_errors = sum(1 for a in run.attempts if a.status is None or a.status >= 500)
    read_errors = sum(n for c, n in run.read_codes.items() if c == "no answer" or c >= 500)
    return bool(server_errors or read_errors or verdict.lost or verdict.doubled or verdict.ghosts
                or verdict.inconsistent or run.refused_logins)


def first_traceback(log: Path) -> str:
    text = log.read_text(errors="replace")
    return f"tracebacks in the server log: {text.count('Traceback')}\n" + (
        text[text.index("Traceback"):][:4000] if "Traceback" in text else "")


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def scratch_environment(db: str):
    """A temporary folder, a scratch database and the environment every process of the run shares."""
    tmp = Path(tempfile.mkdtemp(prefix="parplan-load-"))
    name = f"parplan_load_{secrets.token_hex(5)}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name if db == "postgres" else f"sqlite:///{tmp / 'load.sqlite3'}"
    for key in [k for k in os.environ if k.startswith("PARPLAN_")]:
        del os.environ[key]
    os.environ.update(DATABASE_URL=url, PARPLAN_VAR_DIR=str(tmp / "var"), PARPLAN_DB_POOL="true",
                      PARPLAN_SECRET_KEY=secrets.token_urlsafe(48))
    if db == "postgres":
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    try:
        yield tmp
    finally:
        if db == "postgres":
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)


def main(clients: int, seconds: float, workers: int, db: str) -> int:
    sys.path.insert(0, str(ROOT))
    with scratch_environment(db) as tmp:
        from app.migrations import migrate_db  # only now: the settings are read once, from the scratch environment

        asyncio.run(migrate_db())
        accounts = asyncio.run(seed(clients))
        port = free_port()
        server = start_server(dict(os.environ), port, workers, tmp / "server.log")
        try:
            run = asyncio.run(drive(f"http://127.0.0.1:{port}", accounts, seconds))
        finally:
            stop_server(server)
        verdict = asyncio.run(verify(accounts, run.attempts))
        print(report(clients, workers, "PostgreSQL" if db == "postgres" else "SQLite", run, verdict))
        print(first_traceback(tmp / "server.log"))
        return 1 if failed(run, verdict) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50, help="focal points, two per unit")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="uvicorn processes")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    sys.exit(main(args.clients, args.seconds, args.workers, args.db))
