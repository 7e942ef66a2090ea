"""What makes an amendment acceptable: its document's details and each change, checked against the facts the
actions read (pure: nothing here reads the clock or the database).

Errors are keyed like the API's body: "number", "date", "reason", "changes" (the list as a whole), "changes.1"
(the second change as a whole) and "changes.1.due" (one of its values).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from amendments.tables import ACTIONS
from app.i18n import _
from plans.cutoffs import before_closed
from tasks.deadlines import DeadlineError, parse_deadline

MAX_TEXT = 4000
WORDING = ("content", "lead", "partners", "output")


@dataclass(frozen=True)
class TaskFacts:
    id: int
    plan: int
    unit: int
    unit_successor: int | None
    year: int
    status: str
    number: str
    carried: bool  # a live task already continues it
    amended_on: dt.date | None = None  # the date of the latest approved amendment that changed it


@dataclass
class Facts:
    """What the rules need to know about the plan amended and the tasks and fields the changes name."""

    plan: int
    plan_year: int
    plan_unit: int
    plan_status: str
    merging: bool  # the secretariat's amendment may carry or cancel tasks of units whose successor is this unit
    tasks: dict[int, TaskFacts] = field(default_factory=dict)
    fields: dict[int, int] = field(default_factory=dict)  # field id -> its plan
    cutoffs: dict[int, dt.date | None] = field(default_factory=dict)  # plan id -> its latest closed cut-off
    today: dt.date | None = None  # an amendment is a document already issued: not dated after today


def task_ids(changes: list[dict[str, Any]]) -> set[int]:
    return {c["task"] for c in changes if isinstance(c, dict) and isinstance(c.get("task"), int)}


def field_ids(changes: list[dict[str, Any]]) -> set[int]:
    return {c["field"] for c in changes if isinstance(c, dict) and isinstance(c.get("field"), int)}


def check_values(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    clean = {k: _text(values.get(k)) for k in ("number", "reason", "issuer")}
    for name in ("number", "reason"):
        if not clean[name]:
            errors[name] = _("This field is required.")
    for name, limit in (("number", 64), ("issuer", 255), ("reason", MAX_TEXT)):
        if len(clean[name]) > limit:
            errors[name] = _("At most %(n)s characters.", n=limit)
    clean["date"] = iso_date(values.get("date"))
    if clean["date"] is None:
        errors["date"] = _("This field is required.")
    return clean


def check_amendment(values: dict[str, Any], changes: list[dict[str, Any]],
                    facts: Facts) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """The amendment's clean values and changes, and every error (empty when it may be saved or applied)."""
    errors: dict[str, str] = {}
    clean = check_values(values, errors)
    if facts.plan_status != "issued":
        errors["plan"] = _("This plan is not issued yet: change its tasks directly, no amendment is needed.")
    if not changes:
        errors["changes"] = _("List at least one change.")
    cleaned: list[dict[str, Any]] = []
    cancelled: set[int] = set()
    touched: set[int] = {facts.plan}
    for i, change in enumerate(changes):
        out, errs = _check_change(change if isinstance(change, dict) else {}, facts, cancelled)
        errors.update({f"changes.{i}{'.' + k if k else ''}": v for k, v in errs.items()})
        cleaned.append(out)
        source = facts.tasks.get(out.get("task"))
        if source and (out["action"] != "carry" or source.year == facts.plan_year):
            touched.add(source.plan)  # a carry from an earlier year leaves its source as it is
    day = clean["date"]
    for i, out in enumerate(cleaned):
        task = facts.tasks.get(out.get("task"))
        changes_it = out["action"] in ("cancel", "redate", "edit") or (
            out["action"] == "carry" and task is not None and task.year == facts.plan_year)
        if day is not None and task and changes_it and task.amended_on and day < task.amended_on:
            # Applied now, it would undo a later document's change from that document's own date on.
            errors.setdefault(f"changes.{i}.task", _(
                "Task %(number)s was changed by an amendment dated %(date)s: an amendment dated earlier cannot "
                "change it again. Date this one on or after %(date)s.", number=task.number,
                date=task.amended_on.strftime("%d/%m/%Y")))
    if day is not None and facts.today is not None and day > facts.today:
        errors["date"] = _("The amendment's date is after today: date it on the day the document was signed.")
    closed = [facts.cutoffs[p] for p in touched if day is not None and before_closed(day, facts.cutoffs.get(p))]
    if closed:
        errors["date"] = _("The amendment's date is on or before %(date)s, a closed cut-off of a plan it changes: "
                           "figures up to then are final. Date it later.", date=max(closed).strftime("%d/%m/%Y"))
    return clean, cleaned, errors


def _check_change(change: dict[str, Any], facts: Facts, cancelled: set[int]) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    action = change.get("action")
    if action not in ACTIONS:
        return {"action": action}, {"action": _("Choose what the change does: add, cancel, redate, edit or carry.")}
    out: dict[str, Any] = {"action": action}
    if action != "add":
        task = _task(change, facts, action, errors)
        out["task"] = change.get("task")
        if task and task.id in cancelled:
            errors["task"] = _("This task is already cancelled by an earlier change of this amendment.")
        elif task and task.status == "cancelled":
            errors["task"] = _("Task %(number)s is already cancelled.", number=task.number)
        elif task and action == "cancel":
            if task.status == "done":
                errors["task"] = _("Task %(number)s is done: a done task cannot be cancelled.", number=task.number)
            cancelled.add(task.id)
        elif task and action == "carry":
            if task.status == "done":
                errors["task"] = _("Task %(number)s is done: there is nothing left to carry.", number=task.number)
            elif task.carried:
                errors["task"] = _("Task %(number)s has already been carried into a plan.", number=task.number)
            elif task.year == facts.plan_year:
                cancelled.add(task.id)  # carried from a plan of the same year: the source is cancelled
    if action in ("add", "carry"):
        out["field"] = change.get("field")
        if facts.fields.get(change.get("field")) != facts.plan:
            errors["field"] = _("Choose a field of this plan.")
    if action == "cancel":
        out["reason"] = _limited(change, "reason", errors, MAX_TEXT)
    if action == "edit":
        for name in WORDING:
            if change.get(name) is not None:
                out[name] = _limited(change, name, errors, MAX_TEXT)
        if not any(name in out for name in WORDING):
            errors[""] = _("Say what the task's content, lead unit, cooperating units or output become.")
        elif "content" in out and not out["content"]:
            errors["content"] = _("This field is required.")
    if action == "add":
        out["number"] = _limited(change, "number", errors, 16)
        for name in WORDING:
            out[name] = _limited(change, name, errors, MAX_TEXT)
        if not out["content"]:
            errors["content"] = _("This field is required.")
    if action in ("add", "redate") or (action == "carry" and (change.get("due") or change.get("due_text"))):
        out.update(_deadline(change, facts.plan_year, errors))
    return out, errors


def _task(change: dict[str, Any], facts: Facts, action: str, errors: dict[str, str]) -> TaskFacts | None:
    task = facts.tasks.get(change.get("task")) if isinstance(change.get("task"), int) else None
    if task is None:
        errors["task"] = _("There is no such task.")
        return None
    merged = facts.merging and task.unit_successor == facts.plan_unit and action in ("carry", "cancel")
    if action == "carry":
        if task.plan == facts.plan:
            errors["task"] = _("Task %(number)s is already in this plan.", number=task.number)
            return None
        # Only the unit's own earlier plan, or (the secretariat's merge) a plan of a unit this one succeeds.
        if not merged and (task.unit != facts.plan_unit or task.year >= facts.plan_year):
            errors["task"] = _("Task %(number)s belongs to another plan.", number=task.number)
            return None
    elif task.plan != facts.plan and not merged:
        errors["task"] = _("Task %(number)s belongs to another plan.", number=task.number)
        return None
    return task


def _deadline(change: dict[str, Any], plan_year: int, errors: dict[str, str]) -> dict[str, Any]:
    """The new deadline: the date given, or the one its text says; within the plan's year window (the rule the
    task form applies)."""
    due_text = _limited(change, "due_text", errors, 255)
    due = iso_date(change.get("due"))
    if change.get("due") not in (None, "") and due is None:
        errors["due"] = _("Write the date as dd/mm/yyyy.")
        return {"due_text": due_text}
    try:
        if due is not None:
            due = parse_deadline(due, plan_year)
        elif due_text:
            due = parse_deadline(due_text, plan_year)
        else:
            errors["due"] = _("Give the new deadline.")
    except DeadlineError as exc:
        errors["due" if change.get("due") else "due_text"] = str(exc)
        due = None
    return {"due": due.isoformat() if due else None, "due_text": due_text}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _limited(change: dict[str, Any], name: str, errors: dict[str, str], limit: int) -> str:
    value = _text(change.get(name))
    if len(value) > limit:
        errors[name] = _("At most %(n)s characters.", n=limit)
    return value


def iso_date(value: Any) -> dt.date | None:
    """A date kept or sent as ISO text (or already a date); None when missing or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
