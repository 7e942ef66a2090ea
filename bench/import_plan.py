"""Time importing Sở Tư pháp's 2024 plan (7 fields, 28 tasks): reading the .xlsx, and reading plus saving.

    uv run python bench/import_plan.py [PATH] [--repeat N]

Uses a throw-away SQLite database unless DATABASE_URL is set (then that database: use a scratch one).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "ke-hoach-cchc-2024-so-tu-phap.xlsx"


async def main(path: Path, repeat: int) -> None:
    from app.migrations import migrate_db
    from app.tables import Unit
    from plans.actions import save_parsed_plan
    from plans.spreadsheet import read_plan
    from plans.tables import Plan
    import datetime as dt

    await migrate_db()
    reads, saves = [], []
    for i in range(repeat):
        t0 = time.perf_counter()
        parsed = read_plan(path)
        t1 = time.perf_counter()
        unit = Unit(code=f"BENCH{i}-{os.getpid()}", name="Bench", kind="department")
        await unit.save()
        await save_parsed_plan(parsed, unit, None, dt.datetime.now(dt.timezone.utc))
        t2 = time.perf_counter()
        reads.append(t1 - t0)
        saves.append(t2 - t0)
        await Plan.delete().where(Plan.unit == unit.id)
        await Unit.delete().where(Unit.id == unit.id)
    print(f"file: {path.name} ({parsed.summary()}), {repeat} runs, database {os.environ['DATABASE_URL'].split(':')[0]}")
    print(f"read .xlsx:       median {statistics.median(reads) * 1000:7.1f} ms   max {max(reads) * 1000:7.1f} ms")
    print(f"read + save plan: median {statistics.median(saves) * 1000:7.1f} ms   max {max(saves) * 1000:7.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="parplan-bench-")
    os.environ.setdefault("PARPLAN_VAR_DIR", tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("PARPLAN_DB_POOL", "false")
    import app  # noqa: F401

    asyncio.run(main(args.path, args.repeat))
