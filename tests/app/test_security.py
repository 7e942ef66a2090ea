"""Security headers, cookies, sign-in lockout, escaping of what people type, and the audit log."""

import datetime as dt
import json

import pytest

from app import audit
from app.lockout import ACCOUNT_LIMIT, ADDRESS_LIMIT, ADDRESS_LOCKOUT, FAILED, OK, Attempt, account_lock
from app.tables import AuditEvent
from plans.tables import Plan
from scoring import actions as scoring_actions
from scoring.examples import stepped
from scoring.rules import parse_rule
from tasks.evidence import delete_evidence
from tasks.tables import Evidence, Task
from tests.builders import NOW, TaskSpec, make_plan, make_user, run

T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc)


def events(action: str | None = None) -> list[dict]:
    query = AuditEvent.select().order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return query.run_sync()


# Headers and cookies ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/login", "/plans", "/no-such-page", "/api/plans", "/static/app.css", "/healthz"])
def test_every_answer_carries_a_csp_without_inline_script_and_the_other_headers(client, url):
    response = client.get(url, follow_redirects=False)
    csp = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'" and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain HTTP: HSTS would mean nothing


def test_pages_are_not_kept_in_caches_but_static_files_may_be(web, actors):
    web.login(actors.focal_a)
    assert web.get("/plans").headers["cache-control"] == "no-store"
    assert web.get("/static/app.css").headers.get("cache-control") != "no-store"


def test_the_pages_hold_no_inline_script_and_htmx_eval_is_off(web, actors):
    web.login(actors.admin)
    page = web.get("/admin/users").text
    assert "<script>" not in page and " onclick=" not in page and "hx-on" not in page
    assert '"allowEval":false' in page and '"includeIndicatorStyles":false' in page


def test_over_https_the_cookies_are_secure_and_hsts_is_sent(actors):
    from litestar.testing import TestClient

    from app.factory import create_app
    from tests.builders import PASSWORD, Web

    with TestClient(app=create_app(), base_url="https://parplan.example.vn") as client:
        web = Web(client)
        response = web.post("/login", {"email": actors.focal_a.email, "password": PASSWORD})
        assert response.status_code == 303
        session = response.headers["set-cookie"].lower()
        assert "parplan_session=" in session and "httponly" in session and "secure" in session
        assert "samesite=lax" in session
        assert web.get("/plans").headers["strict-transport-security"].startswith("max-age=")


def test_over_plain_http_the_session_cookie_is_httponly_samesite_and_not_secure(web, actors):
    cookie = web.login(actors.focal_a).headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


# Sign-in lockout ---------------------------------------------------------------------------------------

def test_the_back_off_rule_counts_recent_refusals_since_the_last_success():
    # More cases, known devices and the back-off's growth: tests/app/test_lockout.py.
    minute = dt.timedelta(minutes=1)
    refusals = [Attempt(T0 + i * minute, FAILED) for i in range(ACCOUNT_LIMIT)]
    soon = refusals[-1].at + minute / 2
    assert account_lock(refusals[:-1], soon, False) is None
    assert account_lock(refusals, soon, False).until == refusals[-1].at + minute
    # It opens again a minute after the fifth refusal.
    assert account_lock(refusals, refusals[-1].at + minute, False) is None
    # A success in between starts the count again.
    mixed = refusals[:3] + [Attempt(T0 + 3 * minute, OK)] + refusals[3:]
    assert account_lock(mixed, soon, False) is None
    # Refusals older than the window do not count.
    old = [Attempt(T0 - dt.timedelta(days=2), FAILED)] * (ACCOUNT_LIMIT - 1) + refusals[-1:]
    assert account_lock(old, soon, False) is None


def test_after_five_refusals_a_new_device_is_slowed_even_with_the_right_password(web, actors):
    for _ in range(ACCOUNT_LIMIT - 1):
        response = web.post("/login", {"email": actors.focal_a.email, "password": "sai mật khẩu"})
        assert response.status_code == 400 and "Sai email hoặc mật khẩu" in response.text
    fifth = web.post("/login", {"email": actors.focal_a.email, "password": "sai mật khẩu"})
    assert fifth.status_code == 429 and "tạm dừng đến" in fifth.text
    right = web.post("/login", {"email": actors.focal_a.email, "password": "correct horse battery"})
    assert right.status_code == 429 and "tạm dừng đến" in right.text
    assert 0 < int(right.headers["retry-after"]) <= 60  # the first step of the back-off, not 15 minutes
    assert "parplan_session" not in web.client.cookies
    assert len(events(audit.LOGIN_FAILED)) == ACCOUNT_LIMIT and len(events(audit.LOGIN_LOCKED)) == 1
    assert events(audit.LOGIN) == []
    # Other accounts sign in as usual.
    assert web.login(actors.focal_b).status_code == 303


def test_one_address_trying_many_accounts_is_stopped_for_new_devices(web, actors):
    for i in range(ADDRESS_LIMIT):
        assert web.post("/login", {"email": f"doan{i}@example.vn", "password": "x"}).status_code in (400, 429)
    response = web.post("/login", {"email": actors.admin.email, "password": "correct horse battery"})
    assert response.status_code == 429 and "từ mạng này" in response.text
    assert 0 < int(response.headers["retry-after"]) <= ADDRESS_LOCKOUT.total_seconds()


def test_sign_ins_sign_outs_and_refusals_are_in_the_audit_log_with_the_address(web, actors):
    web.post("/login", {"email": "Khong.Co@Example.vn", "password": "x"})
    web.login(actors.focal_a)
    web.post("/logout", {})
    rows = events()
    assert [(r["action"], r["actor_email"]) for r in rows] == [
        ("login_failed", "khong.co@example.vn"), ("login", actors.focal_a.email), ("logout", actors.focal_a.email)]
    assert rows[1]["actor_id"] == actors.focal_a.id and all(r["ip"] == "testclient" for r in rows)


# Escaping ------------------------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_a_task_titled_like_a_script_shows_as_text_everywhere(web, actors):
    plan = make_plan(actors.unit_a, 2024, {HOSTILE: [TaskSpec(HOSTILE, dt.date(2024, 6, 30))]})
    task = Task.objects().first().run_sync()
    pages = [f"/plans/{plan.id}", f"/tasks/{task.id}", "/my/tasks"]
    pages_secretariat = ["/board?year=2024", f"/board/units/{actors.unit_a.id}/tasks?year=2024&state=all"]
    for who, urls in ((actors.focal_a, pages), (actors.secretariat, pages_secretariat)):
        web.login(who)
        for url in urls:
            response = web.get(url)
            assert response.status_code == 200, url
            assert "<script>alert" not in response.text and "<img src=x" not in response.text, url
            if url != "/board?year=2024":  # the board counts tasks; it does not name them
                assert "&lt;script&gt;alert(" in response.text, url


def test_an_account_name_like_a_script_shows_as_text_on_the_admin_pages(web, actors):
    make_user("la@example.vn", "steering", name=HOSTILE)
    web.login(actors.admin)
    page = web.get("/admin/users").text
    assert HOSTILE not in page and "&lt;script&gt;alert(" in page


# The audit log --------------------------------------------------------------------------------------------

def test_a_role_change_is_recorded_with_before_and_after(web, actors):
    web.login(actors.admin)
    response = web.post(f"/admin/users/{actors.focal_b.id}", {"role": "unit_head", "unit": "SCT", "active": "on"})
    assert response.status_code == 303
    [row] = events(audit.USER_CHANGED)
    assert (row["actor_email"], row["target"]) == (actors.admin.email, actors.focal_b.email)
    assert json.loads(row["detail"]) == {"role": ["focal_point", "unit_head"]}
    # Saving without a change records nothing.
    web.post(f"/admin/users/{actors.focal_b.id}", {"role": "unit_head", "unit": "SCT", "active": "on"})
    assert len(events(audit.USER_CHANGED)) == 1


def test_scoring_rule_changes_evidence_deletions_and_the_evidence_rule_are_recorded(web, actors):
    body = json.loads(json.dumps(stepped(2024)))
    rule = run(scoring_actions.create_rule(2024, "", body, actors.secretariat, NOW, "bản đầu"))
    run(scoring_actions.save_rule(rule.id, parse_rule(body), 1, actors.secretariat, NOW, "sửa mốc"))
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc", dt.date(2024, 6, 30))]})
    task = Task.objects().first().run_sync()
    Evidence.insert(Evidence(task=task.id, sha256="a" * 64, size=3, original_name="bao-cao.pdf",
                             content_type="application/pdf", uploaded_by=actors.focal_a.id, uploaded_at=NOW)).run_sync()
    assert run(delete_evidence(Evidence.objects().first().run_sync(), actors.focal_a, NOW))
    web.login(actors.secretariat)
    plan = Plan.objects().first().run_sync()
    web.post(f"/plans/{plan.id}/settings", {"evidence_required": "on" if not plan.evidence_required else ""})
    actions = [(r["action"], r["actor_email"]) for r in events()]
    assert actions[:3] == [("scoring_rule_created", actors.secretariat.email),
                           ("scoring_rule_saved", actors.secretariat.email),
                           ("evidence_deleted", actors.focal_a.email)]
    assert ("plan_evidence_rule", actors.secretariat.email) in actions
    assert json.loads(events(audit.SCORING_RULE_SAVED)[0]["detail"]) == {"version": 2, "note": "sửa mốc"}


def test_the_admin_reads_the_audit_log_and_it_can_be_filtered(web, actors):
    web.post("/login", {"email": actors.focal_a.email, "password": "x"})
    web.login(actors.admin)
    page = web.get("/admin/audit")
    assert page.status_code == 200 and "Đăng nhập bị từ chối" in page.text and actors.focal_a.email in page.text
    assert ">Từ<" in page.text and ">Đến<" in page.text  # the date filter, not the email's "Gửi tới"
    only_logins = web.get("/admin/audit?action=login").text
    assert 'data-action="login"' in only_logins and 'data-action="login_failed"' not in only_logins
    assert web.get("/admin/audit?day_from=31/02/2026").status_code == 400
    for who in (actors.secretariat, actors.steering, actors.focal_a):
        web.login(who)
        assert web.get("/admin/audit").status_code == 403


def test_the_audit_log_has_no_way_to_change_it_and_the_database_refuses_edits(web, actors):
    web.login(actors.admin)
    for method in ("post", "put", "patch", "delete"):
        response = web.client.request(method.upper(), "/admin/audit", headers={"x-csrftoken": web.token()})
        assert response.status_code == 405, method
    assert len(events()) == 1  # the admin's sign-in
    with pytest.raises(Exception, match="append-only"):
        AuditEvent.update({AuditEvent.action: "nothing"}, force=True).run_sync()
    with pytest.raises(Exception, match="append-only"):
        AuditEvent.delete(force=True).run_sync()
    assert [r["action"] for r in events()] == ["login"]


def test_a_refused_form_is_explained_in_the_persons_own_language(web, actors):
    english = make_user("en@example.vn", "steering", language="en")
    web.login(english)
    response = web.client.post("/language", data={"language": "en"})  # no CSRF token
    assert response.status_code == 403
    assert "Your form expired or came from another site" in response.text and 'lang="en"' in response.text


@pytest.mark.parametrize("url", ["/tasks/99999999999", "/plans/99999999999", "/plans/99999999999999999999999",
                                 "/evidence/99999999999/download", "/plans?year=99999999999"])
def test_an_id_beyond_the_databases_integers_is_refused_not_a_server_error(web, actors, url):
    web.login(actors.focal_a)
    # No such object (404), or refused as a value the database cannot hold (400); a list may just be empty.
    assert web.get(url).status_code in ((200, 400) if "year=" in url else (400, 404))
    assert web.get("/plans").status_code == 200


def test_a_nul_character_in_a_form_is_refused_with_a_message_and_changes_nothing(web, actors):
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc", dt.date(2024, 6, 30))]})
    task = Task.objects().first().run_sync()
    web.login(actors.focal_a)
    response = web.post(f"/tasks/{task.id}/progress", {"version": str(task.version), "status": "in_progress",
                                                        "progress": "50", "note": "a\x00b"}, htmx=True)
    assert response.status_code == 400 and 'data-error="note"' in response.text
    assert Task.objects().first().run_sync().version == task.version
    web.login(actors.admin)
    named = web.post("/admin/users", {"email": "x@example.vn", "role": "steering", "password": "12345678",
                                        "full_name": "A\x00B"})
    assert named.status_code in (303, 400)  # SQLite stores it; PostgreSQL refuses it: never a server error


def test_a_burst_of_simultaneous_guesses_gets_no_more_tries_than_the_limit(actors):
    import asyncio

    import httpx

    from app.factory import create_app

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            await client.get("/login")
            token = client.cookies["parplan_csrf"]
            form = {"email": actors.focal_a.email, "password": "đoán mò", "_csrf_token": token}
            answers = await asyncio.gather(*(client.post("/login", data=form) for _ in range(12)))
            return [a.status_code for a in answers]

    codes = run(burst())
    # Each guess claimed its turn before its password was checked, so the burst saw each other's claims.
    assert len(events(audit.LOGIN_FAILED)) == ACCOUNT_LIMIT
    assert set(codes) <= {400, 429} and codes.count(429) >= 12 - ACCOUNT_LIMIT
    assert len(events(audit.LOGIN_LOCKED)) == 1  # once per lock, however often it is tried


def test_reminder_settings_and_calendar_changes_are_recorded_with_readable_labels(web, actors):
    web.login(actors.secretariat)
    form = {"enabled": "on", "before_days": "5, 2, 0", "repeat_every": "2", "head_after": "4",
            "secretariat_after": "8", "sweep_at": "8:15", "version": "0"}
    assert web.post("/reminders/settings", form).status_code == 303
    assert web.post("/reminders/settings", {**form, "version": "1", "head_after": "6"}).status_code == 303
    assert web.post("/reminders/settings", {**form, "version": "1"}).status_code == 409  # stale: not recorded
    assert [json.loads(r["detail"])["version"] for r in events(audit.REMINDER_POLICY)] == [1, 2]
    assert web.post("/reminders/calendar", {"day": "2031-09-06", "kind": "workday"}).status_code == 303
    [added] = events(audit.CALENDAR_DAY)
    assert (added["target"], json.loads(added["detail"])) == ("2031-09-06", {"added": "workday"})
    web.login(actors.admin)
    page = web.get("/admin/audit?action=calendar_day&day_from=%20").text
    assert "Ngày làm bù" in page and "workday" not in page.split("<table", 1)[1]
    assert "Báo lãnh đạo đơn vị sau" in web.get("/admin/audit?action=reminder_policy").text
