"""Passwords people manage: the change on /profile, the forgotten-password email and its single-use link, the
admin's forced reset and invitations; real SMTP (aiosmtpd) and the outbox folder, on the real database."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message

import pytest

from accounts import links
from accounts.mail import send_link
from accounts.rules import HOURLY_LIMIT, reset_allowed
from app import audit
from app.auth import start_session, verify_password
from app.settings import get_settings
from app.tables import AuditEvent, CredentialLink, Session, User
from tests.builders import PASSWORD, count, free_port, run
from tests.workers.inbox import Inbox, use_smtp

NEW = "mat khau moi rat dai"


@pytest.fixture
def inbox():
    """A real SMTP server; the app sends to it for the length of the test."""
    with Inbox() as box:
        use_smtp(box.url)
        try:
            yield box
        finally:
            use_smtp(None)


@pytest.fixture
def smtp_down():
    """An SMTP address where nothing listens."""
    use_smtp(f"smtp://127.0.0.1:{free_port()}")
    yield
    use_smtp(None)


def parts(message: Message) -> dict[str, str]:
    return {p.get_content_type(): p.get_payload(decode=True).decode() for p in message.walk()
            if p.get_content_type() in ("text/plain", "text/html")}


def link_in(message: Message) -> str:
    texts = parts(message)
    [link] = re.findall(r"https?://\S+/password/reset/[\w-]+", texts["text/plain"])
    assert link in texts["text/html"]
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def outbox(pattern: str) -> list:
    return sorted(get_settings().outbox_dir.glob(pattern))


def events(action: str) -> list[dict]:
    return AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id).run_sync()


def password_of(user: User) -> str:
    return User.select(User.password_hash).where(User.id == user.id).first().run_sync()["password_hash"]


def signs_in(client, email: str, password: str) -> bool:
    client.cookies.clear()
    client.get("/login")
    response = client.post("/login", data={"email": email, "password": password},
                           headers={"x-csrftoken": client.cookies["parplan_csrf"]}, follow_redirects=False)
    return response.status_code == 303


# Changing one's password ----------------------------------------------------------------------------

def test_the_current_password_is_required_and_errors_sit_next_to_their_field(web, actors):
    web.login(actors.focal_a)
    before = password_of(actors.focal_a)
    wrong = web.post("/profile/password", {"current": "not it at all", "new": NEW, "confirm": NEW})
    assert wrong.status_code == 400 and 'data-error="current"' in wrong.text
    assert "Mật khẩu hiện tại không đúng" in wrong.text
    short = web.post("/profile/password", {"current": PASSWORD, "new": "ngan", "confirm": "ngan"}, htmx=True)
    assert short.status_code == 400 and 'data-error="new"' in short.text and "<html" not in short.text
    differ = web.post("/profile/password", {"current": PASSWORD, "new": NEW, "confirm": NEW + "x"})
    assert differ.status_code == 400 and 'data-error="confirm"' in differ.text
    assert password_of(actors.focal_a) == before and events(audit.PASSWORD_CHANGED) == []


def test_a_changed_password_signs_out_the_other_sessions_but_not_this_one(web, actors, client):
    other = run(start_session(actors.focal_a, dt.datetime.now(dt.timezone.utc)))
    web.login(actors.focal_a)
    response = web.post("/profile/password", {"current": PASSWORD, "new": NEW, "confirm": NEW}, htmx=True)
    assert response.status_code == 200 and 'data-saved="password"' in response.text
    assert verify_password(password_of(actors.focal_a), NEW)
    assert web.get("/profile").status_code == 200  # this browser stays signed in
    assert count(Session) == 1 and links.digest(other) not in [s["key"] for s in Session.select().run_sync()]
    [event] = events(audit.PASSWORD_CHANGED)
    assert event["actor_email"] == actors.focal_a.email and json.loads(event["detail"])["sessions_ended"] == 1
    assert signs_in(client, actors.focal_a.email, NEW) and not signs_in(client, actors.focal_a.email, PASSWORD)


def test_without_htmx_the_change_lands_on_its_own_page(web, actors):
    web.login(actors.focal_a)
    assert 'id="password"' in web.get("/profile").text  # the profile includes the section
    response = web.post("/profile/password", {"current": PASSWORD, "new": NEW, "confirm": NEW})
    assert response.status_code == 303 and response.headers["location"] == "/profile/password?changed=true"
    assert 'data-saved="password"' in web.get("/profile/password?changed=true").text


# A forgotten password, over real SMTP ---------------------------------------------------------------

def test_forgot_email_link_new_password_then_sign_in(web, actors, client, inbox):
    assert 'href="/password/forgot"' in web.get("/login").text
    response = web.post("/password/forgot", {"email": "  DauMoi.A@example.vn "})
    assert response.status_code == 200 and "data-sent" in response.text
    [message] = inbox.messages
    assert message["To"] == actors.focal_a.email and "Đặt lại mật khẩu" in subject(message)
    assert message["Auto-Submitted"] == "auto-generated" and set(parts(message)) == {"text/plain", "text/html"}
    link = link_in(message)
    page = web.get(link)
    assert page.status_code == 200 and actors.focal_a.email in page.text
    done = web.post(link, {"new": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["location"] == "/login?password=set"
    assert "data-password-set" in web.get("/login?password=set").text
    assert signs_in(client, actors.focal_a.email, NEW) and not signs_in(client, actors.focal_a.email, PASSWORD)
    again = web.get(link)
    assert again.status_code == 400 and "data-link-dead" in again.text and 'href="/password/forgot"' in again.text
    [sent] = events(audit.PASSWORD_RESET_SENT)
    [used] = events(audit.PASSWORD_RESET)
    assert sent["actor_email"] == used["actor_email"] == actors.focal_a.email and sent["actor_id"] is None
    assert json.loads(used["detail"]) == {"link": "reset"}


def test_an_unknown_or_disabled_address_gets_the_same_answer_and_no_email(web, actors, inbox):
    User.update({User.active: False}).where(User.id == actors.focal_b.id).run_sync()
    answers = [web.post("/password/forgot", {"email": email}).text.replace(email, "EMAIL")
               for email in ("khong.co@example.vn", actors.focal_b.email, actors.focal_a.email)]
    assert answers[0] == answers[1] == answers[2]
    assert inbox.recipients() == [actors.focal_a.email] and count(CredentialLink) == 1
    assert [e["actor_email"] for e in events(audit.PASSWORD_RESET_SENT)] == [actors.focal_a.email]


def test_a_second_request_within_the_minute_sends_nothing(web, actors, inbox):
    for _ in range(3):
        assert web.post("/password/forgot", {"email": actors.focal_a.email}).status_code == 200
    assert inbox.recipients() == [actors.focal_a.email] and count(CredentialLink) == 1


def test_the_reset_rate_limit_rule():
    now = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)
    minutes = lambda *ms: [now - dt.timedelta(minutes=m) for m in ms]  # noqa: E731
    assert reset_allowed([], now) and reset_allowed(minutes(1.5), now)
    assert not reset_allowed([now - dt.timedelta(seconds=59)], now)
    assert not reset_allowed(minutes(*range(2, 2 + 10 * HOURLY_LIMIT, 10)), now)  # five in the hour
    assert reset_allowed(minutes(*range(2, 2 + 10 * (HOURLY_LIMIT - 1), 10), 61), now)


# Links: once, for a while, the newest only -------------------------------------------------------------

async def _two_clicks(token: str) -> list:
    first, second = await asyncio.gather(links.use(token, "hash-one", _now()), links.use(token, "hash-two", _now()))
    return [first, second]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def test_two_simultaneous_uses_of_one_link_exactly_one_wins(actors):
    _, token = run(links.issue(actors.focal_a.id, "reset", _now(), None))
    results = run(_two_clicks(token))
    assert sum(r is not None for r in results) == 1
    assert password_of(actors.focal_a) in ("hash-one", "hash-two") and len(events(audit.PASSWORD_RESET)) == 1


def test_an_expired_link_is_refused_and_changes_nothing(web, actors):
    _, token = run(links.issue(actors.focal_a.id, "reset", _now() - dt.timedelta(hours=1, seconds=1), None))
    before = password_of(actors.focal_a)
    assert web.get(f"/password/reset/{token}").status_code == 400
    refused = web.post(f"/password/reset/{token}", {"new": NEW, "confirm": NEW})
    assert refused.status_code == 400 and "data-link-dead" in refused.text
    assert password_of(actors.focal_a) == before and events(audit.PASSWORD_RESET) == []


def test_a_newer_link_replaces_older_ones_and_english_accounts_read_english(actors):
    """Through the outbox folder (no SMTP address set): the default transport."""
    for old in outbox("reset-*.eml"):
        old.unlink()
    User.update({User.language: "en"}).where(User.id == actors.focal_a.id).run_sync()
    user = User.objects().where(User.id == actors.focal_a.id).first().run_sync()
    run(send_link(user, "reset", _now()))
    run(send_link(user, "reset", _now()))
    files = outbox("reset-*.eml")
    assert len(files) == 2
    first, second = (message_from_bytes(f.read_bytes()) for f in files)
    assert "Reset your password" in subject(first) and "Choose a new password" in parts(first)["text/plain"]
    old, new = link_in(first).rsplit("/", 1)[1], link_in(second).rsplit("/", 1)[1]
    assert run(links.find_open(old, _now())) is None and run(links.find_open(new, _now())) is not None


# The admin: forced resets and invitations -------------------------------------------------------------

def test_a_forced_reset_stops_the_password_signs_out_and_emails_a_link(web, actors, client, inbox):
    run(start_session(actors.focal_a, _now()))
    web.login(actors.admin)
    page = web.post(f"/admin/users/{actors.focal_a.id}/reset")
    assert page.status_code == 200 and 'data-notice="row"' in page.text
    assert not Session.exists().where(Session.user == actors.focal_a.id).run_sync()
    [message] = inbox.messages
    assert message["To"] == actors.focal_a.email
    [forced] = events(audit.PASSWORD_RESET_FORCED)
    assert forced["actor_email"] == actors.admin.email and forced["target"] == actors.focal_a.email
    assert not signs_in(client, actors.focal_a.email, PASSWORD)
    link = link_in(message)
    client.cookies.clear()
    client.get("/login")
    response = client.post(link, data={"new": NEW, "confirm": NEW},
                           headers={"x-csrftoken": client.cookies["parplan_csrf"]}, follow_redirects=False)
    assert response.status_code == 303 and signs_in(client, actors.focal_a.email, NEW)


def test_an_invitation_from_creation_to_first_sign_in(web, actors, client, inbox):
    web.login(actors.admin)
    created = web.post("/admin/users", {"email": "Moi@STP.vn", "role": "focal_point", "unit": "STP",
                                        "password": "", "full_name": "Người Mới", "language": "vi"})
    assert created.status_code == 303
    user = User.objects().where(User.email == "moi@stp.vn").first().run_sync()
    page = web.get("/admin/users")
    assert 'data-invited' in page.text and f'action="/admin/users/{user.id}/invite"' in page.text
    resent = web.post(f"/admin/users/{user.id}/invite")
    assert resent.status_code == 200 and 'data-notice="row"' in resent.text
    first, second = inbox.messages
    assert first["To"] == second["To"] == "moi@stp.vn" and "Người Mới" in parts(first)["text/plain"]
    assert web.get(link_in(first)).status_code == 400  # the resend replaced it
    assert not signs_in(client, "moi@stp.vn", "") and not signs_in(client, "moi@stp.vn", NEW)
    client.cookies.clear()
    client.get("/login")
    form = client.get(link_in(second))
    assert form.status_code == 200 and "moi@stp.vn" in form.text
    done = client.post(link_in(second), data={"new": NEW, "confirm": NEW},
                       headers={"x-csrftoken": client.cookies["parplan_csrf"]}, follow_redirects=False)
    assert done.status_code == 303 and signs_in(client, "moi@stp.vn", NEW)
    assert [e["target"] for e in events(audit.USER_INVITED)] == ["moi@stp.vn", "moi@stp.vn"]
    assert [e["actor_email"] for e in events(audit.PASSWORD_RESET)] == ["moi@stp.vn"]
    web.login(actors.admin)
    assert "data-invited" not in web.get("/admin/users").text
    refused = web.post(f"/admin/users/{user.id}/invite")  # accepted: nothing pending any more
    assert refused.status_code == 400 and len(inbox.messages) == 2


def test_with_the_mail_server_down_the_admin_is_told_and_no_link_is_left(web, actors, smtp_down):
    web.login(actors.admin)
    created = web.post("/admin/users", {"email": "moi@stp.vn", "role": "steering", "password": ""})
    assert created.status_code == 503 and "không gửi được" in created.text and "Gửi lại lời mời" in created.text
    assert count(CredentialLink) == 0 and events(audit.USER_INVITED) == []
    before = password_of(actors.focal_a)
    forced = web.post(f"/admin/users/{actors.focal_a.id}/reset")
    assert forced.status_code == 503 and "không gửi được" in forced.text
    assert password_of(actors.focal_a) != before and count(CredentialLink) == 0  # safe, but no link out
    assert len(events(audit.PASSWORD_RESET_FORCED)) == 1 and events(audit.PASSWORD_RESET_SENT) == []


def test_the_command_line_invites_instead_of_printing_a_password(actors):
    from click.testing import CliRunner

    from app.cli import main

    for old in outbox("invite-*.eml"):
        old.unlink()
    result = CliRunner().invoke(main, ["user", "create", "moi@stp.vn", "--role", "steering", "--invite"])
    assert result.exit_code == 0, result.output
    assert "moi@stp.vn" in result.output and "Mật khẩu:" not in result.output
    [eml] = outbox("invite-*.eml")
    assert b"moi@stp.vn" in eml.read_bytes() and len(events(audit.USER_INVITED)) == 1
    both = CliRunner().invoke(main, ["user", "create", "x@stp.vn", "--role", "steering", "--invite",
                                     "--password", "longenough"])
    assert both.exit_code != 0 and count(User) == 7


def test_the_address_echoed_on_the_forgot_page_is_escaped(web):
    response = web.post("/password/forgot", {"email": '<b onmouseover="x()">a</b>@example.vn'})
    assert response.status_code == 200 and "<b onmouseover" not in response.text and "&lt;b" in response.text
