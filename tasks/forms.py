"""Reading the task update form: values in, a ProgressUpdate (or errors by field) out."""

from __future__ import annotations

from app.i18n import _
from plans.rules import parse_date_input
from tasks.rules import ProgressUpdate, Status


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
        try:
            completed_on = parse_date_input(data.get("completed_on"))
        except ValueError:
            errors["completed_on"] = _("Write the date as dd/mm/yyyy.")
    note = (data.get("note") or "").strip()
    return (None if errors else ProgressUpdate(status, progress, completed_on, note)), errors
