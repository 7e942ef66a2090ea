import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest

import scoring.examples
from board.build import build_board
from board.queries import Filter, state_counts
from scoring.rules import Counts, parse_rule, score_unit
from scoring.tables import ManualScore, ScoringRule
from tasks.rules import State, Status, TaskFacts, state_at
from tasks.tables import Task, TaskDeadline
from tests.builders import TaskSpec, make_plan, make_unit, run, make_user

D = dt.date


def test_band_upper_1_crashes_at_full_completion():
    body = scoring.examples.proportional(2024)
    body["bands"] = [{"lower": "0.8", "upper": "1", "mode": "proportional", "points": "3"},
                     {"lower": "0", "upper": "0.8", "mode": "fixed", "points": "0"}]
    rule = parse_rule(body)  # accepted
    score_unit(rule, Counts(total=4, done_on_time=4), None, {})


def test_random_sql_vs_state_at_with_deadline_history():
    rng = random.Random(1)
    unit = make_unit()
    specs = []
    for i in range(120):
        status = rng.choice(["not_started", "in_progress", "done", "cancelled"])
        due = D(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 365))
        day = D(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 365))
        specs.append(TaskSpec(f"t{i}", due, status, completed_on=day if status == "done" else None,
                              cancelled_on=(day if rng.random() < .7 else None) if status == "cancelled" else None))
    plan = make_plan(unit, fields={"F": specs})
    tasks = Task.select().order_by(Task.id).run_sync()
    hist = {}
    for t in tasks:
        if rng.random() < 0.5:
            n = rng.randint(1, 3)
            days = sorted(D(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 365)) for _ in range(n))
            dues = [D(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 365)) for _ in range(n)] + [t["due_date"]]
            for k, cd in enumerate(days):
                TaskDeadline(task=t["id"], changed_on=cd, old_due=dues[k], new_due=dues[k + 1]).save().run_sync()
            hist[t["id"]] = list(zip(days, dues))
    for as_of in [D(2024, 1, 1) + dt.timedelta(days=d) for d in range(0, 366, 7)] + [D(2023, 5, 1), D(2025, 2, 1)]:
        counts = run(state_counts(Filter(2024, as_of)))[plan.id]
        exp = {s: 0 for s in State}
        for t in tasks:
            due = t["due_date"]
            for cd, old in hist.get(t["id"], []):
                if cd > as_of:
                    due = old
                    break
            exp[state_at(TaskFacts(Status(t["status"]), due, t["completed_on"], t["cancelled_on"]), as_of)] += 1
        got = {State.DONE_ON_TIME: counts.done_on_time, State.DONE_LATE: counts.done_late,
               State.IN_PROGRESS: counts.in_progress, State.NOT_STARTED: counts.not_started,
               State.OVERDUE: counts.overdue, State.CANCELLED: counts.cancelled}
        assert got == exp, as_of


def test_manual_points_exact():
    unit = make_unit()
    ManualScore(unit=unit.id, year=2024, criterion="1.3", points=Decimal("0.1")).save().run_sync()
    from scoring.queries import manual_scores
    m = run(manual_scores(2024))
    print(m)
    assert m[unit.id]["1.3"].points == Fraction(1, 10)


def test_rule_without_completion_criterion_and_empty_block(web, actors):
    body = scoring.examples.stepped(2024)
    body["criteria"] = [c for c in body["criteria"] if c["source"] != "completion"]
    body["components"][0]["max_points"] = "4"
    ScoringRule(year=2024, block="", body=body).save().run_sync()
    u = make_unit("X", "Xã X", block="")
    make_plan(u, fields={"F": [TaskSpec("a", D(2024, 6, 30))]})
    web.login(actors.steering)
    for url in ("/board?year=2024&as_of=2024-12-31", "/board?year=2024&as_of=2023-01-01",
                "/board?year=2024&as_of=2024-12-31&field=zzz", "/board.csv",
                "/board/export.csv?year=2024&as_of=2023-01-01", "/board/export.xlsx?year=2030",
                f"/board/units/{u.id}/score?year=2024", f"/board/units/{u.id}/tasks?year=2024&state=overdue",
                f"/scoring/2024/units/{u.id}", "/board?year=2024&component=8"):
        r = web.get(url)
        print(url, r.status_code)
        assert r.status_code in (200, 404, 400), (url, r.status_code, r.text[:500])


def test_focal_point_access(web, actors):
    ScoringRule(year=2024, block="", body=scoring.examples.stepped(2024)).save().run_sync()
    rid = ScoringRule.select(ScoringRule.id).first().run_sync()["id"]
    web.login(actors.focal_b)
    for url in ("/board/export.csv?year=2024", "/board/export.xlsx?year=2024",
                f"/scoring/2024/units/{actors.unit_a.id}", f"/scoring/rules/{rid}", f"/scoring/rules/{rid}/history",
                "/scoring"):
        r = web.get(url)
        print(url, r.status_code)
        assert r.status_code == 403, url


def test_api_edge(client, actors):
    from tests.board.test_api import token_for
    ScoringRule(year=2024, block="", body=scoring.examples.stepped(2024)).save().run_sync()
    make_unit("X", "Xã X", block="")
    for q in ("year=2024&as_of=2023-01-01", "year=2031", "year=2024&component=0", "year=2024&block=", "year=2024"):
        r = client.get(f"/api/board?{q}", headers=token_for(actors.steering))
        print(q, r.status_code, r.text[:300])
        assert r.status_code in (200, 400)
    r = client.get(f"/api/board?year=2024", headers=token_for(actors.focal_a))
    assert r.status_code == 403
