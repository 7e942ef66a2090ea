"""Reading the task update form: values in, a ProgressUpdate (or errors by field) out."""

from __future__ import annotations

import datetime as dt

from app.i18n import _
from tasks.rules import ProgressUpdate, Status


def progress_form(data: dict[str, str]) -> tuple[ProgressUpdate | None, dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        status = Status(data.get("status", ""))
    except ValueError:
        errors["status"] = _("Choose a status.")
        status = Status.IN_PROGRESS
    raw_progress = (data.get("progress") or "0").strip()
    progress = int(raw_progress) if raw_progress.lstrip("-").isdigit() else -1
    completed_on = None
    if status is Status.DONE and (raw := (data.get("completed_on") or "").strip()):
        try:
            completed_on = dt.date.fromisoformat(raw)
        except ValueError:
            errors["completed_on"] = _("Write the date as dd/mm/yyyy.")
    note = (data.get("note") or "").strip()
    if len(note) > 4000:
        errors["note"] = _("At most %(n)s characters.", n=4000)
    return (None if errors else ProgressUpdate(status, progress, completed_on, note)), errors
