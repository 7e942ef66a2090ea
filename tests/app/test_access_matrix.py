"""Who gets what, for every route the app serves: the access matrix, and CSRF on every page that changes state.

Both are generated from the app's own route table, so a new route without an access rule fails here
("new route without an access rule: POST /x/{id}") and a rule whose route is gone fails too.

Each route is one test: every role asks for it in turn, path parameters filled with real objects of unit A
(tests.builders.build_world). A request the guard let through may have changed something, so every table
is put back as it was before the next role asks; a request refused must have changed nothing at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from litestar.routes import HTTPRoute

from app.auth import COOKIE
from app.factory import create_app
from app.settings import get_settings
from app.tables import ApiToken
from plans.parsed import ParsedField, ParsedPlan, ParsedTask
from plans.spreadsheet_write import write_plan
from plans.tables import Plan
from tasks.tables import Task
from tests.builders import PDF, build_world, restore_tables, table_snapshot
from tests.units.lists import kept_list

# Once, on SQLite: the guards do not depend on the database kind; the PostgreSQL pass would take 2–3 min more.
pytestmark = pytest.mark.only_db("sqlite")

ROLES = ("admin", "secretariat", "steering", "head_a", "focal_a", "focal_b", "anon")
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def allow(*roles: str) -> dict[str, str]:
    """The roles let in get "ok"; anonymous visitors are sent to sign in; everyone else is refused (403)."""
    return {r: "ok" if r in roles else "login" if r == "anon" else "denied" for r in ROLES}


ANYONE = {r: "ok" for r in ROLES}
SIGNED_IN = allow(*ROLES[:-1])  # issued plans are public documents (access.can_read_unit); drafts: below
ADMIN_ONLY = allow("admin")
BOARD_READERS = allow("admin", "secretariat", "steering")
SECRETARIAT_OR_ADMIN = allow("admin", "secretariat")  # scoring, reminder policy, a plan's evidence rule
SECRETARIAT_ONLY = allow("secretariat")  # evidence review (Sở Nội vụ)
UNIT_PEOPLE = allow("head_a", "focal_a", "focal_b")  # any unit's focal point or head: new plan, import
UNIT_A_WRITERS = allow("head_a", "focal_a")
UNIT_A_AND_BOARD = allow("admin", "secretariat", "steering", "head_a", "focal_a")  # a unit's own score

RULES: dict[str, dict[str, str]] = {
    "GET /": ANYONE,  # a redirect to /plans, which asks for the sign-in
    "GET /healthz": ANYONE,
    "GET /login": ANYONE,
    "POST /login": ANYONE,
    "POST /logout": ANYONE,
    "POST /language": ANYONE,
    "GET /admin/users": ADMIN_ONLY,
    "POST /admin/users": ADMIN_ONLY,
    "POST /admin/users/{user_id}": ADMIN_ONLY,
    "POST /admin/users/{user_id}/unlock": ADMIN_ONLY,  # clears refused sign-ins (app/lockout.py)
    # Passwords (accounts/password_routes.py): one's own on the profile; links for anyone; the admin's acts.
    "GET /profile/password": SIGNED_IN,
    "POST /profile/password": SIGNED_IN,
    "GET /password/forgot": ANYONE,
    "POST /password/forgot": ANYONE,  # the same answer for every address
    "GET /password/reset/{token}": ANYONE,  # the link is the key: an unknown one gets the "no longer works" page
    "POST /password/reset/{token}": ANYONE,
    "POST /admin/users/{user_id}/reset": ADMIN_ONLY,
    "POST /admin/users/{user_id}/invite": ADMIN_ONLY,
    "GET /admin/audit": ADMIN_ONLY,  # access.can_read_audit: the security record
    # API tokens (accounts/token_routes.py): one's own on the profile; any account's for the admin.
    "GET /profile/tokens": SIGNED_IN,
    "POST /profile/tokens": SIGNED_IN,
    "POST /profile/tokens/revoke-all": SIGNED_IN,
    "POST /tokens/{token_id}/revoke": allow("admin", "focal_a"),  # focal_a's token: its owner and the admin
    "GET /admin/users/{user_id}/tokens": ADMIN_ONLY,
    "POST /admin/users/{user_id}/tokens/revoke-all": ADMIN_ONLY,
    "GET /plans": SIGNED_IN,
    "POST /plans": UNIT_A_WRITERS,
    "GET /plans/new": UNIT_PEOPLE,
    "GET /plans/{plan_id}": SIGNED_IN,
    "POST /plans/{plan_id}/issue": UNIT_A_WRITERS,
    "POST /plans/{plan_id}/settings": SECRETARIAT_OR_ADMIN,
    "POST /plans/{plan_id}/fields": UNIT_A_WRITERS,
    "POST /fields/{field_id}/tasks": UNIT_A_WRITERS,
    "GET /plans/{plan_id}/export.xlsx": SIGNED_IN,
    "GET /plans/import": UNIT_PEOPLE,
    "POST /plans/import": UNIT_A_WRITERS,
    "POST /plans/import/confirm": UNIT_A_WRITERS,
    "GET /tasks/{task_id}": SIGNED_IN,
    "POST /tasks/{task_id}": allow("admin", "secretariat", "head_a", "focal_a"),  # the secretariat: wording only
    "GET /tasks/{task_id}/history": SIGNED_IN,
    "POST /tasks/{task_id}/evidence": UNIT_A_WRITERS,
    "GET /evidence/{evidence_id}/download": SIGNED_IN,
    "POST /evidence/{evidence_id}/delete": UNIT_A_WRITERS,
    "POST /evidence/{evidence_id}/review": SECRETARIAT_ONLY,
    "GET /tasks/{task_id}/row": SIGNED_IN,
    "GET /tasks/{task_id}/edit-row": UNIT_A_WRITERS,
    "POST /tasks/{task_id}/progress": UNIT_A_WRITERS,
    "GET /my/tasks": SIGNED_IN,  # people without a unit are sent on to /plans
    "GET /board": BOARD_READERS,
    "GET /board/units/{unit_id}/tasks": BOARD_READERS,
    "GET /board/units/{unit_id}/score": BOARD_READERS,
    "GET /board/export.xlsx": BOARD_READERS,
    "GET /board/export.csv": BOARD_READERS,
    "GET /scoring": BOARD_READERS,  # access.can_read_scoring: read only for the steering committee
    "POST /scoring/rules": SECRETARIAT_OR_ADMIN,
    "POST /scoring/rules/copy": SECRETARIAT_OR_ADMIN,
    "GET /scoring/rules/{rule_id}": BOARD_READERS,
    "POST /scoring/rules/{rule_id}": SECRETARIAT_OR_ADMIN,
    "GET /scoring/rules/{rule_id}/history": BOARD_READERS,
    "GET /scoring/{year}/units/{unit_id}": UNIT_A_AND_BOARD,
    "POST /scoring/{year}/units/{unit_id}/scores": SECRETARIAT_OR_ADMIN,
    "GET /scoring/evidence/{score_id}": UNIT_A_AND_BOARD,
    "GET /reminders/settings": SECRETARIAT_OR_ADMIN,
    "POST /reminders/settings": SECRETARIAT_OR_ADMIN,
    "GET /reminders/calendar": SECRETARIAT_OR_ADMIN,
    "POST /reminders/calendar": SECRETARIAT_OR_ADMIN,
    "POST /reminders/calendar/{day_id}/delete": SECRETARIAT_OR_ADMIN,
    "GET /profile": SIGNED_IN,
    "POST /profile": SIGNED_IN,
    "GET /admin/deliveries": ADMIN_ONLY,
    "GET /admin/deliveries/{email_id}": ADMIN_ONLY,
    "POST /admin/deliveries/{email_id}/retry": ADMIN_ONLY,
    "GET /admin/deliveries/{email_id}/eml": ADMIN_ONLY,
    # Units over time (units/): the administrator and the secretariat.
    "GET /units": SECRETARIAT_OR_ADMIN,
    "POST /units": SECRETARIAT_OR_ADMIN,
    "GET /units/{unit_id}": SECRETARIAT_OR_ADMIN,
    "POST /units/{unit_id}": SECRETARIAT_OR_ADMIN,
    "POST /units/{unit_id}/end": SECRETARIAT_OR_ADMIN,
    "POST /units/{unit_id}/split": SECRETARIAT_OR_ADMIN,
    "POST /units/{unit_id}/carry": SECRETARIAT_OR_ADMIN,
    "GET /units/merge": SECRETARIAT_OR_ADMIN,
    "POST /units/merge": SECRETARIAT_OR_ADMIN,
    "GET /units/import": SECRETARIAT_OR_ADMIN,
    "POST /units/import": SECRETARIAT_OR_ADMIN,
    "POST /units/import/confirm": SECRETARIAT_OR_ADMIN,
    # Plan years (years/): the secretariat closes a year; a unit carries its tasks on and starts next year's plan.
    "GET /years": SECRETARIAT_OR_ADMIN,
    "GET /years/{year}/close": SECRETARIAT_OR_ADMIN,
    "POST /years/{year}/close": SECRETARIAT_OR_ADMIN,  # this year cannot close yet: the form's own refusal
    "GET /plans/{plan_id}/carry": allow("secretariat", "head_a", "focal_a"),
    "POST /plans/{plan_id}/carry": allow("secretariat", "head_a", "focal_a"),
    "GET /plans/{plan_id}/next-year": UNIT_A_WRITERS,
    "POST /plans/{plan_id}/next-year": UNIT_A_WRITERS,
    "GET /plans/from-last-year": UNIT_PEOPLE,
    "GET /api/plans": SIGNED_IN,
    "GET /api/plans/{plan_id}": SIGNED_IN,
    "PATCH /api/tasks/{task_id}": UNIT_A_WRITERS,
    "GET /api/tasks/{task_id}/evidence": SIGNED_IN,
    "POST /api/tasks/{task_id}/evidence": UNIT_A_WRITERS,
    "GET /api/board": BOARD_READERS,
    # Amendments (amendments/api.py): the world's amendment is submitted, drafted by focal_a.
    "GET /api/plans/{plan_id}/amendments": SIGNED_IN,
    "POST /api/plans/{plan_id}/amendments": allow("admin", "secretariat", "head_a", "focal_a"),
    "GET /api/amendments/{amendment_id}": UNIT_A_AND_BOARD,  # not approved yet: the unit's working paper
    "POST /api/amendments/{amendment_id}/submit": allow("head_a"),  # a focal point only where allowed
    "POST /api/amendments/{amendment_id}/approve": SECRETARIAT_OR_ADMIN,
    "POST /api/amendments/{amendment_id}/return": SECRETARIAT_OR_ADMIN,
    "POST /api/amendments/{amendment_id}/withdraw": allow("head_a", "focal_a"),  # the unit's own: the unit withdraws
    # The amendment pages (amendments/routes.py, plan_routes.py): the same rights as the API.
    "GET /plans/{plan_id}/amendments": SIGNED_IN,
    "GET /plans/{plan_id}/amendments/_summary": SIGNED_IN,
    "GET /plans/{plan_id}/as-issued": SIGNED_IN,
    "GET /plans/{plan_id}/amendments/new": allow("admin", "secretariat", "head_a", "focal_a"),
    "GET /plans/{plan_id}/amendments/_change": allow("admin", "secretariat", "head_a", "focal_a"),
    "POST /plans/{plan_id}/amendments": allow("admin", "secretariat", "head_a", "focal_a"),
    "POST /plans/{plan_id}/amendments/settings": SECRETARIAT_OR_ADMIN,
    "GET /amendments/{amendment_id}": UNIT_A_AND_BOARD,
    "GET /amendments/{amendment_id}/file": UNIT_A_AND_BOARD,
    "POST /amendments/{amendment_id}/file": allow("admin", "secretariat", "head_a", "focal_a"),
    "GET /amendments/{amendment_id}/edit": allow("admin", "secretariat", "head_a", "focal_a"),
    "POST /amendments/{amendment_id}/edit": allow("admin", "secretariat", "head_a", "focal_a"),
    "POST /amendments/{amendment_id}/submit": allow("head_a"),
    "POST /amendments/{amendment_id}/approve": SECRETARIAT_OR_ADMIN,
    "POST /amendments/{amendment_id}/return": SECRETARIAT_OR_ADMIN,
    "POST /amendments/{amendment_id}/withdraw": allow("head_a", "focal_a"),
}

# Path parameters: objects of unit A, built afresh by build_world().
PARAMS: dict[str, Callable[[SimpleNamespace], int]] = {
    "plan_id": lambda w: w.plan.id, "field_id": lambda w: w.field.id, "task_id": lambda w: w.task.id,
    "evidence_id": lambda w: w.evidence.id, "user_id": lambda w: w.focal_a.id, "unit_id": lambda w: w.unit_a.id,
    "year": lambda w: w.year, "rule_id": lambda w: w.rule.id, "score_id": lambda w: w.score.id,
    "email_id": lambda w: w.email.id, "day_id": lambda w: w.day.id, "amendment_id": lambda w: w.amendment.id,
    "token": lambda w: "no-such-link",  # a password link (the real ones: tests/accounts)
    "token_id": lambda w: ApiToken.select(ApiToken.id).where(ApiToken.user == w.focal_a.id).first().run_sync()["id"],
}


def _pdf(name: str = "bao-cao.pdf") -> list:
    return [("files", (name, PDF, "application/pdf"))]


def _weekday(year: int, month: int, weekday: int) -> str:
    day = dt.date(year, month, 1)
    return (day + dt.timedelta(days=(weekday - day.weekday()) % 7)).isoformat()


def _kept_import(w: SimpleNamespace) -> dict[str, str]:
    """A plan for next year, uploaded and waiting for its confirmation (as /plans/import leaves it)."""
    body = write_plan(ParsedPlan(w.year + 1, f"Kế hoạch CCHC năm {w.year + 1}", "", None, [ParsedField(
        "Cải cách thể chế", 2, [ParsedTask("1", "Rà soát văn bản", "", "", "", "", dt.date(w.year + 1, 6, 30),
                                           f"Tháng 6/{w.year + 1}", 0)], 0)]), w.unit_a.name)
    digest = hashlib.sha256(body).hexdigest()
    folder = get_settings().var_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{digest}.upload").write_bytes(body)
    return {"unit": str(w.unit_a.id), "year": "", "digest": digest}


# What each route is sent: valid where that is cheap, otherwise minimal (the point is the guard).
REQUESTS: dict[str, Callable[[SimpleNamespace], dict[str, Any]]] = {
    "POST /login": lambda w: {"data": {"email": w.focal_a.email, "password": w.password}},
    "POST /language": lambda w: {"data": {"language": "en", "next": "/plans"}},
    "POST /admin/users": lambda w: {"data": {"email": "moi@example.vn", "role": "focal_point", "unit": "STP",
                                             "password": "mat khau du dai"}},
    "POST /admin/users/{user_id}": lambda w: {"data": {"role": "focal_point", "unit": "STP", "active": "on"}},
    "POST /plans": lambda w: {"data": {"unit": str(w.unit_a.id), "year": str(w.year + 1), "title": "Kế hoạch"}},
    "POST /plans/{plan_id}/issue": lambda w: {"data": {"doc_number": "1/KH-STP", "doc_date": f"20/01/{w.year}"}},
    "POST /plans/{plan_id}/settings": lambda w: {"data": {"evidence_required": ""}},
    "POST /plans/{plan_id}/fields": lambda w: {"data": {"name": "Cải cách thủ tục hành chính"}},
    "POST /fields/{field_id}/tasks": lambda w: {"data": {"content": "Việc thêm", "due_text": "Quý IV"}},
    "POST /plans/import": lambda w: {"data": {"unit": str(w.unit_a.id), "year": ""}, "files": [(
        "file", ("ke-hoach.xlsx", write_plan(ParsedPlan(w.year + 1, "Kế hoạch", "", None, []), w.unit_a.name),
                 "application/octet-stream"))]},
    "POST /plans/import/confirm": lambda w: {"data": _kept_import(w)},
    "POST /tasks/{task_id}": lambda w: {"data": {"content": "Rà soát văn bản", "due_text": "Quý IV",
                                                 "version": "1"}},
    "POST /tasks/{task_id}/evidence": lambda w: {"data": {"doc_number": "2/BC"}, "files": _pdf("bao-cao-2.pdf")},
    "POST /evidence/{evidence_id}/review": lambda w: {"data": {"review": "accepted"}},
    "POST /tasks/{task_id}/progress": lambda w: {"data": {"status": "in_progress", "progress": "60",
                                                          "version": "1"}},
    "GET /board/units/{unit_id}/score": lambda w: {"params": {"year": w.year}},
    "POST /scoring/rules": lambda w: {"data": {"year": str(w.year + 1), "block": "", "example": "stepped"}},
    "POST /scoring/rules/copy": lambda w: {"data": {"source": str(w.rule.id), "year": str(w.year + 1),
                                                    "block": ""}},
    "POST /scoring/rules/{rule_id}": lambda w: {"data": {"version": "1"}},
    "POST /scoring/{year}/units/{unit_id}/scores": lambda w: {
        "data": {"criterion": "1.4", "points": "1", "comment": "Có biên bản kiểm tra", "seen": ""},
        "files": [("files", ("", b"", "application/octet-stream"))]},
    "POST /reminders/settings": lambda w: {"data": {
        "enabled": "on", "before_days": "5, 2, 0", "repeat_every": "2", "head_after": "4",
        "secretariat_after": "8", "sweep_at": "8:15", "version": "0"}},
    "POST /reminders/calendar": lambda w: {"data": {"day": _weekday(w.year + 1, 10, 5), "kind": "workday",
                                                    "name": "Làm bù"}},
    "POST /profile": lambda w: {"data": {"reminders": "on", "reminder_hour": "8"}},
    "POST /years/{year}/close": lambda w: {"data": {"closed_on": f"31/12/{w.year}", "note": ""}},
    "POST /plans/{plan_id}/next-year": lambda w: {"data": {"title": f"Kế hoạch CCHC năm {w.year + 1}"}},
    "POST /units": lambda w: {"data": {"code": "SNV", "name": "Sở Nội vụ", "kind": "department",
                                       "decision_number": "1/QĐ-UBND", "decision_date": f"01/03/{w.year}"}},
    "POST /units/{unit_id}": lambda w: {"data": {"name": "Sở Tư pháp mới", "decision_number": "2/QĐ-UBND",
                                                 "decision_date": f"01/03/{w.year}"}},
    "POST /units/import/confirm": lambda w: {"data": {"digest": kept_list([("SNV", "Sở Nội vụ", "sở", "")])}},
    "POST /profile/password": lambda w: {"data": {"current": w.password, "new": "mat khau moi dai",
                                                  "confirm": "mat khau moi dai"}},
    "POST /password/forgot": lambda w: {"data": {"email": w.focal_a.email}},
    "POST /password/reset/{token}": lambda w: {"data": {"new": "mat khau moi dai", "confirm": "mat khau moi dai"}},
    "POST /profile/tokens": lambda w: {"data": {"name": "kịch bản", "days": "30"}},
    "GET /api/plans": lambda w: {"params": {"year": w.year}},
    "PATCH /api/tasks/{task_id}": lambda w: {"json": {"version": 1, "progress": 60}},
    "POST /api/tasks/{task_id}/evidence": lambda w: {"files": _pdf("bao-cao-api.pdf")},
    "GET /api/board": lambda w: {"params": {"year": w.year}},
    "POST /api/plans/{plan_id}/amendments": lambda w: {"json": {
        "number": "30/KH-STP", "date": dt.date.today().isoformat(), "reason": "Điều chỉnh",
        "changes": [{"action": "redate", "task": w.task.id, "due_text": f"Quý IV/{w.year}"}]}},
    "POST /api/amendments/{amendment_id}/return": lambda w: {"json": {"comment": "Thiếu căn cứ"}},
    "GET /plans/{plan_id}/amendments/_change": lambda w: {"params": {"action": "cancel"}},
    "POST /plans/{plan_id}/amendments": lambda w: {"data": {
        "number": "31/KH-STP", "date": dt.date.today().strftime("%d/%m/%Y"), "reason": "Điều chỉnh", "row": "0",
        "c-0-action": "redate", "c-0-task": str(w.task.id), "c-0-due_text": f"Quý IV/{w.year}"}},
    "POST /plans/{plan_id}/amendments/settings": lambda w: {"data": {"focal_may_submit": "on"}},
    "POST /amendments/{amendment_id}/file": lambda w: {"files": [("files", ("25-KH-STP.pdf", PDF, "application/pdf"))]},
    "POST /amendments/{amendment_id}/return": lambda w: {"data": {"comment": "Thiếu căn cứ", "version": "0"}},
}


# The route table ----------------------------------------------------------------------------------

def route_table() -> list[str]:
    """Every "METHOD /path" of our own handlers. Left out: the handlers Litestar brings itself (static
    files, the OpenAPI schema under /api/schema, and the OPTIONS answer it adds to every path)."""
    keys = set()
    for route in create_app().routes:
        for handler in route.route_handlers if isinstance(route, HTTPRoute) else []:
            if not handler.fn.__module__.startswith("litestar."):
                keys.update(f"{m} {re.sub(r':[a-z]+}', '}', route.path)}" for m in handler.http_methods)
    return sorted(keys, key=lambda k: (k.split()[1], k))


ROUTES = route_table()
PAGE_WRITES = [k for k in ROUTES if k.split()[0] in STATE_CHANGING and not k.split()[1].startswith("/api/")]


def test_every_rule_names_a_route_the_app_still_serves():
    assert sorted(set(RULES) - set(ROUTES)) == [], "access rules for routes that no longer exist"
    assert sorted(set(REQUESTS) - set(ROUTES)) == [], "request bodies for routes that no longer exist"


# Asking as each role ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world():
    """Built once; every test puts it back from the snapshot (the tables are emptied before each test)."""
    w = build_world()
    w.snapshot = table_snapshot()
    return w


@pytest.fixture(scope="module")
def matrix_client():
    from litestar.testing import TestClient

    with TestClient(app=create_app(), base_url="http://testserver.local") as client:
        yield client


class Asker:
    """Sends a route's request as a role: a session cookie for pages, a bearer token for the API."""

    def __init__(self, client, world: SimpleNamespace):
        self.client, self.world = client, world
        restore_tables(world.snapshot)

    def url(self, route: str) -> str:
        template = route.split(" ", 1)[1]
        names = re.findall(r"{(\w+)}", template)
        missing = [n for n in names if n not in PARAMS]
        assert not missing, f"{route}: no object for path parameter(s) {missing}: add them to PARAMS"
        return template.format(**{n: PARAMS[n](self.world) for n in names})

    def ask(self, route: str, role: str, csrf: bool = True, htmx: bool = False, **extra):
        """`extra` (data, files, params, headers…) replaces what REQUESTS sends."""
        method, api = route.split(" ", 1)[0], is_api(route)
        cookies, headers = self.client.cookies, {"hx-request": "true"} if htmx else {}
        headers.update(extra.pop("headers", {}))
        if "parplan_csrf" not in cookies:
            self.client.get("/login")
        csrf_value = cookies["parplan_csrf"]
        cookies.clear()  # what the last request set (a session, the language) does not carry over
        cookies.set("parplan_csrf", csrf_value)
        if api:
            # Anonymous on the API carries the admin's session cookie: cookies never open the API.
            cookies.set(COOKIE, self.world.sessions["admin"])
            if role != "anon":
                headers["authorization"] = f"Bearer {self.world.tokens[role]}"
        elif role != "anon":
            cookies.set(COOKIE, self.world.sessions[role])
        if csrf and not api:
            headers.setdefault("x-csrftoken", csrf_value)
        extra = extra or REQUESTS.get(route, lambda w: {})(self.world)
        return self.client.request(method, self.url(route), headers=headers, follow_redirects=False, **extra)


def is_api(route: str) -> bool:
    return route.split(" ", 1)[1].startswith("/api/")


def answer(response, api: bool) -> str:
    """The response in the matrix's words. No route hides an object behind a 404: another unit's objects
    answer 403 ("denied"), and 404 means only that it does not exist, which is never expected here."""
    status, location = response.status_code, response.headers.get("location", "")
    if (api and status == 401) or (not api and status == 303 and location.startswith("/login?next=")):
        return "login"
    if status == 403:
        return "denied"
    if 200 <= status < 400 or status in (400, 409, 413, 422):
        return "ok"  # a redirect elsewhere, a page, or the form's own refusal: the guard let it in
    return f"HTTP {status}"


@pytest.mark.parametrize("route", ROUTES)
def test_every_role_gets_the_answer_the_routes_rule_gives(matrix_client, world, route):
    """Also: a refused request changes nothing, and a GET changes nothing for anyone (CSRF protection
    leaves safe methods alone, so they must be safe)."""
    assert route in RULES, f"new route without an access rule: {route}"
    asker, wrong, reading = Asker(matrix_client, world), [], route.startswith("GET ")
    for role in ROLES:
        response = asker.ask(route, role)
        got, expected = answer(response, is_api(route)), RULES[route][role]
        if got != expected:
            wrong.append(f"{role}: expected {expected}, got {got} ({response.status_code} "
                         f"{response.headers.get('location', '')})")
        if not reading and (now := table_snapshot()) != world.snapshot:
            if got != "ok":
                wrong.append(f"{role}: refused ({response.status_code}), and the database changed")
            restore_tables(world.snapshot, now)  # so that this change cannot hide the next role's answer
    if reading and table_snapshot() != world.snapshot:
        wrong.append("a GET changed the database")
    assert not wrong, f"{route}:\n  " + "\n  ".join(wrong)


# A draft plan -------------------------------------------------------------------------------------

DRAFT_READS = [k for k in ROUTES if k.startswith("GET ") and re.search(r"{(plan|field|task|evidence)_id}", k)]


def make_draft(world: SimpleNamespace) -> None:
    Plan.update({Plan.status: "draft"}).where(Plan.id == world.plan.id).run_sync()


def test_a_draft_plan_its_tasks_and_evidence_are_hidden_from_other_units(matrix_client, world):
    """Only an issued plan is a public document: another unit's focal point may not read a draft, by any
    route that points into it; everyone else gets what the matrix gives them for an issued plan."""
    asker, wrong = Asker(matrix_client, world), []
    make_draft(world)
    for route in DRAFT_READS:
        for role in ROLES:
            expected = "denied" if role == "focal_b" else RULES[route][role]
            if (got := answer(asker.ask(route, role), is_api(route))) != expected:
                wrong.append(f"{route} {role}: expected {expected}, got {got}")
    assert not wrong and len(DRAFT_READS) >= 8, wrong


@pytest.mark.parametrize("role, listed", [("focal_b", False), ("focal_a", True), ("steering", True)])
def test_the_list_of_all_plans_shows_a_draft_only_to_its_unit_and_the_programme(matrix_client, world, role,
                                                                                  listed):
    asker = Asker(matrix_client, world)
    make_draft(world)
    page = asker.ask("GET /plans", role, params={"all": "true"})
    assert page.status_code == 200 and (f'href="/plans/{world.plan.id}"' in page.text) is listed


# CSRF ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", PAGE_WRITES)
def test_a_page_write_without_the_csrf_token_is_refused_and_changes_nothing(matrix_client, world, route):
    """The admin (or the first role the rule lets in), unit A's focal point where the rule lets her in, and
    anonymous visitors where anyone may post: refused without the token, as a plain form and as an htmx
    request without the x-csrftoken header."""
    let_in = [r for r in ROLES if RULES.get(route, {}).get(r) == "ok"]
    assert let_in, f"new route without an access rule: {route}"
    asker = Asker(matrix_client, world)
    for role in sorted({let_in[0], *({"focal_a", "anon"} & set(let_in))}):
        for htmx in (False, True):
            response = asker.ask(route, role, csrf=False, htmx=htmx)
            assert response.status_code == 403, (route, role, htmx, response.status_code)
    assert table_snapshot() == world.snapshot


def hx_headers_token(page: str) -> str:
    found = re.search(r"<body[^>]*hx-headers='([^']*)'", page)
    assert found, "the page sends no hx-headers"
    return re.search(r'"x-csrftoken":\s*"([^"]+)"', html.unescape(found.group(1))).group(1)


def test_an_htmx_post_with_the_token_from_hx_headers_is_accepted(matrix_client, world):
    asker, task = Asker(matrix_client, world), world.task
    token = hx_headers_token(asker.ask("GET /plans/{plan_id}", "focal_a").text)
    assert token == matrix_client.cookies["parplan_csrf"]
    body, route = {"status": "in_progress", "progress": "70", "version": "1"}, "POST /tasks/{task_id}/progress"
    wrong = token[:-1] + ("1" if token[-1] == "0" else "0")  # its signature no longer matches
    forged = asker.ask(route, "focal_a", htmx=True, headers={"x-csrftoken": wrong}, data=body)
    assert forged.status_code == 403
    response = asker.ask(route, "focal_a", htmx=True, headers={"x-csrftoken": token}, data=body)
    assert response.status_code == 200 and f'id="task-{task.id}"' in response.text
    assert Task.objects().where(Task.id == task.id).first().run_sync().progress == 70
