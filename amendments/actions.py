"""Amendments' writes: drafting, the signed file, submitting, approving (which applies every change), returning,
withdrawing. Each act is one transaction, conditional on the status (and version, when the actor gives one) it
found, so of two people acting on the same amendment at once exactly one succeeds and the other is told."""

from __future__ import annotations

import datetime as dt
from typing import Any

from amendments import rules
from amendments.tables import STATUS_LABELS, Amendment, AmendmentChange, AmendmentEvent
from app import audit
from app.clock import TZ
from app.db import lock_row, write_transaction
from app.i18n import _
from app.settings import get_settings
from app.storage import TooLarge, file_chunks, get_storage
from app.tables import User
from app.uploads import Upload, check_upload, megabytes
from plans.actions import add_task
from plans.cutoffs import closed_cutoff
from plans.tables import Field, Plan
from tasks.actions import TaskChangeError, change_task
from tasks.tables import Task

EDITABLE = ("draft", "returned")
DECIDERS = ("secretariat", "admin")


class AmendmentError(Exception):
    """Bad values or changes; `.errors` maps "number", "date", "reason", "changes", "changes.0",
    "changes.1.due"... to user-facing messages. Nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class AmendmentStale(Exception):
    """The amendment's status or version moved on since the actor saw it (answer 409)."""

    def __init__(self, current: Amendment | None = None, code: str = "wrong_status"):
        if code == "stale":
            message = _("Someone acted on this amendment meanwhile: reload it and try again.")
        else:
            message = _("This cannot be done to an amendment that is %(status)s.",
                        status=_(STATUS_LABELS[current.status]) if current else "?")
        super().__init__(message)
        self.current, self.code = current, code


# The facts the rules check -----------------------------------------------------------------------------------

_TASK_FACTS = (Task.id, Task.number, Task.status, Task.field.plan.as_alias("plan"),
               Task.field.plan.year.as_alias("year"), Task.field.plan.unit.as_alias("unit"),
               Task.field.plan.unit.successor.as_alias("successor"))


async def _facts(plan_id: int, changes: list[dict[str, Any]], merging: bool, approving: bool = False,
                 today: dt.date | None = None) -> rules.Facts:
    plan = await Plan.select(Plan.year, Plan.unit, Plan.status).where(Plan.id == plan_id).first()
    facts = rules.Facts(plan=plan_id, plan_year=plan["year"], plan_unit=plan["unit"], plan_status=plan["status"],
                        merging=merging, today=today)
    if ids := sorted(rules.task_ids(changes)):
        carried = {r["carried_from"] for r in await Task.select(Task.carried_from).where(
            Task.carried_from.is_in(ids) & (Task.status != "cancelled"))}
        amended: dict[int, dt.date] = {}  # at approval: the latest date of an approved document changing each
        approved = AmendmentChange.select(AmendmentChange.task, AmendmentChange.amendment.date.as_alias("day")).where(
            AmendmentChange.task.is_in(ids) & (AmendmentChange.amendment.status == "approved"))
        for r in await approved if approving else []:
            amended[r["task"]] = max(r["day"], amended.get(r["task"], r["day"]))
        for r in await Task.select(*_TASK_FACTS).where(Task.id.is_in(ids)):
            facts.tasks[r["id"]] = rules.TaskFacts(id=r["id"], plan=r["plan"], unit=r["unit"],
                                                   unit_successor=r["successor"], year=r["year"], status=r["status"],
                                                   number=r["number"], carried=r["id"] in carried,
                                                   amended_on=amended.get(r["id"]))
    if ids := sorted(rules.field_ids(changes)):
        facts.fields = {r["id"]: r["plan"] for r in await Field.select(Field.id, Field.plan).where(Field.id.is_in(ids))}
    for p in {plan_id, *(t.plan for t in facts.tasks.values())}:
        facts.cutoffs[p] = await closed_cutoff(p)
    return facts


async def _checked(plan_id: int, values: dict[str, Any], changes: list[dict[str, Any]],
                   merging: bool, approving: bool = False, *,
                   now: dt.datetime | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    facts = await _facts(plan_id, changes, merging, approving, now.astimezone(TZ).date() if now else None)
    clean, cleaned, errors = rules.check_amendment(values, changes, facts)
    if errors:
        raise AmendmentError(errors)
    return clean, cleaned


def _change_rows(amendment_id: int, cleaned: list[dict[str, Any]]) -> list[AmendmentChange]:
    return [AmendmentChange(amendment=amendment_id, position=i, action=c["action"], task=c.get("task"),
                            field=c.get("field"), before={},
                            values={k: v for k, v in c.items() if k not in ("action", "task", "field")})
            for i, c in enumerate(cleaned)]


async def stored_changes(amendment_id: int) -> list[dict[str, Any]]:
    """The amendment's changes in the shape create_amendment takes (and the rules check)."""
    rows = await AmendmentChange.select().where(AmendmentChange.amendment == amendment_id).order_by(
        AmendmentChange.position).output(load_json=True)
    return [{"action": r["action"], "task": r["task"], "field": r["field"], **(r["values"] or {})} for r in rows]


def _merging(actor: User) -> bool:
    """Only the secretariat's amendment may span the plans of units being merged."""
    return actor.role in DECIDERS


async def _by_secretariat(amendment: Amendment) -> bool:
    return amendment.created_by is not None and await User.exists().where(
        (User.id == amendment.created_by) & User.role.is_in(list(DECIDERS)))


async def _event(amendment_id: int, actor: User | None, now: dt.datetime, action: str, comment: str = "") -> None:
    await AmendmentEvent.insert(AmendmentEvent(amendment=amendment_id, actor=actor.id if actor else None, at=now,
                                               action=action, comment=comment))


async def _get(amendment_id: int) -> Amendment:
    return await Amendment.objects().where(Amendment.id == amendment_id).first()


# Drafting ----------------------------------------------------------------------------------------------------

async def create_amendment(plan_id: int, values: dict[str, Any], changes: list[dict], actor: User,
                           now: dt.datetime) -> Amendment:
    async with write_transaction():
        clean, cleaned = await _checked(plan_id, values, changes, _merging(actor), now=now)
        amendment = Amendment(plan=plan_id, number=clean["number"], date=clean["date"], reason=clean["reason"],
                              issuer=clean["issuer"], status="draft", created_by=actor.id, created_at=now)
        await amendment.save()
        await AmendmentChange.insert(*_change_rows(amendment.id, cleaned))
        await _event(amendment.id, actor, now, "created")
    return amendment


async def update_draft(amendment_id: int, version: int | None, values: dict[str, Any], changes: list[dict],
                       actor: User, now: dt.datetime) -> Amendment:
    """Replace a draft's (or a returned amendment's) details and changes."""
    async with write_transaction():
        current = await _get(amendment_id)
        clean, cleaned = await _checked(current.plan, values, changes, _merging(actor), now=now)
        await _move(current, version, EDITABLE, {Amendment.number: clean["number"], Amendment.date: clean["date"],
                                                 Amendment.reason: clean["reason"], Amendment.issuer: clean["issuer"]})
        await AmendmentChange.delete().where(AmendmentChange.amendment == amendment_id)
        await AmendmentChange.insert(*_change_rows(amendment_id, cleaned))
        await _event(amendment_id, actor, now, "edited")
    return await _get(amendment_id)


async def attach_file(amendment_id: int, upload: Upload, actor: User, now: dt.datetime) -> Amendment:
    """Keep the signed document (a new file replaces the previous one until the amendment is approved; after it,
    a missing one may still be added). Refused like any upload: AmendmentError with the reason under "file"."""
    max_bytes = get_settings().max_upload_bytes
    name, content_type, reason = await check_upload(upload, max_bytes)
    if reason:
        raise AmendmentError({"file": reason})
    try:
        stored = await get_storage().save(file_chunks(upload.file), max_bytes)
    except TooLarge:  # grew after it was measured; the storage kept nothing of it
        raise AmendmentError({"file": _("%(name)s: the file is larger than %(limit)s MB.", name=name,
                                        limit=megabytes(max_bytes))}) from None
    async with write_transaction():
        current = await _get(amendment_id)
        # Once approved, the signed copy may still be added if it was missing, never replaced.
        signed_later = ("approved",) if current is not None and not current.file_sha256 else ()
        await _move(current, None, ("draft", "submitted", "returned", *signed_later),
                    {Amendment.file_sha256: stored.sha256, Amendment.file_name: name,
                     Amendment.file_size: stored.size, Amendment.file_type: content_type})
        await _event(amendment_id, actor, now, "file", name)
    return await _get(amendment_id)


async def _move(current: Amendment | None, version: int | None, allowed: tuple[str, ...],
                values: dict[Any, Any]) -> Amendment:
    """The conditional UPDATE every act makes: only from an allowed status and, if given, the version seen.
    On PostgreSQL it locks the row; a second act waiting on it then finds the status moved and is refused."""
    if current is None or current.status not in allowed:
        raise AmendmentStale(current)
    if version is not None and version != current.version:
        raise AmendmentStale(current, "stale")
    updated = await Amendment.update({**values, Amendment.version: current.version + 1}).where(
        (Amendment.id == current.id) & Amendment.status.is_in(list(allowed))
        & (Amendment.version == current.version)).returning(Amendment.id)
    if not updated:  # someone acted meanwhile: say what it is now
        now_row = await _get(current.id)
        raise AmendmentStale(now_row, "stale" if now_row and now_row.status in allowed else "wrong_status")
    return current


# The acts ----------------------------------------------------------------------------------------------------

async def submit(amendment_id: int, version: int | None, actor: User, now: dt.datetime) -> Amendment:
    """draft/returned -> submitted, checked again against the plan as it is now."""
    async with write_transaction():
        current = await _get(amendment_id)
        if current is not None:
            await _checked(current.plan, _values(current), await stored_changes(amendment_id),
                           await _by_secretariat(current), now=now)
        await _move(current, version, EDITABLE, {Amendment.status: "submitted", Amendment.submitted_by: actor.id,
                                                 Amendment.submitted_at: now})
        await _event(amendment_id, actor, now, "submitted")
        await audit.record(audit.AMENDMENT_SUBMITTED, actor, now, target=_target(current))
    return await _get(amendment_id)


async def return_amendment(amendment_id: int, version: int | None, comment: str, actor: User,
                           now: dt.datetime) -> Amendment:
    """submitted -> returned with the secretariat's comment; the unit may change it and submit again."""
    comment = (comment or "").strip()
    if not comment:
        raise AmendmentError({"comment": _("Say why the amendment is returned.")})
    async with write_transaction():
        current = await _get(amendment_id)
        await _move(current, version, ("submitted",), {Amendment.status: "returned", Amendment.comment: comment,
                                                        Amendment.decided_by: actor.id, Amendment.decided_at: now})
        await _event(amendment_id, actor, now, "returned", comment)
        await audit.record(audit.AMENDMENT_RETURNED, actor, now, target=_target(current), comment=comment)
    return await _get(amendment_id)


async def withdraw(amendment_id: int, version: int | None, actor: User, now: dt.datetime) -> Amendment:
    async with write_transaction():
        current = await _get(amendment_id)
        await _move(current, version, ("draft", "submitted", "returned"), {Amendment.status: "withdrawn"})
        await _event(amendment_id, actor, now, "withdrawn")
        await audit.record(audit.AMENDMENT_WITHDRAWN, actor, now, target=_target(current))
    return await _get(amendment_id)


async def approve(amendment_id: int, version: int | None, actor: User, now: dt.datetime) -> Amendment:
    """submitted -> approved, applying every change in this one transaction, effective from the amendment's date.

    The amendment's row is moved first (a second approval waits on it, then is refused); then every task the
    changes name is locked in id order and the changes are checked again: a task cancelled meanwhile by another
    amendment refuses the whole approval. A focal point's progress report on a task being cancelled either comes
    first (and the cancellation applies on top of it) or waits and then finds the task's version moved."""
    async with write_transaction():
        current = await _get(amendment_id)
        await _move(current, version, ("submitted",), {Amendment.status: "approved", Amendment.decided_by: actor.id,
                                                        Amendment.decided_at: now})
        changes = await stored_changes(amendment_id)
        for task_id in sorted(rules.task_ids(changes)):
            await lock_row(Task, task_id)
        try:
            cleaned = (await _checked(current.plan, _values(current), changes, await _by_secretariat(current),
                                      approving=True, now=now))[1]
        except AmendmentError as exc:
            raise AmendmentError({"changes": _("The plan changed since this amendment was submitted; it was not "
                                               "approved. Return it so the unit can correct it."), **exc.errors})
        rows = await AmendmentChange.select(AmendmentChange.id).where(
            AmendmentChange.amendment == amendment_id).order_by(AmendmentChange.position)
        unit = await Plan.select(Plan.unit.name.as_alias("name")).where(Plan.id == current.plan).first()
        for i, (row, change) in enumerate(zip(rows, cleaned)):
            try:
                before, result = await _apply(change, current, unit["name"] if unit else "", actor, now)
            except TaskChangeError as exc:
                raise AmendmentError({f"changes.{i}": str(exc)}) from None
            await AmendmentChange.update({AmendmentChange.before: before,
                                          AmendmentChange.result_task: result}).where(AmendmentChange.id == row["id"])
        await _event(amendment_id, actor, now, "approved")
        await audit.record(audit.AMENDMENT_APPROVED, actor, now, target=_target(current), changes=len(cleaned))
    return await _get(amendment_id)


BEFORE = ("number", "content", "lead", "partners", "output", "due_date", "due_text", "status", "progress",
          "cancel_reason", "cancelled_on")


async def _apply(change: dict[str, Any], amendment: Amendment, unit_name: str, actor: User,
                 now: dt.datetime) -> tuple[dict[str, Any], int | None]:
    """Apply one checked change; the task's values before it, and the task it added (add, carry)."""
    day, action = amendment.date, change["action"]
    if action == "add":
        field = await Field.objects().where(Field.id == change["field"]).first()
        values = {k: change[k] for k in rules.WORDING}
        values.update(due_date=dt.date.fromisoformat(change["due"]), due_text=change["due_text"])
        if change.get("number"):
            values["number"] = change["number"]
        task = await add_task(field, values, actor, now, via="amendment", effective_on=day)
        return {}, task.id
    task = await Task.objects().where(Task.id == change["task"]).first()
    before = {k: _plain(getattr(task, k)) for k in BEFORE}
    if action == "carry":
        field = await Field.objects().where(Field.id == change["field"]).first()
        plan = await Plan.select(Plan.year).where(Plan.id == amendment.plan).first()
        due = dt.date.fromisoformat(change["due"]) if change.get("due") else dt.date(plan["year"], 12, 31)
        values = {**{k: getattr(task, k) for k in rules.WORDING}, "due_date": due,
                  "due_text": change.get("due_text") or "", "carried_from": task.id}
        added = await add_task(field, values, actor, now, via="amendment", effective_on=day)
        source_year = (await Task.select(Task.field.plan.year.as_alias("year")).where(Task.id == task.id).first())
        if source_year["year"] == plan["year"]:  # a merge or a split: the source plan no longer holds it
            reason = _("Carried into the plan of %(unit)s", unit=unit_name)
            await change_task(task, {"status": "cancelled", "cancel_reason": reason, "cancelled_on": day}, actor,
                              now, via="amendment", effective_on=day)
            return before, added.id  # the source plan as issued still shows it open
        return {}, added.id
    if action == "cancel":
        values = {"status": "cancelled", "cancel_reason": change.get("reason") or amendment.reason,
                  "cancelled_on": day}
    elif action == "redate":
        values = {"due_date": dt.date.fromisoformat(change["due"]), "due_text": change["due_text"]}
    else:
        values = {k: change[k] for k in rules.WORDING if k in change}
    await change_task(task, values, actor, now, via="amendment", effective_on=day)
    return before, None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _values(amendment: Amendment) -> dict[str, Any]:
    return {"number": amendment.number, "date": amendment.date, "reason": amendment.reason,
            "issuer": amendment.issuer}


def _target(amendment: Amendment) -> str:
    return f"amendment:{amendment.id} plan:{amendment.plan} {amendment.number}"
