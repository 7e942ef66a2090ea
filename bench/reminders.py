"""Time the reminders at national scale: the sweep over 6,000 units × 30 tasks (180,000), and sending.

    uv run python bench/reminders.py [--units 6000] [--tasks 30] [--emails 2000] [--day 2025-06-30]
                                     [--processes 1]

Builds a throw-away SQLite database, or uses DATABASE_URL when it is set (point it at an EMPTY scratch
database: the data is generated into it). Every unit has a focal point and a head; one secretariat account
hears about every unit's long-overdue tasks. Prints the sweep's time and counts (and a second, idempotent
sweep's), then sends `--emails` of the digests it made through the SMTP transport into a local aiosmtpd
server running in its own process, and prints emails per second (one worker, or `--processes` workers at
once), beside raw aiosmtplib sending as many small messages over one connection into the same server.
Targets (issue 7): sweep < 5 s, ≥ 200 emails/s.

`measure_send(emails)` is the sending part alone, for bench/run.py: against the database the settings point
at, already swept.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
CHUNK = 1000  # PostgreSQL takes at most 32,767 parameters a statement (tasks have 17 columns)
FAR = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)  # every digest is due by then, whatever its hour


async def insert(table, rows: list) -> None:
    for i in range(0, len(rows), CHUNK):
        await table.insert(*rows[i:i + CHUNK])


async def generate_people(units: int) -> list[int]:
    from app.tables import Unit, User

    await insert(Unit, [Unit(code=f"U{i:05d}", name=f"Đơn vị {i}", kind="commune" if i % 5 else "department",
                             block="Khối xã, phường" if i % 5 else "Khối sở, ban, ngành") for i in range(units)])
    ids = [u["id"] for u in await Unit.select(Unit.id).order_by(Unit.id)]
    people = [User(email=f"{role}.{uid}@bench.vn", role=role, unit=uid, full_name=f"Cán bộ {uid}")
              for uid in ids for role in ("focal_point", "unit_head")]
    await insert(User, [*people, User(email="cchc@bench.vn", role="secretariat", unit=ids[0], full_name="VP CCHC")])
    return ids


async def generate_tasks(unit_ids: list[int], per_unit: int, year: int) -> None:
    """Deadlines spread over the year; 60 % done, the rest open (so about half are due or overdue by June)."""
    from plans.tables import Field, Plan
    from tasks.tables import Task

    rng = random.Random(7)
    await insert(Plan, [Plan(unit=uid, year=year, title=f"Kế hoạch {year}", status="issued",
                             doc_date=dt.date(year, 1, 10)) for uid in unit_ids])
    plans = [p["id"] for p in await Plan.select(Plan.id).order_by(Plan.id)]
    await insert(Field, [Field(plan=pid, position=f, name=f"Lĩnh vực {f}", component=f)
                         for pid in plans for f in range(1, 8)])
    fields = [f["id"] for f in await Field.select(Field.id).order_by(Field.id)]
    tasks = []
    for plan_fields in (fields[i:i + 7] for i in range(0, len(fields), 7)):
        for n in range(per_unit):
            due = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(20, 364))
            done = rng.random() < 0.6
            tasks.append(Task(field=plan_fields[n % 7], position=n, number=str(n + 1), content=f"Nhiệm vụ số {n + 1}",
                              due_date=due, status="done" if done else rng.choice(["in_progress", "not_started"]),
                              completed_on=due if done else None))
    await insert(Task, tasks)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smtp_server() -> tuple[subprocess.Popen, str]:
    """aiosmtpd in its own process (a server thread here would share this process's GIL with the sender)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"smtp://127.0.0.1:{port}"
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("aiosmtpd did not start")


async def bench_sweep(day: dt.date) -> None:
    from app import clock
    from reminders.sweep import sweep
    from reminders.tables import OutboxEmail, Reminder

    for label in ("sweep", "again (nothing new)"):
        t0 = time.perf_counter()
        result = await sweep(day, clock.now())
        print(f"  {label:<20} {time.perf_counter() - t0:6.2f} s   {result.reminders:>7,} reminders  "
              f"{result.emails:>6,} emails")
    biggest = await Reminder.raw("SELECT COUNT(*) AS n FROM reminder GROUP BY recipient ORDER BY n DESC LIMIT 1")
    print(f"  stored: {await Reminder.count():,} reminders, {await OutboxEmail.count():,} emails; "
          f"the largest digest carries {biggest[0]['n']:,} tasks")


async def smtp_limit(url: str, emails: int) -> float:
    """The ceiling: raw aiosmtplib sending `emails` small messages over one connection; per second."""
    import aiosmtplib

    message = b"From: bench@parplan.local\r\nTo: sink@parplan.local\r\nSubject: limit\r\n\r\nHello.\r\n"
    port = int(url.rsplit(":", 1)[1])
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as smtp:
        started = time.perf_counter()
        for _ in range(emails):
            await smtp.sendmail("bench@parplan.local", ["sink@parplan.local"], message)
        return emails / (time.perf_counter() - started)


async def send_in_process(url: str, emails: int) -> dict[str, float]:
    import reminders.sweep  # noqa: F401  (composing reads reminders through it; a worker has it loaded already)
    from reminders.delivery import deliver_due
    from app.mail import SmtpTransport

    transport = SmtpTransport(url)
    started = time.perf_counter()
    got = await deliver_due("bench", due_by=FAR, transport=transport, limit=emails)
    return {"seconds": time.perf_counter() - started, "sent": got.sent, "retried": got.retried,
            "failed": got.failed, "smtp_connections": transport.connections}


def start_senders(url: str, shares: list[int]) -> list[subprocess.Popen]:
    """One process per share, each a worker of its own (its own pool on PostgreSQL), ready and waiting for "go"."""
    procs = [subprocess.Popen([sys.executable, __file__, "--sender", url, str(n)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for n in shares]
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a sending process did not start")
    return procs


def send_in_processes(url: str, emails: int, processes: int) -> dict[str, float]:
    shares = [emails // processes + (i < emails % processes) for i in range(processes)]
    procs = start_senders(url, shares)
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [json.loads(proc.communicate()[0]) for proc in procs]
    seconds = time.perf_counter() - started
    return {"seconds": seconds, **{k: sum(r[k] for r in results) for k in ("sent", "retried", "failed",
                                                                           "smtp_connections")}}


async def sender(url: str, emails: int) -> None:
    """A sending process: says it is ready, waits for "go", sends, prints its counts as JSON."""
    await open_pool()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    print(json.dumps(await send_in_process(url, emails)), flush=True)


async def measure_send(emails: int, processes: int = 1) -> dict[str, float]:
    """Send `emails` of the waiting digests into a local SMTP sink (aiosmtpd's Sink, its own process) through
    the SMTP transport: one worker in this process, or `processes` workers, each its own process, at once. Then
    the ceiling in the same call: raw aiosmtplib, as many small messages over one connection into the same
    server. Against the database the settings point at, swept already; prints nothing."""
    from app.settings import get_settings
    from reminders.tables import OutboxEmail

    if get_settings().is_postgres:
        # Statistics, as autovacuum keeps them on a database in use: freshly loaded tables have none, and the
        # planner then hash-joins every task to compose a batch (80 ms instead of 5 at national scale).
        await OutboxEmail.raw("ANALYZE")
    proc, url = smtp_server()
    try:
        if processes == 1:
            got = await send_in_process(url, emails)
        else:
            got = await asyncio.to_thread(send_in_processes, url, emails, processes)
        limit = await smtp_limit(url, emails)
    finally:
        proc.terminate()
        proc.wait()
    return {**got, "emails_per_s": got["sent"] / got["seconds"], "smtp_limit_per_s": limit,
            "processes": processes}


async def open_pool() -> None:
    from app.settings import get_settings

    if get_settings().is_postgres:  # as the worker runs: a pool, not a connection per query
        from piccolo.engine import engine_finder

        await engine_finder().start_connection_pool()


async def main(units: int, per_unit: int, emails: int, day: dt.date, processes: int) -> None:
    from app.migrations import migrate_db
    from app.settings import get_settings

    await migrate_db()
    t0 = time.perf_counter()
    await generate_tasks(await generate_people(units), per_unit, day.year)
    print(f"{get_settings().database_url.split(':')[0]}: {units:,} units × {per_unit} tasks "
          f"({units * per_unit:,}) generated in {time.perf_counter() - t0:.1f} s; sweep of {day}")
    await open_pool()
    await bench_sweep(day)
    got = await measure_send(emails, processes)
    print(f"  sent {got['sent']:,} (retried {got['retried']}, failed {got['failed']}) in {got['seconds']:.2f} s "
          f"over {got['smtp_connections']} SMTP connection(s), {processes} process(es): "
          f"{got['emails_per_s']:,.0f} emails/s; raw SMTP, one connection: {got['smtp_limit_per_s']:,.0f}/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=6000)
    parser.add_argument("--tasks", type=int, default=30)
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2025, 6, 30))
    parser.add_argument("--processes", type=int, default=1, help="sending workers, each its own process")
    parser.add_argument("--sender", nargs=2, metavar=("SMTP_URL", "EMAILS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        asyncio.run(sender(args.sender[0], int(args.sender[1])))
        sys.exit()
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='parplan-bench-')}/reminders.sqlite3"
    os.environ.setdefault("PARPLAN_VAR_DIR", tempfile.mkdtemp(prefix="parplan-bench-var-"))
    asyncio.run(main(args.units, args.tasks, args.emails, args.day, args.processes))
