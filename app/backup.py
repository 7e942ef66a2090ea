"""`parplan backup` and `parplan restore`: one .tar.gz holding a consistent copy of the database and the evidence.

The archive holds `manifest.json` first (so a restore can refuse a foreign or mismatched archive before reading
further), then `database.sqlite3` or `database.pgdump`, then `evidence/<sha256>` for every file the database
copy refers to. Evidence is content-addressed and written once, so copying the referenced files after the
snapshot is still consistent with it.

Registered on `parplan` by app/cli.py. Imports from app.cli stay inside functions: `python -m app.cli` runs that
module as __main__, and a module-level import here would load it a second time half-built.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import io
import json
import os
import sqlite3
import sys
import tarfile
import tempfile
import zlib
from importlib import metadata
from pathlib import Path

import click

from app import clock
from app.i18n import _, format_number
from app.settings import Settings, get_settings
from app.storage import CHUNK, SHA256, LocalStorage

FORMAT, FORMAT_VERSION = "parplan-backup", 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KIND_NAME = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Every column that names a stored file, with the column holding its size.
FILE_COLUMNS = (("evidence", "sha256", "size"), ("manual_score", "evidence_sha256", "evidence_size"))


class BackupError(Exception):
    """A refusal or failure with a message for the operator; nothing was written or changed."""


def _refuse(exc: BackupError, *extra: str) -> None:
    for line in (str(exc), *extra):
        click.echo(line, err=True)
    sys.exit(2)


def _kind(settings: Settings) -> str:
    return "postgresql" if settings.is_postgres else "sqlite"


# Backup --------------------------------------------------------------------------------------------------------

@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the archive to write (default: parplan-backup-<date>T<time>.tar.gz here)")
def backup(output: Path | None) -> None:
    """Write one archive with a consistent copy of the database and the evidence files."""
    output = output or Path(f"parplan-backup-{clock.now().astimezone(clock.TZ):%Y-%m-%dT%H%M}.tar.gz")
    try:
        manifest = asyncio.run(write_backup(get_settings(), output))
    except BackupError as exc:
        _refuse(exc, _("Nothing was written."))
    click.echo(_("Backed up: %(tables)s tables, %(rows)s rows, %(files)s evidence files (%(size)s) → %(path)s",
                 **_totals(manifest), path=output))


async def write_backup(settings: Settings, output: Path) -> dict:
    """Snapshot the database, then write the archive under a temporary name and rename it when complete."""
    if output.exists():
        raise BackupError(_("%(path)s already exists; choose another name with -o.", path=output))
    output.parent.mkdir(parents=True, exist_ok=True)
    kind = _kind(settings)
    # Beside the output: the final rename stays on one file system, and /tmp may be too small.
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".parplan-backup-") as work:
        snapshot = Path(work) / DB_MEMBER[kind]
        if kind == "sqlite":
            facts = await _sqlite_snapshot(settings.sqlite_path, snapshot)
        else:
            from app import backup_postgres

            facts = await backup_postgres.snapshot(settings.database_url, snapshot)
        manifest = _manifest(kind, snapshot, **facts)
        part = Path(work) / "archive.part"
        _write_archive(part, manifest, snapshot, LocalStorage(settings.evidence_dir))
        os.replace(part, output)
    _fsync_dir(output.parent)
    return manifest


def _manifest(kind: str, snapshot: Path, counts: dict, migrations: dict, files: dict, database: dict) -> dict:
    try:
        version = metadata.version("parplan")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": clock.now().isoformat(),
        "parplan_version": version,
        "database": {"kind": kind, "file": DB_MEMBER[kind], "sha256": _sha256_of(snapshot),
                     "size": snapshot.stat().st_size, **database},
        "migrations": {app: {"latest": ids[-1], "applied": ids} for app, ids in sorted(migrations.items())},
        "tables": counts,
        "evidence": [{"sha256": sha, "size": size} for sha, size in sorted(files.items())],
    }


async def read_facts(fetch, tables: list[str]) -> dict:
    """Row counts, applied migrations and referenced files, all read from the snapshot itself."""
    counts = {t: (await fetch(f'SELECT count(*) FROM "{t}"'))[0][0] for t in tables}
    migrations: dict[str, list[str]] = {}
    if "migration" in tables:
        for app_name, name in await fetch("SELECT app_name, name FROM migration ORDER BY app_name, name"):
            migrations.setdefault(app_name, []).append(name)
    files: dict[str, int] = {}
    for table, sha_column, size_column in FILE_COLUMNS:
        if table in tables:
            for sha, size in await fetch(f"SELECT DISTINCT {sha_column}, {size_column} FROM {table} "
                                         f"WHERE {sha_column} <> ''"):
                if not SHA256.fullmatch(sha):
                    raise BackupError(_("The table %(table)s names a file by %(value)r, which is not a SHA-256.",
                                        table=table, value=sha))
                files[sha] = int(size)
    return {"counts": counts, "migrations": migrations, "files": files}


async def _sqlite_snapshot(source: Path, target: Path) -> dict:
    if not source.is_file():
        raise BackupError(_("There is no database file at %(path)s.", path=source))
    with contextlib.closing(_sqlite_open(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        try:
            # One step (pages=-1) under one read lock: a single snapshot while the app keeps writing.
            src.backup(dst)
        except sqlite3.Error as exc:
            raise BackupError(_("Cannot open the database file %(path)s: %(error)s", path=source,
                                error=exc)) from None
        tables = [r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]

        async def fetch(sql: str) -> list:
            return dst.execute(sql).fetchall()

        facts = await read_facts(fetch, tables)
    return {**facts, "database": {"sqlite_version": sqlite3.sqlite_version}}


def _write_archive(part: Path, manifest: dict, snapshot: Path, storage: LocalStorage) -> None:
    # Level 1: the PDFs and the PostgreSQL dump are compressed already; higher levels only add time.
    with part.open("wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=1) as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            tar.addfile(_tarinfo(MANIFEST, len(body)), io.BytesIO(body))
            db = manifest["database"]
            with snapshot.open("rb") as handle:
                _add_verified(tar, db["file"], handle, db["sha256"], db["size"], snapshot)
            for item in manifest["evidence"]:
                _add_evidence(tar, storage, item["sha256"], item["size"])
        raw.flush()
        os.fsync(raw.fileno())


def _add_evidence(tar: tarfile.TarFile, storage: LocalStorage, sha: str, size: int) -> None:
    try:
        handle = storage.open(sha)
    except FileNotFoundError:
        raise BackupError(_("Evidence file %(sha256)s is missing from %(folder)s, but the database refers to it.",
                            sha256=sha, folder=storage.root)) from None
    with handle:
        _add_verified(tar, f"evidence/{sha}", handle, sha, size, storage.path(sha))


def _add_verified(tar: tarfile.TarFile, name: str, handle, sha: str, size: int, path: Path) -> None:
    """Copy into the archive, hashing on the way: a file that changed or rotted on disk stops the backup."""
    damaged = BackupError(_("%(path)s is damaged: its content no longer matches its SHA-256 %(sha256)s.",
                            path=path, sha256=sha))
    if os.fstat(handle.fileno()).st_size != size:
        raise damaged
    reader = _Hashing(handle)
    try:
        tar.addfile(_tarinfo(name, size), reader)
    except OSError:  # shorter than it was a moment ago
        raise damaged from None
    if reader.digest.hexdigest() != sha:
        raise damaged


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(clock.now().timestamp())
    return info


class _Hashing:
    """A file object that hashes what is read through it."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _totals(manifest: dict) -> dict[str, str]:
    from tasks.evidence import human_size

    files = manifest["evidence"]
    return {"tables": format_number(len(manifest["tables"]), 0),
            "rows": format_number(sum(manifest["tables"].values()), 0),
            "files": format_number(len(files), 0), "size": human_size(sum(f["size"] for f in files))}


# Restore ------------------------------------------------------------------------------------------------------

@click.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="replace a database that already holds data")
def restore(archive: Path, yes: bool) -> None:
    """Bring a backup back into the database of DATABASE_URL and the evidence folder, then migrate."""
    from app.cli import migrate_db

    try:
        manifest = asyncio.run(restore_backup(get_settings(), archive, yes))
    except BackupError as exc:
        _refuse(exc, _("Nothing was changed."))
    try:
        asyncio.run(migrate_db())
    except Exception as exc:  # whatever failed, say what state the database was left in
        raise click.ClickException(_("The backup was restored, but bringing it up to this version of parplan "
                                     "failed: %(error)s", error=exc)) from exc
    click.echo(_("Restored: %(tables)s tables, %(rows)s rows, %(files)s evidence files (%(size)s) from %(path)s",
                 **_totals(manifest), path=archive))


async def restore_backup(settings: Settings, archive: Path, yes: bool) -> dict:
    """Check the whole archive into staging folders, and only then add the files and replace the database."""
    kind = _kind(settings)
    storage = LocalStorage(settings.evidence_dir)
    with _reading(archive) as tar:
        manifest = _check_manifest(tar, archive, kind)
        if not yes and await _holds_data(settings):
            raise BackupError(_("The database of DATABASE_URL already holds data, and a restore replaces all of "
                                "it. Run again with --yes to go ahead."))
        db_dir = settings.sqlite_path.parent if kind == "sqlite" else None
        for folder in filter(None, (db_dir, storage.root)):
            folder.mkdir(parents=True, exist_ok=True)
        # Staged beside their final places, so that moving them in is a rename on one file system.
        with tempfile.TemporaryDirectory(dir=db_dir, prefix=".parplan-restore-") as db_work, \
                tempfile.TemporaryDirectory(dir=storage.root, prefix=".restore-") as files_work:
            staged = _stage(tar, archive, manifest, Path(db_work), Path(files_work))
            if kind == "postgresql":
                from app import backup_postgres

                tools, drops = await backup_postgres.restore_target(settings.database_url)
                backup_postgres.check_readable(tools[0], staged)
            # Files first: a file nothing refers to yet is harmless, a row whose file is missing is not.
            for item in manifest["evidence"]:
                final = storage.path(item["sha256"])
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(Path(files_work) / item["sha256"], final)
            if kind == "sqlite":
                _swap_sqlite(staged, settings.sqlite_path)
            else:
                backup_postgres.load(tools, settings.database_url, staged, drops)
    return manifest


@contextlib.contextmanager
def _reading(archive: Path):
    try:
        with tarfile.open(archive, "r:gz") as tar:
            yield tar
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(_("%(path)s is damaged or truncated, or not a parplan backup: %(error)s",
                            path=archive, error=exc)) from None


def _check_manifest(tar: tarfile.TarFile, archive: Path, kind: str) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile() or first.size > 256 * 1024 * 1024:
        raise BackupError(_("%(path)s is not a parplan backup: it does not start with a manifest.", path=archive))
    unreadable = BackupError(_("%(path)s is not a parplan backup: its manifest cannot be read.", path=archive))
    try:
        manifest = json.loads(tar.extractfile(first).read())
        found, version = manifest["format"], manifest["format_version"]
    except (ValueError, KeyError, TypeError):
        raise unreadable from None
    if found != FORMAT:
        raise unreadable
    if version != FORMAT_VERSION:
        raise BackupError(_("This backup is in format %(found)s; this parplan reads format %(supported)s.",
                            found=version, supported=FORMAT_VERSION))
    try:
        database = manifest["database"]
        well_formed = isinstance(manifest["tables"], dict) and all(
            SHA256.fullmatch(f["sha256"]) and isinstance(f["size"], int) for f in [database, *manifest["evidence"]])
    except (KeyError, TypeError):
        raise unreadable from None
    if not well_formed:
        raise unreadable
    if database.get("kind") != kind or database.get("file") != DB_MEMBER[kind]:
        raise BackupError(_("This backup holds a %(backup)s database, but DATABASE_URL names a %(target)s one. "
                            "Restore only brings a backup back into the same kind of database: from SQLite to "
                            "PostgreSQL (or back) is not supported.",
                            backup=KIND_NAME.get(database.get("kind"), str(database.get("kind"))),
                            target=KIND_NAME[kind]))
    return manifest


def _stage(tar: tarfile.TarFile, archive: Path, manifest: dict, db_work: Path, files_work: Path) -> Path:
    """Extract every member into the staging folders, checking each against the manifest; the database copy."""
    db = manifest["database"]
    expected = {db["file"]: (db["sha256"], db["size"], db_work / db["file"])}
    for item in manifest["evidence"]:
        expected[f"evidence/{item['sha256']}"] = (item["sha256"], item["size"], files_work / item["sha256"])

    def damaged(name: str) -> BackupError:
        return BackupError(_("%(path)s is damaged: %(member)s does not match the manifest.", path=archive,
                             member=name))

    for member in iter(tar.next, None):  # after the manifest, which iterating the TarFile would yield again
        if member.name not in expected or not member.isfile():
            raise damaged(member.name)
        sha, size, target = expected.pop(member.name)
        if member.size != size or _extract(tar.extractfile(member), target) != sha:
            raise damaged(member.name)
    if expected:
        raise damaged(min(expected))
    # The gzip checksum sits at the very end: read up to it, so that no damage goes unnoticed.
    while tar.fileobj.read(CHUNK):
        pass
    return db_work / db["file"]


def _extract(source, target: Path) -> str:
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())  # on disk before it takes a real name
    return digest.hexdigest()


async def _holds_data(settings: Settings) -> bool:
    if settings.is_postgres:
        from app import backup_postgres

        return await backup_postgres.holds_data(settings.database_url)
    if not settings.sqlite_path.exists():
        return False
    with contextlib.closing(_sqlite_open(settings.sqlite_path)) as conn:
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE 'sqlite_%' AND name <> 'migration'")]
            return any(conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")').fetchone()[0] for t in tables)
        except sqlite3.DatabaseError:  # damaged: whatever it holds, replacing it needs --yes
            return True


def _sqlite_open(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(_("Cannot open the database file %(path)s: %(error)s", path=path, error=exc)) from None


def _swap_sqlite(staged: Path, target: Path) -> None:
    guard = _lock_out_writers(target)
    try:
        os.replace(staged, target)
        # A journal left by the old file would be played back into the new one.
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    finally:
        if guard:
            guard.close()
    _fsync_dir(target.parent)


def _lock_out_writers(target: Path) -> sqlite3.Connection | None:
    """Wait for a writer half-way through a transaction, and keep new ones out while the file is replaced."""
    if not target.exists():
        return None
    guard = _sqlite_open(target)
    try:
        guard.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as exc:  # still busy after the 30 s timeout
        guard.close()
        raise BackupError(_("Cannot open the database file %(path)s: %(error)s", path=target, error=exc)) from None
    except sqlite3.DatabaseError:  # not a database any more: nobody can be writing to it
        guard.close()
        return None
    return guard


def _fsync_dir(folder: Path) -> None:
    # The rename itself must survive a crash, not only the file's bytes.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
