"""Bring the database up to this version of parplan: every Piccolo app's migrations, forwards.

Below the command line (app/cli.py) so that the commands it registers (backup, restore, worker, remind) and the
tests can migrate without importing the command line itself.
"""

from __future__ import annotations

import contextlib
import io

import click


async def migrate_db(quiet: bool = True) -> None:
    # Piccolo's migration machinery loads every app's tables: only when a command actually migrates.
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards("all")
    if not result.success:
        raise click.ClickException(f"migration failed: {result.message}\n{out.getvalue()}")
