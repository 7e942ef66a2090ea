"""API tokens people can manage: expiry, last use, revocation from the command line, the profile page and the
administrator's page; deactivation revokes them for good; every act is in the audit log."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re

from click.testing import CliRunner

from app import clock
from app.accounts import update_user
from app.cli import main
from app.tables import ApiToken, AuditEvent, User
from app.tokens import LAST_USED_EVERY, TokenError, create_token, lifetime, needs_stamp, token_state
from tests.builders import make_user, run

MIGRATION = importlib.import_module("app.piccolo_migrations.core_2026_12_03t10_00_00_000000")


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def tokens_of(user) -> list[ApiToken]:
    return ApiToken.objects().where(ApiToken.user == user.id).order_by(ApiToken.id).run_sync()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_rows(action: str) -> list[dict]:
    rows = AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id).run_sync()
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]


def fragment(response) -> str:
    return response.text[response.text.index('id="api-tokens"'):]


# Pure rules -----------------------------------------------------------------------------------------

def test_the_state_of_a_token_at_a_moment():
    now = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)
    later, earlier = now + dt.timedelta(seconds=1), now - dt.timedelta(seconds=1)
    assert token_state(None, later, now) == "active"
    assert token_state(None, now, now) == "expired"  # at the very moment of expiry it no longer works
    assert token_state(earlier, later, now) == "revoked"
    assert token_state(earlier, earlier, now) == "revoked"  # someone acted: that is what matters


def test_the_last_use_is_stamped_at_most_once_a_minute():
    now = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)
    assert needs_stamp(None, now)
    assert not needs_stamp(now - LAST_USED_EVERY + dt.timedelta(seconds=1), now)
    assert needs_stamp(now - LAST_USED_EVERY, now)


def test_a_lifetime_is_one_day_to_a_year_and_a_day():
    assert lifetime(1) == dt.timedelta(days=1) and lifetime(366) == dt.timedelta(days=366)
    for days in (0, -1, 367):
        try:
            lifetime(days)
        except TokenError as exc:
            assert "366" in str(exc)
        else:
            raise AssertionError(f"{days} days accepted")


# The command line -----------------------------------------------------------------------------------

def test_create_prints_the_token_last_and_it_expires_in_the_days_asked(actors):
    before = clock.now()
    result = invoke("token", "create", actors.focal_a.email, "--name", "báo cáo", "--days", "7")
    assert result.exit_code == 0, result.output
    assert "7 ngày" in result.output and result.output.split()[-1].startswith("pp_")
    assert result.stdout.strip() == result.output.split()[-1]  # alone on stdout: TOKEN=$(parplan token create …)
    [stored] = tokens_of(actors.focal_a)
    assert before + dt.timedelta(days=7) <= stored.expires_at <= clock.now() + dt.timedelta(days=7)
    default = invoke("token", "create", actors.focal_a.email)
    assert default.exit_code == 0 and tokens_of(actors.focal_a)[-1].expires_at - before >= dt.timedelta(days=90)
    refused = invoke("token", "create", actors.focal_a.email, "--days", "400")
    assert refused.exit_code == 2 and len(tokens_of(actors.focal_a)) == 2


def test_list_shows_each_token_with_dates_and_state(actors, client):
    used = run(create_token(actors.focal_a, "dùng", clock.now()))
    for name in ("bị thu hồi", "cũ"):
        run(create_token(actors.focal_a, name, clock.now()))
    first, revoked, expired = tokens_of(actors.focal_a)
    ApiToken.update({ApiToken.expires_at: clock.now() - dt.timedelta(days=1)}).where(
        ApiToken.id == expired.id).run_sync()
    assert client.get("/api/plans?year=2024", headers=bearer(used)).status_code == 200
    assert invoke("token", "revoke", str(revoked.id)).exit_code == 0
    result = invoke("token", "list", actors.focal_a.email)
    assert result.exit_code == 0, result.output
    lines = {int(line.split()[0]): line for line in result.output.splitlines()[1:]}
    today = clock.now().astimezone(clock.TZ).strftime("%d/%m/%Y")
    assert "còn hiệu lực" in lines[first.id] and lines[first.id].count(today) == 2  # created and last used
    assert "đã thu hồi" in lines[revoked.id] and "—" in lines[revoked.id]  # never used
    assert "hết hạn" in lines[expired.id] and lines[expired.id].rstrip().endswith("cũ")


def test_revoke_by_the_token_itself_by_its_id_and_all_of_an_account(actors):
    first, second, third = (run(create_token(actors.focal_a, n, clock.now())) for n in ("a", "b", "c"))
    other = run(create_token(actors.focal_b, "b", clock.now()))
    by_token = invoke("token", "revoke", first)
    assert by_token.exit_code == 0 and "Đã thu hồi" in by_token.output
    again = invoke("token", "revoke", first)
    assert again.exit_code == 0 and "trước đó" in again.output
    by_id = invoke("token", "revoke", str(tokens_of(actors.focal_a)[1].id))
    assert by_id.exit_code == 0
    assert [t.revoked_at is not None for t in tokens_of(actors.focal_a)] == [True, True, False]
    every = invoke("token", "revoke", "--all", actors.focal_a.email)
    assert every.exit_code == 0 and "Đã thu hồi 1 mã" in every.output
    assert all(t.revoked_at for t in tokens_of(actors.focal_a)) and not tokens_of(actors.focal_b)[0].revoked_at
    assert invoke("token", "revoke", "pp_not-a-token").exit_code == 1
    assert invoke("token", "revoke").exit_code == 2  # neither a token nor --all
    assert second and third and other
    assert len(audit_rows("token_revoked")) == 2 and audit_rows("tokens_revoked")[0]["detail"]["tokens"] == 1


# The API --------------------------------------------------------------------------------------------

def test_an_expired_token_gets_401_saying_it_expired(client, actors):
    token = run(create_token(actors.focal_a, "cũ", clock.now() - dt.timedelta(days=2), days=1))
    response = client.get("/api/plans?year=2024", headers=bearer(token))
    assert response.status_code == 401 and "hết hạn" in response.json()["detail"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert tokens_of(actors.focal_a)[0].last_used_at is None


def test_a_revoked_token_gets_401_saying_it_was_revoked(client, actors):
    token = run(create_token(actors.focal_a, "x", clock.now()))
    assert client.get("/api/plans?year=2024", headers=bearer(token)).status_code == 200
    invoke("token", "revoke", token)
    response = client.get("/api/plans?year=2024", headers=bearer(token))
    assert response.status_code == 401 and "thu hồi" in response.json()["detail"]
    unknown = client.get("/api/plans?year=2024", headers=bearer("pp_unknown"))
    assert unknown.status_code == 401 and "thu hồi" not in unknown.json()["detail"]


def test_the_last_use_is_written_once_within_a_minute(client, actors):
    token = run(create_token(actors.focal_a, "x", clock.now()))
    assert client.get("/api/plans?year=2024", headers=bearer(token)).status_code == 200
    first = tokens_of(actors.focal_a)[0].last_used_at
    assert first is not None and clock.now() - first < dt.timedelta(minutes=1)
    assert client.get("/api/plans?year=2024", headers=bearer(token)).status_code == 200
    assert tokens_of(actors.focal_a)[0].last_used_at == first
    # A minute later (moved back rather than waiting), the next call stamps it again.
    ApiToken.update({ApiToken.last_used_at: first - LAST_USED_EVERY}, force=True).run_sync()
    assert client.get("/api/plans?year=2024", headers=bearer(token)).status_code == 200
    assert tokens_of(actors.focal_a)[0].last_used_at > first


def test_deactivating_then_reactivating_an_account_leaves_its_old_tokens_dead(client, actors):
    token = run(create_token(actors.focal_a, "x", clock.now()))
    old = run(create_token(actors.focal_a, "đã thu hồi", clock.now()))
    invoke("token", "revoke", old)
    run(update_user(actors.focal_a, "focal_point", "STP", False, actors.admin))
    run(update_user(actors.focal_a, "focal_point", "STP", True, actors.admin))
    assert all(t.revoked_at for t in tokens_of(actors.focal_a))
    response = client.get("/api/plans?year=2024", headers=bearer(token))
    assert response.status_code == 401 and "thu hồi" in response.json()["detail"]
    [row] = audit_rows("tokens_revoked")
    assert (row["actor_email"], row["target"]) == (actors.admin.email, actors.focal_a.email)
    assert row["detail"] == {"tokens": 1, "reason": "deactivated"}  # the one still live, not the old one


# The profile page -----------------------------------------------------------------------------------

def test_the_profile_loads_the_persons_own_tokens(web, actors):
    run(create_token(actors.focal_a, "của tôi", clock.now()))
    run(create_token(actors.focal_b, "của người khác", clock.now()))
    web.login(actors.focal_a)
    profile = web.get("/profile")
    assert 'hx-get="/profile/tokens"' in profile.text and 'href="/profile/tokens"' in profile.text
    part = web.get("/profile/tokens", headers={"hx-request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert "của tôi" in part.text and "của người khác" not in part.text
    page = web.get("/profile/tokens")
    assert "<html" in page.text and "của tôi" in page.text


def test_a_token_made_on_the_profile_is_shown_once_and_works(web, actors, client):
    web.login(actors.focal_a)
    made = web.post("/profile/tokens", {"name": "báo cáo tuần", "days": "30"}, htmx=True)
    assert made.status_code == 200 and "chỉ hiển thị một lần" in made.text
    token = re.search(r"<code>(pp_[^<]+)</code>", made.text).group(1)
    [stored] = tokens_of(actors.focal_a)
    assert stored.name == "báo cáo tuần" and token not in web.get("/profile/tokens").text
    assert dt.timedelta(days=29) < stored.expires_at - clock.now() <= dt.timedelta(days=30)
    assert client.get("/api/plans?year=2024", headers=bearer(token)).status_code == 200
    [row] = audit_rows("token_created")
    assert (row["actor_email"], row["target"], row["detail"]["name"]) == (actors.focal_a.email,) * 2 + ("báo cáo tuần",)
    refused = web.post("/profile/tokens", {"name": "x", "days": "0"}, htmx=True)
    assert refused.status_code == 400 and 'data-error="token"' in refused.text and len(tokens_of(actors.focal_a)) == 1


def test_the_profile_revokes_one_token_then_all(web, actors):
    for name in ("một", "hai", "ba"):
        run(create_token(actors.focal_a, name, clock.now()))
    first, second, third = tokens_of(actors.focal_a)
    web.login(actors.focal_a)
    one = web.post(f"/tokens/{first.id}/revoke", {"view": "own"}, htmx=True)
    assert one.status_code == 200 and f'data-token="{first.id}" data-state="revoked"' in fragment(one)
    plain = web.post(f"/tokens/{second.id}/revoke", {"view": "own"})
    assert plain.status_code == 303 and plain.headers["location"] == "/profile/tokens"
    every = web.post("/profile/tokens/revoke-all", {}, htmx=True)
    assert every.status_code == 200 and 'data-state="active"' not in every.text
    assert all(t.revoked_at for t in tokens_of(actors.focal_a)) and third
    assert [r["detail"]["token"] for r in audit_rows("token_revoked")] == [first.id, second.id]
    assert audit_rows("tokens_revoked")[0]["detail"] == {"tokens": 1}


def test_nobody_but_its_owner_and_the_admin_revokes_a_token(web, actors):
    run(create_token(actors.focal_a, "x", clock.now()))
    [token] = tokens_of(actors.focal_a)
    for who in (actors.focal_b, actors.head_a, actors.secretariat):
        web.login(who)
        assert web.post(f"/tokens/{token.id}/revoke", {"view": "admin"}).status_code == 403
        web.post("/profile/tokens/revoke-all", {})  # their own: none of focal_a's
    assert tokens_of(actors.focal_a)[0].revoked_at is None and not audit_rows("token_revoked")
    web.login(actors.admin)
    done = web.post(f"/tokens/{token.id}/revoke", {"view": "own"}, htmx=True)
    assert done.status_code == 200 and "Mã truy cập API của daumoi.a@example.vn" in done.text  # the admin's view
    assert tokens_of(actors.focal_a)[0].revoked_at is not None


# The administrator's page ---------------------------------------------------------------------------

def test_the_admin_sees_and_revokes_every_token_of_an_account(web, actors):
    for name in ("kịch bản 1", "kịch bản 2"):
        run(create_token(actors.focal_a, name, clock.now()))
    web.login(actors.admin)
    assert f'href="/admin/users/{actors.focal_a.id}/tokens"' in web.get("/admin/users").text
    page = web.get(f"/admin/users/{actors.focal_a.id}/tokens")
    assert page.status_code == 200 and "kịch bản 1" in page.text and "kịch bản 2" in page.text
    assert 'action="/profile/tokens"' not in page.text  # the admin revokes; the owner creates
    done = web.post(f"/admin/users/{actors.focal_a.id}/tokens/revoke-all", {})
    assert done.status_code == 303 and done.headers["location"] == f"/admin/users/{actors.focal_a.id}/tokens"
    assert all(t.revoked_at for t in tokens_of(actors.focal_a))
    [row] = audit_rows("tokens_revoked")
    assert (row["actor_email"], row["target"], row["detail"]) == (actors.admin.email, actors.focal_a.email,
                                                                   {"tokens": 2})
    audit_page = web.get("/admin/audit").text
    assert "Thu hồi toàn bộ mã truy cập API của tài khoản" in audit_page and "Số mã đã thu hồi" in audit_page
    web.login(actors.focal_a)
    assert web.get(f"/admin/users/{actors.focal_a.id}/tokens").status_code == 403


# The migration --------------------------------------------------------------------------------------

def test_the_migration_gives_old_tokens_an_expiry_and_revokes_those_of_inactive_accounts(actors):
    now = clock.now()
    gone = make_user("nghi.viec@example.vn", "focal_point", actors.unit_a)
    User.update({User.active: False}).where(User.id == gone.id).run_sync()
    rows = {"fresh": (actors.focal_a, now - dt.timedelta(days=10)),
            "old": (actors.focal_a, now - dt.timedelta(days=200)), "inactive": (gone, now - dt.timedelta(days=10))}
    for name, (user, created) in rows.items():
        ApiToken.insert(ApiToken(key=name * 8, user=user.id, name=name, created_at=created, expires_at=None)).run_sync()
    run(MIGRATION.backfill(now))
    got = {t.name: t for t in ApiToken.objects().run_sync()}
    assert abs(got["fresh"].expires_at - (now + dt.timedelta(days=80))) < dt.timedelta(seconds=1)
    assert abs(got["old"].expires_at - (now + dt.timedelta(days=30))) < dt.timedelta(seconds=1)
    assert got["inactive"].revoked_at is not None and got["fresh"].revoked_at is None
    assert [token_state(t.revoked_at, t.expires_at, now) for t in got.values()].count("active") == 2
