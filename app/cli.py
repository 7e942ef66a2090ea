"""The `parplan` command."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import secrets
import sys
from pathlib import Path

import click

import app  # noqa: F401  (sets PICCOLO_CONF before any table is touched)
from app import clock
from app.backup import backup, restore
from app.cli_reminders import remind, reminders_running, worker
from app.i18n import _, set_locale
from app.settings import SettingsError, get_settings
from app.tables import ROLES, UNIT_KINDS


def run(coro):
    return asyncio.run(coro)


async def migrate_db(quiet: bool = True) -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards("all")
    if not result.success:
        raise click.ClickException(f"migration failed: {result.message}\n{out.getvalue()}")


@click.group()
def main() -> None:
    """parplan — annual administrative-reform (CCHC) plans."""
    set_locale("vi")
    try:
        get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
def migrate() -> None:
    """Create or update the database tables."""
    run(migrate_db(quiet=False))
    click.echo("OK")


def _serve(host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from app.factory import AssetsMissing, create_app

    try:
        create_app()
    except AssetsMissing as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"parplan: http://{host}:{port}")
    uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, log_level="info", proxy_headers=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="app processes")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app (migrates first; no demo data)."""
    run(migrate_db())
    _serve(host, port, workers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--load-only", is_flag=True, help="load the demo data and exit without serving")
def demo(host: str, port: int, load_only: bool) -> None:
    """Create the database, load the demo province and serve it."""
    from app import demo as demo_data

    settings = get_settings()
    run(migrate_db())
    click.echo(_("Loading the demo province (the first time takes a few seconds)…"))
    accounts = run(demo_data.load(clock.now()))
    click.echo(f"Database: {settings.database_url}")
    click.echo(_("Demo accounts (password: %(password)s):", password=demo_data.DEMO_PASSWORD))
    for acc, _created in accounts:
        click.echo(f"  {acc.role:<12} {acc.email:<32} {acc.unit or ''}")
    if not load_only:
        with reminders_running():
            _serve(host, port)


main.add_command(worker)
main.add_command(remind)
main.add_command(backup)
main.add_command(restore)


@main.command("import-plan")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="unit code, e.g. STP")
@click.option("--year", type=int, default=None, help="the plan year when the file does not say it")
@click.option("--dry-run", is_flag=True, help="read and check the file, write nothing")
@click.option("--json", "as_json", is_flag=True, help="print the plan as JSON")
def import_plan(path: Path, unit_code: str, year: int | None, dry_run: bool, as_json: bool) -> None:
    """Import a plan from an .xlsx spreadsheet; on any error nothing is written (exit 2)."""
    from plans.actions import PlanExists, existing_plan, save_parsed_plan
    from plans.spreadsheet import SpreadsheetError, read_plan

    try:
        parsed = read_plan(path, year=year)
    except SpreadsheetError as exc:
        _fail([str(e) for e in exc.errors])

    async def check_then_save():
        # Everything that can refuse the import is checked before anything is printed or written.
        await migrate_db()
        unit = await _unit(unit_code)
        if found := await existing_plan(unit.id, parsed.year):
            raise PlanExists(found)
        return None if dry_run else await save_parsed_plan(parsed, unit, None, clock.now())

    try:
        plan = run(check_then_save())
    except PlanExists as exc:
        _fail([str(exc)])
    click.echo(json.dumps(parsed.to_json(), ensure_ascii=False, indent=2) if as_json else parsed.summary())
    if plan and not as_json:
        click.echo(_("Saved as plan #%(id)s.", id=plan.id))


def _fail(messages: list[str]) -> None:
    for message in messages:
        click.echo(message, err=True)
    click.echo(_("Nothing was imported."), err=True)
    sys.exit(2)


async def _unit(code: str):
    from app.tables import Unit

    unit = await Unit.objects().where(Unit.code == code.strip().upper()).first()
    if unit is None:
        _fail([_("No unit with code %(code)s.", code=code)])
    return unit


@main.command("export-plan")
@click.option("--unit", "unit_code", required=True)
@click.option("--year", type=int, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_plan(unit_code: str, year: int, output: Path) -> None:
    """Write a plan to .xlsx in the official layout."""
    from plans import queries
    from plans.spreadsheet_write import write_plan
    from plans.tables import Plan

    async def load():
        plan = await Plan.objects().where((Plan.unit.code == unit_code.strip().upper()) & (Plan.year == year)).first()
        return await queries.plan_view(plan.id, clock.today()) if plan else None

    view = run(load())
    if view is None:
        raise click.ClickException(_("No plan for %(code)s in %(year)s.", code=unit_code, year=year))
    output.write_bytes(write_plan(queries.as_parsed(view), view.plan["unit_name"]))
    click.echo(str(output))


@main.group()
def user() -> None:
    """Accounts."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--unit", "unit_code", default=None, help="unit code (for unit_head and focal_point)")
@click.option("--password", default=None, help="at least 8 characters; generated and printed when omitted")
@click.option("--name", "full_name", default="")
@click.option("--language", type=click.Choice(["vi", "en"]), default="vi")
def user_create(email: str, role: str, unit_code: str | None, password: str | None, full_name: str,
                language: str) -> None:
    """Create an account."""
    from app.accounts import AccountError, create_user

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        run(_with_migrations(create_user(email, role, unit_code, password, full_name, language)))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Created %(email)s (%(role)s).", email=email.lower(), role=role))
    if generated:
        click.echo(_("Password: %(password)s", password=password))


@main.group()
def token() -> None:
    """Bearer tokens for the JSON API."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="", help="what the token is for, e.g. the reporting script")
def token_create(email: str, name: str) -> None:
    """Create an API token for an account and print it (it is shown only once)."""
    from app.tables import User
    from app.tokens import create_token

    async def make():
        await migrate_db()
        user = await User.objects().where(User.email == email.strip().lower()).first()
        if user is None or not user.active:
            raise click.ClickException(_("No active account %(email)s.", email=email))
        return await create_token(user, name, clock.now())

    click.echo(run(make()))


@main.group()
def unit() -> None:
    """Units (departments, communes…)."""


@unit.command("create")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(UNIT_KINDS), required=True)
@click.option("--block", default="", help="ranking block (khối)")
@click.option("--parent", "parent_code", default=None, help="code of the unit above it")
@click.option("--effective-from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
@click.option("--effective-to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="YYYY-MM-DD (merged or dissolved)")
@click.option("--successor", "successor_code", default=None, help="code of the unit that took over its work")
def unit_create(code: str, name: str, kind: str, block: str, parent_code: str | None, effective_from,
                effective_to, successor_code: str | None) -> None:
    """Create a unit."""
    from app.accounts import AccountError, create_unit

    dates = [d.date() if d else None for d in (effective_from, effective_to)]
    try:
        run(_with_migrations(create_unit(code, name, kind, block, parent_code, *dates, successor_code)))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Created unit %(code)s.", code=code.upper()))


async def _with_migrations(coro):
    await migrate_db()
    return await coro


if __name__ == "__main__":
    main()
