"""API fuzzing: schemathesis generates requests for every operation of the OpenAPI schema; none may get a 500.

Each case carries a real bearer token (a focal point's or an admin's) and, often, the id of a real plan or task,
the plan year and a task version that may be current, so that requests get past "not found" into the rules and
the writes; the generated values stay among the choices. Bounded and derandomised: the same cases every run.
The bigger CLI run and its figures are in docs/security.md; the tests at the end pin what fuzzing found.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import negative_data_rejection, not_a_server_error
from schemathesis.generation import GenerationMode

from app import clock
from app.factory import create_app
from app.tokens import create_token
from plans.tables import Plan
from scoring.examples import stepped
from scoring.tables import ScoringRule
from tasks.tables import Evidence, Task, TaskEvent
from tests.builders import TaskSpec, make_plan, run

# Once, on PostgreSQL: PostgreSQL is the production database, and the stricter one about values.
pytestmark = pytest.mark.only_db("postgres")


def seed(actors) -> None:
    year = clock.today().year
    make_plan(actors.unit_a, year, {"Thể chế": [TaskSpec("Việc một", dt.date(year, 12, 31), "in_progress"),
                                                TaskSpec("Việc hai", dt.date(year, 1, 31), "done",
                                                         dt.date(year, 1, 20))],
                                    "Thủ tục hành chính": [TaskSpec("Việc ba", dt.date(year, 6, 30))]})
    plan_b = make_plan(actors.unit_b, year, {"Thể chế": [TaskSpec("Việc của B", dt.date(year, 9, 30))]})
    Plan.update({Plan.evidence_required: False}).where(Plan.id == plan_b.id).run_sync()
    ScoringRule(year=year, block="", body=stepped(year)).save().run_sync()


REAL_IN = {"task_id": "path_parameters", "plan_id": "path_parameters", "year": "query", "version": "body"}


@pytest.fixture
def real(actors) -> dict:
    """Tokens of an admin and a focal point, and the values that reach real objects: ids, year, versions."""
    seed(actors)
    return {"token": [run(create_token(user, "fuzz", clock.now())) for user in (actors.focal_a, actors.admin)],
            "task_id": [t["id"] for t in Task.select(Task.id).run_sync()],
            "plan_id": [p["id"] for p in Plan.select(Plan.id).run_sync()],
            "year": [clock.today().year], "version": [1, 2, 3]}


def aim(case, real: dict, data) -> dict[str, str]:
    """Put real values, or keep the generated one, where the case has such a parameter; pick whose token."""
    for name, where in REAL_IN.items():
        values = getattr(case, where)
        if isinstance(values, dict) and name in values:
            values[name] = data.draw(st.sampled_from([*real[name], values[name]]), label=name)
    return {"Authorization": f"Bearer {data.draw(st.sampled_from(real['token']), label='token')}"}


schema = schemathesis.openapi.from_asgi("/api/schema/openapi.json", create_app())


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case, data, real):
    case.call_and_validate(headers=aim(case, real, data), checks=[not_a_server_error])


# Values outside the schema: ids and years beyond their bounds, a string where it says integer, a body of the
# wrong shape. Each must be refused with a 4xx (negative_data_rejection), none may get a 500. Only the token is
# real, so that the values reach the checks behind the sign-in.
negative = schemathesis.openapi.from_asgi("/api/schema/openapi.json", create_app())
negative.config.generation.update(modes=[GenerationMode.NEGATIVE])


@negative.parametrize()
@negative.given(data=st.data())
@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_outside_the_schema_is_accepted_or_gets_a_server_error(case, data, real):
    headers = {"Authorization": f"Bearer {data.draw(st.sampled_from(real['token']), label='token')}"}
    case.call_and_validate(headers=headers, checks=[not_a_server_error, negative_data_rejection])


def declared_properties(case) -> set[str]:
    ref = case.operation.definition.raw.get("requestBody", {}).get("content", {}).get("application/json", {}).get(
        "schema", {}).get("$ref", "")
    return set(schema.raw_schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]) if ref else set()


def stringify_a_number(case, data) -> str | None:
    """One integer the body's schema declares, sent as a string ("4"); the key, or None when there is none.
    (Properties the schema does not declare are ignored, whatever their type.)"""
    body = case.body if isinstance(case.body, dict) else {}
    numbers = sorted(k for k, v in body.items() if isinstance(v, int) and not isinstance(v, bool)
                     and k in declared_properties(case))
    if not numbers:
        return None
    key = data.draw(st.sampled_from(numbers), label="stringified")
    body[key] = str(body[key])
    return key


@schema.include(method="PATCH").parametrize()
@schema.given(data=st.data())
@settings(max_examples=20, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_an_integer_sent_as_a_string_is_refused_naming_it(case, data, real):
    # On the case itself: a case generated without the security header drops the one passed to call().
    case.headers = {**(case.headers or {}), **aim(case, real, data)}
    key = stringify_a_number(case, data)
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    if key is not None:
        assert response.status_code == 400 and key in response.json()["errors"], (case.body, response.text)


# Server errors found while fuzzing, each a 500 on PostgreSQL before its fix -------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def token_for(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {run(create_token(user, 'test', clock.now()))}"}


def test_ids_and_years_that_no_column_can_hold_get_400_saying_which(client, actors):
    seed(actors)
    headers = token_for(actors.focal_a)
    for url, key in ((f"/api/plans/{2**31}", "plan_id"), (f"/api/tasks/{2**63}/evidence", "task_id"),
                     ("/api/plans/0", "plan_id"), (f"/api/plans?year={10**20}", "year")):
        response = client.get(url, headers=headers)
        assert response.status_code == 400 and key in response.json()["errors"], (url, response.text)
    patched = client.patch(f"/api/tasks/{2**40}", json={"version": 1}, headers=headers)
    assert patched.status_code == 400 and "task_id" in patched.json()["errors"]


def test_a_nul_character_in_a_note_is_refused_and_nothing_changes(client, web, actors):
    seed(actors)
    task = Task.objects().where(Task.status == "in_progress").first().run_sync()
    response = client.patch(f"/api/tasks/{task.id}", json={"version": task.version, "note": "a\x00b"},
                            headers=token_for(actors.focal_a))
    assert response.status_code == 400 and "note" in response.json()["errors"]
    web.login(actors.focal_a)  # the page's form goes through the same rule
    page = web.post(f"/tasks/{task.id}/progress", {"version": str(task.version), "status": "in_progress",
                                                   "progress": "10", "note": "a\x00b"}, htmx=True)
    assert page.status_code == 400
    assert Task.objects().where(Task.id == task.id).first().run_sync().version == task.version
    assert TaskEvent.count().where(TaskEvent.task == task.id).run_sync() == 0


def test_a_nul_character_in_evidence_details_is_refused_and_nothing_is_stored(client, actors):
    seed(actors)
    task = Task.objects().first().run_sync()
    for name in ("doc_number", "issuer", "description"):
        response = client.post(f"/api/tasks/{task.id}/evidence", headers=token_for(actors.focal_a),
                               data={name: "45\x00BC"}, files=[("files", ("bao-cao.pdf", PDF, "application/pdf"))])
        assert response.status_code == 400 and name in response.json()["errors"], response.text
    assert Evidence.count().run_sync() == 0


def test_a_nul_character_in_a_board_filter_gets_400(client, actors):
    seed(actors)
    for name in ("block", "field"):
        response = client.get(f"/api/board?year={clock.today().year}&{name}=a%00b", headers=token_for(actors.admin))
        assert response.status_code == 400, response.text

