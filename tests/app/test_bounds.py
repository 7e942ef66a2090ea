"""Numbers and bodies no route can take get a 4xx, never a 500: ids beyond the column or below 1, years out of
the calendar, JSON nested too deep, a string where the schema says integer.

The walk over every route is generated from the route table (like the access matrix), so a new route with an id
or a year in its path is covered from the day it is added.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from litestar.routes import HTTPRoute

from app import clock
from app.factory import create_app
from app.tokens import create_token
from tasks.tables import Task, TaskEvent
from tests.builders import TaskSpec, make_plan, run

HOSTILE_IDS = (0, -1, 2**31, 10**20)
HOSTILE_YEARS = (0, -1, 1999, 2101, 10000, 10**20)


def int_path_routes() -> list[tuple[str, str]]:
    """(method, path template) of every handler of ours with an integer in its path."""
    found = set()
    for route in create_app().routes:
        for handler in route.route_handlers if isinstance(route, HTTPRoute) else []:
            if ":int}" in route.path and not handler.fn.__module__.startswith("litestar."):
                found.update((m, route.path) for m in handler.http_methods if m != "OPTIONS")
    return sorted(found, key=lambda r: (r[1], r[0]))


def hostile_urls(template: str) -> list[str]:
    """The template with one parameter hostile at a time, the others fine (1, or a year the board shows)."""
    names = re.findall(r"{(\w+):int}", template)
    fine = {n: 2024 if n == "year" else 1 for n in names}
    return [re.sub(r"{(\w+):int}", lambda m: str(value if m.group(1) == name else fine[m.group(1)]), template)
            for name in names for value in (HOSTILE_YEARS if name == "year" else HOSTILE_IDS)]


ROUTES = int_path_routes()


def signed_in(web, client, user) -> dict[str, str]:
    """A session and the CSRF token, so that a POST reaches the route and not the CSRF refusal."""
    web.login(user)
    return {"x-csrftoken": client.cookies["parplan_csrf"],
            "authorization": f"Bearer {run(create_token(user, 'bounds', clock.now()))}"}


def test_the_walk_covers_the_routes_named_in_the_issue():
    paths = {p for _, p in ROUTES}
    assert {"/scoring/{year:int}/units/{unit_id:int}", "/plans/{plan_id:int}", "/api/tasks/{task_id:int}"} <= paths
    assert len(ROUTES) >= 25


@pytest.mark.parametrize("method, template", ROUTES)
def test_an_id_or_a_year_out_of_range_in_any_path_gets_400(client, web, actors, method, template):
    headers = signed_in(web, client, actors.admin)
    wrong = []
    for url in hostile_urls(template):
        response = client.request(method, url, headers=headers, follow_redirects=False)
        if response.status_code != 400:
            wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, wrong


@pytest.mark.parametrize("url", ["/scoring/0/units/1", "/scoring/10000/units/1", "/plans/99999999999999999999",
                                 "/board?year=0", "/board?year=10000", "/board?page=0", "/board?as_of_year=0",
                                 "/board/export.csv?year=0", "/board/export.xlsx?year=10000",
                                 "/board/units/1/score?year=0", "/plans?year=0", "/api/board?year=0",
                                 "/api/plans?year=10000"])
def test_the_urls_of_the_issue_get_400_for_the_secretariat(client, web, actors, url):
    headers = signed_in(web, client, actors.secretariat)
    assert client.get(url, headers=headers).status_code == 400


def test_a_year_in_range_still_shows_the_page(client, web, actors):
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc", dt.date(2024, 6, 30))]})
    headers = signed_in(web, client, actors.secretariat)
    assert client.get("/board?year=2024&page=1", headers=headers).status_code == 200
    assert client.get(f"/scoring/2024/units/{actors.unit_a.id}", headers=headers).status_code == 200
    assert client.get("/plans?year=2024", headers=headers).status_code == 200


def test_a_json_body_nested_too_deep_gets_a_4xx_in_json_and_no_traceback_in_the_log(client, actors, caplog):
    """Without a token it is refused before its body is read (401); with one, its body is refused (400)."""
    caplog.set_level(logging.INFO)
    token = {"authorization": f"Bearer {run(create_token(actors.focal_a, 'bounds', clock.now()))}"}
    deep = b"[" * 100_000
    for body, headers, status in ((deep, {}, 401), (deep, token, 400), (b'{"version": 1, "x": ' + deep, token, 400)):
        response = client.patch("/api/tasks/1", content=body, headers={"content-type": "application/json", **headers})
        assert response.status_code == status and response.json()["status_code"] == status
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_version_sent_as_a_string_is_refused_naming_the_field_and_nothing_changes(client, actors):
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc", dt.date(2024, 6, 30))]})
    task = Task.objects().first().run_sync()
    headers = {"authorization": f"Bearer {run(create_token(actors.focal_a, 'bounds', clock.now()))}"}
    response = client.patch(f"/api/tasks/{task.id}", json={"version": str(task.version), "progress": 50},
                            headers=headers)
    assert response.status_code == 400 and "version" in response.json()["errors"], response.text
    for body in ({"version": task.version, "progress": "50"}, {"version": True}, {"version": 1.0}):
        refused = client.patch(f"/api/tasks/{task.id}", json=body, headers=headers)
        assert refused.status_code == 400, (body, refused.text)
    assert Task.objects().where(Task.id == task.id).first().run_sync().progress == 0
    assert TaskEvent.count().run_sync() == 0
    accepted = client.patch(f"/api/tasks/{task.id}", json={"version": task.version, "progress": 50}, headers=headers)
    assert accepted.status_code == 200 and accepted.json()["progress"] == 50


def test_the_api_refuses_a_query_parameter_its_handler_does_not_declare(client, actors):
    from app import clock
    from app.tokens import create_token
    from tests.builders import run

    token = run(create_token(actors.focal_a, "t", clock.now()))
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/plans?year=2024", headers=auth).status_code == 200
    typo = client.get("/api/plans?yaer=2024&year=2024", headers=auth)
    assert typo.status_code == 400 and typo.json()["errors"] == {"yaer": "Tham số này không được dùng ở đây."}
    assert client.get("/api/plans?year=2024&=0", headers=auth).status_code == 400
    assert client.get("/api/board?year=2024&as_of=2024-12-31&block=&component=1", headers=auth).status_code == 403
