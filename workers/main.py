"""arq wiring for reminders: jobs that ring the bell, and the worker's settings.

State lives in the database (reminders/): every job here may run twice, on two workers at once, and only
returns counts. The sweep's time lives in the database policy, so the cron only ticks every minute and
`tick` decides. Run with `parplan worker` (or `arq workers.main.WorkerSettings`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
from dataclasses import asdict
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob

import app  # noqa: F401  (sets PICCOLO_CONF before any table is touched)
from app import clock
from app.settings import get_settings
from reminders.delivery import deliver_due
from reminders.sweep import sweep, tick

EVERY_MINUTE = set(range(60))
BATCH = 200  # emails a delivery job sends before handing over to the next one
# Never cancel a job mid-send (an email accepted by the server but not recorded would go again after the lease):
# a delivery job takes at most BATCH / 8 waves of one SMTP timeout each, far less than this.
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
    # PostgreSQL: one pool on the worker's own loop (PARPLAN_DB_POOL=false keeps a connection per query).
    settings = get_settings()
    if settings.is_postgres and settings.db_pool:
        from piccolo.engine import engine_finder

        await engine_finder().start_connection_pool()
        ctx["pool"] = True


async def shutdown(ctx: dict[str, Any]) -> None:
    if ctx.get("pool"):
        from piccolo.engine import engine_finder

        await engine_finder().close_connection_pool()


def worker_settings(queue: str | None = None, burst: bool = False) -> dict[str, Any]:
    """Keyword arguments for arq's Worker, read from the environment now (not at import)."""
    queue = queue or default_queue()
    return {"functions": [sweep_job, deliver_job], "cron_jobs": cron_jobs(queue, burst), "queue_name": queue,
            "redis_settings": RedisSettings.from_dsn(get_settings().redis_url), "burst": burst,
            "on_startup": startup, "on_shutdown": shutdown, "timezone": clock.TZ, "job_timeout": JOB_TIMEOUT}


# For `arq workers.main.WorkerSettings`. Evaluated at import: set REDIS_URL and DATABASE_URL before.
WorkerSettings = type("WorkerSettings", (), worker_settings())
