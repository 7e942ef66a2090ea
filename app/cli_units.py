"""The command-line side of units over time: `parplan unit create|update|end|merge|import`.

Registered on the `parplan unit` group by app/cli.py, which imports this module and never the reverse. Bad input
(an unknown code, a missing decision, a refused act, a list with errors) exits with status 2 and says why; the
domain is imported inside each command, so that `parplan` starts without loading it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from app import clock
from app.i18n import _
from app.migrations import migrate_db
from app.tables import UNIT_KINDS

DATE = click.DateTime(["%Y-%m-%d"])
ACCOUNTS = click.Choice(["move", "end"])


class BadInput(click.ClickException):
    exit_code = 2


def _run(coro):
    async def migrated():
        await migrate_db()
        return await coro()

    return asyncio.run(migrated())


def _refused(exc) -> BadInput:
    return BadInput(" ".join(dict.fromkeys(exc.errors.values())))


async def _unit(code: str) -> dict:
    from units.queries import unit_by_code

    unit = await unit_by_code(code)
    if unit is None:
        raise BadInput(_("No unit with code %(code)s.", code=code))
    return unit


def _decision(number: str, date):
    from units.rules import Decision

    return Decision(number.strip(), date.date())


async def _actor(email: str | None):
    """The secretariat's (or the administrator's) account the act is made in the name of, if given."""
    from app.tables import User

    if not email:
        return None
    active = User.active == True  # noqa: E712
    user = await User.objects().where((User.email == email.strip().lower()) & active).first()
    if user is None or user.role not in ("secretariat", "admin"):
        raise BadInput(_("%(email)s is not an active secretariat or administrator account.", email=email))
    return user


async def _carry(successor_id: int, decision, actor) -> str:
    """The open tasks carried at once when the successor's plan can take them, or why not yet. The amendment
    that carries them is the secretariat's: without --by, the command says where to carry them later."""
    from units import carry

    state = await carry.carry_state(successor_id, decision.date.year)
    if not state["tasks"]:
        return ""
    if state["blocked"]:
        return state["blocked"]
    if actor is None:
        return _("%(n)s open task(s) of the ended units wait to be carried: run the command with --by EMAIL of "
                 "the secretariat, or carry them from the unit's page (/units/%(id)s).", n=len(state["tasks"]),
                 id=successor_id)
    try:
        _id, n = await carry.carry_open_tasks(successor_id, decision, actor, clock.now())
    except carry.CarryError as exc:
        return str(exc)
    return _("%(n)s open task(s) carried by an approved amendment.", n=n)


@click.command("update")
@click.argument("code")
@click.option("--name", default=None)
@click.option("--block", default=None, help="ranking block (khối)")
@click.option("--kind", type=click.Choice(UNIT_KINDS), default=None)
@click.option("--decision", "number", required=True, help="the decision's number, e.g. 1234/QĐ-UBND")
@click.option("--date", "date", type=DATE, required=True, help="the date it takes effect, YYYY-MM-DD")
@click.option("--by", "by", default=None, help="email of the secretariat account the act is made by (and the carry)")
def unit_update(code: str, name: str | None, block: str | None, kind: str | None, number: str, date,
                by: str | None) -> None:
    """Rename a unit, move it to another block or change its kind, by decision (the history keeps the old)."""
    from units.actions import UnitError, change_unit

    async def act():
        unit, actor = await _unit(code), await _actor(by)
        return await change_unit(unit["id"], {"name": name, "block": block, "kind": kind},
                                 _decision(number, date), actor, clock.now())

    try:
        changes = _run(act)
    except UnitError as exc:
        raise _refused(exc) from exc
    click.echo(_("Unit %(code)s changed: %(what)s.", code=code.upper(), what=", ".join(changes)))


@click.command("end")
@click.argument("code")
@click.option("--successor", "successor_code", default=None, help="code of the unit taking over (none: dissolved)")
@click.option("--decision", "number", required=True)
@click.option("--date", "date", type=DATE, required=True, help="the date it ends from, YYYY-MM-DD")
@click.option("--accounts", type=ACCOUNTS, default="move", help="move its accounts to the successor, or end them")
@click.option("--by", "by", default=None, help="email of the secretariat account the act is made by (and the carry)")
def unit_end(code: str, successor_code: str | None, number: str, date, accounts: str, by: str | None) -> None:
    """End a unit from a date (its last day is the day before), naming its successor."""
    from units.actions import UnitError, end_unit

    decision = _decision(number, date)

    async def act():
        unit, actor = await _unit(code), await _actor(by)
        successor = await _unit(successor_code) if successor_code else None
        await end_unit(unit["id"], successor["id"] if successor else None, decision, accounts, {}, actor,
                       clock.now())
        return await _carry(successor["id"], decision, actor) if successor else ""

    try:
        carried = _run(act)
    except UnitError as exc:
        raise _refused(exc) from exc
    click.echo(_("Unit %(code)s ends on %(date)s.", code=code.upper(), date=date.strftime("%d/%m/%Y")))
    if carried:
        click.echo(carried)


@click.command("merge")
@click.argument("codes", nargs=-1, required=True)
@click.option("--into", "into", required=True, help="code of the unit they merge into (a new one with --name)")
@click.option("--name", default=None, help="the name of a NEW unit --into creates")
@click.option("--kind", type=click.Choice(UNIT_KINDS), default="department", help="the new unit's kind")
@click.option("--block", default="", help="the new unit's block")
@click.option("--decision", "number", required=True)
@click.option("--date", "date", type=DATE, required=True, help="the date the merger takes effect, YYYY-MM-DD")
@click.option("--accounts", type=ACCOUNTS, default="move", help="move the accounts to the successor, or end them")
@click.option("--by", "by", default=None, help="email of the secretariat account the act is made by (and the carry)")
def unit_merge(codes: tuple[str, ...], into: str, name: str | None, kind: str, block: str, number: str, date,
               accounts: str, by: str | None) -> None:
    """Merge units into one (existing, or new with --name); their open tasks of the year follow by amendment."""
    from units.actions import UnitError, merge_units

    decision = _decision(number, date)

    async def act():
        ids, actor = [(await _unit(code))["id"] for code in codes], await _actor(by)
        new = {"code": into, "name": name, "kind": kind, "block": block} if name else None
        target = None if new else (await _unit(into))["id"]
        successor, _people = await merge_units(ids, target, new, decision, accounts, {}, actor, clock.now())
        return successor, await _carry(successor.id, decision, actor)

    try:
        successor, carried = _run(act)
    except UnitError as exc:
        raise _refused(exc) from exc
    click.echo(_("Merged %(units)s into %(code)s from %(date)s.", units=", ".join(c.upper() for c in codes),
                 code=successor.code, date=date.strftime("%d/%m/%Y")))
    if carried:
        click.echo(carried)


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective-from", type=DATE, default=None, help="the units are in force from, YYYY-MM-DD")
def unit_import(path: Path, effective_from) -> None:
    """Import units and their accounts from the province's .xlsx list (all or nothing); accounts are invited."""
    from units import importer

    async def act():
        units = await importer.check_list(path)
        users = await importer.save_units(units, effective_from.date() if effective_from else None, None,
                                          clock.now())
        return units, users, await importer.invite(users, None, clock.now())

    try:
        units, users, failed = _run(act)
    except importer.ListError as exc:
        lines = [_("Row %(row)s, column %(column)s: %(problem)s", row=e.row, column=e.column or "—",
                   problem=e.message) if e.row else e.message for e in exc.errors]
        raise BadInput("\n".join([_("Nothing was imported."), *lines])) from exc
    click.echo(_("Imported %(units)s units and %(accounts)s accounts.", units=len(units), accounts=len(users)))
    if failed:
        click.echo(_("The invitation could not be sent to: %(emails)s.", emails=", ".join(failed)))


@click.command("create")
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
    from app.db import write_transaction
    from units.actions import record_created

    dates = [d.date() if d else None for d in (effective_from, effective_to)]

    async def create():
        async with write_transaction():  # the unit, its history and its audit row together
            await record_created(await create_unit(code, name, kind, block, parent_code, *dates, successor_code),
                                 None, clock.now())

    try:
        _run(create)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Created unit %(code)s.", code=code.upper()))


COMMANDS = (unit_create, unit_update, unit_end, unit_merge, unit_import)
