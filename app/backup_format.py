"""What `parplan backup` writes and `parplan restore` reads: the archive's format, the facts read from a database
copy, and the refusals both commands share.

The archive holds `manifest.json` first (so a restore can refuse a foreign or mismatched archive before reading
further), then `database.sqlite3` or `database.pgdump`, then `evidence/<sha256>` for every file the database
copy refers to.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click

from app.i18n import _, format_number
from app.settings import Settings
from app.storage import SHA256

FORMAT, FORMAT_VERSION = "parplan-backup", 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KIND_NAME = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Every column that names a stored file, with the column holding its size.
FILE_COLUMNS = (("evidence", "sha256", "size"), ("manual_score", "evidence_sha256", "evidence_size"))


class BackupError(Exception):
    """A refusal or failure with a message for the operator; nothing was written or changed."""


def refuse(exc: BackupError, *extra: str) -> None:
    for line in (str(exc), *extra):
        click.echo(line, err=True)
    sys.exit(2)


def kind_of(settings: Settings) -> str:
    return "postgresql" if settings.is_postgres else "sqlite"


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


def totals(manifest: dict) -> dict[str, str]:
    """What an archive holds, as the operator reads it after a backup or a restore."""
    # Not at the top: app.uploads reads the settings as it loads, and `parplan` must reach main(), which
    # reports a mistaken setting as one clear line instead of a traceback.
    from app.uploads import human_size

    files = manifest["evidence"]
    return {"tables": format_number(len(manifest["tables"]), 0),
            "rows": format_number(sum(manifest["tables"].values()), 0),
            "files": format_number(len(files), 0), "size": human_size(sum(f["size"] for f in files))}


def sqlite_open(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(_("Cannot open the database file %(path)s: %(error)s", path=path, error=exc)) from None


def fsync_dir(folder: Path) -> None:
    # The rename itself must survive a crash, not only the file's bytes.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
