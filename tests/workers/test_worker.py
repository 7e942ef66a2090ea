"""The reminders worker: real arq workers on the real Redis, a real SMTP server, the test database.

Each test has its own arq queue, so nothing else on the Redis takes its jobs. Today's own sweep is marked
done first: the workers' startup tick would otherwise sweep the real today over the test data.
A Redis that cannot be reached fails these tests; it never skips them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.jobs import Job
from arq.worker import Worker

from app import clock
from app.settings import get_settings
from reminders.tables import OutboxEmail, Reminder, SweepRun
from tests.builders import NOW, TaskSpec, count, make_plan, make_user, run
from tests.workers.inbox import Inbox, drop_queue, new_queue
from workers.main import worker_settings

DAY = dt.date(2025, 6, 30)  # a Monday
ROOT = Path(__file__).resolve().parents[2]


def focal_points_due_on_day(actors, extra: int) -> list[str]:
    """Unit A's focal points (the actor and `extra` more), each due two reminders on DAY; their addresses."""
    people = [actors.focal_a] + [make_user(f"daumoi{i}.a@example.vn", "focal_point", actors.unit_a)
                                 for i in range(extra)]
    make_plan(actors.unit_a, 2025, {"Cải cách thể chế": [
        TaskSpec("Đến hạn hôm nay", DAY), TaskSpec("Sắp đến hạn", dt.date(2025, 7, 3), "in_progress")]},
        title="Kế hoạch CCHC năm 2025")
    SweepRun(day=clock.today(), started_at=NOW, finished_at=NOW).save().run_sync()
    return sorted(p.email for p in people)


async def _pool(queue: str):
    return await create_pool(RedisSettings.from_dsn(get_settings().redis_url), default_queue_name=queue)


async def enqueue(queue: str, name: str, *args, job_id: str | None = None) -> None:
    redis = await _pool(queue)
    try:
        await redis.enqueue_job(name, *args, _job_id=job_id)
    finally:
        await redis.aclose()


async def results(queue: str, *job_ids: str) -> list:
    redis = await _pool(queue)
    try:
        return [await Job(i, redis).result(timeout=5) for i in job_ids]
    finally:
        await redis.aclose()


async def forget(*queues: str) -> None:
    redis = await _pool(queues[0])
    try:
        for queue in queues:
            await drop_queue(redis, queue)
    finally:
        await redis.aclose()


@pytest.fixture
def queue():
    name = new_queue()
    yield name
    run(forget(name))


@contextlib.contextmanager
def smtp_in_this_process(url: str):
    """Settings are read once per process: read them again with the SMTP server set, and again after."""
    os.environ["PARPLAN_SMTP_URL"] = url
    get_settings.cache_clear()
    try:
        yield
    finally:
        del os.environ["PARPLAN_SMTP_URL"]
        get_settings.cache_clear()


def start_worker(queue: str, smtp_url: str, log: Path, *args: str, **env: str) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--queue", queue, *args], cwd=ROOT,
                                env={**os.environ, "PARPLAN_SMTP_URL": smtp_url, "PARPLAN_DB_POOL": "true", **env},
                                stdout=out, stderr=subprocess.STDOUT)


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def statuses() -> list[str]:
    return sorted(e["status"] for e in OutboxEmail.select(OutboxEmail.status).run_sync())


async def burst_in_process(queue: str) -> Worker:
    worker = Worker(**worker_settings(queue, burst=True), handle_signals=False)
    try:
        await asyncio.wait_for(worker.main(), 20)
    finally:
        await worker.close()
    return worker


@pytest.mark.timeout(60)
def test_a_worker_sweeps_a_day_on_demand_and_each_person_receives_one_digest(actors, queue):
    people = focal_points_due_on_day(actors, extra=3)
    with Inbox() as inbox, smtp_in_this_process(inbox.url):
        run(enqueue(queue, "sweep_job", DAY.isoformat(), job_id=f"sweep-{queue}"))
        worker = run(burst_in_process(queue))
        [swept] = run(results(queue, f"sweep-{queue}"))
    assert worker.jobs_failed == 0
    assert swept == {"reminders": 2 * len(people), "emails": len(people)}
    assert sorted(inbox.recipients()) == people
    assert len(set(inbox.ids())) == len(people)
    assert statuses() == ["sent"] * len(people)


@pytest.mark.timeout(60)
def test_a_worker_sends_a_days_digests_over_few_connections_and_a_server_hanging_up_gets_each_once(actors, queue):
    people = focal_points_due_on_day(actors, extra=7)
    with Inbox() as inbox, smtp_in_this_process(inbox.url):
        inbox.hang_up_every = 3  # as a server limiting the messages of one connection
        run(enqueue(queue, "sweep_job", DAY.isoformat()))
        worker = run(burst_in_process(queue))
    assert worker.jobs_failed == 0 and statuses() == ["sent"] * len(people)
    assert sorted(inbox.recipients()) == people and len(set(inbox.ids())) == len(people)
    # A connection per email would make eight; hanging up after every third makes at least three.
    assert 3 <= len(set(inbox.peers)) < len(people)


@pytest.mark.timeout(90)
def test_two_workers_sweeping_the_same_day_at_once_store_and_send_everything_once(actors, tmp_path):
    people = focal_points_due_on_day(actors, extra=9)
    # Each worker on its own queue, so both surely run the sweep: the database, not Redis, keeps it to once.
    queues = [new_queue(), new_queue()]
    try:
        with Inbox(delay=0.05) as inbox:
            for q in queues:
                run(enqueue(q, "sweep_job", DAY.isoformat(), job_id=f"sweep-{q}"))
            workers = [start_worker(q, inbox.url, tmp_path / f"{i}.log", "--burst") for i, q in enumerate(queues)]
            try:
                for i, proc in enumerate(workers):
                    assert proc.wait(timeout=60) == 0, (tmp_path / f"{i}.log").read_text()
            finally:
                for proc in workers:  # a worker must not outlive its test, even a failed one
                    proc.kill()
                    proc.wait()
        swept = [run(results(q, f"sweep-{q}"))[0] for q in queues]
    finally:
        run(forget(*queues))
    assert sum(s["reminders"] for s in swept) == count(Reminder) == 2 * len(people)
    assert sum(s["emails"] for s in swept) == count(OutboxEmail) == len(people)
    assert sorted(inbox.recipients()) == people
    assert statuses() == ["sent"] * len(people)


@pytest.mark.timeout(90)
def test_a_worker_killed_mid_batch_and_restarted_sends_every_email_exactly_once(actors, queue, tmp_path):
    people = focal_points_due_on_day(actors, extra=11)
    lease = {"PARPLAN_SEND_LEASE_SECONDS": "2"}
    with Inbox(delay=0.05) as inbox:
        inbox.hold_after = 2
        run(enqueue(queue, "sweep_job", DAY.isoformat()))
        first = start_worker(queue, inbox.url, tmp_path / "first.log", **lease)
        try:
            # Kill while the third message is held before its 250 and the two accepted are recorded as sent.
            # (Between a 250 and its record no design can tell whether the server got it: README, "Exactly once".)
            wait_until(lambda: len(inbox.messages) == 2 and inbox.in_flight and OutboxEmail.count().where(
                OutboxEmail.status == "sent").run_sync() == 2, 40, "a message in flight, everything accepted recorded")
        finally:
            first.kill()  # also when the wait failed: a worker must not outlive its test
            first.wait()
        received_before = len(inbox.messages)
        inbox.hold_after = None
        assert "sending" in statuses()  # a claim the killed worker left behind
        time.sleep(2.2)  # the lease runs out
        second = start_worker(queue, inbox.url, tmp_path / "second.log", **lease)
        try:
            wait_until(lambda: statuses() == ["sent"] * len(people), 40, "every email sent")
        finally:
            second.terminate()
            second.wait(timeout=10)
    assert 2 <= received_before < len(people)
    assert sorted(inbox.recipients()) == people
    assert len(set(inbox.ids())) == len(people)
    assert Reminder.count().where(Reminder.email.is_null()).run_sync() == 0
