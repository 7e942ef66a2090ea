"""Reading the amendment form: the document's details and its list of changes, each a row of the form.

A row is named by a key the page gave it (`c-<key>-task`, `c-<key>-due_text`…, and one `row=<key>` each, in the
page's order); errors are named by the row's place in the list ("changes.0.task"), as the actions name them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field as dc_field
from typing import Any

from app.forms import date_value, text_value
from app.i18n import N_, _

MAX_TEXT = 4000
WORDING = ("content", "lead", "partners", "output")
# The changes a page may draft; "carry" comes from the year's close and the units' merges, not from this form.
KINDS = {"cancel": N_("Cancel a task"), "redate": N_("Change a deadline"), "edit": N_("Change the wording"),
         "add": N_("Add a task")}
MAX_ROWS = 200


@dataclass
class Row:
    """One change as typed: its key on the page, its kind, and the raw values (to show again)."""

    key: int
    action: str
    raw: dict[str, str] = dc_field(default_factory=dict)
    errors: dict[str, str] = dc_field(default_factory=dict)  # by input name; "" for the change as a whole


def rows_of(form) -> list[Row]:
    """The change rows of a submitted form, in the page's order; a row whose remove button was pressed is dropped."""
    removed = form.get("remove", "")
    rows = []
    for key in dict.fromkeys(form.getall("row", []) if hasattr(form, "getall") else []):
        if not key.isdecimal() or key == removed or len(rows) >= MAX_ROWS:
            continue
        prefix = f"c-{key}-"
        raw = {k.removeprefix(prefix): str(v) for k, v in form.items() if k.startswith(prefix)}
        rows.append(Row(int(key), raw.get("action", ""), raw))
    return rows


SHOWN = ("task", "field", "reason", "due", "due_text", *WORDING)


def attach_errors(rows: list[Row], errors: dict[str, str]) -> None:
    """Each row gets its errors ("changes.2.due" -> rows[2].errors["due"]); one about an input the row does not
    show is said of the row as a whole."""
    for index, row in enumerate(rows):
        prefix = f"changes.{index}"
        for key, message in errors.items():
            if key == prefix or key.startswith(prefix + "."):
                name = key.removeprefix(prefix).lstrip(".")
                name = name if name in SHOWN else ""
                row.errors[name] = f"{row.errors[name]} {message}" if row.errors.get(name) else message


def next_key(rows: list[Row]) -> int:
    return max((r.key for r in rows), default=-1) + 1


def document_form(data) -> tuple[dict[str, Any], dict[str, str]]:
    """The amendment's own details: number, date and reason required, the issuer optional."""
    errors: dict[str, str] = {}
    values = {"number": text_value(data, "number", errors, required=True, limit=64),
              "date": date_value(data, "date", errors),
              "reason": text_value(data, "reason", errors, required=True, limit=MAX_TEXT),
              "issuer": text_value(data, "issuer", errors, limit=255)}
    if values["date"] is None and "date" not in errors:
        errors["date"] = _("This field is required.")
    return values, errors


def changes_form(rows: list[Row], tasks: dict[int, dict[str, Any]],
                 fields: set[int]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The changes as the actions take them, and the errors by row ("changes.2.due_text")."""
    changes, errors = [], {}
    if not rows:
        errors["changes"] = _("List at least one change.")
    for index, row in enumerate(rows):
        row_errors: dict[str, str] = {}
        change = _change(row, tasks, fields, row_errors)
        errors.update({f"changes.{index}" + (f".{k}" if k else ""): v for k, v in row_errors.items()})
        changes.append(change)
    return changes, errors


def _change(row: Row, tasks: dict[int, dict[str, Any]], fields: set[int], errors: dict[str, str]) -> dict[str, Any]:
    if row.action not in KINDS:
        errors[""] = _("Choose what this change does.")
        return {"action": row.action}
    change: dict[str, Any] = {"action": row.action}
    if row.action == "add":
        change["field"] = _choice(row.raw.get("field"), fields, "field", _("Choose the field."), errors)
        for name in WORDING:
            change[name] = text_value(row.raw, name, errors, required=name == "content", limit=MAX_TEXT)
        change.update(_deadline(row.raw, errors))
        return change
    change["task"] = task = _choice(row.raw.get("task"), set(tasks), "task", _("Choose a task."), errors)
    if row.action == "cancel":
        change["reason"] = text_value(row.raw, "reason", errors, limit=MAX_TEXT)
    elif row.action == "redate":
        change.update(_deadline(row.raw, errors))
    elif task is not None:
        change.update(_wording(row.raw, tasks[task], errors))
    return change


def _choice(raw: str | None, allowed: set[int], name: str, message: str, errors: dict[str, str]) -> int | None:
    value = int(raw) if raw and raw.strip().isdecimal() else None
    if value not in allowed:
        errors[name] = message
        return None
    return value


def _deadline(raw: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The new deadline as written ("Tháng 12/2026") and, if typed, its date; the actions read the date from the
    text when none is typed, and check it against the plan's year."""
    due_text = text_value(raw, "due_text", errors, limit=255)
    due = date_value(raw, "due", errors)
    if not due and not due_text and "due" not in errors:
        errors["due_text"] = _("Write the new deadline, e.g. “Tháng 12/2026”.")
    return {"due_text": due_text, "due": due}


def _wording(raw: dict[str, str], task: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Only what differs from the task. A row prefilled for this task is taken as typed; otherwise (typed
    without the page's help) an empty box keeps the task's wording."""
    prefilled = raw.get("for") == str(task["id"])
    values = {name: text_value(raw, name, errors, limit=MAX_TEXT) for name in WORDING}
    if prefilled and not values["content"]:
        errors["content"] = _("This field is required.")
    changed = {k: v for k, v in values.items() if (v or prefilled) and v != task[k]}
    if not changed and not errors:
        errors[""] = _("Change at least one of the content, lead unit, cooperating units or output.")
    return changed


def row_values(row: Row, task: dict[str, Any] | None) -> dict[str, str]:
    """What a row's inputs show: what was typed, or (an edit row just chosen) the task's current wording."""
    if row.action == "edit" and task is not None and row.raw.get("for") != str(task["id"]):
        return {**row.raw, **{k: task[k] for k in WORDING}, "for": str(task["id"])}
    return row.raw


def change_rows(changes: list[dict[str, Any]], tasks: dict[int, dict[str, Any]]) -> list[Row]:
    """A stored amendment's changes as rows of the form (its edit page); an edit shows the task's wording where
    it changes nothing."""
    rows = []
    for key, change in enumerate(changes):
        values = change.get("values") or {}
        raw = {"action": change["action"], "task": str(change.get("task") or ""),
               "field": str(change.get("field") or ""), **{k: _shown(v) for k, v in values.items()}}
        if change["action"] == "edit" and change.get("task") in tasks:
            task = tasks[change["task"]]
            raw = {**{k: task[k] for k in WORDING}, **raw, "for": str(task["id"])}
        rows.append(Row(key, change["action"], raw))
    return rows


def _shown(value: Any) -> str:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)
