"""`parplan restore`: bring a backup (app/backup.py) back into the database of DATABASE_URL and the evidence
folder, checking the whole archive before anything is replaced, then migrate it forwards.

Registered on `parplan` by app/cli.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import os
import sqlite3
import tarfile
import tempfile
import zlib
from pathlib import Path

import click

from app import backup_postgres
from app.backup_format import (DB_MEMBER, FORMAT, FORMAT_VERSION, KIND_NAME, MANIFEST, BackupError, fsync_dir,
                               kind_of, refuse, sqlite_open, totals)
from app.i18n import _
from app.migrations import migrate_db
from app.settings import Settings, get_settings
from app.storage import CHUNK, SHA256, LocalStorage


@click.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="replace a database that already holds data")
def restore(archive: Path, yes: bool) -> None:
    """Bring a backup back into the database of DATABASE_URL and the evidence folder, then migrate."""
    try:
        manifest = asyncio.run(restore_backup(get_settings(), archive, yes))
    except BackupError as exc:
        refuse(exc, _("Nothing was changed."))
    try:
        asyncio.run(migrate_db())
    except Exception as exc:  # whatever failed, say what state the database was left in
        raise click.ClickException(_("The backup was restored, but bringing it up to this version of parplan "
                                     "failed: %(error)s", error=exc)) from exc
    click.echo(_("Restored: %(tables)s tables, %(rows)s rows, %(files)s evidence files (%(size)s) from %(path)s",
                 **totals(manifest), path=archive))


async def restore_backup(settings: Settings, archive: Path, yes: bool) -> dict:
    """Check the whole archive into staging folders, and only then add the files and replace the database."""
    kind = kind_of(settings)
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
        return await backup_postgres.holds_data(settings.database_url)
    if not settings.sqlite_path.exists():
        return False
    with contextlib.closing(sqlite_open(settings.sqlite_path)) as conn:
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE 'sqlite_%' AND name <> 'migration'")]
            return any(conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")').fetchone()[0] for t in tables)
        except sqlite3.DatabaseError:  # damaged: whatever it holds, replacing it needs --yes
            return True


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
    fsync_dir(target.parent)


def _lock_out_writers(target: Path) -> sqlite3.Connection | None:
    """Wait for a writer half-way through a transaction, and keep new ones out while the file is replaced."""
    if not target.exists():
        return None
    guard = sqlite_open(target)
    try:
        guard.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as exc:  # still busy after the 30 s timeout
        guard.close()
        raise BackupError(_("Cannot open the database file %(path)s: %(error)s", path=target, error=exc)) from None
    except sqlite3.DatabaseError:  # not a database any more: nobody can be writing to it
        guard.close()
        return None
    return guard
