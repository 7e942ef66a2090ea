"""What an account under attack needs beyond the ordinary flows: links sent at once that keep working, a forced
reset that cuts off an intruder completely, no password guessing through a stolen session, links that die with
the account, and an unlock from the command line for when no administrator can sign in."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from accounts import links
from app import audit, lockout
from app.accounts import update_user
from app.cli import main
from app.tables import ApiToken, AuditEvent, KnownDevice, User
from app.tokens import create_token
from tests.builders import PASSWORD, count, run
from tests.workers.inbox import Inbox, use_smtp

NEW = "mat khau moi rat dai"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def events(action: str) -> list[dict]:
    return AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id).run_sync()


def test_of_two_links_sent_at_the_same_moment_the_newer_keeps_working(actors):
    # A double click: both links are issued before either sending finishes, then each closes the others.
    first_id, first = run(links.issue(actors.focal_a.id, "reset", _now(), None))
    second_id, second = run(links.issue(actors.focal_a.id, "reset", _now(), None))
    run(links.supersede(actors.focal_a.id, _now(), keep=second_id))
    run(links.supersede(actors.focal_a.id, _now(), keep=first_id))
    assert run(links.find_open(second, _now())) is not None
    assert run(links.find_open(first, _now())) is None


def test_a_forced_reset_also_revokes_api_tokens_and_forgets_remembered_browsers(web, actors):
    run(create_token(actors.focal_a, "intruder's script", _now()))
    run(lockout.remember_device(actors.focal_a, None, _now()))
    with Inbox() as box:
        use_smtp(box.url)
        try:
            web.login(actors.admin)
            assert web.post(f"/admin/users/{actors.focal_a.id}/reset").status_code == 200
        finally:
            use_smtp(None)
        assert len(box.messages) == 1
    assert ApiToken.count().where((ApiToken.user == actors.focal_a.id) & ApiToken.revoked_at.is_null()).run_sync() == 0
    assert KnownDevice.count().where(KnownDevice.user == actors.focal_a.id).run_sync() == 0
    assert [e["target"] for e in events(audit.TOKENS_REVOKED)] == [actors.focal_a.email]


def test_wrong_current_passwords_on_the_profile_are_slowed_like_refused_sign_ins(web, actors):
    web.login(actors.focal_a)
    for _ in range(lockout.KNOWN_DEVICE_LIMIT):
        wrong = web.post("/profile/password", {"current": "doan thu mat khau", "new": NEW, "confirm": NEW})
        assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in wrong.text
    held = web.post("/profile/password", {"current": PASSWORD, "new": NEW, "confirm": NEW})
    assert held.status_code == 400 and "Nhập sai mật khẩu quá nhiều lần" in held.text
    assert len(events(audit.LOGIN_FAILED)) == lockout.KNOWN_DEVICE_LIMIT
    assert events(audit.PASSWORD_CHANGED) == []


def test_a_reset_link_dies_with_its_account_and_stays_dead_after_reactivation(actors):
    _, token = run(links.issue(actors.focal_a.id, "reset", _now(), None))
    user = User.objects().where(User.id == actors.focal_a.id).first().run_sync()
    run(update_user(user, "focal_point", "STP", False, actors.admin))
    run(update_user(user, "focal_point", "STP", True, actors.admin))
    assert run(links.find_open(token, _now())) is None
    assert run(links.use(token, "hash", _now())) is None


def test_an_unknown_link_is_refused_before_any_password_work(web):
    web.get("/login")
    response = web.post("/password/reset/khong-ton-tai", {"new": NEW, "confirm": NEW})
    assert response.status_code == 400 and "data-link-dead" in response.text


def test_the_command_line_unlocks_an_account_no_administrator_can_reach(actors):
    email, now = actors.admin.email, _now()
    for _ in range(lockout.ACCOUNT_LIMIT):
        run(audit.record(audit.LOGIN_FAILED, None, now, email=email))
    assert run(lockout.sign_in_lock(email, "", False, _now())) is not None
    result = CliRunner().invoke(main, ["user", "unlock", email.upper()])
    assert result.exit_code == 0, result.output
    assert email in result.output
    assert run(lockout.sign_in_lock(email, "", False, _now())) is None
    [unlocked] = events(audit.LOGIN_UNLOCKED)
    assert unlocked["target"] == email and unlocked["actor_id"] is None
    assert CliRunner().invoke(main, ["user", "unlock", "nobody@example.vn"]).exit_code != 0
    assert count(AuditEvent) == lockout.ACCOUNT_LIMIT + 1
