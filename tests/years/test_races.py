"""Two people close the same year, or carry the same task, at the same moment, through `parplan serve --workers 2`:
exactly one wins, the other is told in words (never a 500), and the task is carried once. Both databases."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest

from bench import load
from plans.tables import Plan, YearClose
from tasks.tables import Task
from tests.builders import PASSWORD, TaskSpec, make_plan, run
from tests.years.helpers import YEAR

ROUNDS = 5


@pytest.fixture(scope="module")
def base_url(two_app_processes):
    return two_app_processes


@contextlib.asynccontextmanager
async def signed_in(base_url: str, user) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        assert await load.sign_in(client, user.email, PASSWORD) == 303
        yield client


async def post(client: httpx.AsyncClient, url: str, data: dict[str, str]) -> httpx.Response:
    return await client.post(url, data={**data, "_csrf_token": client.cookies.get("parplan_csrf", "")})


async def at_once(first_user, second_user, base_url: str, rounds: list[tuple[str, dict]]) -> list[tuple[int, int]]:
    """Each round's request sent by both people together; the two status codes of each round."""
    async with signed_in(base_url, first_user) as a, signed_in(base_url, second_user) as b:
        codes = []
        for url, data in rounds:
            x, y = await asyncio.gather(post(a, url, data), post(b, url, data))
            codes.append(tuple(sorted((x.status_code, y.status_code))))
        return codes


def test_two_closings_of_a_year_at_once_close_it_once(base_url, actors):
    years = [YEAR - 10 + i for i in range(ROUNDS)]
    rounds = [(f"/years/{y}/close", {"closed_on": f"31/12/{y}", "note": ""}) for y in years]
    codes = run(at_once(actors.secretariat, actors.admin, base_url, rounds))
    assert codes == [(303, 409)] * ROUNDS
    assert sorted(r["year"] for r in YearClose.select(YearClose.year).run_sync()) == years


def test_two_carries_of_a_task_at_once_carry_it_once(base_url, actors):
    source = make_plan(actors.unit_a, YEAR, {"Thể chế": [TaskSpec(f"Việc {i}", dt.date(YEAR, 9, 30), "in_progress")
                                                        for i in range(ROUNDS)]})
    target = make_plan(actors.unit_a, YEAR + 1, {"Thể chế": []})
    Plan.update({Plan.status: "draft"}).where(Plan.id == target.id).run_sync()
    tasks = Task.objects().where(Task.field.plan == source.id).order_by(Task.id).run_sync()
    rounds = [(f"/plans/{source.id}/carry", {f"task.{t.id}": "on", f"field.{t.id}": ""}) for t in tasks]
    codes = run(at_once(actors.focal_a, actors.head_a, base_url, rounds))
    assert codes == [(303, 400)] * ROUNDS
    carried = [r["carried_from"] for r in Task.select(Task.carried_from).where(Task.field.plan == target.id).run_sync()]
    assert sorted(carried) == [t.id for t in tasks]  # each once
