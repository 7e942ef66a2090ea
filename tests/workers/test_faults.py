"""Faults around reminders: Redis going away under the pages and under a running `parplan worker`, and working days
on which no sweep ran.

Redis here is a private redis-server on a free port, stopped and started by the test; the shared Redis is left
alone. The worker is a real `parplan worker` process, and the emails reach a real SMTP server.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from litestar.testing import TestClient

from app import clock
from app.clock import TZ
from app.i18n import _, set_locale
from app.settings import get_settings
from reminders.sweep import digest_items, load_calendar, tick
from reminders.tables import OutboxEmail, Reminder, SweepRun
from tests.builders import NOW, TaskSpec, Web, count, make_plan, run
from tests.workers.inbox import Inbox, PrivateRedis, new_queue, wait_until

ROOT = Path(__file__).resolve().parents[2]
NOT_ANSWERING = "Redis is not answering at %(where)s (%(error)s); trying again in %(seconds)s s."


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ).astimezone(dt.timezone.utc)


def swept(*days: dt.date) -> None:
    for day in days:
        SweepRun(day=day, started_at=NOW, finished_at=NOW).save().run_sync()


def sweep_runs() -> list[dt.date]:
    return [r["day"] for r in SweepRun.select(SweepRun.day).where(SweepRun.finished_at.is_not_null()).order_by(
        SweepRun.day).run_sync()]


# Working days with no sweep ------------------------------------------------------------------------------

def test_working_days_missed_are_swept_in_order_once_each_into_one_digest(actors):
    make_plan(actors.unit_a, 2025, {"Cải cách thể chế": [TaskSpec("Đến hạn thứ Ba", dt.date(2025, 6, 24))]},
              title="Kế hoạch CCHC năm 2025")
    swept(dt.date(2025, 6, 20))  # Friday; no worker could tick from Monday 23 to Friday 27
    monday = local(dt.date(2025, 6, 30), 8)
    result = run(tick(monday))
    assert sweep_runs() == [dt.date(2025, 6, d) for d in (20, 23, 24, 25, 26, 27, 30)]
    reminders = {(r["day"], r["kind"]) for r in Reminder.select(Reminder.day, Reminder.kind).run_sync()}
    # Each day's own reminders: 1 working day before, the day itself, then overdue on days 1 and 4.
    assert reminders == {(dt.date(2025, 6, 23), "before"), (dt.date(2025, 6, 24), "due"),
                         (dt.date(2025, 6, 25), "overdue"), (dt.date(2025, 6, 30), "overdue")}
    [email] = OutboxEmail.select(OutboxEmail.id, OutboxEmail.day, OutboxEmail.recipient).run_sync()
    assert (email["day"], email["recipient"]) == (dt.date(2025, 6, 30), actors.focal_a.id)
    assert Reminder.count().where(Reminder.email == email["id"]).run_sync() == 4
    # The email names the task once, as the newest reminder says (4 working days overdue), not four times.
    [item] = run(digest_items(email["id"]))
    assert (item["kind"], item["day"]) == ("overdue", dt.date(2025, 6, 30))
    assert (result.reminders, result.emails) == (4, 1)
    assert run(tick(monday + dt.timedelta(minutes=1))) is None  # exactly once
    assert count(Reminder) == 4 and count(OutboxEmail) == 1


def test_before_the_sweeps_time_only_the_days_before_are_caught_up_and_their_digest_goes_at_once(actors):
    make_plan(actors.unit_a, 2025, {"Cải cách thể chế": [TaskSpec("Đến hạn thứ Sáu", dt.date(2025, 6, 27))]},
              title="Kế hoạch CCHC năm 2025")
    swept(dt.date(2025, 6, 26))
    early = local(dt.date(2025, 6, 30), 6)
    run(tick(early))
    assert sweep_runs() == [dt.date(2025, 6, 26), dt.date(2025, 6, 27)]
    [email] = OutboxEmail.select(OutboxEmail.day, OutboxEmail.not_before).run_sync()
    assert email["day"] == dt.date(2025, 6, 27) and email["not_before"] < early  # due now, not on Friday's hour
    run(tick(local(dt.date(2025, 6, 30), 7, 30)))  # Monday's own sweep, at its time
    assert sweep_runs()[-1] == dt.date(2025, 6, 30)


# Pages with Redis down ----------------------------------------------------------------------------------

@contextlib.contextmanager
def redis_in_this_process(url: str):
    """Settings are read once per process: read them again with REDIS_URL set, and again after."""
    before = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = url
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            del os.environ["REDIS_URL"]
        else:
            os.environ["REDIS_URL"] = before
        get_settings.cache_clear()


@pytest.mark.timeout(60)
def test_every_page_works_with_redis_down(actors, tmp_path):
    from app.factory import create_app

    make_plan(actors.unit_a, 2025, {"Cải cách thể chế": [TaskSpec("Đến hạn", dt.date(2025, 6, 30))]},
              title="Kế hoạch CCHC năm 2025")
    with PrivateRedis(tmp_path / "redis.log") as redis, redis_in_this_process(redis.url):
        redis.stop()
        assert get_settings().redis_url == redis.url and not redis.answers()
        with TestClient(app=create_app(), base_url="http://testserver.local") as client:
            web = Web(client)
            web.login(actors.admin)
            for url in ("/plans", "/board", "/reminders/settings", "/reminders/calendar", "/admin/deliveries",
                        "/admin/users", "/profile"):
                assert web.get(url).status_code == 200, url
            assert web.post("/profile", {"reminders": "on", "reminder_hour": "9"}).status_code == 303
            web.post("/logout")
            web.login(actors.focal_a)
            assert web.get("/my/tasks").status_code == 200


# A worker while Redis comes and goes --------------------------------------------------------------------

def refusals(log: Path, redis: PrivateRedis) -> int:
    """How many times the worker said Redis was not answering (in the default locale)."""
    set_locale("vi")
    said = _(NOT_ANSWERING).split("%(where)s")[0] + f"127.0.0.1:{redis.port}"
    return log.read_text().count(said) if log.exists() else 0


def finished(log: Path, queue: str) -> tuple[int, int]:
    """How many ticks and deliveries the worker has finished, as arq logs them."""
    text = log.read_text()
    return text.count(f"← tick@{queue} "), text.count(f"← deliver@{queue} ")


def start_worker(queue: str, redis: PrivateRedis, smtp_url: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--queue", queue], cwd=ROOT,
                                env={**os.environ, "REDIS_URL": redis.url, "PARPLAN_SMTP_URL": smtp_url,
                                     "PARPLAN_DB_POOL": "true"}, stdout=out, stderr=subprocess.STDOUT)


def last_working_days_before(day: dt.date, n: int) -> list[dt.date]:
    cal = run(load_calendar(day))
    return cal.days[bisect.bisect_left(cal.days, day) - n:bisect.bisect_left(cal.days, day)]


@pytest.mark.timeout(120)
def test_a_worker_outlives_redis_and_sends_the_day_it_missed_exactly_once(actors, tmp_path):
    # D: the last working day before the real today, when a task fell due; Redis was down across it.
    before_d, d = last_working_days_before(clock.today(), 2)
    make_plan(actors.unit_a, d.year, {"Cải cách thể chế": [TaskSpec("Nộp báo cáo quý", d)]},
              title=f"Kế hoạch CCHC năm {d.year}")
    swept(before_d)
    queue, log = new_queue(), tmp_path / "worker.log"
    redis = PrivateRedis(tmp_path / "redis.log")  # not started: the worker starts without Redis
    with Inbox() as inbox:
        worker = start_worker(queue, redis, inbox.url, log)
        try:
            wait_until(lambda: refusals(log, redis) >= 2 or worker.poll() is not None, 30, "the worker to retry")
            assert worker.poll() is None, log.read_text()
            assert sweep_runs() == [before_d] and inbox.messages == []  # no Redis, no tick

            redis.start()  # back: the worker's first tick sweeps D, and the digest goes
            back = time.monotonic()
            wait_until(lambda: OutboxEmail.count().where(OutboxEmail.status == "sent").run_sync() == 1, 40,
                       f"the digest for {d}:\n{log.read_text()}")
            caught_up = time.monotonic() - back
            assert d in sweep_runs()

            # Redis goes away under the running worker, and comes back: nothing is sent twice.
            redis.stop()
            seen = refusals(log, redis)
            wait_until(lambda: refusals(log, redis) > seen or worker.poll() is not None, 30, "the worker to retry")
            assert worker.poll() is None, log.read_text()
            done = finished(log, queue)
            redis.start()
            back = time.monotonic()
            wait_until(lambda: all(n > m for n, m in zip(finished(log, queue), done)), 40,
                       "a tick and a delivery after Redis came back")
            ticked = time.monotonic() - back
            assert worker.poll() is None, log.read_text()
        finally:
            worker.terminate()  # a worker must not outlive its test
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            redis.stop()
    assert worker.returncode == 0, log.read_text()  # stopped by the test, never exited on its own
    [message] = inbox.messages
    assert message["To"] == actors.focal_a.email
    assert sweep_runs().count(d) == 1
    assert Reminder.count().where((Reminder.day == d) & (Reminder.kind == "due") &
                                  (Reminder.recipient == actors.focal_a.id)).run_sync() == 1
    assert Reminder.count().where(Reminder.email.is_null()).run_sync() == 0
    print(f"\nRedis back: {d} swept and its digest sent after {caught_up:.1f} s; back again: a tick and a delivery "
          f"after {ticked:.1f} s; the worker said {refusals(log, redis)} times that Redis was not answering")
