"""Existing installations get a history: the migration writes a "created" event for every unit it finds. And the
history survives a backup and restore, like every other table."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

from app.tables import Unit
from tests.builders import make_unit, run
from units.tables import UnitEvent

MIGRATION = importlib.import_module("units.piccolo_migrations.units_2026_12_03t19_30_00_000000")
PARPLAN = Path(sys.executable).with_name("parplan")
NOW = dt.datetime(2026, 12, 3, 19, 30, tzinfo=dt.timezone.utc)


def test_the_migration_backfills_a_created_event_for_every_existing_unit():
    make_unit("STP", "Sở Tư pháp")
    commune = make_unit("XDM", "Xã Đắk Mil", "commune", "Khối xã, phường")
    Unit.update({Unit.effective_from: dt.date(2025, 7, 1)}).where(Unit.id == commune.id).run_sync()
    run(MIGRATION.backfill(NOW))
    rows = UnitEvent.select().order_by(UnitEvent.unit).run_sync()
    assert [(r["action"], r["decision_date"]) for r in rows] == [("created", None), ("created", dt.date(2025, 7, 1))]
    after = rows[1]["after"]
    assert (json.loads(after) if isinstance(after, str) else after)["name"] == "Xã Đắk Mil"


def test_the_history_survives_a_backup_and_restore(web, actors, tmp_path):
    web.login(actors.secretariat)
    assert web.post(f"/units/{actors.unit_a.id}/end", {"accounts": "end", "decision_number": "9/QĐ",
                                                       "decision_date": "01/03/2026"}).status_code == 303
    before = UnitEvent.select().order_by(UnitEvent.id).run_sync()
    env = {**os.environ}
    done = subprocess.run([str(PARPLAN), "backup", "-o", "sao-luu.tar.gz"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=110, check=False)
    assert done.returncode == 0, done.stderr
    UnitEvent.delete(force=True).run_sync()
    back = subprocess.run([str(PARPLAN), "restore", "sao-luu.tar.gz", "--yes"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=110, check=False)
    assert back.returncode == 0, back.stderr
    assert UnitEvent.select().order_by(UnitEvent.id).run_sync() == before != []
