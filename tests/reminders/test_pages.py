"""The reminder pages: the secretariat's policy and calendar, the profile, the admin's outbox."""

import datetime as dt

import pytest

from app import clock
from app.settings import get_settings
from app.tables import User
from reminders.rules import Policy
from reminders.sweep import load_calendar, load_policy
from reminders.tables import CalendarDay, OutboxEmail, ReminderPolicy
from tests.builders import count, run

D = dt.date
GOOD = {"enabled": "on", "before_days": "5, 2, 0", "repeat_every": "2", "head_after": "4",
        "secretariat_after": "8", "sweep_at": "8:15", "version": "0"}


def make_email(user, status="pending", day=D(2025, 6, 30), error="", html="<p>Xin chào</p>", attempts=0):
    email = OutboxEmail(recipient=user.id, to_address=user.email, day=day, subject=f"Nhắc hạn {day}", text="Nội dung",
                        html=html, status=status, not_before=clock.now() - dt.timedelta(days=1), attempts=attempts,
                        last_error=error)
    email.save().run_sync()
    return email


def reload(email):
    return OutboxEmail.select().where(OutboxEmail.id == email.id).first().run_sync()


def next_weekday(weekday: int, working: bool | None = None) -> dt.date:
    """The first such weekday at least a week ahead (upcoming, inside load_calendar's years); with `working`,
    the first that is (or is not) a working day, so a public holiday on it does not change the test."""
    day = clock.today() + dt.timedelta(days=7)
    day += dt.timedelta(days=(weekday - day.weekday()) % 7)
    while working is not None and run(load_calendar(day)).is_working(day) != working:
        day += dt.timedelta(days=7)
    return day


# The policy -----------------------------------------------------------------------------------------

def test_the_secretariat_saves_the_policy_and_the_sweep_reads_it(web, actors):
    web.login(actors.secretariat)
    assert run(load_policy()) == Policy()
    assert 'value="7, 3, 1, 0"' in web.get("/reminders/settings").text  # the defaults, before any save
    assert web.post("/reminders/settings", GOOD).status_code == 303
    assert run(load_policy()) == Policy((5, 2, 0), 2, 4, 8, dt.time(8, 15), True)
    assert "data-saved" in web.get("/reminders/settings?saved=true").text
    # Unticking "send reminders" turns them off; the save is stamped with who and the next version.
    assert web.post("/reminders/settings", {**GOOD, "enabled": "", "version": "1"}).status_code == 303
    assert run(load_policy()).enabled is False
    row = ReminderPolicy.select().first().run_sync()
    assert (row["version"], row["updated_by"], count(ReminderPolicy)) == (2, actors.secretariat.id, 1)


@pytest.mark.parametrize("field, value", [("before_days", "7, x"), ("secretariat_after", "3"),
                                          ("sweep_at", "25:00"), ("repeat_every", "0")])
def test_a_bad_policy_value_is_refused_next_to_its_field_and_nothing_is_saved(web, actors, field, value):
    web.login(actors.admin)
    response = web.post("/reminders/settings", {**GOOD, field: value})
    assert response.status_code == 400
    assert f'data-error="{field}"' in response.text and f'value="{value}"' in response.text
    assert count(ReminderPolicy) == 0 and run(load_policy()) == Policy()


def test_a_save_on_a_stale_form_is_refused(web, actors):
    web.login(actors.secretariat)
    assert web.post("/reminders/settings", GOOD).status_code == 303
    response = web.post("/reminders/settings", {**GOOD, "before_days": "1"})  # still version 0
    assert response.status_code == 409 and 'data-error="version"' in response.text
    assert run(load_policy()).before_days == (5, 2, 0)


def test_the_month_shows_public_holidays_in_vietnamese_and_the_admins_days(web, actors):
    CalendarDay(day=D(2025, 9, 6), kind="workday", name="Làm bù").save().run_sync()
    web.login(actors.secretariat)
    fragment = web.get("/reminders/settings?month=2025-09", headers={"hx-request": "true"})
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<div id="month"')
    assert "Quốc khánh" in fragment.text and 'data-day="2025-09-06"' in fragment.text and "Làm bù" in fragment.text


# Who may see what -----------------------------------------------------------------------------------

def test_only_the_secretariat_and_the_admin_set_reminders_and_only_the_admin_sees_the_outbox(web, actors):
    for who in ("focal_a", "head_a", "steering"):
        web.login(getattr(actors, who))
        for url in ("/reminders/settings", "/reminders/calendar", "/admin/deliveries"):
            assert web.get(url).status_code == 403, (who, url)
        assert web.post("/reminders/settings", GOOD).status_code == 403
        assert web.post("/reminders/calendar", {"day": "06/09/2025", "kind": "workday"}).status_code == 403
    assert count(ReminderPolicy) == 0 and count(CalendarDay) == 0
    web.login(actors.secretariat)
    assert web.get("/reminders/settings").status_code == 200
    assert web.get("/admin/deliveries").status_code == 403
    email = make_email(actors.focal_a, "failed")
    assert web.post(f"/admin/deliveries/{email.id}/retry").status_code == 403
    assert reload(email)["status"] == "failed"


# The calendar ---------------------------------------------------------------------------------------

def test_a_make_up_saturday_becomes_a_working_day_for_the_sweep_and_is_added_once(web, actors):
    saturday = next_weekday(5)
    assert not run(load_calendar(saturday)).is_working(saturday)
    web.login(actors.secretariat)
    form = {"day": saturday.strftime("%d/%m/%Y"), "kind": "workday", "name": "Làm bù"}
    assert web.post("/reminders/calendar", form).status_code == 303
    assert run(load_calendar(saturday)).is_working(saturday)
    assert f'data-day="{saturday.isoformat()}"' in web.get("/reminders/calendar").text
    again = web.post("/reminders/calendar", {**form, "day": saturday.isoformat(), "kind": "holiday"})
    assert again.status_code == 400 and 'data-error="day"' in again.text
    assert count(CalendarDay) == 1


@pytest.mark.parametrize("kind, weekday", [("workday", 2), ("holiday", 6)])
def test_a_make_up_wednesday_or_a_holiday_on_sunday_is_refused(web, actors, kind, weekday):
    day = next_weekday(weekday, working=kind == "workday")
    web.login(actors.admin)
    response = web.post("/reminders/calendar", {"day": day.isoformat(), "kind": kind})
    assert response.status_code == 400
    assert f'<p class="error" data-error="day">{day.strftime("%d/%m/%Y")} ' in response.text
    assert count(CalendarDay) == 0


def test_a_day_is_deleted_and_counts_as_before(web, actors):
    saturday = next_weekday(5)
    day = CalendarDay(day=saturday, kind="workday", name="")
    day.save().run_sync()
    web.login(actors.secretariat)
    assert web.post(f"/reminders/calendar/{day.id}/delete").status_code == 303
    assert count(CalendarDay) == 0 and not run(load_calendar(saturday)).is_working(saturday)


# The profile ----------------------------------------------------------------------------------------

def test_the_profile_turns_reminders_off_and_sets_the_hour_and_refuses_hour_25(web, actors):
    web.login(actors.focal_a)
    page = web.get("/profile")
    assert page.status_code == 200 and actors.focal_a.email in page.text and "Đầu mối A" in page.text
    response = web.post("/profile", {"reminder_hour": "9"})  # the box unticked: reminders off
    assert response.status_code == 303 and "data-saved" in web.get(response.headers["location"]).text
    saved = User.select(User.reminders, User.reminder_hour).where(User.id == actors.focal_a.id).first().run_sync()
    assert saved == {"reminders": False, "reminder_hour": 9}
    refused = web.post("/profile", {"reminders": "on", "reminder_hour": "25"})
    assert refused.status_code == 400 and 'data-error="reminder_hour"' in refused.text
    assert User.select(User.reminders, User.reminder_hour).where(
        User.id == actors.focal_a.id).first().run_sync() == saved


# The outbox -----------------------------------------------------------------------------------------

def test_the_outbox_shows_a_failed_email_first_with_its_error(web, actors):
    failed = make_email(actors.focal_a, "failed", D(2025, 6, 27), error="550 5.1.1 mailbox unavailable")
    sent = make_email(actors.head_a, "sent", D(2025, 6, 30))
    web.login(actors.admin)
    page = web.get("/admin/deliveries").text
    assert page.index(f'data-email="{failed.id}"') < page.index(f'data-email="{sent.id}"')
    assert "550 5.1.1 mailbox unavailable" in page
    only_sent = web.get("/admin/deliveries?status=sent").text
    assert f'data-email="{sent.id}"' in only_sent and f'data-email="{failed.id}"' not in only_sent
    assert web.get("/admin/deliveries?day=31/02/2025").status_code == 400


def test_an_email_is_shown_with_its_html_escaped_into_a_sandbox(web, actors):
    email = make_email(actors.focal_a, html='<p>Xin chào</p><script>alert("x")</script>')
    web.login(actors.admin)
    page = web.get(f"/admin/deliveries/{email.id}").text
    assert "<iframe class=\"email-html\" sandbox srcdoc=\"&lt;p&gt;Xin chào" in page
    assert "<script>alert" not in page and "Nội dung" in page


def test_send_again_makes_a_failed_email_pending_now_and_leaves_a_sent_one(web, actors):
    failed = make_email(actors.focal_a, "failed", error="550 refused", attempts=3)
    sent = make_email(actors.head_a, "sent")
    web.login(actors.admin)
    before = clock.now()
    assert web.post(f"/admin/deliveries/{failed.id}/retry").status_code == 303
    row = reload(failed)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 3, "550 refused")
    assert row["not_before"] >= before - dt.timedelta(seconds=1)
    assert web.post(f"/admin/deliveries/{sent.id}/retry").status_code == 409
    assert reload(sent)["status"] == "sent"


def test_the_eml_file_the_transport_wrote_is_downloaded_and_none_is_404(web, actors):
    email = make_email(actors.focal_a)
    folder = get_settings().outbox_dir
    folder.mkdir(parents=True, exist_ok=True)
    body = b"Subject: Nhac han\r\n\r\nNoi dung\r\n"
    (folder / f"2025-06-30-{email.id:08d}.eml").write_bytes(body)
    web.login(actors.admin)
    assert f"/admin/deliveries/{email.id}/eml" in web.get(f"/admin/deliveries/{email.id}").text
    response = web.get(f"/admin/deliveries/{email.id}/eml")
    assert response.status_code == 200 and response.content == body
    other = make_email(actors.head_a)
    assert web.get(f"/admin/deliveries/{other.id}/eml").status_code == 404
    assert f"/admin/deliveries/{other.id}/eml" not in web.get(f"/admin/deliveries/{other.id}").text


@pytest.mark.parametrize("hour", ["²", "٩٩", "9.5"])
def test_digits_that_are_not_plain_numbers_are_refused_not_a_server_error(web, actors, hour):
    web.login(actors.focal_a)
    refused = web.post("/profile", {"reminders": "on", "reminder_hour": hour})
    assert refused.status_code == 400 and 'data-error="reminder_hour"' in refused.text


def test_a_page_far_beyond_the_last_is_empty_not_a_server_error(web, actors):
    web.login(actors.admin)
    assert web.get("/admin/deliveries?page=99999999999999999999").status_code in (200, 400)
