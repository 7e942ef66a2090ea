"""The `parplan` command.

The top floor: it may import anything. Each command imports the domains it drives inside itself, so that
`parplan` starts (and reports a mistaken setting) without loading the web app or every domain's tables.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from pathlib import Path

import click

import app  # noqa: F401  (sets PICCOLO_CONF before any table is touched)
from app import clock
from app.backup import backup
from app.backup_restore import restore
from app.cli_reminders import remind, reminders_running, worker
from app.cli_units import COMMANDS
from app.i18n import _, set_locale
from app.migrations import migrate_db
from app.settings import SettingsError, get_settings, serving_at
from app.tables import ROLES


def run(coro):
    return asyncio.run(coro)


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
    # X-Forwarded-For only from the proxies named in PARPLAN_TRUSTED_PROXIES: uvicorn's default trusts any
    # loopback client, and anything on the machine could then choose the address sign-ins are counted under.
    proxies = get_settings().trusted_proxies
    # A worker still importing on a busy machine is not dead: uvicorn's 5 s health check would kill it at start.
    uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, log_level="info",
                proxy_headers=bool(proxies), forwarded_allow_ips=list(proxies) or None,
                timeout_worker_healthcheck=60)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="app processes")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app (migrates first; no demo data)."""
    serving_at(host, port)
    run(migrate_db())
    _serve(host, port, workers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--load-only", is_flag=True, help="load the demo data and exit without serving")
def demo(host: str, port: int, load_only: bool) -> None:
    """Create the database, load the demo province and serve it."""
    from app import demo as demo_data

    serving_at(host, port)  # before the reminders worker starts: its emails link to this server
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
    """Import a plan from an .xlsx spreadsheet or a .docx document; on any error nothing is written (exit 2)."""
    from plans.actions import PlanExists, existing_plan, save_parsed_plan
    from plans.issuer import issuer_warning
    from plans.parsed import SpreadsheetError
    from plans.spreadsheet import read_plan

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
        return unit, None if dry_run else await save_parsed_plan(parsed, unit, None, clock.now())

    try:
        unit, plan = run(check_then_save())
    except (PlanExists, ValueError) as exc:  # ValueError: tasks.actions.YearClosed, the plan's year is closed
        _fail([str(exc)])
    # Another unit's file is a warning, as on the import page: the plan is still imported.
    warnings = [w] if (w := issuer_warning(parsed, unit.code, unit.name)) else []
    if as_json:
        click.echo(json.dumps({**parsed.to_json(), "warnings": warnings}, ensure_ascii=False, indent=2))
    else:
        click.echo(parsed.summary())
        for warning in warnings:
            click.echo(warning, err=True)
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
@click.option("--invite", is_flag=True, help="email an invitation to choose a password, instead of a password")
def user_create(email: str, role: str, unit_code: str | None, password: str | None, full_name: str,
                language: str, invite: bool) -> None:
    """Create an account."""
    from app.accounts import AccountError, create_user

    if invite and password is not None:
        raise click.UsageError(_("Give either --password or --invite, not both."))
    generated = password is None and not invite
    password = password or (None if invite else secrets.token_urlsafe(12))
    try:
        user = run(_with_migrations(create_user(email, role, unit_code, password, full_name, language)))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Created %(email)s (%(role)s).", email=email.lower(), role=role))
    if generated:
        click.echo(_("Password: %(password)s", password=password))
    if invite:
        _send_invitation(user)


@user.command("unlock")
@click.argument("email")
def user_unlock(email: str) -> None:
    """Clear an account's refused sign-ins, as the admin's Unlock button does (for when no admin can sign in)."""
    from app import lockout

    async def clear():
        await migrate_db()
        await lockout.unlock(await _account(email), None, clock.now())

    run(clear())
    click.echo(_("Sign-in unlocked for %(email)s.", email=email.strip().lower()))


def _send_invitation(user) -> None:
    from accounts.mail import SendFailed, send_link

    try:
        run(send_link(user, "invite", clock.now()))
    except SendFailed as exc:
        raise click.ClickException(_("The account was created, but the invitation email could not be sent "
                                     "(%(reason)s). Check the mail settings, then resend it from the accounts "
                                     "page.", reason=exc)) from exc
    click.echo(_("Invitation sent to %(email)s.", email=user.email))


@main.group()
def token() -> None:
    """Bearer tokens for the JSON API."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="", help="what the token is for, e.g. the reporting script")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 366), help="days until it expires")
def token_create(email: str, name: str, days: int) -> None:
    """Create an API token for an account; the token is the last word printed (it is shown only once)."""
    from app.tokens import TokenError, create_token

    async def make():
        await migrate_db()
        user = await _account(email, active=True)
        return user, await create_token(user, name, clock.now(), days)

    try:
        user, secret = run(make())
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    # The notice on stderr, the token alone on stdout: `TOKEN=$(parplan token create …)` keeps working.
    click.echo(_("Token for %(email)s, valid for %(days)s days. Copy it now: it is shown only once.",
                 email=user.email, days=days), err=True)
    click.echo(secret)


async def _account(email: str, active: bool = False):
    from app.tables import User

    user = await User.objects().where(User.email == email.strip().lower()).first()
    if user is None or (active and not user.active):
        raise click.ClickException(_("No active account %(email)s.", email=email) if active else
                                   _("No account %(email)s.", email=email))
    return user


@token.command("list")
@click.argument("email")
def token_list(email: str) -> None:
    """List an account's tokens: id, name, created, expires, last used, state."""
    from app.dates import local_time
    from app.tokens import tokens_of

    async def load():
        await migrate_db()
        return await tokens_of((await _account(email)).id, clock.now())

    rows = run(load())
    states = {"active": _("active"), "expired": _("expired"), "revoked": _("revoked")}
    head = (_("ID"), _("Created"), _("Expires"), _("Last used"), _("State"), _("Name"))
    click.echo(f"{head[0]:>5}  {head[1]:<16}  {head[2]:<16}  {head[3]:<16}  {head[4]:<12}  {head[5]}")
    for row in rows:
        created, expires, used = (local_time(row[k]) or "—" for k in ("created_at", "expires_at", "last_used_at"))
        click.echo(f"{row['id']:>5}  {created:<16}  {expires:<16}  {used:<16}  {states[row['state']]:<12}  "
                   f"{row['name']}")
    if not rows:
        click.echo(_("No API tokens."))


@token.command("revoke")
@click.argument("token_or_id", required=False)
@click.option("--all", "all_of", metavar="EMAIL", default=None, help="revoke every token of this account")
def token_revoke(token_or_id: str | None, all_of: str | None) -> None:
    """Revoke a token (the token itself, or its id from `token list`), or every token of an account."""
    from app.tokens import find_token, revoke_all, revoke_token

    if (token_or_id is None) == (all_of is None):
        raise click.UsageError(_("Give either a token (or its id) or --all EMAIL."))

    async def revoke_one():
        await migrate_db()
        found = await find_token(token_or_id)
        if found is None:
            raise click.ClickException(_("No such token."))
        return found, await revoke_token(found, None, clock.now())

    async def revoke_every():
        await migrate_db()
        return await revoke_all(await _account(all_of), None, clock.now())

    if all_of is not None:
        click.echo(_("Revoked %(n)s token(s) of %(email)s.", n=run(revoke_every()), email=all_of.strip().lower()))
        return
    found, done = run(revoke_one())
    click.echo(_("Revoked token #%(id)s.", id=found.id) if done else
               _("Token #%(id)s was already revoked.", id=found.id))


@main.group()
def unit() -> None:
    """Units (departments, communes…)."""


for _command in COMMANDS:  # parplan unit update|end|merge|import (app/cli_units.py)
    unit.add_command(_command)


@main.group()
def year() -> None:
    """Plan years."""


@year.command("close")
@click.argument("plan_year", type=click.IntRange(2000, 2100))
@click.option("--on", "closed_on", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="the closing date, YYYY-MM-DD (on or after 31/12 of the year, not after today)")
@click.option("--note", default="")
def year_close(plan_year: int, closed_on, note: str) -> None:
    """Close a plan year: its tasks send no reminders, become read-only, and its board is final at that date."""
    from years.actions import YearError, close_year

    try:
        run(_with_migrations(close_year(plan_year, closed_on.date(), note.strip(), None, clock.now())))
    except YearError as exc:
        raise click.ClickException(" ".join(exc.errors.values())) from exc
    click.echo(_("The year %(year)s is closed on %(date)s.", year=plan_year, date=closed_on.strftime("%d/%m/%Y")))


async def _with_migrations(coro):
    await migrate_db()
    return await coro


if __name__ == "__main__":
    main()
