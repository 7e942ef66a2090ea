"""The sweep: reminders stored once each, one digest a day per person, never an empty one."""

import datetime as dt

from reminders.sweep import sweep
from reminders.tables import OutboxEmail, Reminder
from tests.builders import NOW, TaskSpec, count, make_plan, run

D = dt.date
MONDAY = D(2025, 6, 30)


def plan_with(actors, *specs):
    return make_plan(actors.unit_a, 2025, {"Cải cách thể chế": list(specs)}, title="Kế hoạch CCHC năm 2025")


def test_a_sweep_stores_each_reminder_once_and_one_digest_per_person(actors):
    plan_with(actors, TaskSpec("Sắp đến hạn", D(2025, 7, 3), "in_progress"),  # 3 working days left
              TaskSpec("Đến hạn hôm nay", MONDAY), TaskSpec("Còn xa", D(2025, 9, 30)),
              TaskSpec("Đã xong", MONDAY, "done", D(2025, 6, 1)))
    first = run(sweep(MONDAY, NOW))
    assert (first.reminders, first.emails) == (2, 1)  # the focal point of unit A; the head only on escalation
    again = run(sweep(MONDAY, NOW))
    assert (again.reminders, again.emails) == (0, 0)
    [email] = OutboxEmail.select().run_sync()
    assert email["to_address"] == actors.focal_a.email
    assert {r["email"] for r in Reminder.select(Reminder.email).run_sync()} == {email["id"]}


def test_nothing_is_stored_on_a_holiday_and_no_empty_digest_is_made(actors):
    plan_with(actors, TaskSpec("Còn xa", D(2025, 9, 30)))
    assert run(sweep(D(2025, 9, 2), NOW)).reminders == 0  # National Day
    assert run(sweep(MONDAY, NOW)).emails == 0
    assert count(OutboxEmail) == 0


def test_overdue_tasks_escalate_to_the_head_and_the_secretariat(actors):
    plan_with(actors, TaskSpec("Quá hạn lâu", D(2025, 6, 13), "in_progress"))
    # 13/06 (Fri) + 10 working days = 27/06: focal point (repeat day 10), head and secretariat.
    result = run(sweep(D(2025, 6, 27), NOW))
    recipients = {r["recipient"] for r in Reminder.select(Reminder.recipient).run_sync()}
    assert recipients == {actors.focal_a.id, actors.head_a.id, actors.secretariat.id}
    assert result.emails == 3 and actors.focal_b.id not in recipients


def test_a_reminder_made_after_the_days_email_was_sent_goes_in_the_next_one(actors, tmp_path):
    from reminders.delivery import deliver_due
    from app.mail import FileTransport
    from tasks.tables import Task

    plan = plan_with(actors, TaskSpec("Đến hạn hôm nay", MONDAY))
    run(sweep(MONDAY, NOW))
    assert run(deliver_due("w", due_by=NOW.replace(year=2030), transport=FileTransport(tmp_path))).sent == 1
    # A task added to the plan after the digest went out, due the same day.
    field = Task.select(Task.field).first().run_sync()["field"]
    Task(field=field, position=2, number="2", content="Bổ sung sau", due_date=MONDAY).save().run_sync()
    late = run(sweep(MONDAY, NOW))
    assert (late.reminders, late.emails) == (1, 0)
    assert Reminder.select().where(Reminder.email.is_null()).run_sync()  # waiting, not lost
    tuesday = run(sweep(D(2025, 7, 1), NOW))
    assert tuesday.emails == 1
    assert run(deliver_due("w", due_by=NOW.replace(year=2030), transport=FileTransport(tmp_path))).sent == 1
    second = OutboxEmail.select().where(OutboxEmail.day == D(2025, 7, 1)).first().run_sync()
    assert "Bổ sung sau" in second["text"] and plan.id
