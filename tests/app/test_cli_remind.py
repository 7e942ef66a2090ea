"""`parplan remind --today YYYY-MM-DD`: one sweep for that day, its emails sent at once, the counts printed."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.i18n import _, set_locale
from reminders.tables import OutboxEmail, Reminder
from tests.builders import TaskSpec, count, make_plan, make_user
from tests.workers.inbox import Inbox

ROOT = Path(__file__).resolve().parents[2]
COUNTS = ("%(day)s: %(reminders)s new reminders, %(emails)s new emails; sent %(sent)s, to retry %(retried)s, "
          "failed %(failed)s")


def counts_line(day: str, reminders: int, emails: int, sent: int) -> str:
    """What the command prints, in the default locale (Vietnamese once translated)."""
    set_locale("vi")
    return _(COUNTS, day=day, reminders=reminders, emails=emails, sent=sent, retried=0, failed=0)


def remind(day: str, smtp_url: str) -> str:
    done = subprocess.run([sys.executable, "-m", "app.cli", "remind", "--today", day], cwd=ROOT, timeout=60,
                          env={**os.environ, "PARPLAN_SMTP_URL": smtp_url}, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def plan_due_on_monday(actors) -> None:
    make_plan(actors.unit_a, 2025, {"Cải cách thể chế": [
        TaskSpec("Đến hạn hôm nay", dt.date(2025, 6, 30)), TaskSpec("Sắp đến hạn", dt.date(2025, 7, 3))]},
        title="Kế hoạch CCHC năm 2025")


@pytest.mark.timeout(120)
def test_remind_sends_the_days_digests_and_a_second_run_adds_nothing(actors):
    make_user("daumoi2.a@example.vn", "focal_point", actors.unit_a)
    plan_due_on_monday(actors)
    with Inbox() as inbox:
        first = remind("2025-06-30", inbox.url)
        again = remind("2025-06-30", inbox.url)
    assert first == counts_line("30/06/2025", reminders=4, emails=2, sent=2)
    assert again == counts_line("30/06/2025", reminders=0, emails=0, sent=0)
    assert sorted(inbox.recipients()) == ["daumoi.a@example.vn", "daumoi2.a@example.vn"]
    assert {e["status"] for e in OutboxEmail.select(OutboxEmail.status).run_sync()} == {"sent"}


def test_remind_on_a_holiday_makes_nothing_and_says_why(actors):
    plan_due_on_monday(actors)
    result = CliRunner().invoke(main, ["remind", "--today", "2025-09-02"])  # National Day
    assert result.exit_code == 0, result.output
    first_line, why = result.output.strip().splitlines()
    assert first_line == counts_line("02/09/2025", reminders=0, emails=0, sent=0)
    assert why == _("%(day)s is not a working day: no reminders are made.", day="02/09/2025")
    assert count(Reminder) == count(OutboxEmail) == 0
