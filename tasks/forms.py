"""Reading the task forms: values in, clean values (or a ProgressUpdate) and errors by field name out."""

from __future__ import annotations

from typing import Any

from app.forms import date_value, text_value
from app.i18n import _
from tasks.deadlines import DeadlineError, parse_deadline
from tasks.rules import ProgressUpdate, Status

MAX_TEXT = 4000


def progress_form(data: dict[str, str]) -> tuple[ProgressUpdate | None, dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        status = Status(data.get("status", ""))
    except ValueError:
        errors["status"] = _("Choose a status.")
        status = Status.IN_PROGRESS
    raw_progress = (data.get("progress") or "0").strip()
    progress = int(raw_progress) if raw_progress.lstrip("-").isdecimal() else -1
    completed_on = None
    if status is Status.DONE:
        completed_on = date_value(data, "completed_on", errors)
    note = (data.get("note") or "").strip()
    return (None if errors else ProgressUpdate(status, progress, completed_on, note)), errors


def task_form(data: dict[str, str], plan_year: int) -> tuple[dict[str, Any], dict[str, str]]:
    """A task's own details, with its deadline read as the plan writes it (within the plan's year)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "number": text_value(data, "number", errors, limit=16),
        "content": text_value(data, "content", errors, required=True, limit=MAX_TEXT),
        "lead": text_value(data, "lead", errors, limit=MAX_TEXT),
        "partners": text_value(data, "partners", errors, limit=MAX_TEXT),
        "output": text_value(data, "output", errors, limit=MAX_TEXT),
        "note": text_value(data, "note", errors, limit=MAX_TEXT),
        "due_text": text_value(data, "due_text", errors, required=True, limit=255),
    }
    if values["due_text"] and "due_text" not in errors:
        try:
            values["due_date"] = parse_deadline(values["due_text"], plan_year)
        except DeadlineError as exc:
            errors["due_text"] = str(exc)
    return values, errors
