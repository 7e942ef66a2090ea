"""`parplan backup` and `parplan restore`, run as the real command in a subprocess on the test database."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from pathlib import Path

from piccolo.apps.migrations.commands.backwards import run_backwards

from app import clock
from app.i18n import _, format_number
from app.settings import get_settings
from app.tables import Unit
from app.uploads import human_size
from scoring.tables import ManualScore
from tasks.tables import Evidence, Task, TaskEvent
from tests.builders import TaskSpec, amend, make_plan, run

PARPLAN = Path(sys.executable).with_name("parplan")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
POSTGRES = os.environ["DATABASE_URL"].startswith("postgresql://")
PG_ADMIN_URL = os.environ.get("PARPLAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def parplan(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(PARPLAN), *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=110, check=False)


def query(sql: str) -> list[dict]:
    return Unit.raw(sql).run_sync()


def tables() -> list[str]:
    if POSTGRES:
        return [r["tablename"] for r in query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                              "ORDER BY tablename")]
    return [r["name"] for r in query("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def every_row() -> dict[str, list[dict]]:
    """Every row of every table the database holds, in a fixed order."""
    return {t: query(f'SELECT * FROM "{t}" ORDER BY id') for t in tables()}


def schema_objects() -> list:
    """Indexes and triggers, so that a restore is seen to bring the audit log's guards back too."""
    if POSTGRES:
        return [*query("SELECT indexname AS name, indexdef AS sql FROM pg_indexes "
                       "WHERE schemaname = current_schema() ORDER BY indexname"),
                *query("SELECT tgname AS name, pg_get_triggerdef(oid) AS sql FROM pg_trigger "
                       "WHERE NOT tgisinternal ORDER BY tgname")]
    return query("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name")


def files_on_disk() -> dict[str, bytes]:
    root = get_settings().evidence_dir
    return {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def upload(web, task, name: str, content: bytes):
    response = web.post(f"/tasks/{task.id}/evidence", {"doc_number": "12/BC-STP", "issuer": "Sở Tư pháp"},
                        files=[("files", (name, content, "application/pdf"))], htmx=True)
    assert response.status_code == 200, response.text
    return Evidence.objects().where(Evidence.original_name == name).first().run_sync()


def a_province(web, actors) -> dict:
    """Plans, tasks with history, evidence uploaded through the pages, and points entered with a file."""
    year = clock.today().year
    plan = make_plan(actors.unit_a, year, {
        "Thể chế": [TaskSpec("Rà soát văn bản", dt.date(year, 12, 31), "in_progress"),
                    TaskSpec("Báo cáo quý", dt.date(year, 12, 31))],
        "Cải cách TTHC": [TaskSpec("Công khai thủ tục", dt.date(year, 6, 30))]})
    make_plan(actors.unit_b, year, {"Thể chế": [TaskSpec("Kiểm tra", dt.date(year, 9, 30))]})
    first, second = Task.objects().order_by(Task.id).limit(2).run_sync()
    amend(plan.id, [{"action": "redate", "task": second.id, "due": dt.date(year, 11, 30)}], actors.secretariat,
          day=clock.today())  # an approved amendment: its rows and its changes' history
    web.login(actors.focal_a)
    response = web.post(f"/tasks/{first.id}/progress", {"status": "in_progress", "progress": "60", "note": "Đã trình",
                                                        "completed_on": "", "version": str(first.version)}, htmx=True)
    assert response.status_code == 200
    report = PDF + os.urandom(300_000)  # incompressible, bigger than one chunk
    kept = upload(web, first, "Báo cáo rà soát (bản ký).pdf", report)
    dropped = upload(web, second, "Biên bản.pdf", PDF + b"bien ban" * 1000)
    web.login(actors.secretariat)
    assert web.post("/scoring/rules", {"year": "2024", "block": "", "example": "stepped"}).status_code == 303
    points = PDF + os.urandom(5_000)
    response = web.post(f"/scoring/2024/units/{actors.unit_a.id}/scores",
                        {"criterion": "1.3", "points": "1", "comment": "", "seen": ""},
                        files=[("files", ("Báo cáo tuyên truyền.pdf", points, "application/pdf"))])
    assert response.status_code == 303, response.text
    score = ManualScore.select().first().run_sync()
    from years.actions import close_year

    run(close_year(year - 2, dt.date(year - 1, 1, 15), "Khóa sổ", actors.secretariat, clock.now()))  # a closed year
    return {"kept": (kept, report), "dropped": (dropped, dropped.sha256), "score": (score, points)}


def test_a_round_trip_brings_back_every_row_and_every_file(web, actors, tmp_path):
    made = a_province(web, actors)
    rows, objects, files = every_row(), schema_objects(), files_on_disk()
    assert rows["task_event"] and rows["evidence"] and rows["manual_score"] and rows["amendment_change"]
    assert rows["year_close"]

    done = parplan("backup", "-o", "sao-luu.tar.gz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    manifest = manifest_of(tmp_path / "sao-luu.tar.gz")
    shas = {e["sha256"]: e["size"] for e in manifest["evidence"]}
    stored = [made["kept"][0].sha256, made["dropped"][1], made["score"][0]["evidence_sha256"]]
    assert set(shas) == set(stored) and shas[stored[0]] == len(made["kept"][1])
    assert manifest["tables"] == {t: len(r) for t, r in rows.items()}
    assert manifest["database"]["kind"] == ("postgresql" if POSTGRES else "sqlite")
    assert manifest["migrations"]["tasks"]["latest"] == max(
        r["name"] for r in rows["migration"] if r["app_name"] == "tasks")
    total = sum(len(r) for r in rows.values())
    assert _("Backed up: %(tables)s tables, %(rows)s rows, %(files)s evidence files (%(size)s) → %(path)s",
             tables=len(rows), rows=format_number(total, 0), files=3, size=manifest_size(manifest),
             path="sao-luu.tar.gz") in done.stdout

    # What happens after the backup: edits, a hard delete with its file, a new unit, another sign-in.
    dropped, sha = made["dropped"]
    Task.update({Task.status: "cancelled", Task.content: "đã sửa"}, force=True).run_sync()
    Evidence.delete().where(Evidence.id == dropped.id).run_sync()
    for gone in (sha, made["score"][0]["evidence_sha256"]):
        next(get_settings().evidence_dir.rglob(gone)).unlink()
    Unit(code="MOI", name="Đơn vị mới", kind="department").save().run_sync()
    web.login(actors.focal_b)
    assert every_row() != rows and files_on_disk() != files

    back = parplan("restore", "sao-luu.tar.gz", "--yes", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert every_row() == rows
    assert schema_objects() == objects
    assert files_on_disk() == files
    web.login(actors.steering)
    evidence, content = made["kept"]
    assert web.get(f"/evidence/{evidence.id}/download").content == content
    score, points = made["score"]
    assert web.get(f"/scoring/evidence/{score['id']}").content == points
    # The sequences came back too: new rows take fresh ids.
    Unit(code="SAU", name="Sau khôi phục", kind="department").save().run_sync()


def manifest_size(manifest: dict) -> str:
    return human_size(sum(e["size"] for e in manifest["evidence"]))


def test_an_older_backup_is_migrated_forwards_after_the_restore(web, actors, tmp_path):
    a_province(web, actors)
    current_objects = schema_objects()
    migrations = {(r["app_name"], r["name"]) for r in query("SELECT app_name, name FROM migration")}
    latest = max(migrations, key=lambda m: m[1])
    try:
        # The database as the previous release left it: its newest migration not yet applied.
        result = run(run_backwards(latest[0], migration_id="1", auto_agree=True))
        assert result.success, result.message
        rows = every_row()
        assert latest not in {(r["app_name"], r["name"]) for r in rows["migration"]}
        done = parplan("backup", "-o", "cu.tar.gz", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        # An app whose only migration is the newest did not exist in the previous release: the backup has none.
        older = manifest_of(tmp_path / "cu.tar.gz")["migrations"].get(latest[0], {"latest": ""})
        assert older["latest"] < latest[1]
    finally:
        from app.migrations import migrate_db

        run(migrate_db())  # then the server was upgraded, which migrated it
    back = parplan("restore", "cu.tar.gz", "--yes", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert {(r["app_name"], r["name"]) for r in query("SELECT app_name, name FROM migration")} == migrations
    assert schema_objects() == current_objects
    after = every_row()
    # Tables the newest migration creates come back empty, or holding what it backfills (the units' history
    # starts with a "created" event per existing unit); every other table holds the old backup's rows.
    backfilled = {"unit_event": len(rows["unit"])}
    assert {t: len(after[t]) for t in set(after) - set(rows)} == {t: backfilled.get(t, 0) for t in set(after) - set(rows)}
    kept = set(rows) - {"migration"}
    assert {t: after[t] for t in kept} == {t: rows[t] for t in kept}


def test_the_default_name_carries_the_time_and_an_existing_file_is_never_overwritten(actors, tmp_path):
    assert parplan("backup", cwd=tmp_path).returncode == 0
    (made,) = tmp_path.iterdir()
    assert re.fullmatch(r"parplan-backup-\d{4}-\d\d-\d\dT\d{4}\.tar\.gz", made.name)
    again = parplan("backup", "-o", made.name, cwd=tmp_path)
    assert again.returncode == 2
    assert _("%(path)s already exists; choose another name with -o.", path=made.name) in again.stderr
    assert list(tmp_path.iterdir()) == [made]


# Consistency -------------------------------------------------------------------------------------------

class Writer(threading.Thread):
    """Keeps changing one task the way the app does: a history row and a version bump in one transaction."""

    def __init__(self, task_id: int, actor_id: int):
        super().__init__(daemon=True)
        self.task_id, self.actor_id, self.written, self.stop = task_id, actor_id, 0, threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self.loop())
        except Exception as exc:  # reported by the test, not lost in the thread
            self.error = exc

    async def loop(self) -> None:
        while not self.stop.is_set():
            async with Task._meta.db.transaction():
                await TaskEvent.insert(TaskEvent(task=self.task_id, actor=self.actor_id, action="updated",
                                                 changes={"note": [str(self.written), str(self.written + 1)]}))
                await Task.update({Task.version: Task.version + 1}).where(Task.id == self.task_id)
            self.written += 1

    def wait_for(self, count: int) -> None:
        while self.written < count and self.is_alive():
            time.sleep(0.01)
        assert self.error is None and self.written >= count, self.error


def test_a_backup_taken_while_the_app_writes_is_one_snapshot(actors, tmp_path):
    make_plan(actors.unit_a, 2024, {"Thể chế": [TaskSpec("Việc một", dt.date(2024, 6, 30))]})
    task = Task.objects().first().run_sync()
    writer = Writer(task.id, actors.focal_a.id)
    writer.start()
    try:
        writer.wait_for(5)
        done = parplan("backup", "-o", "dang-ghi.tar.gz", cwd=tmp_path)
        writer.wait_for(writer.written + 5)  # and it goes on writing after the snapshot
    finally:
        writer.stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    manifest = manifest_of(tmp_path / "dang-ghi.tar.gz")
    assert 5 <= manifest["tables"]["task_event"] < TaskEvent.count().run_sync()

    back = parplan("restore", "dang-ghi.tar.gz", "--yes", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert {t: len(r) for t, r in every_row().items()} == manifest["tables"]
    restored = Task.objects().where(Task.id == task.id).first().run_sync()
    # Both tables come from the same instant: every history row in the copy has its version bump, and no more.
    assert restored.version == 1 + TaskEvent.count().where(TaskEvent.task == task.id).run_sync()


# Refusals ----------------------------------------------------------------------------------------------

def a_backup(tmp_path: Path, name: str = "sao-luu.tar.gz") -> Path:
    done = parplan("backup", "-o", name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / name


def refused(tmp_path: Path, *args: str) -> str:
    rows, files = every_row(), files_on_disk()
    result = parplan("restore", *args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert _("Nothing was changed.") in result.stderr
    assert every_row() == rows and files_on_disk() == files
    return result.stderr


def rewritten(source: Path, target: Path, change) -> Path:
    """A copy of an archive with its members passed through `change(name, data) -> (name, data) or None`."""
    with tarfile.open(source, "r:gz") as tar, tarfile.open(target, "w:gz") as out:
        for member in tar:
            kept = change(member.name, tar.extractfile(member).read())
            if kept:
                info = tarfile.TarInfo(kept[0])
                info.size = len(kept[1])
                out.addfile(info, io.BytesIO(kept[1]))
    return target


def test_a_damaged_truncated_or_foreign_archive_is_refused_and_nothing_changes(web, actors, tmp_path):
    made = a_province(web, actors)
    good = a_backup(tmp_path)
    data = good.read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(data) * 3 // 4] ^= 0xFF
    (tmp_path / "flipped.tar.gz").write_bytes(bytes(flipped))
    (tmp_path / "text.tar.gz").write_text("không phải bản sao lưu")
    with tarfile.open(tmp_path / "foreign.tar.gz", "w:gz") as foreign:
        foreign.add(good, arcname="something-else.tar.gz")
    kept_sha = made["kept"][0].sha256

    def swap_evidence(name, content):
        return (name, content[:-1] + b"X") if name == f"evidence/{kept_sha}" else (name, content)

    tampered = rewritten(good, tmp_path / "tampered.tar.gz", swap_evidence)
    missing = rewritten(good, tmp_path / "missing.tar.gz", lambda n, c: None if n == f"evidence/{kept_sha}" else (n, c))

    Task.update({Task.content: "sửa sau khi sao lưu"}, force=True).run_sync()  # the target differs from the backup
    unreadable = _("%(path)s is damaged or truncated, or not a parplan backup: %(error)s", path="cut.tar.gz",
                   error="").rstrip()
    assert unreadable in refused(tmp_path, "cut.tar.gz", "--yes")
    assert "flipped.tar.gz" in refused(tmp_path, "flipped.tar.gz", "--yes")
    assert "text.tar.gz" in refused(tmp_path, "text.tar.gz", "--yes")
    assert _("%(path)s is not a parplan backup: it does not start with a manifest.",
             path="foreign.tar.gz") in refused(tmp_path, "foreign.tar.gz", "--yes")
    for archive in (tampered, missing):
        assert _("%(path)s is damaged: %(member)s does not match the manifest.", path=archive.name,
                 member=f"evidence/{kept_sha}") in refused(tmp_path, archive.name, "--yes")


def test_a_backup_of_the_other_kind_of_database_is_refused(actors, tmp_path):
    other = other_kind_backup(tmp_path)
    message = refused(tmp_path, other.name, "--yes")
    assert _("This backup holds a %(backup)s database, but DATABASE_URL names a %(target)s one. Restore only "
             "brings a backup back into the same kind of database: from SQLite to PostgreSQL (or back) is not "
             "supported.", backup="SQLite" if POSTGRES else "PostgreSQL",
             target="PostgreSQL" if POSTGRES else "SQLite") in message


def other_kind_backup(tmp_path: Path) -> Path:
    """A real backup of the other kind of database, made by the command."""
    if POSTGRES:
        url = f"sqlite:///{tmp_path / 'khac.sqlite3'}"
        assert parplan("migrate", cwd=tmp_path, env={"DATABASE_URL": url}).returncode == 0
        done = parplan("backup", "-o", "khac.tar.gz", cwd=tmp_path, env={"DATABASE_URL": url})
        assert done.returncode == 0, done.stderr
        return tmp_path / "khac.tar.gz"
    name = f"parplan_backup_{uuid.uuid4().hex[:8]}"
    run(pg(PG_ADMIN_URL, f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        done = parplan("backup", "-o", "khac.tar.gz", cwd=tmp_path, env={"DATABASE_URL": url})
        assert done.returncode == 0, done.stderr
    finally:
        run(pg(PG_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return tmp_path / "khac.tar.gz"


async def pg(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def test_a_database_that_holds_data_is_replaced_only_with_yes(actors, tmp_path):
    archive = a_backup(tmp_path)
    message = refused(tmp_path, archive.name)
    assert _("The database of DATABASE_URL already holds data, and a restore replaces all of it. Run again with "
             "--yes to go ahead.") in message


def test_an_empty_database_is_restored_without_yes(actors, tmp_path):
    rows = every_row()
    archive = a_backup(tmp_path)
    from tests.builders import empty_all_tables

    empty_all_tables()
    back = parplan("restore", archive.name, cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert every_row() == rows


# The backup's own refusals ------------------------------------------------------------------------------

def test_a_missing_or_rotten_evidence_file_stops_the_backup_and_leaves_no_file(web, actors, tmp_path):
    made = a_province(web, actors)
    path = next(get_settings().evidence_dir.rglob(made["kept"][0].sha256))
    original = path.read_bytes()
    try:
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # same size, other bytes
        rotten = parplan("backup", "-o", "b.tar.gz", cwd=tmp_path)
        assert rotten.returncode == 2
        assert _("%(path)s is damaged: its content no longer matches its SHA-256 %(sha256)s.", path=path,
                 sha256=path.name) in rotten.stderr
        path.unlink()
        gone = parplan("backup", "-o", "b.tar.gz", cwd=tmp_path)
        assert gone.returncode == 2
        assert _("Evidence file %(sha256)s is missing from %(folder)s, but the database refers to it.",
                 sha256=path.name, folder=get_settings().evidence_dir) in gone.stderr
        assert _("Nothing was written.") in gone.stderr
        assert list(tmp_path.iterdir()) == []  # neither the archive nor a half-written temporary file
    finally:
        path.write_bytes(original)


def test_a_missing_or_too_old_pg_dump_is_named_before_anything_is_written(tmp_path):
    url = os.environ["DATABASE_URL"] if POSTGRES else PG_ADMIN_URL
    major = run(server_major(url))
    tools = tmp_path / "bin"
    tools.mkdir()
    missing = parplan("backup", "-o", "b.tar.gz", cwd=tmp_path, env={"DATABASE_URL": url, "PATH": str(tools)})
    assert missing.returncode == 2
    assert _("%(tool)s was not found. Install the PostgreSQL %(server)s client tools (Debian: apt-get install "
             "postgresql-client-%(server)s).", tool="pg_dump", server=major) in missing.stderr
    # An older client, as a machine with the previous release's client tools has: it cannot read a newer server.
    (tools / "pg_dump").write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {major - 1}.9'\n")
    (tools / "pg_dump").chmod(0o755)
    old = parplan("backup", "-o", "b.tar.gz", cwd=tmp_path, env={"DATABASE_URL": url, "PATH": str(tools)})
    assert old.returncode == 2
    assert _("pg_dump %(client)s cannot back up a PostgreSQL %(server)s server: install the PostgreSQL %(server)s "
             "client tools (Debian: postgresql-client-%(server)s).", client=major - 1, server=major) in old.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]


async def server_major(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return conn.get_server_version().major
    finally:
        await conn.close()
