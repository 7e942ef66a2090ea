"""Generated data for the benchmarks: a province and a nation, shaped like real plans.

    province: 200 units × 30 tasks, two years (last year and this year)   12 000 tasks
    nation:   6 000 units × 30 tasks, this year                          180 000 tasks

Every unit has a focal point and a unit head; one secretariat, one steering and one admin account see every
unit. All accounts share one password (hashed once). Each year has a scoring rule (the "stepped" example) and
every unit an issued plan of 7 fields. Deadlines are spread over the year. A task due before the cut-off is
done three times in four (a few of them late); one due later, one time in four. About 1 % of tasks are
cancelled and 2 % had their deadline moved. The generator writes into the database the settings point at:
run it against an empty scratch database.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

PASSWORD = "bench-parplan-2024"
CHUNK = 1000  # rows per INSERT: PostgreSQL takes at most 32 767 parameters in one statement
SCALES = {"province": (200, 30, 2), "nation": (6000, 30, 1)}  # units, tasks per unit, years


@dataclass
class World:
    """What the benchmarks need to find in the generated data."""

    scale: str
    units: int
    per_unit: int
    years: tuple[int, ...]
    as_of: dt.date
    focal_points: list[tuple[str, int]] = field(default_factory=list)  # (email, unit id), in unit order
    steering: str = "bcd@bench.parplan.vn"
    secretariat: str = "cchc@bench.parplan.vn"

    @property
    def year(self) -> int:
        return self.years[-1]

    @property
    def tasks(self) -> int:
        return self.units * self.per_unit * len(self.years)


async def _insert(table, rows: list) -> None:
    for i in range(0, len(rows), CHUNK):
        await table.insert(*rows[i:i + CHUNK])


async def _people(units: int) -> tuple[list[int], list[tuple[str, int]]]:
    from app.auth import hash_password
    from app.tables import Unit, User

    await _insert(Unit, [Unit(code=f"U{i:05d}", name=f"{'Sở' if i % 5 == 0 else 'UBND xã'} số {i}",
                              kind="department" if i % 5 == 0 else "commune",
                              block="Khối sở, ban, ngành" if i % 5 == 0 else "Khối xã, phường")
                         for i in range(units)])
    ids = [u["id"] for u in await Unit.select(Unit.id).order_by(Unit.id)]
    hashed = hash_password(PASSWORD)
    focal = [(f"daumoi.{i}@bench.parplan.vn", uid) for i, uid in enumerate(ids)]
    people = [User(email=email, role="focal_point", unit=uid, full_name=f"Đầu mối {uid}", password_hash=hashed)
              for email, uid in focal]
    people += [User(email=f"giamdoc.{i}@bench.parplan.vn", role="unit_head", unit=uid, full_name=f"Thủ trưởng {uid}",
                    password_hash=hashed) for i, uid in enumerate(ids)]
    people += [User(email=email, role=role, full_name=name, password_hash=hashed)
               for email, role, name in (("cchc@bench.parplan.vn", "secretariat", "Văn phòng CCHC"),
                                         ("bcd@bench.parplan.vn", "steering", "Ban Chỉ đạo"),
                                         ("admin@bench.parplan.vn", "admin", "Quản trị"))]
    await _insert(User, people)
    return ids, focal


def _task(rng: random.Random, field_id: int, n: int, year: int, as_of: dt.date):
    from tasks.tables import Task

    due = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(20, 364))
    roll = rng.random()
    if roll < 0.01:
        status, completed, cancelled = "cancelled", None, min(due, as_of)
    elif roll < (0.75 if due <= as_of else 0.25):
        status, cancelled = "done", None
        completed = min(as_of, due + dt.timedelta(days=rng.choice([-20, -10, -5, -1, 0, 0, 3, 12])))
    else:
        status, completed, cancelled = rng.choice(["in_progress", "in_progress", "not_started"]), None, None
    return Task(field=field_id, position=n, number=str(n + 1), content=f"Nhiệm vụ số {n + 1} về cải cách hành chính",
                lead="Văn phòng", partners="Các phòng chuyên môn", output="Báo cáo kết quả", due_date=due,
                status=status, progress=100 if status == "done" else rng.choice([0, 20, 50, 80]),
                completed_on=completed, cancelled_on=cancelled,
                cancel_reason="Không còn phù hợp" if cancelled else "")


async def _plans(rng: random.Random, unit_ids: list[int], per_unit: int, year: int, as_of: dt.date) -> None:
    from plans.tables import Field, Plan
    from scoring.examples import stepped
    from scoring.tables import ScoringRule
    from tasks.tables import Task, TaskDeadline

    await ScoringRule.insert(ScoringRule(year=year, block="", body=stepped(year)))
    await _insert(Plan, [Plan(unit=uid, year=year, title=f"Kế hoạch cải cách hành chính năm {year}",
                              status="issued", doc_number=f"{uid}/KH-UBND",
                              doc_date=dt.date(year, 1, 5) + dt.timedelta(days=rng.randint(0, 40)))
                         for uid in unit_ids])
    plans = [p["id"] for p in await Plan.select(Plan.id).where(Plan.year == year).order_by(Plan.id)]
    await _insert(Field, [Field(plan=pid, position=f, name=f"Lĩnh vực {f}", component=f)
                          for pid in plans for f in range(1, 8)])
    fields = [f["id"] for f in await Field.select(Field.id).where(Field.plan.year == year).order_by(Field.id)]
    tasks = [_task(rng, plan_fields[n % 7], n, year, as_of)
             for plan_fields in (fields[i:i + 7] for i in range(0, len(fields), 7)) for n in range(per_unit)]
    await _insert(Task, tasks)
    moved = await Task.select(Task.id, Task.due_date).where(Task.field.plan.year == year).order_by(Task.id)
    await _insert(TaskDeadline, [
        TaskDeadline(task=t["id"], changed_on=min(as_of, t["due_date"]) - dt.timedelta(days=5),
                     old_due=t["due_date"] - dt.timedelta(days=30), new_due=t["due_date"])
        for t in moved if rng.random() < 0.02])


async def generate(scale: str, today: dt.date) -> World:
    """Fill the (empty, migrated) database with a province or a nation; this year's cut-off is `today`."""
    units, per_unit, years = SCALES[scale]
    world = World(scale, units, per_unit, tuple(range(today.year - years + 1, today.year + 1)), today)
    rng = random.Random(7)
    unit_ids, world.focal_points = await _people(units)
    for year in world.years:
        await _plans(rng, unit_ids, per_unit, year, min(today, dt.date(year, 12, 31)))
    from app.settings import get_settings
    from app.tables import Unit

    if get_settings().is_postgres:  # what autovacuum does soon after a bulk load: the planner needs statistics
        await Unit.raw("ANALYZE")
    return world
