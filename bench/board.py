"""Time the completion board at province scale: 200 units × 30 tasks (6,000 tasks), two years.

    uv run python bench/board.py [--units 200] [--tasks 30] [--repeat 20]

Builds a throw-away SQLite database, or uses DATABASE_URL when it is set (point it at an EMPTY scratch
database: the data is generated into it). Prints p50/p95 for the board (build_board: every query and the
scoring) next to the raw aggregate SQL it needs. Issue 7 extends this to national scale and to the HTTP route.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='parplan-bench-')}/board.sqlite3"
os.environ.setdefault("PARPLAN_VAR_DIR", tempfile.mkdtemp(prefix="parplan-bench-var-"))


async def generate(units: int, per_unit: int, years: tuple[int, ...]) -> None:
    from app.tables import Unit
    from plans.tables import Field, Plan
    from scoring.examples import stepped
    from scoring.tables import ScoringRule
    from tasks.tables import Task

    rng = random.Random(7)
    unit_rows = [Unit(code=f"U{i:04d}", name=f"Đơn vị {i}", kind="commune" if i % 3 else "department",
                      block="Khối xã, phường" if i % 3 else "Khối sở, ban, ngành") for i in range(units)]
    await Unit.insert(*unit_rows)
    ids = [u["id"] for u in await Unit.select(Unit.id).order_by(Unit.id)]
    for year in years:
        await ScoringRule.insert(ScoringRule(year=year, block="", body=stepped(year)))
        await Plan.insert(*[Plan(unit=uid, year=year, title=f"Kế hoạch {year}", status="issued",
                                 doc_date=dt.date(year, 1, 5) + dt.timedelta(days=rng.randint(0, 50))) for uid in ids])
        plans = [p["id"] for p in await Plan.select(Plan.id).where(Plan.year == year)]
        await Field.insert(*[Field(plan=pid, position=f, name=f"Lĩnh vực {f}", component=f)
                             for pid in plans for f in range(1, 8)])
        fields = [f["id"] for f in await Field.select(Field.id).where(Field.plan.year == year)]
        by_plan = [fields[i:i + 7] for i in range(0, len(fields), 7)]
        tasks = []
        for plan_fields in by_plan:
            for n in range(per_unit):
                due = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(20, 364))
                done = rng.random() < 0.75
                tasks.append(Task(field=plan_fields[n % 7], position=n, number=str(n + 1), content=f"Nhiệm vụ {n}",
                                  due_date=due, status="done" if done else rng.choice(["in_progress", "not_started"]),
                                  completed_on=due + dt.timedelta(days=rng.randint(-30, 10)) if done else None))
        for i in range(0, len(tasks), 2000):
            await Task.insert(*tasks[i:i + 2000])


def stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


async def timed(fn, repeat: int) -> list[float]:
    await fn()  # warm up
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def main(units: int, per_unit: int, repeat: int) -> None:
    from app.cli import migrate_db
    from app.settings import get_settings
    from board.build import build_board
    from board.queries import Filter, state_counts

    await migrate_db()
    t0 = time.perf_counter()
    await generate(units, per_unit, (2024, 2025))
    print(f"{get_settings().database_url.split(':')[0]}: {units} units × {per_unit} tasks × 2 years "
          f"generated in {time.perf_counter() - t0:.1f} s")
    flt = Filter(2025, dt.date(2025, 6, 30))
    if get_settings().is_postgres:  # as the server runs: a pool, not a connection per query
        from piccolo.engine import engine_finder

        await engine_finder().start_connection_pool()
    raw = await timed(lambda: state_counts(flt), repeat)
    board = await timed(lambda: build_board(flt), repeat)
    print(f"  raw aggregate SQL     {stats(raw)}")
    print(f"  board (all queries)   {stats(board)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.units, args.tasks, args.repeat))
