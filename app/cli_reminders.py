"""The command-line side of reminders: `parplan worker`, `parplan remind`, and the demo's worker.

Registered on `parplan` by app/cli.py, which imports this module and never the reverse. The worker, the sweep
and Redis are imported inside the commands that use them: `parplan` starts without loading them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import datetime as dt
import logging.config
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import click

from app import clock
from app.i18n import _, format_date
from app.migrations import migrate_db
from app.settings import get_settings


@click.command()
@click.option("--burst", is_flag=True, help="run what is queued, one tick and one delivery, then exit")
@click.option("--queue", default=None, help="arq queue name (default: one per database)")
def worker(burst: bool, queue: str | None) -> None:
    """Run the reminders worker (arq on Redis): the daily sweep, and sending the emails.

    Without --burst it runs until stopped: when Redis goes away it says so and tries again, with backoff."""
    from arq.logs import default_log_config
    from arq.worker import Worker
    from redis.exceptions import RedisError

    from workers.main import run_forever, worker_settings

    asyncio.run(migrate_db())
    logging.config.dictConfig(default_log_config(verbose=False))
    if not burst:
        asyncio.run(run_forever(queue))
        return
    try:
        Worker(**worker_settings(queue, burst)).run()
    except (RedisError, OSError) as exc:
        raise click.ClickException(_("Redis is not answering at %(url)s: %(error)s",
                                     url=_safe(get_settings().redis_url), error=exc)) from exc


@click.command()
@click.option("--today", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="YYYY-MM-DD (default: today)")
def remind(day: dt.datetime | None) -> None:
    """Run one reminders sweep for a day and send what it made (no Redis needed)."""
    on = day.date() if day else clock.today()
    made, sent, working = asyncio.run(_remind(on, migrate_db))
    click.echo(_("%(day)s: %(reminders)s new reminders, %(emails)s new emails; sent %(sent)s, to retry "
                 "%(retried)s, failed %(failed)s", day=format_date(on), reminders=made.reminders,
                 emails=made.emails, sent=sent.sent, retried=sent.retried, failed=sent.failed))
    if not working:
        click.echo(_("%(day)s is not a working day: no reminders are made.", day=format_date(on)))


async def _remind(day: dt.date, migrate_db):
    from reminders.sweep import load_calendar, sweep

    await migrate_db()
    made = await sweep(day, clock.now())
    # An explicit run sends the day's emails now, whatever hour each person chose.
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), clock.TZ).astimezone(dt.timezone.utc)
    sent = await deliver_all(max(end_of_day, clock.now()))
    return made, sent, (await load_calendar(day)).is_working(day)


async def deliver_all(due_by: dt.datetime):
    """Batch after batch until a short one; stop at the first retry (the server is struggling: its backoff
    belongs to the worker, not to this loop)."""
    from reminders.delivery import Delivered, deliver_due
    from workers.main import BATCH, worker_name

    total = Delivered()
    while True:
        got = await deliver_due(worker_name(), due_by=due_by, limit=BATCH)
        total = Delivered(total.sent + got.sent, total.retried + got.retried, total.failed + got.failed)
        if got.sent + got.retried + got.failed < BATCH or got.retried:
            return total


# The demo's reminders -------------------------------------------------------------------------------------

@contextlib.contextmanager
def reminders_running():
    """While the demo serves: a reminders worker, and a private Redis if none answers; both stop with it."""
    procs = _start_reminders()
    try:
        with _exit_on_sigterm():
            yield
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _start_reminders() -> list[subprocess.Popen]:
    settings = get_settings()
    env, procs = dict(os.environ), []
    if _redis_answers(settings.redis_url):
        click.echo(_("Reminders: a worker runs on Redis at %(url)s.", url=_safe(settings.redis_url)))
    elif (server := shutil.which("redis-server")) and (private := _private_redis(server, procs)):
        env["REDIS_URL"] = private
        click.echo(_("Reminders: no Redis at %(url)s, so this demo runs its own at %(private)s.",
                     url=_safe(settings.redis_url), private=private))
    else:
        click.echo(_("Reminders are off: no Redis answers at %(url)s. To turn them on, install Redis "
                     "(apt-get install redis-server) or set REDIS_URL to a running one.", url=_safe(settings.redis_url)))
        return procs
    procs.append(_spawn([sys.executable, "-m", "app.cli", "worker"], env))
    where = _safe(settings.smtp_url) if settings.smtp_url else str(settings.outbox_dir)
    click.echo(_("Reminder emails go to %(where)s.", where=where))
    return procs


def _private_redis(server: str, procs: list) -> str | None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs.append(_spawn([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--loglevel", "warning"], dict(os.environ), quiet=True))
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if _redis_answers(url):
            return url
        time.sleep(0.1)
    return None


def _redis_answers(url: str) -> bool:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    async def ping() -> bool:
        client = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(await client.ping())
        except (RedisError, OSError):
            return False
        finally:
            await client.aclose()

    return asyncio.run(ping())


def _safe(url: str) -> str:
    """A URL fit to print: no password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return parts._replace(netloc=f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname).geturl()


def _die_with_parent() -> None:
    # If the demo is killed outright (no `finally` runs), Linux still stops its helpers.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], env: dict[str, str], quiet: bool = False) -> subprocess.Popen:
    return subprocess.Popen(args, env=env, preexec_fn=_die_with_parent,
                            stdout=subprocess.DEVNULL if quiet else None)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _raise_exit(signum, frame) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _exit_on_sigterm():
    # uvicorn re-raises SIGTERM after its graceful shutdown; as SystemExit it unwinds through the `finally`
    # that stops the worker, instead of ending the process on the spot and leaving the worker behind.
    previous = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
