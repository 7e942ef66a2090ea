"""Acts on units, each one transaction with its history (UnitEvent) and its audit row: create, change (name, block,
kind), end, merge, split. The carry of open tasks to the successor is units/carry.py: an amendment of its own.

Acts run one at a time (app.db.serialized): "an ended unit cannot be ended again" is read, then written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import audit
from app.accounts import AccountError, update_user
from app.db import serialized
from app.i18n import _
from app.tables import Unit, User
from units import rules
from units.rules import Decision
from units.tables import UnitEvent

UNIT_COLUMNS = (Unit.id, Unit.code, Unit.name, Unit.kind, Unit.block, Unit.effective_from, Unit.effective_to,
                Unit.successor)
CHANGE_ACTIONS = {"name": "renamed", "block": "block", "kind": "kind"}


class UnitError(Exception):
    """A refused act; `errors` maps form fields ("code", "decision_date", "units", "new.1.name"...) to messages.
    Nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


async def unit_row(unit_id: int) -> dict[str, Any] | None:
    return await Unit.select(*UNIT_COLUMNS).where(Unit.id == unit_id).first()


async def _event(unit_id: int, action: str, before: dict, after: dict, decision: Decision | None,
                 actor: User | None, now: dt.datetime) -> None:
    await UnitEvent.insert(UnitEvent(unit=unit_id, action=action, before=before, after=after,
                                     decision_number=decision.number if decision else "",
                                     decision_date=decision.date if decision else None,
                                     actor=actor.id if actor else None, at=now))


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise UnitError(errors)


def decision_problems(decision: Decision | None) -> dict[str, str]:
    return rules.decision_errors(decision.number if decision else "", decision.date if decision else None)


async def _new_unit(values: dict[str, Any], effective_from: dt.date | None, prefix: str = "") -> tuple[Unit, dict]:
    """A unit built from form values (not yet saved) and the errors, keyed `prefix` + field."""
    code = (values.get("code") or "").strip().upper()
    name, kind = (values.get("name") or "").strip(), values.get("kind") or "department"
    errors = {prefix + k: v for k, v in rules.unit_errors(code, name, kind).items()}
    if not errors and await Unit.exists().where(Unit.code == code):
        errors[prefix + "code"] = _("Unit %(code)s already exists.", code=code)
    unit = Unit(code=code, name=name, kind=kind, block=(values.get("block") or "").strip()[:128],
                effective_from=effective_from)
    return unit, errors


async def save_new(unit: Unit, decision: Decision | None, actor: User | None, now: dt.datetime,
                    action: str = "created", **extra: Any) -> Unit:
    await unit.save()
    after = {"code": unit.code, "name": unit.name, "kind": unit.kind, "block": unit.block, **extra}
    await _event(unit.id, action, {}, after, decision, actor, now)
    return unit


async def create_unit(values: dict[str, Any], decision: Decision, actor: User | None, now: dt.datetime) -> Unit:
    """A new unit, in force from the decision's date."""
    async with serialized("units"):
        unit, errors = await _new_unit(values, decision.date)
        _check({**errors, **decision_problems(decision)})
        await save_new(unit, decision, actor, now)
        await audit.record(audit.UNIT_CREATED, actor, now, target=unit.code, name=unit.name,
                           decision=decision.number)
    return unit


async def record_created(unit: Unit, actor: User | None, now: dt.datetime) -> None:
    """The history and audit row of a unit created by `parplan unit create` (app.accounts.create_unit checks it)."""
    await _event(unit.id, "created", {}, {"code": unit.code, "name": unit.name, "kind": unit.kind,
                                          "block": unit.block}, None, actor, now)
    await audit.record(audit.UNIT_CREATED, actor, now, target=unit.code, name=unit.name, decision="")


async def change_unit(unit_id: int, values: dict[str, str], decision: Decision, actor: User | None,
                      now: dt.datetime) -> dict[str, list]:
    """Rename a unit, move it to another block or change its kind; one history event per changed value, so that
    its page shows its old names. Returns what changed ({} when nothing did)."""
    async with serialized("units"):
        unit = await unit_row(unit_id)
        if unit is None:
            raise UnitError({"code": _("Unknown unit.")})
        if unit["effective_to"] is not None:  # its history ends with its last act
            raise UnitError({"name": _("%(name)s has already ended.", name=unit["name"])})
        wanted = {k: (values.get(k) or "").strip() for k in CHANGE_ACTIONS if values.get(k) is not None}
        errors = decision_problems(decision)
        if "name" in wanted and not wanted["name"]:
            errors["name"] = _("The unit needs a name.")
        for name, limit in (("name", 255), ("block", 128)):  # the columns' lengths: PostgreSQL refuses longer
            if len(wanted.get(name, "")) > limit:
                errors[name] = _("At most %(n)s characters.", n=limit)
        if "kind" in wanted and wanted["kind"] not in rules.UNIT_KINDS:
            errors["kind"] = _("Unknown unit kind %(kind)s.", kind=wanted["kind"])
        _check(errors)
        changes = {k: [unit[k], v] for k, v in wanted.items() if unit[k] != v}
        if not changes:
            raise UnitError({"name": _("Nothing to change: the values are the unit's current ones.")})
        await Unit.update({getattr(Unit, k): v for k, (_old, v) in changes.items()}).where(Unit.id == unit_id)
        for k, (old, new) in changes.items():
            await _event(unit_id, CHANGE_ACTIONS[k], {k: old}, {k: new}, decision, actor, now)
        await audit.record(audit.UNIT_CHANGED, actor, now, target=unit["code"], decision=decision.number,
                           **{k: v for k, v in changes.items()})
    return changes


async def _people(unit_ids: list[int]) -> list[User]:
    return await User.objects().where(User.unit.is_in(unit_ids) & (User.active == True)).order_by(  # noqa: E712
        User.id)


async def _settle_accounts(unit_ids: list[int], targets: list[dict], accounts: str, per_account: dict[int, str],
                           actor: User | None) -> dict[str, list[str]]:
    """Move each active account of the ended units to a successor (by code) or deactivate it ("end").

    `accounts` is the choice for all ("move": to the first of `targets`; "end"), `per_account` the choice for
    one ({user id: "end" or a target's code}). Inside the act's transaction (update_user's joins it)."""
    codes = {t["code"] for t in targets}
    done: dict[str, list[str]] = {"moved": [], "ended": []}
    for person in await _people(unit_ids):
        choice = per_account.get(person.id) or accounts
        if choice == "move":
            choice = targets[0]["code"] if targets else "end"
        if choice != "end" and choice not in codes:
            raise UnitError({f"account.{person.id}": _("Choose where %(email)s goes.", email=person.email)})
        current = (await Unit.select(Unit.code).where(Unit.id == person.unit).first())["code"]
        try:
            await update_user(person, person.role, current if choice == "end" else choice, choice != "end", actor)
        except AccountError as exc:
            raise UnitError({f"account.{person.id}": str(exc)}) from exc
        done["ended" if choice == "end" else "moved"].append(person.email)
    return done


async def _ending(unit_ids: list[int], decision: Decision, errors: dict[str, str]) -> list[dict[str, Any]]:
    """The units an act ends, each checked: known, in force, not ended already."""
    units = []
    for unit_id in dict.fromkeys(unit_ids):
        unit = await unit_row(unit_id)
        if unit is None:
            errors["units"] = _("Unknown unit.")
        elif decision.date and (problem := rules.ending_errors(unit, decision.date)):
            errors["units"] = problem
        else:
            units.append(unit)
    if not unit_ids:
        errors["units"] = _("Choose the units.")
    return units


async def _end(units: list[dict], successor: dict | None, action: str, decision: Decision, actor: User | None,
               now: dt.datetime, **after: Any) -> None:
    last = rules.last_day(decision.date)
    for unit in units:
        await Unit.update({Unit.effective_to: last, Unit.successor: successor["id"] if successor else None}).where(
            Unit.id == unit["id"])
        await _event(unit["id"], action, {"effective_to": None, "successor": None},
                     {"effective_to": last.isoformat(), "successor": successor["code"] if successor else None,
                      **after}, decision, actor, now)


async def end_unit(unit_id: int, successor_id: int | None, decision: Decision, accounts: str,
                   per_account: dict[int, str], actor: User | None, now: dt.datetime) -> dict[str, list[str]]:
    """End a unit from the decision's date, naming the unit that takes over its work (or none: dissolved)."""
    async with serialized("units"):
        errors = decision_problems(decision)
        ending = await _ending([unit_id], decision, errors)
        successor = await unit_row(successor_id) if successor_id else None
        if successor_id and decision.date and ending and (
                problem := rules.successor_errors(successor, ending, decision.date)):
            errors["successor"] = problem
        _check(errors)
        await _end(ending, successor, "ended", decision, actor, now)
        if successor:  # its own history says whom it took over from
            await _event(successor["id"], "merged", {}, {"from": [ending[0]["code"]]}, decision, actor, now)
        people = await _settle_accounts([unit_id], [successor] if successor else [], accounts, per_account, actor)
        await audit.record(audit.UNIT_ENDED, actor, now, target=ending[0]["code"], decision=decision.number,
                           successor=successor["code"] if successor else None, **people)
    return people


async def merge_units(unit_ids: list[int], into_id: int | None, new: dict[str, Any] | None, decision: Decision,
                      accounts: str, per_account: dict[int, str], actor: User | None,
                      now: dt.datetime) -> tuple[Unit, dict[str, list[str]]]:
    """Merge several units into one: an existing unit (`into_id`) or a new one (`new`: code, name, kind, block)
    created by the same decision. The merged units end the day before; their successor is the one they join."""
    async with serialized("units"):
        errors = decision_problems(decision)
        ending = await _ending(unit_ids, decision, errors)
        if new:
            successor, new_errors = await _new_unit(new, decision.date, "new.")
            errors.update(new_errors)
        else:
            row = await unit_row(into_id) if into_id else None
            if decision.date and (problem := rules.successor_errors(row, ending, decision.date)):
                errors["into"] = problem
            successor = row
        _check(errors)
        codes = [u["code"] for u in ending]
        if new:
            await save_new(successor, decision, actor, now, **{"from": codes})
            audit_new = {"created": successor.code}
        else:
            await _event(successor["id"], "merged", {}, {"from": codes}, decision, actor, now)
            successor, audit_new = await Unit.objects().where(Unit.id == successor["id"]).first(), {}
        target = {"id": successor.id, "code": successor.code}
        await _end(ending, target, "merged", decision, actor, now)
        people = await _settle_accounts([u["id"] for u in ending], [target], accounts, per_account, actor)
        await audit.record(audit.UNIT_MERGED, actor, now, target=successor.code, decision=decision.number,
                           units=codes, **audit_new, **people)
    return successor, people


async def split_unit(unit_id: int, new_units: list[dict[str, Any]], decision: Decision, accounts: str,
                     per_account: dict[int, str], actor: User | None,
                     now: dt.datetime) -> tuple[list[Unit], dict[str, list[str]]]:
    """Split a unit into several new ones created by the same decision. The first new unit is its successor: it
    takes over the open tasks (units/carry.py) and, unless told otherwise per account, its people."""
    async with serialized("units"):
        errors = decision_problems(decision)
        ending = await _ending([unit_id], decision, errors)
        created, codes = [], set()
        for i, values in enumerate(new_units):
            unit, unit_errors = await _new_unit(values, decision.date, f"new.{i}.")
            if unit.code in codes:
                unit_errors[f"new.{i}.code"] = _("Unit %(code)s already exists.", code=unit.code)
            codes.add(unit.code)
            errors.update(unit_errors)
            created.append(unit)
        if len(created) < 2:
            errors["new"] = _("A split makes at least two new units.")
        _check(errors)
        source = ending[0]
        for unit in created:
            await save_new(unit, decision, actor, now, **{"from": [source["code"]]})
        targets = [{"id": u.id, "code": u.code} for u in created]
        await _end(ending, targets[0], "split", decision, actor, now, into=[u.code for u in created])
        people = await _settle_accounts([unit_id], targets, accounts, per_account, actor)
        await audit.record(audit.UNIT_SPLIT, actor, now, target=source["code"], decision=decision.number,
                           into=[u.code for u in created], **people)
    return created, people
