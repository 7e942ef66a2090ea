"""`parplan backup`: one .tar.gz holding a consistent copy of the database and the evidence.

The format is app/backup_format.py's. Evidence is content-addressed and written once, so copying the referenced
files after the snapshot is still consistent with it. Registered on `parplan` by app/cli.py; `parplan restore`
is app/backup_restore.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

import click

from app import backup_postgres, clock
from app.backup_format import (DB_MEMBER, FORMAT, FORMAT_VERSION, MANIFEST, BackupError, fsync_dir, kind_of,
                               read_facts, refuse, sqlite_open, totals)
from app.i18n import _
from app.settings import Settings, get_settings
from app.storage import CHUNK, LocalStorage


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the archive to write (default: parplan-backup-<date>T<time>.tar.gz here)")
def backup(output: Path | None) -> None:
    """Write one archive with a consistent copy of the database and the evidence files."""
    output = output or Path(f"parplan-backup-{clock.now().astimezone(clock.TZ):%Y-%m-%dT%H%M}.tar.gz")
    try:
        manifest = asyncio.run(write_backup(get_settings(), output))
    except BackupError as exc:
        refuse(exc, _("Nothing was written."))
    click.echo(_("Backed up: %(tables)s tables, %(rows)s rows, %(files)s evidence files (%(size)s) → %(path)s",
                 **totals(manifest), path=output))


async def write_backup(settings: Settings, output: Path) -> dict:
    """Snapshot the database, then write the archive under a temporary name and rename it when complete."""
    if output.exists():
        raise BackupError(_("%(path)s already exists; choose another name with -o.", path=output))
    output.parent.mkdir(parents=True, exist_ok=True)
    kind = kind_of(settings)
    # Beside the output: the final rename stays on one file system, and /tmp may be too small.
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".parplan-backup-") as work:
        snapshot = Path(work) / DB_MEMBER[kind]
        if kind == "sqlite":
            facts = await _sqlite_snapshot(settings.sqlite_path, snapshot)
        else:
            facts = await backup_postgres.snapshot(settings.database_url, snapshot)
        manifest = _manifest(kind, snapshot, **facts)
        part = Path(work) / "archive.part"
        _write_archive(part, manifest, snapshot, LocalStorage(settings.evidence_dir))
        os.replace(part, output)
    fsync_dir(output.parent)
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


async def _sqlite_snapshot(source: Path, target: Path) -> dict:
    if not source.is_file():
        raise BackupError(_("There is no database file at %(path)s.", path=source))
    with contextlib.closing(sqlite_open(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
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
