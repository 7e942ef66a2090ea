"""arq wiring for reminders: jobs that ring the bell, and the worker's settings.

State lives in the database (reminders/): every job here may run twice, on two workers at once, and only
returns counts. The sweep's time lives in the database policy, so the cron only ticks every minute and
`tick` decides. Run with `parplan worker`, which outlives Redis going away (`arq workers.main.WorkerSettings`
also works, but stops at the first Redis error).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import os
import signal
import socket
from dataclasses import asdict
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Worker
from redis.exceptions import RedisError

import app  # noqa: F401  (sets PICCOLO_CONF before any table is touched)
from app import clock
from app.i18n import _
from app.settings import get_settings
from reminders.delivery import deliver_due
from reminders.sweep import sweep, tick

EVERY_MINUTE = set(range(60))
BATCH = 200  # emails a delivery job sends before handing over to the next one
# Never cancel a job mid-send (an email accepted by the server but not recorded would go again after the lease).
# A delivery job sends its BATCH one at a time over one connection, a few milliseconds each. Only a server
# that hangs on every email (each waits out the SMTP timeout) could take it near this limit.
JOB_TIMEOUT = 1800


def worker_name() -> str:
    """Written into each claimed email, so a stuck claim names the machine and process that held it."""
    return f"{socket.gethostname()}-{os.getpid()}"[:64]


def default_queue() -> str:
    # Several parplan databases may share one Redis: each rings only its own workers' bell.
    digest = hashlib.sha256(get_settings().database_url.encode()).hexdigest()[:10]
    return f"parplan:{digest}"


async def deliver_job(ctx: dict[str, Any]) -> dict[str, int]:
    """Send what is due now. A full batch hands the rest to another job rather than holding one job for long."""
    got = await deliver_due(worker_name(), limit=BATCH)
    if got.sent + got.retried + got.failed >= BATCH:
        await ctx["redis"].enqueue_job("deliver_job")
    return asdict(got)


async def _after_sweep(ctx: dict[str, Any], emails: int) -> None:
    if emails:
        await ctx["redis"].enqueue_job("deliver_job")


async def sweep_job(ctx: dict[str, Any], day: str | None = None) -> dict[str, int]:
    """The sweep for `day` (YYYY-MM-DD; default today), on demand; the counts of new rows."""
    result = await sweep(dt.date.fromisoformat(day) if day else clock.today(), clock.now())
    await _after_sweep(ctx, result.emails)
    return asdict(result)


async def tick_job(ctx: dict[str, Any]) -> dict[str, int]:
    """Every minute: today's sweep once, at the policy's time on working days (`tick` keeps the record)."""
    result = await tick(clock.now())
    if result is None:
        return {"reminders": 0, "emails": 0}
    await _after_sweep(ctx, result.emails)
    return asdict(result)


def cron_jobs(queue: str, burst: bool = False) -> list[CronJob]:
    """Fresh cron jobs (arq keeps each one's next run on the object). Named after the queue because
    arq's unique cron job ids are global in Redis, not per queue."""
    if burst:
        # Once at startup, next due on 1 January: a burst worker stops as soon as the queue is empty.
        when: dict[str, Any] = {"month": {1}, "day": {1}, "hour": {0}, "minute": {0}}
    else:
        when = {"minute": EVERY_MINUTE}
    return [cron(tick_job, name=f"tick@{queue}", run_at_startup=True, unique=True, **when),
            cron(deliver_job, name=f"deliver@{queue}", run_at_startup=True, unique=True, **when)]


async def startup(ctx: dict[str, Any]) -> None:
    ctx["pool"] = await open_db_pool()


async def shutdown(ctx: dict[str, Any]) -> None:
    if ctx.get("pool"):
        await close_db_pool()


async def open_db_pool() -> bool:
    """PostgreSQL: one pool on the worker's own loop (PARPLAN_DB_POOL=false keeps a connection per query)."""
    settings = get_settings()
    if not (settings.is_postgres and settings.db_pool):
        return False
    from piccolo.engine import engine_finder

    await engine_finder().start_connection_pool()
    return True


async def close_db_pool() -> None:
    from piccolo.engine import engine_finder

    await engine_finder().close_connection_pool()


def worker_settings(queue: str | None = None, burst: bool = False) -> dict[str, Any]:
    """Keyword arguments for arq's Worker, read from the environment now (not at import)."""
    queue = queue or default_queue()
    return {"functions": [sweep_job, deliver_job], "cron_jobs": cron_jobs(queue, burst), "queue_name": queue,
            "redis_settings": RedisSettings.from_dsn(get_settings().redis_url), "burst": burst,
            "on_startup": startup, "on_shutdown": shutdown, "timezone": clock.TZ, "job_timeout": JOB_TIMEOUT}


# `parplan worker`: arq's worker again and again ------------------------------------------------------------
# arq's own worker stops at the first Redis error. Nothing is lost while Redis is away (state lives in the
# database): a fresh worker's cron jobs run at startup, and the tick sweeps the working days it missed.

RECONNECT_FIRST, RECONNECT_MAX = 1.0, 30.0  # seconds between two attempts to reach Redis
log = logging.getLogger("arq.parplan")  # under arq's logger, so `parplan worker` prints it with arq's lines


async def run_forever(queue: str | None = None) -> None:
    """Run the worker until SIGTERM or SIGINT, starting it again with backoff whenever Redis goes away."""
    pooled = await open_db_pool()
    loop, me = asyncio.get_running_loop(), asyncio.current_task()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, me.cancel)
    try:
        await _reconnecting(queue)
    except asyncio.CancelledError:
        pass  # stopped by a signal: a normal end
    finally:
        if pooled:
            await close_db_pool()


async def _reconnecting(queue: str | None) -> None:
    delay = RECONNECT_FIRST
    while True:
        # Fresh settings each time: arq keeps each cron job's next run on the object.
        settings = {**worker_settings(queue), "on_startup": None, "on_shutdown": None}
        redis_settings = settings["redis_settings"]
        redis_settings.conn_retries = 0  # the backoff is ours, and it never gives up
        worker = Worker(**settings, handle_signals=False)
        try:
            await worker.main()
        except (RedisError, OSError) as exc:
            if "redis" in worker.ctx:  # it was connected: Redis went away just now
                delay = RECONNECT_FIRST
            log.warning(_("Redis is not answering at %(where)s (%(error)s); trying again in %(seconds)s s.",
                          where=f"{redis_settings.host}:{redis_settings.port}", error=str(exc) or type(exc).__name__,
                          seconds=round(delay)))
        finally:
            await _close(worker)
        await asyncio.sleep(delay)
        delay = min(delay * 2, RECONNECT_MAX)


async def _close(worker: Worker) -> None:
    """A worker whose Redis went away, or that is stopping: running jobs end first (a cancelled one, at
    shutdown, runs again later: jobs are idempotent), then its Redis connections close."""
    if asyncio.current_task().cancelling():
        for task in worker.tasks.values():
            task.cancel()
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    redis = worker.ctx.get("redis")
    if redis is not None:
        with contextlib.suppress(RedisError, OSError):
            await redis.delete(worker.health_check_key)
        await redis.close(close_connection_pool=True)


# For `arq workers.main.WorkerSettings`. Evaluated at import: set REDIS_URL and DATABASE_URL before.
WorkerSettings = type("WorkerSettings", (), worker_settings())
