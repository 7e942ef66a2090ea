"""The PostgreSQL side of `parplan backup` and `parplan restore`: pg_dump from one snapshot, and a restore that
commits in one transaction. Used by app/backup.py and app/backup_restore.py when DATABASE_URL names PostgreSQL
(asyncpg is loaded only then).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from app.backup_format import BackupError, read_facts
from app.i18n import _


async def snapshot(url: str, target: Path) -> dict:
    """pg_dump --format=custom into `target`, with the facts of the manifest read from the same snapshot."""
    conn = await connect(url)
    try:
        server = conn.get_server_version()
        pg_dump, client = tool("pg_dump", server.major)
        if client < server.major:
            raise BackupError(_("pg_dump %(client)s cannot back up a PostgreSQL %(server)s server: install the "
                                "PostgreSQL %(server)s client tools (Debian: postgresql-client-%(server)s).",
                                client=client, server=server.major))
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            # pg_dump reads the very snapshot this transaction holds, so the counts and the file list below
            # describe exactly what it dumps, whatever is written meanwhile.
            exported = await conn.fetchval("SELECT pg_export_snapshot()")
            dsn, env = _dsn(url)
            proc = await asyncio.create_subprocess_exec(
                pg_dump, "--format=custom", f"--snapshot={exported}", f"--file={target}", f"--dbname={dsn}",
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                tables = [r[0] for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]
                facts = await read_facts(conn.fetch, tables)
                errors = (await proc.communicate())[1]
            finally:
                if proc.returncode is None:  # the facts failed: pg_dump must not outlive the snapshot
                    proc.kill()
                    await proc.wait()
            if proc.returncode:
                raise BackupError(_("%(tool)s failed: %(error)s", tool="pg_dump",
                                    error=errors.decode(errors="replace").strip()))
    finally:
        await conn.close()
    return {**facts, "database": {"server_version": f"{server.major}.{server.minor}", "pg_dump_major": client}}


async def holds_data(url: str) -> bool:
    conn = await connect(url)
    try:
        tables = [r[0] for r in await conn.fetch(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'migration'")]
        return any([await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {t})") for t in tables])
    finally:
        await conn.close()


async def restore_target(url: str) -> tuple[tuple[str, str], str]:
    """The client tools that match the server (pg_restore, psql), and the SQL that empties its schema."""
    conn = await connect(url)
    try:
        major = conn.get_server_version().major
        return (tool("pg_restore", major)[0], tool("psql", major)[0]), await _drops(conn)
    finally:
        await conn.close()


def check_readable(pg_restore: str, dump: Path) -> None:
    listed = subprocess.run([pg_restore, "--list", str(dump)], capture_output=True, text=True, check=False)
    if listed.returncode:
        raise BackupError(_("%(tool)s failed: %(error)s", tool="pg_restore", error=listed.stderr.strip()))


def load(tools: tuple[str, str], url: str, dump: Path, drops: str) -> None:
    """Drop the schema's objects and run pg_restore's script, through psql, in one transaction.

    Objects made by migrations newer than the backup (a table, a trigger function) would survive
    pg_restore --clean alone, and make those migrations fail when they run again; with the drops in the same
    transaction as the restore, everything commits together or not at all.
    """
    pg_restore, psql = tools
    dsn, env = _dsn(url)
    script = [pg_restore, "--clean", "--if-exists", "--no-owner", "--file=-", str(dump)]
    with tempfile.TemporaryFile() as errors:
        loader = subprocess.Popen([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", f"--dbname={dsn}", "--file=-"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        made = None
        with contextlib.suppress(BrokenPipeError):  # psql stopped at an error: its message is in `errors`
            # A server still running holds locks on the tables: give up after a while rather than hang.
            loader.stdin.write(f"SET client_min_messages = warning;\nSET lock_timeout = '30s';\nBEGIN;\n"
                               f"{drops}".encode())
            loader.stdin.flush()
            made = subprocess.run(script, stdout=loader.stdin, stderr=errors, env=env, check=False).returncode
            if made == 0:
                loader.stdin.write(b"COMMIT;\n")
        # Without the COMMIT, psql reaches the end of its input inside the transaction: it is rolled back.
        with contextlib.suppress(BrokenPipeError):
            loader.stdin.close()
        if loader.wait() or made != 0:
            errors.seek(0)
            raise BackupError(_("The restore into PostgreSQL failed and was rolled back: %(error)s",
                                error=errors.read().decode(errors="replace").strip()))


async def _drops(conn) -> str:
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    # Objects of extensions belong to their extension, which the dump recreates on its own terms.
    relations = await conn.fetch(
        "SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS relkind FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT EXISTS (SELECT 1 FROM pg_depend d "
        "WHERE d.objid = c.oid AND d.deptype = 'e')")
    routines = await conn.fetch(
        "SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS name "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
        "AND p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid "
        "AND d.deptype = 'e')")
    lines = [f"DROP {kinds[r['relkind']]} IF EXISTS {r['name']} CASCADE;" for r in relations]
    lines += [f"DROP ROUTINE IF EXISTS {r['name']} CASCADE;" for r in routines]
    return "".join(line + "\n" for line in lines)


async def connect(url: str):
    import asyncpg

    try:
        return await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise BackupError(_("Cannot connect to the PostgreSQL database of DATABASE_URL: %(error)s",
                            error=exc)) from None


def tool(name: str, server_major: int) -> tuple[str, int]:
    """The path of a PostgreSQL client tool and its major version."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(_("%(tool)s was not found. Install the PostgreSQL %(server)s client tools "
                            "(Debian: apt-get install postgresql-client-%(server)s).", tool=name, server=server_major))
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"\(PostgreSQL\) (\d+)", out)
    if not found:
        raise BackupError(_("%(tool)s failed: %(error)s", tool=name, error=out.strip() or "--version"))
    return path, int(found.group(1))


def _dsn(url: str) -> tuple[str, dict[str, str]]:
    """The URL for libpq tools, its password moved to PGPASSWORD so that it stays out of the process list."""
    parts, env = urlsplit(url), dict(os.environ)
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = unquote(parts.password)
    credentials, host = parts.netloc.rsplit("@", 1)
    return parts._replace(netloc=f"{credentials.split(':', 1)[0]}@{host}").geturl(), env
